// Package stripetest makes the signed Stripe webhook events tests send to
// stripepay and to the API's /v1/payments/stripe/webhook, as Stripe would
// send them, signed with stripe-go's webhook.GenerateTestSignedPayload.
package stripetest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"
)

// Event is a Checkout Session event.
type Event struct {
	// ID is the event id; "" is a fresh evt_….
	ID string
	// Type is the event type, e.g. "checkout.session.completed".
	Type string
	// APIVersion is the version the event is rendered in; "" is
	// stripe-go's (stripe.APIVersion).
	APIVersion string
	Session    Session
}

// Session is the part of a Checkout Session stripepay reads.
type Session struct {
	// ID is the session id; "" is a fresh cs_test_….
	ID string
	// OrderID is the order: the client_reference_id, or only the
	// metadata order_id when InMetadataOnly.
	OrderID        string
	InMetadataOnly bool
	// PaymentStatus is "paid", "unpaid" (konbini: the slip was issued) or
	// "no_payment_required".
	PaymentStatus string
	// AmountTotal is the amount in yen.
	AmountTotal int64
}

// JSON returns the event's body.
func (e Event) JSON() []byte {
	if e.ID == "" {
		e.ID = "evt_test_" + random()
	}
	if e.APIVersion == "" {
		e.APIVersion = stripe.APIVersion
	}
	s := e.Session
	if s.ID == "" {
		s.ID = "cs_test_" + random()
	}
	obj := map[string]any{
		"id": s.ID, "object": "checkout.session", "mode": "payment", "currency": "jpy",
		"amount_total": s.AmountTotal, "payment_status": s.PaymentStatus,
		"metadata": map[string]string{"order_id": s.OrderID},
	}
	if !s.InMetadataOnly {
		obj["client_reference_id"] = s.OrderID
	}
	b, err := json.Marshal(map[string]any{
		"id": e.ID, "object": "event", "type": e.Type, "api_version": e.APIVersion,
		"created": time.Now().Unix(), "livemode": false, "data": map[string]any{"object": obj},
	})
	if err != nil {
		panic(err) // maps of strings and numbers always marshal
	}
	return b
}

// Sign returns the Stripe-Signature header of payload signed with secret
// at time at (zero is now).
func Sign(payload []byte, secret string, at time.Time) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: at}).Header
}

func random() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}
