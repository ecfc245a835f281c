package orders

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
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
	EventOrderShipped   = "order.shipped"
	EventOrderDelivered = "order.delivered"
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
	case StatusShipped:
		return EventOrderShipped
	case StatusDelivered:
		return EventOrderDelivered
	}
	return ""
}

// EventTypes are every event type EventType gives, in the order an order
// may meet them: what a webhook endpoint receives.
func EventTypes() []string {
	var types []string
	for _, st := range Statuses {
		if t := EventType(st); t != "" && !slices.Contains(types, t) {
			types = append(types, t)
		}
	}
	return types
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
	// Shipment is the carrier and tracking number of a shipped order.
	Shipment *Shipment `json:"shipment,omitempty"`
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

// Webhook headers. The Standard Webhooks ones (https://www.standardwebhooks.com)
// sign every delivery; HeaderSignature is the older, deprecated signature,
// still sent for a deprecation period (see the README).
const (
	HeaderWebhookID        = "webhook-id"        // the event id
	HeaderWebhookTimestamp = "webhook-timestamp" // unix seconds
	HeaderWebhookSignature = "webhook-signature" // v1,<base64 HMAC-SHA256>

	HeaderSignature = "Oshigoods-Signature" // deprecated: t=<unix seconds>,v1=<hex HMAC-SHA256>
	HeaderEventID   = "Oshigoods-Event-Id"
	HeaderEventType = "Oshigoods-Event-Type"
	HeaderSequence  = "Oshigoods-Event-Sequence"
)

// secretPrefix starts every webhook secret.
const secretPrefix = "whsec_"

// NewWebhookSecret returns a fresh secret in the Standard Webhooks form:
// "whsec_" and the standard base64 of 32 random bytes.
func NewWebhookSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return secretPrefix + base64.StdEncoding.EncodeToString(b)
}

// WebhookKey returns the HMAC key of a secret as Standard Webhooks defines
// it: the base64-decoded part after "whsec_". Secrets made before the
// standard (whsec_ and unpadded base64url, which does not decode as
// standard base64) keep their old key, the secret's own bytes; their
// endpoints still verify, and a rotation gives them a standard secret.
func WebhookKey(secret string) []byte {
	if rest, ok := strings.CutPrefix(secret, secretPrefix); ok {
		if key, err := base64.StdEncoding.DecodeString(rest); err == nil && len(key) > 0 {
			return key
		}
	}
	return []byte(secret)
}

// SignStandardWebhook returns the webhook-signature header of a delivery
// of event id sent at t: "v1," and the base64 HMAC-SHA256, under
// WebhookKey(secret), of "<id>.<unix seconds>.<body>".
func SignStandardWebhook(secret, id string, t time.Time, body []byte) string {
	return "v1," + standardMAC(WebhookKey(secret), id, strconv.FormatInt(t.Unix(), 10), body)
}

func standardMAC(key []byte, id, ts string, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + ts + "."))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// VerifyStandardWebhook checks the Standard Webhooks headers of a delivery
// (id, timestamp, and a signature header of space-separated "v1,<sig>"
// entries, any of which may match) against body and secret, and that the
// timestamp is within tolerance of now (zero tolerance skips the check).
func VerifyStandardWebhook(secret, id, timestamp, signature string, body []byte, now time.Time, tolerance time.Duration) bool {
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil || id == "" {
		return false
	}
	if tolerance > 0 {
		if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
			return false
		}
	}
	want := standardMAC(WebhookKey(secret), id, timestamp, body)
	for _, s := range strings.Fields(signature) {
		if v, sig, ok := strings.Cut(s, ","); ok && v == "v1" && hmac.Equal([]byte(sig), []byte(want)) {
			return true
		}
	}
	return false
}

// SignWebhook returns the deprecated Oshigoods-Signature header of body
// sent at t: the hex HMAC-SHA256, under the secret's bytes as they are, of
// "<unix seconds>.<body>". Deliveries carry it beside the Standard
// Webhooks headers for a deprecation period.
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

// VerifyWebhook checks a deprecated Oshigoods-Signature header against body
// and secret, and that it was made within tolerance of now (zero tolerance
// skips the time check). New receivers use VerifyStandardWebhook or a
// Standard Webhooks library.
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

// MaxWebhooksPerShop is how many endpoints a shop may register.
const MaxWebhooksPerShop = 10

// ErrWebhookLimit is returned by WebhookStore.CreateWebhookEndpoint when
// the shop has MaxWebhooksPerShop endpoints already.
var ErrWebhookLimit = errors.New("webhook endpoint limit reached")

// CreateWebhook registers url for the shop and returns the endpoint with
// its secret (NewWebhookSecret). The URL must be absolute https (http only
// if s.Webhooks.AllowHTTP), of at most 2000 characters, and must not name
// or resolve to an address s.Webhooks refuses; a shop has at most
// MaxWebhooksPerShop endpoints. Each refusal is EUNPROCESSABLE naming "url".
func (s *Service) CreateWebhook(ctx context.Context, shop *ShopKey, rawURL string) (*WebhookEndpoint, error) {
	if utf8.RuneCountInString(rawURL) > 2000 {
		return nil, oshigoods.FieldErrorf("url", "url must be at most 2000 characters.")
	}
	u, err := s.Webhooks.CheckURL(ctx, rawURL)
	if err != nil {
		return nil, oshigoods.FieldErrorf("url", "url %s.", err)
	}
	e := &WebhookEndpoint{ID: NewID("whk"), ShopID: shop.ID, URL: u.String(), Secret: NewWebhookSecret(), CreatedAt: time.Now().UTC()}
	if err := s.Store.CreateWebhookEndpoint(ctx, e, MaxWebhooksPerShop); errors.Is(err, ErrWebhookLimit) {
		return nil, oshigoods.FieldErrorf("url", "A shop may register at most %d webhook endpoints; delete one first.", MaxWebhooksPerShop)
	} else if err != nil {
		return nil, err
	}
	s.webhookChanged(ctx, shop, "webhook.create", e.ID, "host="+u.Hostname())
	return e, nil
}

// DeleteWebhook deletes the shop's endpoint, its pending deliveries and its
// log; ENOTFOUND if the shop has no such endpoint (another shop's too).
func (s *Service) DeleteWebhook(ctx context.Context, shop *ShopKey, id string) error {
	if err := s.Store.DeleteWebhookEndpoint(ctx, shop.ID, id); err != nil {
		return err
	}
	s.webhookChanged(ctx, shop, "webhook.delete", id, "")
	return nil
}

// RotateWebhookSecret gives the shop's endpoint a new secret and returns
// the endpoint with it (shown this once). Deliveries are signed with the
// new secret from then on, including retries of earlier events; the old
// one stops verifying at once. ENOTFOUND if the shop has no such endpoint.
func (s *Service) RotateWebhookSecret(ctx context.Context, shop *ShopKey, id string) (*WebhookEndpoint, error) {
	e, err := s.ShopWebhook(ctx, shop, id)
	if err != nil {
		return nil, err
	}
	secret := NewWebhookSecret()
	if err := s.Store.SetWebhookSecret(ctx, shop.ID, id, secret); err != nil {
		return nil, err
	}
	e.Secret = secret
	s.webhookChanged(ctx, shop, "webhook.rotate", id, "")
	return e, nil
}

// webhookChanged is the one place a shop's change to its webhook endpoints
// (action "webhook.create", "webhook.delete", "webhook.rotate") is
// recorded, in the audit log; detail never holds a secret.
func (s *Service) webhookChanged(ctx context.Context, shop *ShopKey, action, endpointID, detail string) {
	s.audit(ctx, ShopActor(shop), action, endpointID, detail)
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
