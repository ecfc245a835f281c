package metrics_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"oshigoods/internal/testenv"
	"oshigoods/metrics"
	"oshigoods/orders"
)

// census is a store's count that the test sets, and counts its calls.
type census struct {
	mu    sync.Mutex
	c     orders.Census
	err   error
	calls int
}

func (f *census) Census(context.Context) (*orders.Census, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	c := f.c
	return &c, nil
}

// inspector is asynq's queues as the test sets them.
type inspector struct {
	queues map[string]*asynq.QueueInfo
	err    error
}

func (f *inspector) Queues() ([]string, error) {
	var names []string
	for q := range f.queues {
		names = append(names, q)
	}
	return names, f.err
}

func (f *inspector) GetQueueInfo(q string) (*asynq.QueueInfo, error) { return f.queues[q], nil }

// clock is a settable time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var t0 = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func newMetrics(t *testing.T, cfg metrics.Config) (*metrics.Metrics, func() testenv.Samples) {
	t.Helper()
	m, err := metrics.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m.Handler())
	t.Cleanup(srv.Close)
	return m, func() testenv.Samples { return testenv.Scrape(t, srv.URL) }
}

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		scenario string
		cfg      metrics.Config
		want     []string
	}{
		{"defaults", metrics.Config{Census: &census{}}, nil},
		{"no census", metrics.Config{}, []string{"metrics: Config needs a Census"}},
		{"cache and timeout out of range", metrics.Config{Census: &census{}, CacheFor: time.Hour, Timeout: time.Millisecond},
			[]string{"CacheFor 1h0m0s is out of range; give 1s–5m", "Timeout 1ms is out of range; give 100ms–1m"}},
	}
	for _, tc := range cases {
		t.Run(tc.scenario, func(t *testing.T) {
			testenv.ErrorLines(t, tc.cfg.Validate(), tc.want)
		})
	}
}

// TestCounts scrapes the store's and the queues' counts: every status and
// state is a series (zero when empty), ages are measured from the scrape,
// a count serves the scrapes of CacheFor, and a count that fails leaves its
// series out and is counted.
func TestCounts(t *testing.T) {
	clk := &clock{t: t0}
	store := &census{c: orders.Census{
		Orders:     map[orders.Status]int{orders.StatusReady: 2, orders.StatusRendering: 1},
		Items:      map[orders.Status]int{orders.StatusReady: 3, orders.StatusRendering: 1, orders.StatusQueued: 4},
		OldestItem: map[orders.Status]time.Time{orders.StatusRendering: t0.Add(-11 * time.Minute), orders.StatusQueued: t0.Add(-time.Minute)},
		Deliveries: map[string]int{orders.DeliveryPending: 5, orders.DeliveryFailed: 1}, OldestPendingDelivery: t0.Add(-40 * time.Minute),
		Mails: map[orders.MailStatus]int{orders.MailPending: 2}, OldestDueMail: t0.Add(time.Minute), // a retry, not yet due
	}}
	queues := &inspector{queues: map[string]*asynq.QueueInfo{
		"render": {Queue: "render", Pending: 3, Active: 2, Archived: 1, Latency: 90 * time.Second},
	}}
	_, scrape := newMetrics(t, metrics.Config{Census: store, Queues: queues, KnownQueues: []string{"render", "webhooks"},
		Pool: func() sql.DBStats {
			return sql.DBStats{MaxOpenConnections: 10, InUse: 3, Idle: 7, WaitCount: 4, MaxIdleClosed: 2}
		},
		Now: clk.now})

	s := scrape()
	for _, tc := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"oshigoods_orders", []string{"status", "ready"}, 2},
		{"oshigoods_orders", []string{"status", "failed"}, 0},
		{"oshigoods_items", []string{"status", "queued"}, 4},
		{"oshigoods_items", []string{"status", "awaiting_payment"}, 0},
		{"oshigoods_items_oldest_age_seconds", []string{"status", "rendering"}, 660},
		{"oshigoods_items_oldest_age_seconds", []string{"status", "received"}, 0},
		{"oshigoods_webhook_deliveries", []string{"state", "pending"}, 5},
		{"oshigoods_webhook_deliveries", []string{"state", "failed"}, 1},
		{"oshigoods_webhook_lag_seconds", nil, 2400},
		{"oshigoods_mail_outbox", []string{"state", "pending"}, 2},
		{"oshigoods_mail_outbox", []string{"state", "failed"}, 0},
		{"oshigoods_mail_lag_seconds", nil, 0},
		{"oshigoods_queue_tasks", []string{"queue", "render", "state", "pending"}, 3},
		{"oshigoods_queue_tasks", []string{"queue", "render", "state", "archived"}, 1},
		{"oshigoods_queue_tasks", []string{"queue", "webhooks", "state", "pending"}, 0},
		{"oshigoods_queue_latency_seconds", []string{"queue", "render"}, 90},
		{"oshigoods_db_connections", []string{"state", "in_use"}, 3},
		{"oshigoods_db_max_connections", nil, 10},
		{"oshigoods_db_waits_total", nil, 4},
		{"oshigoods_db_closed_total", []string{"reason", "max_idle"}, 2},
	} {
		if got, ok := s.Value(tc.name, tc.labels...); !ok || got != tc.want {
			t.Errorf("%s%v = %v (found %v), want %v", tc.name, tc.labels, got, ok, tc.want)
		}
	}
	if n := len(s.Match("oshigoods_orders")); n != len(orders.Statuses) {
		t.Errorf("%d oshigoods_orders series, want one per status (%d)", n, len(orders.Statuses))
	}

	// Within CacheFor the count is reused; ages still move with the clock.
	clk.add(4 * time.Second)
	s = scrape()
	if v, _ := s.Value("oshigoods_webhook_lag_seconds"); store.calls != 1 || v != 2404 {
		t.Fatalf("after 4s: %d counts, lag %v; want 1 count, lag 2404", store.calls, v)
	}
	clk.add(2 * time.Second)
	store.mu.Lock()
	store.c.Orders = map[orders.Status]int{orders.StatusReady: 3}
	store.err = nil
	store.mu.Unlock()
	if v, _ := scrape().Value("oshigoods_orders", "status", "ready"); store.calls != 2 || v != 3 {
		t.Fatalf("after 6s: %d counts, ready %v; want 2 counts, ready 3", store.calls, v)
	}

	// A failed count: its series are gone, the failure is counted.
	clk.add(10 * time.Second)
	store.mu.Lock()
	store.err = errors.New("connection refused")
	store.mu.Unlock()
	queues.err = errors.New("redis down")
	s = scrape()
	if len(s.Match("oshigoods_orders"))+len(s.Match("oshigoods_queue_tasks")) != 0 {
		t.Fatalf("series from failed counts: %v", append(s.Match("oshigoods_orders"), s.Match("oshigoods_queue_tasks")...))
	}
	for _, source := range []string{"database", "queues"} {
		if v, _ := s.Value("oshigoods_metrics_errors_total", "source", source); v != 1 {
			t.Errorf("errors from %s: %v, want 1", source, v)
		}
	}
}

// TestHTTPRoutes labels requests by the ServeMux pattern that routed them,
// through a middleware that copies the request on the way as the guard
// may: ids never reach a label.
func TestHTTPRoutes(t *testing.T) {
	m, scrape := newMetrics(t, metrics.Config{Census: &census{}})
	api := http.NewServeMux()
	api.HandleFunc("POST /v1/orders", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusCreated) })
	api.HandleFunc("GET /v1/orders/{id}", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "{}") })
	shop := http.NewServeMux()
	shop.HandleFunc("GET /files/{order}/{item}/{name}", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	outer := http.NewServeMux()
	outer.Handle("/v1/", metrics.Route(api))
	outer.Handle("/", metrics.Route(shop))
	limit := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Over-Limit") != "" {
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		}
		outer.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), struct{}{}, 1)))
	})
	srv := httptest.NewServer(m.HTTP(limit))
	defer srv.Close()

	for _, tc := range []struct {
		scenario, method, path string
		limited                bool
		route                  string
		status                 int
	}{
		{"create", "POST", "/v1/orders", false, "POST /v1/orders", 201},
		{"read by id", "GET", "/v1/orders/ord_secret123", false, "GET /v1/orders/{id}", 200},
		{"read another id", "GET", "/v1/orders/ord_other456", false, "GET /v1/orders/{id}", 200},
		{"file of an order", "GET", "/files/ord_secret123/itm_1/print.pdf", false, "GET /files/{order}/{item}/{name}", 404},
		{"no route in the API", "GET", "/v1/ord_secret123", false, "unmatched", 404},
		{"refused before routing", "POST", "/v1/orders", true, "unrouted", 429},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, srv.URL+tc.path, nil)
			if tc.limited {
				req.Header.Set("X-Over-Limit", "1")
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if _, ok := scrape().Value("oshigoods_http_requests_total", "route", tc.route, "status", fmt.Sprint(tc.status)); !ok {
				t.Fatalf("no request counted for route %q status %d", tc.route, tc.status)
			}
		})
	}
	s := scrape()
	if v, _ := s.Value("oshigoods_http_requests_total", "route", "GET /v1/orders/{id}"); v != 2 {
		t.Errorf("GET /v1/orders/{id}: %v requests, want 2", v)
	}
	if v, _ := s.Value("oshigoods_http_request_duration_seconds_count", "route", "POST /v1/orders"); v != 1 {
		t.Errorf("POST /v1/orders latency count %v, want 1", v)
	}
	for _, x := range s {
		for _, v := range x.Labels {
			if strings.Contains(v, "ord_") || strings.Contains(v, "itm_") {
				t.Errorf("label with an id: %s", x)
			}
		}
	}
}

// TestTaskMiddleware times renders by kind and outcome and counts webhook
// attempts, through asynq's ServeMux as the worker mounts them.
func TestTaskMiddleware(t *testing.T) {
	m, scrape := newMetrics(t, metrics.Config{Census: &census{}})
	renders := asynq.NewServeMux()
	renders.Use(m.RenderMiddleware)
	renders.HandleFunc("render:", func(ctx context.Context, task *asynq.Task) error {
		switch string(task.Payload()) {
		case "transient":
			return errors.New("S3 unreachable")
		case "bad":
			return fmt.Errorf("decode payload: %w", asynq.SkipRetry)
		}
		time.Sleep(10 * time.Millisecond)
		return nil
	})
	hooks := asynq.NewServeMux()
	hooks.Use(m.DeliveryMiddleware)
	hooks.HandleFunc("webhook:", func(ctx context.Context, task *asynq.Task) error {
		if len(task.Payload()) > 0 {
			return errors.New("endpoint answered 500")
		}
		return nil
	})
	for _, tc := range []struct {
		scenario string
		mux      *asynq.ServeMux
		task     *asynq.Task
	}{
		{"card ok", renders, asynq.NewTask("render:card", nil)},
		{"card ok again", renders, asynq.NewTask("render:card", nil)},
		{"photo retried", renders, asynq.NewTask("render:photo", []byte("transient"))},
		{"voice refused", renders, asynq.NewTask("render:voice", []byte("bad"))},
		{"delivered", hooks, asynq.NewTask("webhook:deliver", nil)},
		{"delivery retried", hooks, asynq.NewTask("webhook:deliver", []byte("x"))},
	} {
		t.Run(tc.scenario, func(t *testing.T) { tc.mux.ProcessTask(context.Background(), tc.task) })
	}
	m.Record("requeued")
	m.Record("requeued")

	s := scrape()
	for _, tc := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"oshigoods_render_duration_seconds_count", []string{"kind", "card", "outcome", "ok"}, 2},
		{"oshigoods_render_duration_seconds_count", []string{"kind", "photo", "outcome", "retry"}, 1},
		{"oshigoods_render_duration_seconds_count", []string{"kind", "voice", "outcome", "failed"}, 1},
		{"oshigoods_render_duration_seconds_bucket", []string{"kind", "card", "outcome", "ok", "le", "0.1"}, 2},
		{"oshigoods_webhook_attempts_total", []string{"outcome", "ok"}, 1},
		{"oshigoods_webhook_attempts_total", []string{"outcome", "retry"}, 1},
		{"oshigoods_reconciler_actions_total", []string{"action", "requeued"}, 2},
	} {
		if got, _ := s.Value(tc.name, tc.labels...); got != tc.want {
			t.Errorf("%s%v = %v, want %v", tc.name, tc.labels, got, tc.want)
		}
	}
	if v, _ := s.Value("oshigoods_render_duration_seconds_sum", "kind", "card"); v < 0.02 {
		t.Errorf("card render time %vs, want at least the 20ms the handler slept", v)
	}
}

// names lists the series names of s, for messages.
func names(s testenv.Samples) []string {
	var out []string
	for _, x := range s {
		if !slices.Contains(out, x.Name) {
			out = append(out, x.Name)
		}
	}
	slices.Sort(out)
	return out
}
