package stripepay_test

import (
	"fmt"
	"time"

	"oshigoods"
	"oshigoods/stripepay"
	"oshigoods/stripepay/stripetest"
)

// A webhook event as Stripe sends it to /v1/payments/stripe/webhook, read
// by the provider. ParseEvent never dials Stripe.
func ExampleProvider_ParseEvent() {
	p, err := stripepay.New(stripepay.Config{
		SecretKey:      "sk_test_example",
		WebhookSecret:  "whsec_example",
		APIBase:        "http://127.0.0.1:12111", // stripe-mock; empty is Stripe's API
		PaymentMethods: []string{"card", "konbini"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	payload := stripetest.Event{ID: "evt_1", Type: stripepay.EventCompleted, Session: stripetest.Session{
		ID: "cs_test_1", OrderID: "ord_1", PaymentStatus: "unpaid", AmountTotal: 1180,
	}}.JSON()
	ev, err := p.ParseEvent(payload, stripetest.Sign(payload, "whsec_example", time.Now()))
	fmt.Printf("%s %s %s %d yen, pending %t, %v\n", ev.Type, ev.OrderID, ev.Reference, ev.Amount, ev.Pending, err)

	// A replay: the signature is an hour old. The fan-facing message says
	// nothing of why; the log has the cause.
	_, err = p.ParseEvent(payload, stripetest.Sign(payload, "whsec_example", time.Now().Add(-time.Hour)))
	fmt.Println(oshigoods.ErrorCode(err), oshigoods.ErrorMessage(err))
	// Output:
	// paid ord_1 cs_test_1 1180 yen, pending true, <nil>
	// invalid The event's signature does not verify.
}
