package worker

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"oshigoods"
	"oshigoods/orders"
)

// Config is a worker process's settings. DefaultConfig gives the defaults;
// Validate says what is allowed.
type Config struct {
	// Concurrency is how many tasks run at once in the process, from 1 to
	// MaxConcurrency. Default 2.
	Concurrency int
	// ReconcileInterval is how often the reconciler and the webhook
	// dispatcher pass, from 10ms to 1h. Default 10 seconds. An item whose
	// worker died is handed over again within its render lease
	// (orders.Renders.Lease) plus this.
	ReconcileInterval time.Duration
	// ReconcileBatch is the most items one reconciler pass takes, from 1
	// to 10000; a pass that takes that many is followed at once by
	// another. Default 100.
	ReconcileBatch int
	// StaleAfter is how long an item or a delivery may wait before it is
	// handed to the queue again, from 10ms to 24h. Default one minute.
	StaleAfter time.Duration
	// RenderRetry is the first render retry's delay; it doubles up to 10
	// minutes (RenderRetryDelay). From 10ms to 10m. Default 15 seconds.
	RenderRetry time.Duration
	// WebhookRetry is the first webhook retry's delay; it doubles up to an
	// hour (RetryDelay). From 10ms to 1h. Default 10 seconds.
	WebhookRetry time.Duration
	// WebhookConcurrency is how many webhook deliveries run at once in the
	// process, from 1 to MaxConcurrency, in a pool of their own beside the
	// Concurrency renders, so no endpoint slows a render. Default 4.
	WebhookConcurrency int
	// MailInterval is how often the mailer sends the fans' e-mails that
	// are due (Mailer), from 10ms to 1h. Default 5 seconds.
	MailInterval time.Duration
}

// MaxConcurrency is the most tasks one worker process runs at once.
const MaxConcurrency = 64

// Bounds of the Config durations.
const (
	MinInterval        = 10 * time.Millisecond
	MaxReconcile       = time.Hour
	MaxStaleAfter      = 24 * time.Hour
	MaxWebhookRetry    = time.Hour
	MaxMailInterval    = time.Hour
	MaxRenderRetry     = 10 * time.Minute
	DefaultConcurrency = 2

	DefaultReconcileInterval = 10 * time.Second
	DefaultReconcileBatch    = 100
	MaxReconcileBatch        = 10000
	DefaultRenderRetry       = 15 * time.Second

	DefaultWebhookConcurrency = 4
)

// DefaultConfig returns the default settings.
func DefaultConfig() Config {
	return Config{
		Concurrency:       DefaultConcurrency,
		ReconcileInterval: DefaultReconcileInterval,
		ReconcileBatch:    DefaultReconcileBatch,
		StaleAfter:        time.Minute,
		RenderRetry:       DefaultRenderRetry,
		WebhookRetry:      10 * time.Second,

		WebhookConcurrency: DefaultWebhookConcurrency,
		MailInterval:       5 * time.Second,
	}
}

// Validate reports every setting out of its range, one
// *oshigoods.ConfigError each, joined.
func (c Config) Validate() error {
	var errs []error
	if c.Concurrency < 1 || c.Concurrency > MaxConcurrency {
		errs = append(errs, &oshigoods.ConfigError{Field: "Concurrency", Value: c.Concurrency,
			Problem: fmt.Sprintf("is out of range; give 1–%d", MaxConcurrency)})
	}
	if c.WebhookConcurrency < 1 || c.WebhookConcurrency > MaxConcurrency {
		errs = append(errs, &oshigoods.ConfigError{Field: "WebhookConcurrency", Value: c.WebhookConcurrency,
			Problem: fmt.Sprintf("is out of range; give 1–%d", MaxConcurrency)})
	}
	if c.ReconcileBatch < 1 || c.ReconcileBatch > MaxReconcileBatch {
		errs = append(errs, &oshigoods.ConfigError{Field: "ReconcileBatch", Value: c.ReconcileBatch,
			Problem: fmt.Sprintf("is out of range; give 1–%d", MaxReconcileBatch)})
	}
	dur := func(field string, d, max time.Duration) {
		if d < MinInterval || d > max {
			errs = append(errs, &oshigoods.ConfigError{Field: field, Value: d,
				Problem: fmt.Sprintf("is out of range; give %s–%s", MinInterval, fmtDuration(max))})
		}
	}
	dur("ReconcileInterval", c.ReconcileInterval, MaxReconcile)
	dur("StaleAfter", c.StaleAfter, MaxStaleAfter)
	dur("RenderRetry", c.RenderRetry, MaxRenderRetry)
	dur("WebhookRetry", c.WebhookRetry, MaxWebhookRetry)
	dur("MailInterval", c.MailInterval, MaxMailInterval)
	return errors.Join(errs...)
}

// fmtDuration writes whole hours as "1h" rather than "1h0m0s", and whole
// minutes as "10m".
func fmtDuration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}

// NewRenderer returns the render task handler over svc, after checking
// that it can work: svc is required (and validated, orders.Service.Validate),
// and a nil logger discards.
func NewRenderer(svc *orders.Service, logger *slog.Logger) (*Renderer, error) {
	if svc == nil {
		return nil, errors.New("worker: Renderer needs an orders.Service")
	}
	if err := svc.Validate(); err != nil {
		return nil, fmt.Errorf("worker: %w", err)
	}
	return &Renderer{Service: svc, Logger: logger}, nil
}

// log returns the Renderer's logger, or one that discards.
func (h *Renderer) log() *slog.Logger { return orDiscard(h.Logger) }

var discard = slog.New(slog.DiscardHandler)

// orDiscard returns l, or a logger that discards when l is nil.
func orDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return discard
	}
	return l
}
