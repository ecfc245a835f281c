package orders_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"oshigoods"
	"oshigoods/orders"
)

// testAddress is a valid shipping address: printed goods need one.
func testAddress() *orders.ShippingAddress {
	return &orders.ShippingAddress{PostalCode: "100-0001", Prefecture: "東京都", City: "千代田区", Line1: "千代田1-1", Name: "山田 花子", Phone: "09012345678"}
}

// TestCompute: totals for quantities, mixed deliveries and the shipping
// rules; the included tax is the whole total's, rounded down.
func TestCompute(t *testing.T) {
	neko := orders.ShippingMethod{ID: "nekopos", Name: "ネコポス", Fee: 300, FreeFrom: 5000, MaxItems: 20}
	compact := orders.ShippingMethod{ID: "compact", Name: "宅急便コンパクト", Fee: 800}
	card := func(q int) orders.Line {
		return orders.Line{UnitPrice: 880, Quantity: q, Delivery: orders.DeliveryPhysical}
	}
	photo := func(q int) orders.Line {
		return orders.Line{UnitPrice: 1200, Quantity: q, Delivery: orders.DeliveryPhysical}
	}
	voice := func(q int) orders.Line {
		return orders.Line{UnitPrice: 660, Quantity: q, Delivery: orders.DeliveryDigital}
	}
	tests := []struct {
		scenario  string
		lines     []orders.Line
		method    orders.ShippingMethod
		want      orders.Totals
		wantField string // an error naming it
	}{
		{"one card by nekopos", []orders.Line{card(1)}, neko, orders.Totals{Items: 880, Shipping: 300, Total: 1180, Tax: 107}, ""},
		{"quantities multiply", []orders.Line{card(2), photo(3)}, neko, orders.Totals{Items: 5360, Shipping: 0, Total: 5360, Tax: 487}, ""},
		{"just under the free threshold", []orders.Line{photo(4)}, neko, orders.Totals{Items: 4800, Shipping: 300, Total: 5100, Tax: 463}, ""},
		{"exactly the free threshold is free", []orders.Line{orders.Line{UnitPrice: 1000, Quantity: 5, Delivery: orders.DeliveryPhysical}}, neko, orders.Totals{Items: 5000, Shipping: 0, Total: 5000, Tax: 454}, ""},
		{"a method never free", []orders.Line{photo(10)}, compact, orders.Totals{Items: 12000, Shipping: 800, Total: 12800, Tax: 1163}, ""},
		{"digital only: no shipping", []orders.Line{voice(2)}, orders.ShippingMethod{}, orders.Totals{Items: 1320, Shipping: 0, Total: 1320, Tax: 120}, ""},
		{"mixed: digital counts toward the threshold", []orders.Line{card(1), voice(7)}, neko, orders.Totals{Items: 5500, Shipping: 0, Total: 5500, Tax: 500}, ""},
		{"mixed, under the threshold: one fee", []orders.Line{card(1), voice(1)}, neko, orders.Totals{Items: 1540, Shipping: 300, Total: 1840, Tax: 167}, ""},
		{"too many pieces for one parcel", []orders.Line{card(15), photo(6)}, neko, orders.Totals{}, "shipping_method"},
		{"digital pieces do not fill the parcel", []orders.Line{card(20), voice(30)}, neko, orders.Totals{Items: 37400, Total: 37400, Tax: 3400}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			got, err := orders.Compute(tc.lines, tc.method, "shipping_method")
			if tc.wantField != "" {
				if e, ok := err.(*oshigoods.Error); !ok || e.Field != tc.wantField || e.Code != oshigoods.EUNPROCESSABLE {
					t.Fatalf("error %v, want EUNPROCESSABLE on %s", err, tc.wantField)
				}
				return
			}
			tc.want.Currency = "JPY"
			if err != nil || got != tc.want {
				t.Fatalf("Compute = %+v, %v; want %+v", got, err, tc.want)
			}
			if got.Total != got.Items+got.Shipping {
				t.Fatalf("total %d is not items %d + shipping %d", got.Total, got.Items, got.Shipping)
			}
		})
	}
}

// TestIncludedTax: 10 % included, rounded down, as a receipt shows it.
func TestIncludedTax(t *testing.T) {
	for _, tc := range []struct{ total, tax orders.Yen }{{0, 0}, {10, 0}, {11, 1}, {110, 10}, {1180, 107}, {1999, 181}, {100000, 9090}} {
		if got := orders.IncludedTax(tc.total); got != tc.tax {
			t.Errorf("IncludedTax(%d) = %d, want %d", tc.total, got, tc.tax)
		}
	}
}

// TestShippingAddress: what a fan types is normalised (full-width digits,
// 〒, hyphens, +81) and each bad field is refused by name.
func TestShippingAddress(t *testing.T) {
	good := *testAddress()
	tests := []struct {
		scenario  string
		edit      func(a *orders.ShippingAddress)
		wantField string
		check     func(t *testing.T, a orders.ShippingAddress)
	}{
		{"valid", func(a *orders.ShippingAddress) {}, "", nil},
		{"postal code without hyphen", func(a *orders.ShippingAddress) { a.PostalCode = "1000001" }, "", func(t *testing.T, a orders.ShippingAddress) {
			if a.PostalCode != "100-0001" {
				t.Errorf("postal code %q, want 100-0001", a.PostalCode)
			}
		}},
		{"full-width postal code with 〒", func(a *orders.ShippingAddress) { a.PostalCode = "〒１００－０００１" }, "", func(t *testing.T, a orders.ShippingAddress) {
			if a.PostalCode != "100-0001" {
				t.Errorf("postal code %q, want 100-0001", a.PostalCode)
			}
		}},
		{"phone with hyphens, full width", func(a *orders.ShippingAddress) { a.Phone = "０９０－１２３４－５６７８" }, "", func(t *testing.T, a orders.ShippingAddress) {
			if a.Phone != "09012345678" {
				t.Errorf("phone %q", a.Phone)
			}
		}},
		{"phone +81", func(a *orders.ShippingAddress) { a.Phone = "+81 90-1234-5678" }, "", func(t *testing.T, a orders.ShippingAddress) {
			if a.Phone != "09012345678" {
				t.Errorf("phone %q", a.Phone)
			}
		}},
		{"landline of 10 digits", func(a *orders.ShippingAddress) { a.Phone = "03-1234-5678" }, "", nil},
		{"postal code of 6 digits", func(a *orders.ShippingAddress) { a.PostalCode = "100-001" }, "shipping_address.postal_code", nil},
		{"postal code with letters", func(a *orders.ShippingAddress) { a.PostalCode = "ABC-DEFG" }, "shipping_address.postal_code", nil},
		{"no postal code", func(a *orders.ShippingAddress) { a.PostalCode = "" }, "shipping_address.postal_code", nil},
		{"a prefecture that is not one", func(a *orders.ShippingAddress) { a.Prefecture = "東京" }, "shipping_address.prefecture", nil},
		{"no city", func(a *orders.ShippingAddress) { a.City = "　" }, "shipping_address.city", nil},
		{"no street", func(a *orders.ShippingAddress) { a.Line1 = "" }, "shipping_address.line1", nil},
		{"building too long for a label", func(a *orders.ShippingAddress) { a.Line2 = strings.Repeat("棟", 33) }, "shipping_address.line2", nil},
		{"no recipient", func(a *orders.ShippingAddress) { a.Name = "" }, "shipping_address.name", nil},
		{"recipient with a bidi override", func(a *orders.ShippingAddress) { a.Name = "\u202e子花" }, "shipping_address.name", nil},
		{"newline in the street", func(a *orders.ShippingAddress) { a.Line1 = "千代田\n1-1" }, "shipping_address.line1", nil},
		{"phone too short", func(a *orders.ShippingAddress) { a.Phone = "090-123" }, "shipping_address.phone", nil},
		{"phone not starting with 0", func(a *orders.ShippingAddress) { a.Phone = "9012345678" }, "shipping_address.phone", nil},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			a := good
			tc.edit(&a)
			a = a.Normalize()
			err := a.Validate("shipping_address.")
			if tc.wantField == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				if tc.check != nil {
					tc.check(t, a)
				}
				return
			}
			if e, ok := err.(*oshigoods.Error); !ok || e.Field != tc.wantField || e.Code != oshigoods.EUNPROCESSABLE {
				t.Fatalf("Validate: %v, want EUNPROCESSABLE on %s", err, tc.wantField)
			}
		})
	}
}

// countQueue counts what is enqueued.
type countQueue struct {
	orders.Queue
	mu    sync.Mutex
	items []string
}

func (q *countQueue) EnqueueRender(_ context.Context, it *orders.Item) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.items = append(q.items, it.ID)
	return nil
}

func (q *countQueue) count() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}

// checkoutService is builtinService taking payment as p, counting what it
// enqueues, with a postal list that knows one code.
func checkoutService(t *testing.T, p orders.Payments) (*orders.Service, *countQueue) {
	t.Helper()
	q := &countQueue{}
	svc := builtinService(t)
	svc.Queue, svc.Payments = q, p
	svc.Postal = func(code string) []string {
		if code == "1000001" {
			return []string{"東京都"}
		}
		return nil
	}
	if err := svc.Validate(); err != nil {
		t.Fatal(err)
	}
	return svc, q
}

var (
	hanako    = orders.Customer{Name: "山田 花子", Email: "hanako@example.com"}
	cardItem  = orders.NewItem{Template: "card-letter-tate", Quantity: 2, Fields: map[string]string{"to": "さくら"}}
	voiceItem = orders.NewItem{Template: "voice-alarm-morning", Fields: map[string]string{"name": "sakura", "lines": "ohayou", "repeat": "1", "preset": "phone"}}
)

// TestCreateOrderCheckout: the service prices an order from the
// catalogue, requires an address only for printed goods, the terms
// always, and a prefecture the postal code lies in.
func TestCreateOrderCheckout(t *testing.T) {
	svc, q := checkoutService(t, orders.Payments{})
	tests := []struct {
		scenario  string
		req       orders.NewOrder
		wantField string
		want      orders.Totals
	}{
		{"card with address", orders.NewOrder{Customer: hanako, Items: []orders.NewItem{cardItem}, TermsAccepted: true, ShippingAddress: testAddress()},
			"", orders.Totals{Items: 1760, Shipping: 300, Total: 2060, Tax: 187}},
		{"voice only needs no address", orders.NewOrder{Customer: hanako, Items: []orders.NewItem{voiceItem}, TermsAccepted: true},
			"", orders.Totals{Items: 660, Total: 660, Tax: 60}},
		{"card and voice, compact", orders.NewOrder{Customer: hanako, Items: []orders.NewItem{cardItem, voiceItem}, TermsAccepted: true, ShippingAddress: testAddress(), ShippingMethod: "compact"},
			"", orders.Totals{Items: 2420, Shipping: 800, Total: 3220, Tax: 292}},
		{"card without address", orders.NewOrder{Customer: hanako, Items: []orders.NewItem{cardItem}, TermsAccepted: true}, "shipping_address", orders.Totals{}},
		{"terms not accepted", orders.NewOrder{Customer: hanako, Items: []orders.NewItem{voiceItem}}, "terms_accepted", orders.Totals{}},
		{"unknown shipping method", orders.NewOrder{Customer: hanako, Items: []orders.NewItem{cardItem}, TermsAccepted: true, ShippingAddress: testAddress(), ShippingMethod: "drone"}, "shipping_method", orders.Totals{}},
		{"prefecture not the postal code's", orders.NewOrder{Customer: hanako, Items: []orders.NewItem{cardItem}, TermsAccepted: true,
			ShippingAddress: &orders.ShippingAddress{PostalCode: "1000001", Prefecture: "大阪府", City: "大阪市北区", Line1: "梅田1-1", Name: "山田 花子", Phone: "0612345678"}}, "shipping_address.prefecture", orders.Totals{}},
		{"bad postal code", orders.NewOrder{Customer: hanako, Items: []orders.NewItem{cardItem}, TermsAccepted: true,
			ShippingAddress: &orders.ShippingAddress{PostalCode: "12-34567", Prefecture: "東京都", City: "千代田区", Line1: "千代田1-1", Name: "山田 花子", Phone: "09012345678"}}, "shipping_address.postal_code", orders.Totals{}},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			before := q.count()
			o, _, _, err := svc.CreateOrder(t.Context(), tc.req, orders.Idempotency{})
			if tc.wantField != "" {
				if e, ok := err.(*oshigoods.Error); !ok || e.Field != tc.wantField {
					t.Fatalf("CreateOrder: %v, want an error on %s", err, tc.wantField)
				}
				if q.count() != before {
					t.Fatal("a refused order was enqueued")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.want.Currency = "JPY"
			if o.Totals != tc.want || o.Payment.Amount != tc.want.Total || o.Payment.Status != orders.PaymentNotRequired {
				t.Fatalf("totals %+v, payment %+v; want %+v, not required", o.Totals, o.Payment, tc.want)
			}
			if (o.ShippingAddress == nil) != (tc.req.ShippingAddress == nil) {
				t.Fatalf("shipping address %+v kept for request %+v", o.ShippingAddress, tc.req.ShippingAddress)
			}
			if o.Status != orders.StatusQueued || q.count() != before+len(tc.req.Items) {
				t.Fatalf("payment none: status %s, %d enqueued; want queued, %d", o.Status, q.count()-before, len(tc.req.Items))
			}
		})
	}
}

// TestBankTransfer: an order waits unrendered until the operator marks it
// paid; the deadline is the end of a Japan day; an unpaid order past it
// is cancelled, and a late mark-paid refused.
func TestBankTransfer(t *testing.T) {
	svc, q := checkoutService(t, orders.Payments{Mode: orders.PaymentBankTransfer,
		Bank: orders.BankAccount{Bank: "ゆうちょ銀行", Branch: "〇一八", AccountType: "普通", Number: "1234567", Holder: "ヒカリグッズ"}})
	ctx := t.Context()
	// 2026-12-06 10:00 JST.
	now := time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC)
	svc.Now = func() time.Time { return now }
	o, _, _, err := svc.CreateOrder(ctx, orders.NewOrder{Customer: hanako, Items: []orders.NewItem{cardItem}, TermsAccepted: true, ShippingAddress: testAddress()}, orders.Idempotency{})
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != orders.StatusAwaitingPayment || o.Payment.Status != orders.PaymentPending || q.count() != 0 {
		t.Fatalf("bank transfer order: %s, payment %s, %d enqueued; want awaiting_payment, pending, none", o.Status, o.Payment.Status, q.count())
	}
	jst := time.FixedZone("JST", 9*3600)
	if want := time.Date(2026, 12, 13, 23, 59, 59, 0, jst); !o.Payment.DueAt.Equal(want) {
		t.Fatalf("due %v, want %v", o.Payment.DueAt.In(jst), want)
	}
	if b := svc.BankFor(o); b == nil || b.Number != "1234567" {
		t.Fatalf("BankFor: %+v", b)
	}
	paid, err := svc.MarkPaid(ctx, orders.ActorOperator, o.ID, "12/07 ヤマダ ハナコ")
	if err != nil {
		t.Fatal(err)
	}
	if paid.Payment.Status != orders.PaymentPaid || paid.Status != orders.StatusQueued || q.count() != 1 {
		t.Fatalf("after MarkPaid: %s, payment %s, %d enqueued", paid.Status, paid.Payment.Status, q.count())
	}
	if svc.BankFor(paid) != nil {
		t.Fatal("a paid order still shows the account to pay into")
	}
	if again, err := svc.MarkPaid(ctx, orders.ActorOperator, o.ID, ""); err != nil || again.Payment.Status != orders.PaymentPaid || q.count() != 1 {
		t.Fatalf("MarkPaid again: %v, %d enqueued", err, q.count())
	}

	// Another order left unpaid: kept through its deadline's grace hour,
	// cancelled after it.
	late, _, _, err := svc.CreateOrder(ctx, orders.NewOrder{Customer: hanako, Items: []orders.NewItem{voiceItem}, TermsAccepted: true}, orders.Idempotency{})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := svc.ExpireOverduePayments(ctx, late.Payment.DueAt.Add(30*time.Minute), 10); err != nil || n != 0 {
		t.Fatalf("expired within the grace: %d, %v", n, err)
	}
	if n, err := svc.ExpireOverduePayments(ctx, late.Payment.DueAt.Add(2*time.Hour), 10); err != nil || n != 1 {
		t.Fatalf("ExpireOverduePayments: %d, %v; want 1", n, err)
	}
	got, err := svc.Store.Order(ctx, late.ID)
	if err != nil || got.Status != orders.StatusCancelled || got.Payment.Status != orders.PaymentExpired {
		t.Fatalf("overdue order: %+v, %v", got, err)
	}
	if _, err := svc.MarkPaid(ctx, orders.ActorOperator, late.ID, ""); oshigoods.ErrorCode(err) != oshigoods.ECONFLICT {
		t.Fatalf("MarkPaid after expiry: %v, want ECONFLICT", err)
	}
	if _, err := svc.MarkPaid(ctx, orders.ActorOperator, "ord_missing", ""); oshigoods.ErrorCode(err) != oshigoods.ENOTFOUND {
		t.Fatalf("MarkPaid of no order: %v, want ENOTFOUND", err)
	}
}

// TestPaymentsConfig: the payment configuration refuses what cannot work.
func TestPaymentsConfig(t *testing.T) {
	bank := orders.BankAccount{Bank: "ゆうちょ銀行", Number: "1234567", Holder: "ヒカリグッズ"}
	tests := []struct {
		scenario, wantField string
		p                   orders.Payments
	}{
		{"default", "", orders.Payments{}},
		{"bank transfer with an account", "", orders.Payments{Mode: orders.PaymentBankTransfer, Bank: bank}},
		{"bank transfer without an account", "Payments.Bank", orders.Payments{Mode: orders.PaymentBankTransfer}},
		{"unknown mode", "Payments.Mode", orders.Payments{Mode: "cash"}},
		{"transfer period too long", "Payments.TransferDays", orders.Payments{TransferDays: 60}},
		{"checkout shorter than Stripe allows", "Payments.CheckoutTTL", orders.Payments{CheckoutTTL: time.Minute}},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			err := tc.p.Validate()
			errs := oshigoods.ConfigErrors(err)
			if tc.wantField == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if len(errs) != 1 || errs[0].Field != tc.wantField {
				t.Fatalf("Validate: %v, want a problem with %s", err, tc.wantField)
			}
		})
	}
	if err := (orders.Shipping{Methods: []orders.ShippingMethod{{ID: "Neko Pos", Name: ""}, {ID: "a", Name: "A", Fee: -1}}, Default: "b"}).Validate(); len(oshigoods.ConfigErrors(err)) != 4 {
		t.Fatalf("Shipping.Validate: %v; want 4 problems", err)
	}
}

// TestDeriveStatus: an order's status from its items', printed goods and
// downloads each on their own path.
func TestDeriveStatus(t *testing.T) {
	card := func(s orders.Status) orders.ItemState { return orders.ItemState{Status: s, Kind: orders.KindCard} }
	voice := func(s orders.Status) orders.ItemState { return orders.ItemState{Status: s, Kind: orders.KindVoice} }
	tests := []struct {
		scenario string
		items    []orders.ItemState
		want     orders.Status
	}{
		{"no items", nil, orders.StatusReceived},
		{"awaiting payment", []orders.ItemState{card(orders.StatusAwaitingPayment), voice(orders.StatusAwaitingPayment)}, orders.StatusAwaitingPayment},
		{"least advanced wins", []orders.ItemState{card(orders.StatusReady), card(orders.StatusRendering)}, orders.StatusRendering},
		{"any failed", []orders.ItemState{card(orders.StatusReady), voice(orders.StatusFailed)}, orders.StatusFailed},
		{"all cancelled", []orders.ItemState{card(orders.StatusCancelled)}, orders.StatusCancelled},
		{"card printed, clip ready: printed", []orders.ItemState{card(orders.StatusPrinted), voice(orders.StatusReady)}, orders.StatusPrinted},
		{"card shipped, clip delivered: shipped", []orders.ItemState{card(orders.StatusShipped), voice(orders.StatusDelivered)}, orders.StatusShipped},
		{"card ready, clip rendering: rendering", []orders.ItemState{card(orders.StatusReady), voice(orders.StatusRendering)}, orders.StatusRendering},
		{"card ready, clip ready: ready", []orders.ItemState{card(orders.StatusReady), voice(orders.StatusReady)}, orders.StatusReady},
		{"clip only, ready", []orders.ItemState{voice(orders.StatusReady)}, orders.StatusReady},
		{"clips only, one delivered", []orders.ItemState{voice(orders.StatusDelivered), voice(orders.StatusReady)}, orders.StatusReady},
		{"clips only, delivered", []orders.ItemState{voice(orders.StatusDelivered), voice(orders.StatusCancelled)}, orders.StatusDelivered},
		{"card cancelled, clip ready: ready", []orders.ItemState{card(orders.StatusCancelled), voice(orders.StatusReady)}, orders.StatusReady},
		{"two cards, one shipped", []orders.ItemState{card(orders.StatusShipped), card(orders.StatusPrinted)}, orders.StatusPrinted},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			if got := orders.DeriveStatus(tc.items); got != tc.want {
				t.Fatalf("DeriveStatus = %s, want %s", got, tc.want)
			}
		})
	}
}
