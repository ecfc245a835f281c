package orders

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"oshigoods"
)

// Event types. The store writes an event whenever an order's derived status
// becomes one of these, in the transaction that changes it (an outbox).
const (
	EventOrderReady     = "order.ready"
	EventOrderFailed    = "order.failed"
	EventOrderPrinted   = "order.printed"
	EventOrderCancelled = "order.cancelled"
)

// EventType returns the event written when an order becomes status, or ""
// when none is.
func EventType(status Status) string {
	switch status {
	case StatusReady:
		return EventOrderReady
	case StatusFailed:
		return EventOrderFailed
	case StatusPrinted:
		return EventOrderPrinted
	case StatusCancelled:
		return EventOrderCancelled
	}
	return ""
}

// Event is something that happened to an order, kept in the outbox until
// every webhook endpoint has it.
type Event struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	OrderID string `json:"order_id"`
	// Sequence numbers an order's events from 1, without gaps, in the
	// order they happened; receivers sort by it.
	Sequence  int64     `json:"sequence"`
	Data      EventData `json:"data"`
	CreatedAt time.Time `json:"created_at"`
}

// EventData is the order as the event saw it.
type EventData struct {
	Status Status `json:"status"`
	// Reason is why the order failed ("" otherwise).
	Reason string `json:"reason,omitempty"`
}

// WebhookEndpoint is a URL a shop registered to receive events. Secret
// signs deliveries (see SignWebhook); it is shown once, at registration.
type WebhookEndpoint struct {
	ID        string    `json:"id"`
	ShopID    string    `json:"-"`
	URL       string    `json:"url"`
	Secret    string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
}

// Delivery states.
const (
	DeliveryPending   = "pending"   // not yet accepted by the endpoint; will be (re)tried
	DeliveryDelivered = "delivered" // the endpoint answered 2xx
	DeliveryFailed    = "failed"    // retries ran out
)

// Delivery is one event owed to one endpoint.
type Delivery struct {
	Event    *Event
	Endpoint *WebhookEndpoint
	Status   string
	Attempts int
}

// DeliveryAttempt is one entry of an endpoint's delivery log.
type DeliveryAttempt struct {
	EndpointID string    `json:"endpoint_id"`
	EventID    string    `json:"event_id"`
	EventType  string    `json:"event_type"`
	Attempt    int       `json:"attempt"`
	StatusCode int       `json:"status_code,omitempty"`
	Error      string    `json:"error,omitempty"`
	Duration   int64     `json:"duration_ms"`
	At         time.Time `json:"at"`
	// Outcome is the delivery's state after this attempt.
	Outcome string `json:"outcome"`
}

// Webhook headers.
const (
	HeaderSignature = "Oshigoods-Signature" // t=<unix seconds>,v1=<hex HMAC-SHA256>
	HeaderEventID   = "Oshigoods-Event-Id"
	HeaderEventType = "Oshigoods-Event-Type"
	HeaderSequence  = "Oshigoods-Event-Sequence"
)

// SignWebhook returns the signature header of body sent at t: the hex
// HMAC-SHA256, under the endpoint's secret, of "<unix seconds>.<body>".
func SignWebhook(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + webhookMAC(secret, ts, body)
}

func webhookMAC(secret, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// VerifyWebhook checks a signature header against body and secret, and that
// it was made within tolerance of now (zero tolerance skips the time check).
func VerifyWebhook(secret, header string, body []byte, now time.Time, tolerance time.Duration) bool {
	var ts, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sig == "" {
		return false
	}
	if tolerance > 0 {
		if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
			return false
		}
	}
	return hmac.Equal([]byte(sig), []byte(webhookMAC(secret, ts, body)))
}

// CreateWebhook registers url for the shop and returns the endpoint with
// its secret. The URL must be absolute http or https.
func (s *Service) CreateWebhook(ctx context.Context, shop *ShopKey, rawURL string) (*WebhookEndpoint, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || utf8.RuneCountInString(rawURL) > 2000 {
		return nil, oshigoods.FieldErrorf("url", "url must be an absolute http or https URL of at most 2000 characters.")
	}
	e := &WebhookEndpoint{ID: NewID("whk"), ShopID: shop.ID, URL: u.String(), Secret: "whsec_" + NewSecret(), CreatedAt: time.Now().UTC()}
	if err := s.Store.CreateWebhookEndpoint(ctx, e); err != nil {
		return nil, err
	}
	s.audit(ctx, ShopActor(shop), "webhook.create", e.ID, "host="+u.Hostname())
	return e, nil
}

// ShopWebhook returns the shop's endpoint; ENOTFOUND if it is another's.
func (s *Service) ShopWebhook(ctx context.Context, shop *ShopKey, id string) (*WebhookEndpoint, error) {
	e, err := s.Store.WebhookEndpoint(ctx, id)
	if err != nil {
		return nil, err
	}
	if e.ShopID != shop.ID {
		return nil, oshigoods.Errorf(oshigoods.ENOTFOUND, "Webhook endpoint not found.")
	}
	return e, nil
}

// ShopWebhooks returns the shop's endpoints, oldest first (an empty list
// when it has none).
func (s *Service) ShopWebhooks(ctx context.Context, shop *ShopKey) ([]*WebhookEndpoint, error) {
	list, err := s.Store.WebhookEndpoints(ctx, shop.ID)
	if err != nil {
		return nil, err
	}
	if list == nil {
		list = []*WebhookEndpoint{}
	}
	return list, nil
}

// WebhookDeliveries returns the delivery log of the shop's endpoint, newest
// first, at most limit attempts (≤ 0 means 100); ENOTFOUND if the endpoint
// is another shop's.
func (s *Service) WebhookDeliveries(ctx context.Context, shop *ShopKey, endpointID string, limit int) ([]DeliveryAttempt, error) {
	e, err := s.ShopWebhook(ctx, shop, endpointID)
	if err != nil {
		return nil, err
	}
	log, err := s.Store.DeliveryLog(ctx, e.ID, limit)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = []DeliveryAttempt{}
	}
	return log, nil
}

// DeliveryQueue hands webhook deliveries to the workers. Handing over a
// delivery whose task is already pending is a no-op.
type DeliveryQueue interface {
	EnqueueDelivery(ctx context.Context, eventID, endpointID string) error
}

// DispatchWebhooks reads the outbox once: it hands q every pending
// delivery not handed over since before (or never), at most batch (≤ 0
// means 100), and records each as handed over at now. It returns how many
// it handed over; it stops at the first error.
func (s *Service) DispatchWebhooks(ctx context.Context, q DeliveryQueue, before, now time.Time, batch int) (int, error) {
	pending, err := s.Store.PendingDeliveries(ctx, before, batch)
	if err != nil {
		return 0, err
	}
	for i, p := range pending {
		if err := q.EnqueueDelivery(ctx, p.Event.ID, p.Endpoint.ID); err != nil {
			return i, err
		}
		if err := s.Store.MarkDeliveryEnqueued(ctx, p.Event.ID, p.Endpoint.ID, now); err != nil {
			return i, err
		}
	}
	return len(pending), nil
}

// WebhookSender sends one delivery: it POSTs body, the event as JSON,
// signed at `at` with the endpoint's secret (SignWebhook), and returns the
// status code; a non-2xx answer is an error.
type WebhookSender interface {
	SendWebhook(ctx context.Context, d *Delivery, body []byte, at time.Time) (status int, err error)
}

// ErrNoDelivery is returned (wrapped) by DeliverWebhook when there is
// nothing it could ever deliver: no such delivery, or an event that does
// not encode. No retry mends either.
var ErrNoDelivery = errors.New("no deliverable delivery")

// DeliverWebhook delivers one event to one endpoint with send, if the
// delivery is still pending, and logs the attempt (RecordDeliveryAttempt):
// delivered on a 2xx, pending otherwise, or failed when final says this
// was the last attempt. The attempt is recorded even when ctx has ended,
// so a timed-out send is logged. It returns ErrNoDelivery (wrapped) when
// there is nothing to deliver, the send's error when it failed (a caller
// retries), and nil when delivered or already settled.
func (s *Service) DeliverWebhook(ctx context.Context, eventID, endpointID string, send WebhookSender, final bool) error {
	d, err := s.Store.Delivery(ctx, eventID, endpointID)
	if oshigoods.ErrorCode(err) == oshigoods.ENOTFOUND {
		return fmt.Errorf("delivery %s:%s: %w", eventID, endpointID, ErrNoDelivery)
	} else if err != nil {
		return fmt.Errorf("load delivery: %w", err)
	}
	if d.Status != DeliveryPending {
		return nil
	}
	body, err := json.Marshal(d.Event)
	if err != nil {
		return fmt.Errorf("encode event: %v: %w", err, ErrNoDelivery)
	}
	start := time.Now()
	code, sendErr := send.SendWebhook(ctx, d, body, start)
	a := DeliveryAttempt{EndpointID: d.Endpoint.ID, EventID: d.Event.ID, EventType: d.Event.Type,
		Attempt: d.Attempts + 1, StatusCode: code, Duration: time.Since(start).Milliseconds(), At: time.Now().UTC(),
		Outcome: DeliveryDelivered}
	if sendErr != nil {
		a.Error = sendErr.Error()
		a.Outcome = DeliveryPending
		if final {
			a.Outcome = DeliveryFailed
		}
	}
	// Record with a context of its own: the task's may have timed out.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := s.Store.RecordDeliveryAttempt(rctx, a); err != nil {
		s.log().Error("record delivery attempt", "event", a.EventID, "endpoint", a.EndpointID, "err", err)
	}
	if sendErr != nil {
		return fmt.Errorf("deliver %s to %s: %w", d.Event.ID, d.Endpoint.ID, sendErr)
	}
	s.log().Info("webhook delivered", "event", d.Event.ID, "type", d.Event.Type, "endpoint", d.Endpoint.ID, "attempt", a.Attempt)
	return nil
}
