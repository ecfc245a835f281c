package metrics

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"oshigoods"
	"oshigoods/httperr"
	"oshigoods/orders"
)

// Inspector reads asynq's queues: *asynq.Inspector.
type Inspector interface {
	Queues() ([]string, error)
	GetQueueInfo(queue string) (*asynq.QueueInfo, error)
}

var _ Inspector = (*asynq.Inspector)(nil)

// Config is what the metrics read. Zero durations mean the defaults;
// Validate says what is allowed.
type Config struct {
	// Census counts the store at scrape time (sqlstore.Store). Required.
	Census orders.CensusStore
	// Queues reads asynq's queues at scrape time. Nil leaves out
	// oshigoods_queue_*.
	Queues Inspector
	// KnownQueues are reported, as zeros, before Redis holds them.
	KnownQueues []string
	// Pool returns the database pool's statistics (sqlstore.Store.Stats).
	// Nil leaves out oshigoods_db_*.
	Pool func() sql.DBStats
	// CacheFor is how long the store's and the queues' counts of one
	// scrape answer the scrapes that follow, so several Prometheus servers
	// cost one count. From 1s to 5m. Default 5 seconds.
	CacheFor time.Duration
	// Timeout bounds the store's count at a scrape, from 100ms to 1m
	// (asynq's Inspector has its own timeouts, 3 seconds a read). Default
	// 5 seconds.
	Timeout time.Duration
	// Logger logs counts that failed; nil discards.
	Logger *slog.Logger
	// Now is the clock ages are measured by. Nil means time.Now.
	Now func() time.Time
}

// Defaults of Config.
const (
	DefaultCacheFor = 5 * time.Second
	DefaultTimeout  = 5 * time.Second
)

// Validate reports a Config that cannot work: no Census, and one
// *oshigoods.ConfigError for each duration out of range, joined.
func (c Config) Validate() error {
	var errs []error
	if c.Census == nil {
		errs = append(errs, errors.New("metrics: Config needs a Census"))
	}
	if c.CacheFor != 0 && (c.CacheFor < time.Second || c.CacheFor > 5*time.Minute) {
		errs = append(errs, &oshigoods.ConfigError{Field: "CacheFor", Value: c.CacheFor, Problem: "is out of range; give 1s–5m"})
	}
	if c.Timeout != 0 && (c.Timeout < 100*time.Millisecond || c.Timeout > time.Minute) {
		errs = append(errs, &oshigoods.ConfigError{Field: "Timeout", Value: c.Timeout, Problem: "is out of range; give 100ms–1m"})
	}
	return errors.Join(errs...)
}

// Metrics is one process's metrics: a registry of its own (never
// Prometheus's global one), the counters its hooks feed and the counts
// read at scrape time. It is safe for concurrent use.
type Metrics struct {
	reg      *prometheus.Registry
	renders  *prometheus.HistogramVec
	attempts *prometheus.CounterVec
	actions  *prometheus.CounterVec
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// Render outcomes, the outcome label of oshigoods_render_duration_seconds
// and of oshigoods_webhook_attempts_total.
const (
	OutcomeOK     = "ok"     // done
	OutcomeRetry  = "retry"  // failed; asynq tries again later
	OutcomeFailed = "failed" // failed for good
)

// New returns the metrics of cfg, after Validate.
func New(cfg Config) (*Metrics, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		renders: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "oshigoods_render_duration_seconds",
			Help:    "Render tasks run by this process, by product kind and outcome (ok, retry, failed), with how long each took.",
			Buckets: []float64{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120},
		}, []string{"kind", "outcome"}),
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "oshigoods_webhook_attempts_total",
			Help: "Webhook delivery attempts made by this process, by outcome: ok, retry (failed, tried again later) or failed (given up).",
		}, []string{"outcome"}),
		actions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "oshigoods_reconciler_actions_total",
			Help: "What the reconciler did to items in this process, by action (e.g. requeued).",
		}, []string{"action"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "oshigoods_http_requests_total",
			Help: "HTTP requests answered, by route (the ServeMux pattern; unrouted for those refused before routing) and status code.",
		}, []string{"route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "oshigoods_http_request_duration_seconds",
			Help:    "Time from a request's headers to the end of its answer, by route.",
			Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300},
		}, []string{"route"}),
	}
	m.reg.MustRegister(m.renders, m.attempts, m.actions, m.requests, m.latency,
		newCounts(cfg),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if cfg.Pool != nil {
		m.reg.MustRegister(newPoolCollector(cfg.Pool))
	}
	return m, nil
}

// Handler serves the registry in Prometheus's text format (or the format
// the scraper asks for).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

var _ orders.Observer = (*Metrics)(nil)

// Record counts one reconciler action (oshigoods_reconciler_actions_total).
// It is the orders.Observer of the Service.
func (m *Metrics) Record(action string) { m.actions.WithLabelValues(action).Inc() }

// RenderMiddleware times the render tasks of an asynq.ServeMux
// (ServeMux.Use) into oshigoods_render_duration_seconds: the kind is the
// task type after "render:", the outcome ok, retry, or failed when the
// handler skips retrying or it was the last retry.
func (m *Metrics) RenderMiddleware(next asynq.Handler) asynq.Handler {
	return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
		start := time.Now()
		err := next.ProcessTask(ctx, t)
		kind := strings.TrimPrefix(t.Type(), "render:")
		m.renders.WithLabelValues(kind, outcome(ctx, err)).Observe(time.Since(start).Seconds())
		return err
	})
}

// DeliveryMiddleware counts the webhook tasks of an asynq.ServeMux into
// oshigoods_webhook_attempts_total by outcome.
func (m *Metrics) DeliveryMiddleware(next asynq.Handler) asynq.Handler {
	return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
		err := next.ProcessTask(ctx, t)
		m.attempts.WithLabelValues(outcome(ctx, err)).Inc()
		return err
	})
}

// outcome says what became of a task that returned err.
func outcome(ctx context.Context, err error) string {
	if err == nil {
		return OutcomeOK
	}
	retried, _ := asynq.GetRetryCount(ctx)
	maxRetry, ok := asynq.GetMaxRetry(ctx)
	if errors.Is(err, asynq.SkipRetry) || (ok && retried >= maxRetry) {
		return OutcomeFailed
	}
	return OutcomeRetry
}

// HTTP counts and times every request next answers, by route and status
// (oshigoods_http_requests_total, oshigoods_http_request_duration_seconds).
// The route is the ServeMux pattern that Route found inside next, e.g.
// "GET /v1/orders/{id}", never the path, so no id becomes a label; a request
// refused before any Route (a rate limit, a cross-origin check) is
// "unrouted".
func (m *Metrics) HTTP(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		label := &routeLabel{}
		sw := &httperr.StatusRecorder{ResponseWriter: w}
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), routeKey{}, label)))
		route := label.route
		if route == "" {
			route = "unrouted"
		}
		status := sw.Status
		if status == 0 {
			status = http.StatusOK
		}
		m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
		m.latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
	})
}

// Route wraps a handler that routes with an http.ServeMux (or is one):
// once it has answered, the pattern its ServeMux matched labels the
// request for HTTP. A ServeMux sets the request's Pattern as it routes it,
// so where the inner one matched nothing the label is the outer one's
// pattern (e.g. "/v1/") if it left it, else "unmatched".
func Route(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r)
		if label, ok := r.Context().Value(routeKey{}).(*routeLabel); ok {
			label.route = r.Pattern
			if label.route == "" {
				label.route = "unmatched"
			}
		}
	})
}

type routeKey struct{}

// routeLabel is where Route leaves the pattern for HTTP: the request HTTP
// passes on may be copied on its way (r.WithContext), its context is not.
type routeLabel struct{ route string }

// orDefault returns d, or def when d is zero.
func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
