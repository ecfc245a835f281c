package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/hibiken/asynq"

	"oshigoods"
	"oshigoods/budget"
	"oshigoods/embedded"
	"oshigoods/fulfil"
	"oshigoods/metrics"
	"oshigoods/orders"
	"oshigoods/orders/sqlstore"
	"oshigoods/postal"
	"oshigoods/render"
	"oshigoods/s3store"
	"oshigoods/stripepay"
	"oshigoods/templates"
	"oshigoods/worker"
)

// system is the wired set of backends one process uses.
type system struct {
	cfg      config
	logger   *slog.Logger
	catalog  *templates.Live
	store    *sqlstore.Store
	files    *s3store.Store
	queue    *worker.Queue
	tasks    *worker.Inspector
	redisOpt asynq.RedisConnOpt
	svc      *orders.Service
	profile  render.Profile
	redis    *embedded.Redis // non-nil when Redis is embedded
	metrics  *metrics.Metrics
	closers  []func()
}

// openSystem connects to (or, where allowed and unconfigured, starts) the
// database, Redis and S3, and loads the catalogue.
func openSystem(ctx context.Context, cfg config, logger *slog.Logger, allowEmbeddedRedis bool) (sys *system, err error) {
	s := &system{cfg: cfg, logger: logger}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	if s.catalog, err = templates.NewLive(cfg.catalogLoader()); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	backends := []any{}

	dbURL := cfg.DatabaseURL
	if dbURL == "" {
		dbURL = filepath.Join(cfg.DataDir, "oshigoods.db")
	}
	if s.store, err = sqlstore.OpenConfig(ctx, dbURL, cfg.DB); err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	s.closers = append(s.closers, func() { s.store.Close() })
	backends = append(backends, "database", s.store.Dialect()+" "+redact(dbURL))

	redisURL := cfg.RedisURL
	if redisURL == "" {
		if !allowEmbeddedRedis {
			return nil, errors.New("set OSHIGOODS_REDIS_URL: a separate worker shares Redis with the API (the embedded Redis lives inside `oshigoods serve`)")
		}
		if s.redis, err = embedded.StartRedis(); err != nil {
			return nil, err
		}
		s.closers = append(s.closers, s.redis.Close)
		redisURL = s.redis.URL()
		backends = append(backends, "redis", "embedded (in-process miniredis)")
	} else {
		backends = append(backends, "redis", redact(redisURL))
	}
	if s.redisOpt, err = worker.ParseRedisURL(redisURL); err != nil {
		return nil, fmt.Errorf("OSHIGOODS_REDIS_URL %w", err)
	}
	s.queue = worker.NewQueue(s.redisOpt)
	s.closers = append(s.closers, func() { s.queue.Close() })

	s3cfg := cfg.s3Config()
	if cfg.S3Endpoint == "" {
		dir := filepath.Join(cfg.DataDir, "s3")
		srv, err := embedded.StartS3(embedded.S3Config{Dir: dir, Region: cfg.S3Region, Logger: logger})
		if err != nil {
			return nil, err
		}
		s.closers = append(s.closers, srv.Close)
		s3cfg.Endpoint, s3cfg.AccessKey, s3cfg.SecretKey = srv.Endpoint(), srv.AccessKey(), srv.SecretKey()
		backends = append(backends, "s3", "embedded (in-process, objects in "+dir+") at "+srv.Endpoint())
	} else {
		backends = append(backends, "s3", cfg.S3Endpoint+" bucket "+cfg.S3Bucket)
	}
	if s.files, err = s3store.New(ctx, s3cfg); err != nil {
		return nil, fmt.Errorf("open S3 bucket: %w", err)
	}

	profile, err := render.LookupProfile(cfg.Profile)
	if err != nil {
		return nil, userError(err)
	}
	if cfg.OutputICC != "" {
		if profile.OutputICC, profile.OutputICCName, err = render.LoadOutputICC(cfg.OutputICC); err != nil {
			return nil, fmt.Errorf("OSHIGOODS_OUTPUT_ICC (--output-icc): %w", err)
		}
		backends = append(backends, "output_icc", profile.OutputICCName)
	}
	s.profile = profile
	backends = append(backends, "print_profile", profile.Name)
	secret, err := s.secret()
	if err != nil {
		return nil, err
	}
	decodes, err := budget.New(cfg.budgetConfig())
	if err != nil {
		return nil, err
	}
	backends = append(backends, "decode_budget_mib", decodes.Size()>>20)
	s.svc = &orders.Service{
		Store: s.store, Queue: s.queue, Files: s.files, Catalog: s.catalog, Logger: logger,
		Secret: secret, Profile: profile, Limits: orders.Limits{MaxUploadBytes: cfg.MaxUpload},
		Retention: cfg.retention(),
		Webhooks:  cfg.WebhookPolicy,
		Decodes:   decodes,
		Payments:  cfg.Payments,
		Shipping:  cfg.Shipping,
		PublicURL: cfg.publicURL(),
		Postal:    postal.PrefecturesOf,
		Carriers:  fulfil.Carriers{},
		Mails:     cfg.Mails,
		Renders:   cfg.Renders,
	}
	sender, _ := cfg.sender()
	s.svc.Packing = &fulfil.Docs{Shop: sender, Size: cfg.PackingSize, Prices: cfg.PackingPrices}
	if cfg.Payments.Mode == orders.PaymentStripe {
		if s.svc.Provider, err = stripepay.New(cfg.Stripe); err != nil {
			return nil, err
		}
		backends = append(backends, "payment", "stripe "+cfg.Stripe.WithDefaults().APIBase)
	}
	if key := cfg.adminKey(); key != "" {
		s.svc.AdminKeyHash = orders.Hash(key)
	}
	s.svc.Admin = cfg.Admin
	s.tasks = worker.NewInspector(s.redisOpt)
	s.closers = append(s.closers, func() { s.tasks.Close() })
	s.svc.Tasks = s.tasks
	if err := s.svc.Validate(); err != nil {
		return nil, err
	}
	if err := s.openMetrics(); err != nil {
		return nil, err
	}
	if cfg.TemplatesDir != "" {
		backends = append(backends, "templates_dir", cfg.TemplatesDir)
	}
	backends = append(backends, "templates", len(s.catalog.Templates()))
	logger.Info("backends", backends...)
	return s, nil
}

// reloadOnHangup reloads the templates (orders.Service.ReloadTemplates)
// each time the process gets SIGHUP, until ctx ends, logging what changed
// or, when a template is bad, its name and reason: the templates in use
// then stay. It returns once it listens for the signal; stop stops it.
func (s *system) reloadOnHangup(ctx context.Context) (stop func()) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
			}
			res, err := s.svc.ReloadTemplates(ctx, orders.ActorOperator)
			if err != nil {
				s.logger.Error("SIGHUP: templates not reloaded; the ones in use stay", "err", oshigoods.ErrorMessage(err))
				continue
			}
			for _, c := range res.Changes {
				s.logger.Info("SIGHUP: template reloaded", "template", c.ID, "from", c.From, "to", c.To)
			}
			s.logger.Info("SIGHUP: templates reloaded", "templates", len(res.Templates), "changed", len(res.Changes))
		}
	}()
	return func() {
		signal.Stop(hup)
		cancel()
		<-done
	}
}

// secret returns OSHIGOODS_SECRET, or one kept in the data folder (made on
// first start). Several API processes must share one: set OSHIGOODS_SECRET.
func (s *system) secret() ([]byte, error) {
	if s.cfg.Secret != "" {
		return []byte(s.cfg.Secret), nil
	}
	path := filepath.Join(s.cfg.DataDir, "secret")
	if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
		return b, nil
	}
	if s.cfg.DatabaseURL != "" {
		s.logger.Warn("OSHIGOODS_SECRET is not set; using a secret kept in the data folder, which other API processes do not share")
	}
	b := []byte(orders.NewSecret())
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, fmt.Errorf("write secret: %w", err)
	}
	return b, nil
}

func (s *system) close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
}

// redact removes the password from a URL for logging.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil && strings.Contains(raw, "://") {
		return redactUserinfo(raw)
	}
	if err != nil || u.Scheme == "" || u.Host == "" {
		return raw
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	u.RawQuery = ""
	return strings.Replace(u.String(), "xxxxx", "…", 1)
}

// redactUserinfo removes the password and query of a URL that net/url does
// not parse, such as a Redis Sentinel URL of several [IPv6]:port hosts.
func redactUserinfo(raw string) string {
	scheme, rest, _ := strings.Cut(raw, "://")
	authority, tail := rest, ""
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority, tail = rest[:i], rest[i:]
	}
	tail, _, _ = strings.Cut(tail, "?")
	if i := strings.LastIndex(authority, "@"); i >= 0 {
		user, _, hasPassword := strings.Cut(authority[:i], ":")
		if hasPassword {
			user += ":…"
		}
		authority = user + authority[i:]
	}
	return scheme + "://" + authority + tail
}
