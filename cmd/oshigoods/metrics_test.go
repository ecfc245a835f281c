package main

import (
	"maps"
	"strings"
	"testing"
	"time"

	"oshigoods/internal/testenv"
)

// TestMetrics places an order on an API process and has a separate worker
// render it, both serving /metrics on listeners of their own
// (OSHIGOODS_METRICS_ADDR), and scrapes them as Prometheus would: orders
// and items by status, the order's POST by route pattern and status, the
// queues, the card's render; no label holds the order's id, token or
// e-mail, and the API's own listener does not serve /metrics.
func TestMetrics(t *testing.T) {
	env := backends[1].env(t)
	apiEnv := maps.Clone(env)
	apiEnv["OSHIGOODS_METRICS_ADDR"] = "127.0.0.1:0"
	api := startServe(t, apiEnv, "--worker=false")
	workerEnv := maps.Clone(env)
	workerEnv["OSHIGOODS_METRICS_ADDR"] = testenv.FreeLoopbackAddr(t)
	startWorker(t, workerEnv)
	workerMetrics := "http://" + workerEnv["OSHIGOODS_METRICS_ADDR"] + "/metrics"

	email := "metrics-" + testenv.Suffix() + "@example.com"
	order := cardOrder("さくら")
	order["customer"] = map[string]string{"name": "山田 花子", "email": email}
	var o orderResp
	if code := call(t, "POST", api.base+"/v1/orders", "", nil, order, &o); code != 201 {
		t.Fatalf("create order: %d %+v", code, o)
	}
	token := o.Token
	o = waitStatus(t, api.base, o.ID, token, "ready")
	if code := call(t, "GET", api.base+"/orders/"+o.ID, "", nil, nil, nil); code != 200 {
		t.Fatalf("storefront order page: %d", code)
	}
	if code := call(t, "GET", api.base+"/metrics", "", nil, nil, nil); code != 404 {
		t.Fatalf("GET /metrics on the API's listener: %d, want 404", code)
	}

	// The render is counted once its task returns, a moment after the
	// item is ready.
	var fromWorker testenv.Samples
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		fromWorker = testenv.Scrape(t, workerMetrics)
		if n, _ := fromWorker.Value("oshigoods_render_duration_seconds_count", "kind", "card", "outcome", "ok"); n >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no card render counted by the worker:\n%v", fromWorker.Match("oshigoods_render_duration_seconds_count"))
		}
	}
	fromAPI := testenv.Scrape(t, api.metrics)
	for _, tc := range []struct {
		scenario string
		samples  testenv.Samples
		name     string
		labels   []string
		atLeast  float64
		atMost   float64
	}{
		{"one order ready", fromAPI, "oshigoods_orders", []string{"status", "ready"}, 1, 1},
		{"its item ready", fromAPI, "oshigoods_items", []string{"status", "ready"}, 1, 1},
		{"nothing rendering", fromAPI, "oshigoods_items", []string{"status", "rendering"}, 0, 0},
		{"the order's POST by pattern", fromAPI, "oshigoods_http_requests_total", []string{"route", "POST /v1/orders", "status", "201"}, 1, 1},
		{"its reads by pattern", fromAPI, "oshigoods_http_requests_total", []string{"route", "GET /v1/orders/{id}", "status", "200"}, 1, 1000},
		{"the storefront page by pattern", fromAPI, "oshigoods_http_requests_total", []string{"route", "GET /orders/{id}", "status", "200"}, 1, 1},
		{"POST latency", fromAPI, "oshigoods_http_request_duration_seconds_count", []string{"route", "POST /v1/orders"}, 1, 1},
		{"render queue", fromAPI, "oshigoods_queue_tasks", []string{"queue", "render", "state", "pending"}, 0, 0},
		{"render queue archived", fromAPI, "oshigoods_queue_tasks", []string{"queue", "render", "state", "archived"}, 0, 0},
		{"webhook queue", fromAPI, "oshigoods_queue_tasks", []string{"queue", "webhooks", "state", "pending"}, 0, 0},
		{"the API's pool", fromAPI, "oshigoods_db_max_connections", nil, 1, 10},
		{"the worker's card render", fromWorker, "oshigoods_render_duration_seconds_count", []string{"kind", "card", "outcome", "ok"}, 1, 1},
		{"the worker counts the store too", fromWorker, "oshigoods_orders", []string{"status", "ready"}, 1, 1},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			got, ok := tc.samples.Value(tc.name, tc.labels...)
			if !ok || got < tc.atLeast || got > tc.atMost {
				t.Fatalf("%s%v = %v (found %v); want %v–%v\n%v", tc.name, tc.labels, got, ok, tc.atLeast, tc.atMost, tc.samples.Match(tc.name))
			}
		})
	}
	secrets := []string{o.ID, token, email, "metrics-", o.Items[0].ID}
	for _, x := range append(fromAPI, fromWorker...) {
		for _, v := range x.Labels {
			for _, s := range secrets {
				if strings.Contains(v, s) {
					t.Errorf("label of %s holds %q", x, s)
				}
			}
		}
	}
}
