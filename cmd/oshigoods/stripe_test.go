package main

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"oshigoods/internal/testenv"
	"oshigoods/stripepay"
	"oshigoods/stripepay/stripetest"
)

const testWebhookSecret = "whsec_oshigoodse2e"

// stripeOrderResp is what the Stripe test reads of an order.
type stripeOrderResp struct {
	ID, Token, Status string
	Totals            struct{ Total int64 }
	Payment           struct {
		Status, Reference string
		CheckoutURL       string `json:"checkout_url"`
	}
	Items []struct {
		Status string
		Files  []struct{ Name string }
	}
}

// shippedCardOrder is an order of one printed letter card, shipped.
func shippedCardOrder() map[string]any {
	return map[string]any{
		"customer":       map[string]string{"name": "山田 花子", "email": "hanako@example.com"},
		"items":          []map[string]any{{"template": "card-letter-tate", "quantity": 1, "fields": map[string]string{"to": "さくら"}}},
		"terms_accepted": true,
		"shipping_address": map[string]string{"postal_code": "100-0001", "prefecture": "東京都", "city": "千代田区",
			"line1": "千代田1-1", "name": "山田 花子", "phone": "090-1234-5678"},
	}
}

// postStripeEvent posts payload to the API's Stripe webhook with the
// Stripe-Signature header, as Stripe does, and returns the status.
func postStripeEvent(t *testing.T, base string, payload []byte, signature string) int {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/v1/payments/stripe/webhook", bytes.NewReader(payload))
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Stripe-Signature", signature)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("post Stripe event: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestStripeCheckout: in payment mode stripe, an order waits for its
// Checkout Session (opened on stripe-mock) to be paid; Stripe's signed
// event pays it once, and nothing else does: not a repeat, a bad
// signature, a replayed (stale) event or a wrong amount. An expired
// session cancels its order.
func TestStripeCheckout(t *testing.T) {
	env := backends[0].env(t)
	env["OSHIGOODS_PAYMENT"] = "stripe"
	env["OSHIGOODS_STRIPE_SECRET_KEY"] = "sk_test_oshigoodse2e"
	env["OSHIGOODS_STRIPE_WEBHOOK_SECRET"] = testWebhookSecret
	env["OSHIGOODS_STRIPE_API_BASE"] = testenv.StripeMock(t)
	srv := startServe(t, env)
	base := srv.base

	order := func() stripeOrderResp {
		t.Helper()
		var o stripeOrderResp
		if code := call(t, "POST", base+"/v1/orders", "", nil, shippedCardOrder(), &o); code != 201 {
			t.Fatalf("create order: %d %+v", code, o)
		}
		if o.Status != "awaiting_payment" || o.Payment.Status != "pending" || !strings.HasPrefix(o.Payment.CheckoutURL, "https://") ||
			!strings.HasPrefix(o.Payment.Reference, "cs_") || o.Totals.Total != 880+300 {
			t.Fatalf("new order: %+v; want awaiting_payment with a checkout of 1180 yen", o)
		}
		return o
	}
	get := func(o stripeOrderResp) stripeOrderResp {
		t.Helper()
		var got stripeOrderResp
		if code := call(t, "GET", base+"/v1/orders/"+o.ID, o.Token, nil, nil, &got); code != 200 {
			t.Fatalf("GET order: %d", code)
		}
		return got
	}
	unpaid := func(o stripeOrderResp, after string) {
		t.Helper()
		got := get(o)
		if got.Status != "awaiting_payment" || got.Payment.Status != "pending" {
			t.Fatalf("after %s: order %s payment %s, want awaiting_payment and pending", after, got.Status, got.Payment.Status)
		}
		for _, it := range got.Items {
			if it.Status != "awaiting_payment" || len(it.Files) > 0 {
				t.Fatalf("after %s: item %s with %d files, want awaiting_payment and none", after, it.Status, len(it.Files))
			}
		}
		if n := paymentRecords(t, env["OSHIGOODS_DATA_DIR"], o.ID); n != 0 {
			t.Fatalf("after %s: %d payment records, want 0", after, n)
		}
	}
	event := func(typ string, o stripeOrderResp, amount int64) []byte {
		return stripetest.Event{Type: typ, Session: stripetest.Session{ID: o.Payment.Reference, OrderID: o.ID, PaymentStatus: "paid", AmountTotal: amount}}.JSON()
	}

	o1 := order()
	// The reconciler runs every 200ms here: it must leave an unpaid order.
	time.Sleep(1500 * time.Millisecond)
	unpaid(o1, "waiting")

	paid := event(stripepay.EventCompleted, o1, o1.Totals.Total)
	sig := stripetest.Sign(paid, testWebhookSecret, time.Now())
	if code := postStripeEvent(t, base, paid, sig); code != 200 {
		t.Fatalf("completed event: %d, want 200", code)
	}
	waitStatus(t, base, o1.ID, o1.Token, "ready")
	if code := postStripeEvent(t, base, paid, sig); code != 200 {
		t.Fatalf("the same event again: %d, want 200", code)
	}
	if got := get(o1); got.Status != "ready" || got.Payment.Status != "paid" || paymentRecords(t, env["OSHIGOODS_DATA_DIR"], o1.ID) != 1 {
		t.Fatalf("after the repeat: %s, payment %s, %d records; want ready, paid, 1", got.Status, got.Payment.Status, paymentRecords(t, env["OSHIGOODS_DATA_DIR"], o1.ID))
	}

	o2 := order()
	paid2 := event(stripepay.EventCompleted, o2, o2.Totals.Total)
	for _, tc := range []struct {
		scenario  string
		payload   []byte
		signature string
		status    int
		log       string // what the operator reads in the log, if anything
	}{
		{"signed with another secret", paid2, stripetest.Sign(paid2, "whsec_notours", time.Now()), 400, ""},
		{"body changed after signing", event(stripepay.EventCompleted, o2, 1), stripetest.Sign(paid2, testWebhookSecret, time.Now()), 400, ""},
		{"no signature", paid2, "", 400, ""},
		{"replayed: signed 10 minutes ago", paid2, stripetest.Sign(paid2, testWebhookSecret, time.Now().Add(-10*time.Minute)), 400, ""},
		{"amount differs from the total", event(stripepay.EventCompleted, o2, o2.Totals.Total-300), "", 200,
			"payment amount differs from the order's total; left for the operator"},
		{"konbini slip issued, not yet paid", stripetest.Event{Type: stripepay.EventCompleted, Session: stripetest.Session{
			ID: o2.Payment.Reference, OrderID: o2.ID, PaymentStatus: "unpaid", AmountTotal: o2.Totals.Total}}.JSON(), "", 200, ""},
		{"another event type", event("charge.succeeded", o2, o2.Totals.Total), "", 200, ""},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			if tc.signature == "" && tc.status == 200 {
				tc.signature = stripetest.Sign(tc.payload, testWebhookSecret, time.Now())
			}
			if code := postStripeEvent(t, base, tc.payload, tc.signature); code != tc.status {
				t.Fatalf("status %d, want %d", code, tc.status)
			}
			time.Sleep(300 * time.Millisecond) // a reconciler round
			unpaid(o2, tc.scenario)
			if tc.log != "" && !strings.Contains(srv.logs.String(), tc.log) {
				t.Errorf("the log does not say %q", tc.log)
			}
		})
	}

	expired := stripetest.Event{Type: stripepay.EventExpired, Session: stripetest.Session{ID: o2.Payment.Reference, OrderID: o2.ID, PaymentStatus: "unpaid", AmountTotal: o2.Totals.Total}}.JSON()
	if code := postStripeEvent(t, base, expired, stripetest.Sign(expired, testWebhookSecret, time.Now())); code != 200 {
		t.Fatalf("expired event: %d, want 200", code)
	}
	if got := get(o2); got.Status != "cancelled" || got.Payment.Status != "expired" {
		t.Fatalf("after expiry: order %s payment %s, want cancelled and expired", got.Status, got.Payment.Status)
	}
	// Paying the expired order now is left for the operator (a refund).
	if code := postStripeEvent(t, base, paid2, stripetest.Sign(paid2, testWebhookSecret, time.Now())); code != 200 {
		t.Fatalf("late payment: %d, want 200", code)
	}
	if got := get(o2); got.Status != "cancelled" || got.Payment.Status != "expired" {
		t.Fatalf("after a late payment: order %s payment %s, want cancelled and expired", got.Status, got.Payment.Status)
	}
}
