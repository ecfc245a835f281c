package worker_test

import (
	"strings"
	"testing"
	"time"

	"oshigoods"
	"oshigoods/orders"
	"oshigoods/worker"
)

func TestConfigValidate(t *testing.T) {
	def := worker.DefaultConfig()
	with := func(edit func(*worker.Config)) worker.Config {
		c := def
		edit(&c)
		return c
	}
	for _, tc := range []struct {
		scenario string
		cfg      worker.Config
		fields   []string // the fields refused, in order; none means valid
	}{
		{"defaults", def, nil},
		{"test timings", with(func(c *worker.Config) {
			c.ReconcileInterval, c.StaleAfter, c.WebhookRetry = 200*time.Millisecond, 500*time.Millisecond, 100*time.Millisecond
		}), nil},
		{"most concurrency", with(func(c *worker.Config) { c.Concurrency = worker.MaxConcurrency }), nil},
		{"zero concurrency", with(func(c *worker.Config) { c.Concurrency = 0 }), []string{"Concurrency"}},
		{"too much concurrency", with(func(c *worker.Config) { c.Concurrency = worker.MaxConcurrency + 1 }), []string{"Concurrency"}},
		{"zero reconcile interval", with(func(c *worker.Config) { c.ReconcileInterval = 0 }), []string{"ReconcileInterval"}},
		{"negative stale-after", with(func(c *worker.Config) { c.StaleAfter = -time.Second }), []string{"StaleAfter"}},
		{"stale-after of a week", with(func(c *worker.Config) { c.StaleAfter = 7 * 24 * time.Hour }), []string{"StaleAfter"}},
		{"webhook retry in nanoseconds", with(func(c *worker.Config) { c.WebhookRetry = 90 }), []string{"WebhookRetry"}},
		{"zero value: every field", worker.Config{}, []string{"Concurrency", "WebhookConcurrency", "ReconcileBatch", "ReconcileInterval", "StaleAfter", "RenderRetry", "WebhookRetry", "MailInterval"}},
		{"largest reconcile batch", with(func(c *worker.Config) { c.ReconcileBatch = worker.MaxReconcileBatch }), nil},
		{"reconcile batch too large", with(func(c *worker.Config) { c.ReconcileBatch = worker.MaxReconcileBatch + 1 }), []string{"ReconcileBatch"}},
		{"render retry of an hour", with(func(c *worker.Config) { c.RenderRetry = time.Hour }), []string{"RenderRetry"}},
		{"mail interval of a day", with(func(c *worker.Config) { c.MailInterval = 24 * time.Hour }), []string{"MailInterval"}},
		{"zero webhook concurrency", with(func(c *worker.Config) { c.WebhookConcurrency = 0 }), []string{"WebhookConcurrency"}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			err := tc.cfg.Validate()
			var got []string
			for _, e := range oshigoods.ConfigErrors(err) {
				got = append(got, e.Field)
				if !strings.Contains(e.Problem, "give ") {
					t.Errorf("%s: problem %q does not say what is allowed", e.Field, e.Problem)
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.fields, ",") || (err == nil) != (len(tc.fields) == 0) {
				t.Fatalf("Validate() = %v; want problems with %v", err, tc.fields)
			}
		})
	}
}

func TestConfigValidateMessage(t *testing.T) {
	c := worker.DefaultConfig()
	c.Concurrency = 0
	if got, want := c.Validate().Error(), "Concurrency 0 is out of range; give 1–64"; got != want {
		t.Errorf("Validate() = %q, want %q", got, want)
	}
}

func TestNewRenderer(t *testing.T) {
	if _, err := worker.NewRenderer(nil, nil); err == nil {
		t.Error("NewRenderer(nil, nil) succeeded; want an error naming the missing Service")
	}
	_, err := worker.NewRenderer(&orders.Service{}, nil)
	for _, want := range []string{"Store", "Queue", "Files", "Catalog", "Secret"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("NewRenderer(empty Service) = %v; want it to name %s", err, want)
		}
	}
}
