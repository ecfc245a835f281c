package stripepay

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"

	"oshigoods"
	"oshigoods/orders"
)

// The Checkout Session events ParseEvent reads; the webhook endpoint
// needs only these enabled.
const (
	EventCompleted              = "checkout.session.completed"
	EventAsyncPaymentSucceeded  = "checkout.session.async_payment_succeeded"
	EventAsyncPaymentFailed     = "checkout.session.async_payment_failed"
	EventExpired                = "checkout.session.expired"
	checkoutSessionEventsPrefix = "checkout.session."
)

// Events are the event types to enable on the webhook endpoint.
var Events = []string{EventCompleted, EventAsyncPaymentSucceeded, EventAsyncPaymentFailed, EventExpired}

// APIVersion is the API version the webhook endpoint must send events in:
// stripe-go's (stripe.APIVersion). Events of its release train (the part
// after the dot, e.g. "basil") are taken.
const APIVersion = stripe.APIVersion

// ErrAPIVersion is returned by ParseEvent, wrapped, for a correctly signed
// event whose API version is not of stripe-go's release train (APIVersion).
// Such an event is refused rather than read: stripe-go decodes objects of
// its own version only, and a field that moved would be misread as a
// payment. It is an internal error (HTTP 500, logged with both versions;
// Stripe retries): the endpoint's API version is to be set to APIVersion.
var ErrAPIVersion = errors.New("stripe event API version differs from stripe-go's")

// signatureMessage is the public message of every event that does not
// verify: it says nothing of why.
const signatureMessage = "The event's signature does not verify."

// ParseEvent verifies a webhook event's Stripe-Signature header (header)
// against the webhook secret and Tolerance, and returns what it says:
//
//   - checkout.session.completed: paid; Pending when the session's
//     payment_status is not "paid" (konbini: the slip was issued, the money
//     follows with async_payment_succeeded);
//   - checkout.session.async_payment_succeeded: paid;
//   - checkout.session.expired and checkout.session.async_payment_failed:
//     expired;
//   - any other type: ignored (PaymentEventIgnored).
//
// OrderID is the session's client_reference_id, else its metadata
// order_id; Reference is the session id and Amount its amount_total (yen).
//
// A missing, malformed or wrong signature, a timestamp older than
// Tolerance (a replay), and a signed body that is not a JSON event are
// EINVALID, with one public message that says nothing of which. An event
// of another API version is ErrAPIVersion (see there).
func (p *Provider) ParseEvent(payload []byte, header string) (orders.PaymentEvent, error) {
	ev, err := webhook.ConstructEventWithOptions(payload, header, p.cfg.WebhookSecret,
		webhook.ConstructEventOptions{Tolerance: p.cfg.Tolerance})
	switch {
	case err == nil:
	case errors.Is(err, webhook.ErrNotSigned), errors.Is(err, webhook.ErrInvalidHeader),
		errors.Is(err, webhook.ErrNoValidSignature), errors.Is(err, webhook.ErrTooOld):
		return orders.PaymentEvent{}, oshigoods.Wrapf(err, oshigoods.EINVALID, signatureMessage)
	default:
		// The signature verified; the body is not an event, or not of
		// stripe-go's API version.
		var v struct {
			APIVersion string `json:"api_version"`
		}
		if json.Unmarshal(payload, &v) != nil {
			return orders.PaymentEvent{}, oshigoods.Wrapf(err, oshigoods.EINVALID, "The event is not a JSON Stripe event.")
		}
		return orders.PaymentEvent{}, fmt.Errorf("%w: the event is %q, stripe-go reads %q; set the webhook endpoint's API version to %s",
			ErrAPIVersion, v.APIVersion, stripe.APIVersion, stripe.APIVersion)
	}
	out := orders.PaymentEvent{ID: ev.ID, Type: orders.PaymentEventIgnored}
	if !strings.HasPrefix(string(ev.Type), checkoutSessionEventsPrefix) {
		return out, nil
	}
	var s stripe.CheckoutSession
	if ev.Data == nil || json.Unmarshal(ev.Data.Raw, &s) != nil {
		return orders.PaymentEvent{}, oshigoods.Errorf(oshigoods.EINVALID, "The event's object is not a Checkout Session.")
	}
	switch ev.Type {
	case EventCompleted:
		out.Type, out.Pending = orders.PaymentEventPaid, s.PaymentStatus != stripe.CheckoutSessionPaymentStatusPaid
	case EventAsyncPaymentSucceeded:
		out.Type = orders.PaymentEventPaid
	case EventExpired, EventAsyncPaymentFailed:
		out.Type = orders.PaymentEventExpired
	default:
		return out, nil
	}
	out.OrderID, out.Reference, out.Amount = s.ClientReferenceID, s.ID, orders.Yen(s.AmountTotal)
	if out.OrderID == "" {
		out.OrderID = s.Metadata["order_id"]
	}
	return out, nil
}
