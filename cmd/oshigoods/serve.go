package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/hibiken/asynqmon"

	"oshigoods/console"
	"oshigoods/guard"
	"oshigoods/httperr"
	"oshigoods/metrics"
	"oshigoods/orders/api"
	"oshigoods/storefront"
	"oshigoods/worker"
)

func newLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// cmdServe runs the API and, unless --worker=false, the worker. test, when
// set, receives the running system (tests use it to reach embedded Redis).
func cmdServe(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer, test func(*config)) error {
	var cfg config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.bind(fs, getenv)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if test != nil {
		test(&cfg)
	}
	if err := cfg.validate(); err != nil {
		return err
	}
	logger := newLogger(stderr)
	sys, err := openSystem(ctx, cfg, logger, true)
	if err != nil {
		return err
	}
	defer sys.close()
	defer sys.reloadOnHangup(ctx)()
	return sys.serve(ctx)
}

// serve runs the HTTP API (and the worker, if configured) until ctx ends.
func (s *system) serve(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	apiHandler := api.New(s.svc, s.logger, map[string]api.Pinger{"database": s.store, "redis": s.queue, "s3": s.files})
	shop, err := storefront.New(storefront.Config{Service: s.svc, Logger: s.logger, LegalDir: s.cfg.LegalDir})
	if err != nil {
		return err
	}
	if _, ok := s.cfg.sender(); !ok {
		s.logger.Warn("the shop's sender details are not set; packing slips and carrier files show placeholders: set OSHIGOODS_SHOP_NAME, _POSTAL_CODE, _ADDRESS and _PHONE before shipping")
	}
	if p := shop.LegalPlaceholders(); len(p) > 0 {
		s.logger.Warn("legal pages show placeholder text; put them in OSHIGOODS_LEGAL_DIR before selling", "pages", strings.Join(p, ","))
	}
	// The fans' pages at /, beside the API. Cross-origin protection turns
	// away a browser's cross-site POST (a forged form) to either, with the
	// JSON of EFORBIDDEN.
	// Metrics label requests by the pattern the API's or the storefront's
	// own ServeMux matched (metrics.Route), never by the path.
	mux := http.NewServeMux()
	mux.Handle("/v1/", metrics.Route(apiHandler))
	mux.Handle("/healthz", metrics.Route(apiHandler))
	mux.Handle("/readyz", metrics.Route(apiHandler))
	mux.Handle("/", metrics.Route(shop))
	// The operator's console, and the queue dashboard behind its sign-in.
	queues := asynqmon.New(asynqmon.Options{RootPath: console.QueuesPath, RedisConnOpt: s.redisOpt})
	defer queues.Close()
	con, err := console.New(console.Config{Service: s.svc, Logger: s.logger, Queues: queues})
	if err != nil {
		return err
	}
	mux.Handle("/admin", metrics.Route(con))
	mux.Handle("/admin/", metrics.Route(con))
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(httperr.Handler(s.logger, httperr.CrossOrigin))
	g, err := guard.New(s.cfg.Guard, s.logger, guardRoutes)
	if err != nil {
		return err
	}
	srv := s.cfg.Guard.Server(s.metrics.HTTP(accessLog(s.logger, g.Handler(cop.Handler(mux)))))
	stopMetrics, err := s.serveMetrics()
	if err != nil {
		ln.Close()
		return err
	}
	defer stopMetrics()
	s.logger.Info("listening", "addr", "http://"+ln.Addr().String(), "worker", s.cfg.Worker)
	if s.cfg.onListen != nil {
		s.cfg.onListen(ln.Addr().String())
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errc := make(chan error, 2)
	if s.cfg.Worker {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.runWorker(ctx); err != nil {
				errc <- err
				cancel()
			}
		}()
	}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- err
			cancel()
		}
	}()
	<-ctx.Done()
	shutdown, done := context.WithTimeout(context.Background(), 15*time.Second)
	defer done()
	srv.Shutdown(shutdown)
	wg.Wait()
	select {
	case err := <-errc:
		return err
	default:
		return nil
	}
}

// guardRoutes are what each route of the API and the storefront costs a
// client (guard.Class): uploads, previews and orders draw on its allowance;
// the routes that take a shop key, an operator key (the admin API, the
// console's sign-in) or an order token count its
// failures (a
// storefront file of a wrong name, 404 like a wrong token, counts too).
var guardRoutes = []guard.Route{
	{Pattern: "POST /v1/uploads", Class: guard.Upload},
	{Pattern: "POST /v1/previews", Class: guard.Preview},
	{Pattern: "POST /v1/orders", Class: guard.Order},
	{Pattern: "/v1/shop/", Class: guard.ShopAuth},
	{Pattern: "/v1/admin/", Class: guard.ShopAuth},
	// The dashboard's session cookie is signed (HMAC-SHA256): it cannot be
	// guessed, and a dashboard left open past its session must not use
	// up its operator's failures with every refresh.
	{Pattern: "POST /admin/session", Class: guard.ShopAuth},
	{Pattern: "/v1/orders/{id}", Class: guard.TokenAuth},
	{Pattern: "/v1/orders/{id}/", Class: guard.TokenAuth},
	{Pattern: "GET /files/", Class: guard.TokenAuth},
}

// cmdWorker runs the worker alone against shared Redis, database and S3.
func cmdWorker(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	var cfg config
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.bind(fs, getenv)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if err := cfg.validate(); err != nil {
		return err
	}
	logger := newLogger(stderr)
	sys, err := openSystem(ctx, cfg, logger, false)
	if err != nil {
		return err
	}
	defer sys.close()
	stopMetrics, err := sys.serveMetrics()
	if err != nil {
		return err
	}
	defer stopMetrics()
	defer sys.reloadOnHangup(ctx)()
	return sys.runWorker(ctx)
}

// runWorker processes render and webhook tasks, re-enqueues items Redis
// lost, dispatches pending webhook deliveries, sends the fans' e-mails
// that are due and deletes personal data past its retention period, until
// ctx ends. Renders and deliveries run in two asynq servers, each with its
// own pool (Concurrency and WebhookConcurrency), so endpoints that hang
// hold only delivery slots and never delay a render.
func (s *system) runWorker(ctx context.Context) error {
	server := func(queue string, concurrency int, retry asynq.RetryDelayFunc) *asynq.Server {
		return asynq.NewServer(s.redisOpt, asynq.Config{
			Concurrency:    concurrency,
			Queues:         map[string]int{queue: 1},
			RetryDelayFunc: retry,
			// Retries come due no later than one reconcile interval.
			DelayedTaskCheckInterval: min(5*time.Second, s.cfg.Reconcile),
			Logger:                   asynqLogger{s.logger.With("component", "asynq", "queue", queue)},
			ShutdownTimeout:          30 * time.Second,
			ErrorHandler: asynq.ErrorHandlerFunc(func(ctx context.Context, t *asynq.Task, err error) {
				id, _ := asynq.GetTaskID(ctx)
				s.logger.Warn("task failed", "type", t.Type(), "task", id, "err", err)
			}),
		})
	}
	renderer, err := worker.NewRenderer(s.svc, s.logger)
	if err != nil {
		return err
	}
	mail, mailDesc, err := newFanMail(s.cfg, s.logger)
	if err != nil {
		return err
	}
	renders := asynq.NewServeMux()
	renders.Use(s.metrics.RenderMiddleware)
	renders.Handle("render:", renderer)
	// A dead render is not left to asynq's recovery (its lease of 30 s and
	// its minute-long passes are fixed in asynq v0.26): the render's own
	// lease (OSHIGOODS_RENDER_LEASE) runs out and the reconciler hands the
	// item over under a fresh task.
	renderSrv := server(worker.QueueRender, s.cfg.Concurrency, worker.RenderRetryDelay(s.cfg.RenderRetry))
	if err := renderSrv.Start(renders); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	hooks := asynq.NewServeMux()
	hooks.Use(s.metrics.DeliveryMiddleware)
	hooks.Handle("webhook:", &worker.Deliverer{Service: s.svc})
	hookSrv := server(worker.QueueWebhooks, s.cfg.WebhookConcurrency, worker.RetryDelay(s.cfg.WebhookRetry))
	if err := hookSrv.Start(hooks); err != nil {
		renderSrv.Shutdown()
		return fmt.Errorf("start webhook worker: %w", err)
	}
	loops := []func(context.Context){
		(&worker.Reconciler{Service: s.svc, Queue: s.queue, Logger: s.logger, Interval: s.cfg.Reconcile, StaleAfter: s.cfg.StaleAfter,
			Batch: s.cfg.ReconcileBatch}).Run,
		(&worker.Dispatcher{Service: s.svc, Queue: s.queue, Logger: s.logger, Interval: s.cfg.Reconcile, RequeueAfter: s.cfg.StaleAfter}).Run,
		(&worker.Sweeper{Service: s.svc, Logger: s.logger}).Run,
		(&worker.Mailer{Service: s.svc, Sender: mail, Logger: s.logger, Interval: s.cfg.MailInterval}).Run,
	}
	var running sync.WaitGroup
	for _, run := range loops {
		running.Go(func() { run(ctx) })
	}
	s.logger.Info("worker started", "concurrency", s.cfg.Concurrency, "webhook_concurrency", s.cfg.WebhookConcurrency, "mail", mailDesc)
	<-ctx.Done()
	var wg sync.WaitGroup
	for _, srv := range []*asynq.Server{renderSrv, hookSrv} {
		wg.Add(1)
		go func() { defer wg.Done(); srv.Shutdown() }()
	}
	wg.Wait()
	running.Wait()
	return nil
}

// asynqLogger adapts slog to asynq's logger.
type asynqLogger struct{ l *slog.Logger }

func (a asynqLogger) Debug(args ...any) { a.l.Debug(fmt.Sprint(args...)) }
func (a asynqLogger) Info(args ...any)  { a.l.Info(fmt.Sprint(args...)) }
func (a asynqLogger) Warn(args ...any)  { a.l.Warn(fmt.Sprint(args...)) }
func (a asynqLogger) Error(args ...any) { a.l.Error(fmt.Sprint(args...)) }
func (a asynqLogger) Fatal(args ...any) { a.l.Error(fmt.Sprint(args...)); panic(fmt.Sprint(args...)) }
