package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hibiken/asynq"

	"oshigoods/orders"
)

// TypeWebhookDeliver delivers one event to one endpoint; webhook tasks are
// under the "webhook:" namespace, on their own queue.
const (
	TypeWebhookDeliver = "webhook:deliver"
	QueueWebhooks      = "webhooks"
)

// Webhook task limits: a delivery is retried with backoff (see RetryDelay)
// WebhookMaxRetry times, then the delivery is failed.
const (
	WebhookMaxRetry = 12
	WebhookTimeout  = 15 * time.Second
)

type deliverPayload struct {
	EventID    string `json:"event_id"`
	EndpointID string `json:"endpoint_id"`
}

// NewDeliveryTask returns the task that delivers an event to an endpoint.
// Its TaskID is "<event>:<endpoint>", so handing it over again while it is
// pending, retrying or running is a no-op.
func NewDeliveryTask(eventID, endpointID string) (*asynq.Task, error) {
	payload, err := json.Marshal(deliverPayload{eventID, endpointID})
	if err != nil {
		return nil, err
	}
	return asynq.NewTask(TypeWebhookDeliver, payload,
		asynq.TaskID(eventID+":"+endpointID),
		asynq.Queue(QueueWebhooks),
		asynq.MaxRetry(WebhookMaxRetry),
		asynq.Timeout(WebhookTimeout),
	), nil
}

// EnqueueDelivery enqueues a delivery task. One with the same id already
// in Redis is not an error.
func (q *Queue) EnqueueDelivery(ctx context.Context, eventID, endpointID string) error {
	task, err := NewDeliveryTask(eventID, endpointID)
	if err != nil {
		return fmt.Errorf("build task: %w", err)
	}
	if _, err := q.client.EnqueueContext(ctx, task); err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return fmt.Errorf("enqueue delivery %s:%s: %w", eventID, endpointID, err)
	}
	return nil
}

// RetryDelay returns asynq's retry delay: for webhook tasks base·2ⁿ after
// the n-th failure, at most one hour, with up to 20% jitter; for others
// asynq's default. Zero base means 10 seconds.
func RetryDelay(base time.Duration) asynq.RetryDelayFunc {
	if base <= 0 {
		base = 10 * time.Second
	}
	return func(n int, err error, t *asynq.Task) time.Duration {
		if !strings.HasPrefix(t.Type(), "webhook:") {
			return asynq.DefaultRetryDelayFunc(n, err, t)
		}
		return backoff(base, time.Hour, n)
	}
}

// RenderRetryDelay returns the retry delay of render tasks: base·2ⁿ after
// the n-th failure (n from 0), at most MaxRenderRetry, with up to 20%
// jitter. Zero base means DefaultRenderRetry: with MaxRetry, a render
// that keeps failing is retried after about 15 s, 30 s, 1, 2 and 4
// minutes, its item meanwhile shown delayed, before the item fails.
func RenderRetryDelay(base time.Duration) asynq.RetryDelayFunc {
	if base <= 0 {
		base = DefaultRenderRetry
	}
	return func(n int, _ error, _ *asynq.Task) time.Duration { return backoff(base, MaxRenderRetry, n) }
}

// backoff is base·2ⁿ, at most limit, plus up to 20% jitter.
func backoff(base, limit time.Duration, n int) time.Duration {
	d := base << min(max(n, 0), 20)
	if d <= 0 || d > limit {
		d = limit
	}
	return d + time.Duration(rand.Int64N(int64(d)/5+1))
}

// Deliverer handles webhook tasks: it hands the delivery the task names to
// the delivery use case (orders.Service.DeliverWebhook), which POSTs the
// event as JSON through the Deliverer (SendWebhook), signed as Standard
// Webhooks defines (orders.SignStandardWebhook) and, for a deprecation
// period, with the old Oshigoods-Signature (orders.SignWebhook), and logs
// every attempt. A 2xx answer delivers it; anything else is retried with
// backoff until the last retry, which fails the delivery.
type Deliverer struct {
	// Service delivers with its Store and logs; its Webhooks policy says
	// which addresses the default client may connect to.
	Service *orders.Service
	// Client sends the requests. Nil means NewWebhookClient of the
	// Service's Webhooks policy.
	Client *http.Client

	once   sync.Once
	client *http.Client
}

// Webhook delivery limits: connecting (TCP, and the TLS handshake) may take
// WebhookConnectTimeout, the whole request WebhookRequestTimeout; at most
// WebhookMaxResponse bytes of an answer are read.
const (
	WebhookConnectTimeout = 3 * time.Second
	WebhookRequestTimeout = 10 * time.Second
	WebhookMaxResponse    = 64 << 10
)

// NewWebhookClient returns the HTTP client deliveries use: every
// connection is checked by p.Control after name resolution and before it
// is made, so a refused address gets no packet; no proxy from the
// environment; no redirect followed (a 3xx is an answer, and not a 2xx);
// WebhookConnectTimeout to connect and WebhookRequestTimeout in all.
func NewWebhookClient(p orders.WebhookPolicy) *http.Client {
	dialer := &net.Dialer{Timeout: WebhookConnectTimeout, Control: p.Control}
	return &http.Client{
		Timeout: WebhookRequestTimeout,
		Transport: &http.Transport{
			Proxy:                  nil,
			DialContext:            p.DialContext(dialer),
			TLSHandshakeTimeout:    WebhookConnectTimeout,
			ResponseHeaderTimeout:  WebhookRequestTimeout,
			MaxResponseHeaderBytes: 16 << 10,
			MaxIdleConnsPerHost:    2,
			IdleConnTimeout:        90 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func (h *Deliverer) httpClient() *http.Client {
	if h.Client != nil {
		return h.Client
	}
	h.once.Do(func() { h.client = NewWebhookClient(h.Service.Webhooks) })
	return h.client
}

// ProcessTask delivers one event to one endpoint.
func (h *Deliverer) ProcessTask(ctx context.Context, t *asynq.Task) error {
	var p deliverPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || p.EventID == "" || p.EndpointID == "" {
		return fmt.Errorf("decode payload: %v: %w", err, asynq.SkipRetry)
	}
	retried, _ := asynq.GetRetryCount(ctx)
	maxRetry, ok := asynq.GetMaxRetry(ctx)
	err := h.Service.DeliverWebhook(ctx, p.EventID, p.EndpointID, h, ok && retried >= maxRetry)
	if errors.Is(err, orders.ErrNoDelivery) {
		return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	}
	return err
}

var _ orders.WebhookSender = (*Deliverer)(nil)

// SendWebhook POSTs body, signed at now, to the delivery's endpoint and
// returns the status code; a non-2xx answer is an error.
func (h *Deliverer) SendWebhook(ctx context.Context, d *orders.Delivery, body []byte, now time.Time) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.Endpoint.URL, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "oshigoods-webhooks")
	req.Header.Set(orders.HeaderEventID, d.Event.ID)
	req.Header.Set(orders.HeaderEventType, d.Event.Type)
	req.Header.Set(orders.HeaderSequence, strconv.FormatInt(d.Event.Sequence, 10))
	req.Header.Set(orders.HeaderWebhookID, d.Event.ID)
	req.Header.Set(orders.HeaderWebhookTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(orders.HeaderWebhookSignature, orders.SignStandardWebhook(d.Endpoint.Secret, d.Event.ID, now, body))
	req.Header.Set(orders.HeaderSignature, orders.SignWebhook(d.Endpoint.Secret, now, body)) // deprecated
	resp, err := h.httpClient().Do(req)
	if errors.Is(err, orders.ErrAddressRefused) {
		// Only this, not the dial error: the log must not tell what is
		// listening inside the network.
		return 0, orders.ErrAddressRefused
	} else if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, WebhookMaxResponse))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("endpoint answered %s", resp.Status)
	}
	return resp.StatusCode, nil
}

// DeliveryQueue hands deliveries to the queue.
type DeliveryQueue = orders.DeliveryQueue

// Dispatcher reads the outbox: it hands every pending delivery to asynq,
// and hands it again when it is still pending RequeueAfter later (Redis lost
// it, or the enqueue failed), so no event is lost with Redis. The task id
// makes a repeat a no-op while the task is in Redis; many dispatchers (one
// per worker process) can run at once. The pass is the service's use case
// (orders.Service.DispatchWebhooks); the dispatcher decides when.
type Dispatcher struct {
	// Service reads the outbox with its Store.
	Service *orders.Service
	Queue   DeliveryQueue
	Logger  *slog.Logger
	// Interval between passes. Zero means 2 seconds.
	Interval time.Duration
	// RequeueAfter is how long a pending delivery handed to the queue
	// waits before it is handed again. Zero means one minute.
	RequeueAfter time.Duration
	// Batch is the most deliveries a pass handles. Zero means 100.
	Batch int
}

// Run dispatches every Interval until ctx is done.
func (d *Dispatcher) Run(ctx context.Context) {
	every(ctx, orDefault(d.Interval, 2*time.Second), func(ctx context.Context) bool {
		if _, err := d.Pass(ctx); err != nil && ctx.Err() == nil {
			orDiscard(d.Logger).Error("dispatch webhooks", "err", err)
		}
		return false
	})
}

// Pass hands pending deliveries to the queue once and returns how many.
func (d *Dispatcher) Pass(ctx context.Context) (int, error) {
	after := orDefault(d.RequeueAfter, time.Minute)
	now := time.Now().UTC()
	return d.Service.DispatchWebhooks(ctx, d.Queue, now.Add(-after), now, d.Batch)
}
