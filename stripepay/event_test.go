package stripepay

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"oshigoods"
	"oshigoods/orders"
	"oshigoods/stripepay/stripetest"
)

func TestParseEvent(t *testing.T) {
	// ParseEvent never dials: the API base is a loopback port nothing
	// listens on.
	p, err := New(Config{SecretKey: testKey, WebhookSecret: testSecret, APIBase: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	session := func(status string) stripetest.Session {
		return stripetest.Session{ID: "cs_test_1", OrderID: "ord_1", PaymentStatus: status, AmountTotal: 2060}
	}
	event := func(typ string, s stripetest.Session) []byte {
		return stripetest.Event{ID: "evt_1", Type: typ, Session: s}.JSON()
	}
	paid := orders.PaymentEvent{ID: "evt_1", Type: orders.PaymentEventPaid, OrderID: "ord_1", Reference: "cs_test_1", Amount: 2060}
	completed := event(EventCompleted, session("paid"))
	now := time.Now()
	for _, tc := range []struct {
		scenario string
		payload  []byte
		header   string // "" is payload signed with testSecret now
		want     orders.PaymentEvent
		code     string // the error's code; "" for none
	}{
		{"completed and paid", completed, "", paid, ""},
		{"completed, konbini slip issued", event(EventCompleted, session("unpaid")), "",
			orders.PaymentEvent{ID: "evt_1", Type: orders.PaymentEventPaid, OrderID: "ord_1", Reference: "cs_test_1", Amount: 2060, Pending: true}, ""},
		{"async payment succeeded", event(EventAsyncPaymentSucceeded, session("paid")), "", paid, ""},
		{"expired", event(EventExpired, session("unpaid")), "",
			orders.PaymentEvent{ID: "evt_1", Type: orders.PaymentEventExpired, OrderID: "ord_1", Reference: "cs_test_1", Amount: 2060}, ""},
		{"async payment failed", event(EventAsyncPaymentFailed, session("unpaid")), "",
			orders.PaymentEvent{ID: "evt_1", Type: orders.PaymentEventExpired, OrderID: "ord_1", Reference: "cs_test_1", Amount: 2060}, ""},
		{"order id in the metadata only", event(EventCompleted, stripetest.Session{ID: "cs_test_1", OrderID: "ord_1", InMetadataOnly: true, PaymentStatus: "paid", AmountTotal: 2060}), "", paid, ""},
		{"another checkout.session event", event("checkout.session.updated", session("unpaid")), "", orders.PaymentEvent{ID: "evt_1"}, ""},
		{"unknown type ignored", event("payment_intent.succeeded", session("paid")), "", orders.PaymentEvent{ID: "evt_1"}, ""},
		{"same release train, other date", stripetest.Event{ID: "evt_1", Type: EventCompleted, APIVersion: "2025-01-01." + strings.SplitN(APIVersion, ".", 2)[1], Session: session("paid")}.JSON(), "", paid, ""},
		{"bad signature", completed, "t=" + strconv.FormatInt(now.Unix(), 10) + ",v1=" + strings.Repeat("ab", 32), orders.PaymentEvent{}, oshigoods.EINVALID},
		{"body changed after signing", append(completed[:len(completed)-1:len(completed)-1], ' ', '}'), stripetest.Sign(completed, testSecret, now), orders.PaymentEvent{}, oshigoods.EINVALID},
		{"signed with another secret", completed, stripetest.Sign(completed, "whsec_another", now), orders.PaymentEvent{}, oshigoods.EINVALID},
		{"timestamp older than the tolerance", completed, stripetest.Sign(completed, testSecret, now.Add(-DefaultTolerance-time.Minute)), orders.PaymentEvent{}, oshigoods.EINVALID},
		{"no signature", completed, "-", orders.PaymentEvent{}, oshigoods.EINVALID},
		{"malformed header", completed, "v1", orders.PaymentEvent{}, oshigoods.EINVALID},
		{"signed, not JSON", []byte("not json"), stripetest.Sign([]byte("not json"), testSecret, now), orders.PaymentEvent{}, oshigoods.EINVALID},
		{"other API version", stripetest.Event{Type: EventCompleted, APIVersion: "2024-06-20", Session: session("paid")}.JSON(), "", orders.PaymentEvent{}, oshigoods.EINTERNAL},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			header := tc.header
			switch header {
			case "":
				header = stripetest.Sign(tc.payload, testSecret, now)
			case "-":
				header = ""
			}
			got, err := p.ParseEvent(tc.payload, header)
			if code := oshigoods.ErrorCode(err); code != tc.code {
				t.Fatalf("ParseEvent: %v (code %q), want code %q", err, code, tc.code)
			}
			if got != tc.want {
				t.Errorf("ParseEvent = %+v\nwant %+v", got, tc.want)
			}
			switch tc.code {
			case oshigoods.EINVALID:
				// One message whatever is wrong, naming no secret.
				if msg := oshigoods.ErrorMessage(err); msg != signatureMessage && msg != "The event is not a JSON Stripe event." {
					t.Errorf("public message %q", msg)
				}
			case oshigoods.EINTERNAL:
				if !errors.Is(err, ErrAPIVersion) || !strings.Contains(err.Error(), "2024-06-20") || !strings.Contains(err.Error(), APIVersion) {
					t.Errorf("error %v; want ErrAPIVersion naming both versions", err)
				}
			}
			if err != nil && strings.Contains(err.Error(), testSecret) {
				t.Errorf("error shows the secret: %v", err)
			}
		})
	}
}

// TestParseEventTolerance: the configured tolerance, not stripe-go's
// default, decides what is a replay.
func TestParseEventTolerance(t *testing.T) {
	p, err := New(Config{SecretKey: testKey, WebhookSecret: testSecret, APIBase: "http://127.0.0.1:1", Tolerance: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	payload := stripetest.Event{Type: EventCompleted, Session: stripetest.Session{OrderID: "ord_1", PaymentStatus: "paid", AmountTotal: 880}}.JSON()
	for _, tc := range []struct {
		scenario string
		age      time.Duration
		code     string
	}{
		{"within", 10 * time.Second, ""},
		{"past", time.Minute, oshigoods.EINVALID},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			_, err := p.ParseEvent(payload, stripetest.Sign(payload, testSecret, time.Now().Add(-tc.age)))
			if code := oshigoods.ErrorCode(err); code != tc.code {
				t.Errorf("signed %s ago: %v, want code %q", tc.age, err, tc.code)
			}
		})
	}
}
