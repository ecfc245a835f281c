package orders

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
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
