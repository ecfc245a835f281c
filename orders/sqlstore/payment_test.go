package sqlstore

import (
	"testing"
	"time"

	"oshigoods"
	"oshigoods/orders"
)

// unpaidOrder returns an order awaiting a bank transfer due at due, with
// n items awaiting payment.
func unpaidOrder(id string, n int, due time.Time) *orders.Order {
	o := newOrder(id, n)
	o.Status = orders.StatusAwaitingPayment
	o.Payment = orders.Payment{Mode: orders.PaymentBankTransfer, Status: orders.PaymentPending, Amount: o.Totals.Total, DueAt: due}
	for _, it := range o.Items {
		it.Status = orders.StatusAwaitingPayment
	}
	return o
}

// mails returns the kinds of mail owed to an order's fan, with their
// statuses, by kind.
func mails(t *testing.T, s *Store, orderID string) map[orders.MailKind]string {
	t.Helper()
	list, err := s.Mails(t.Context(), orderID)
	if err != nil {
		t.Fatal(err)
	}
	out := map[orders.MailKind]string{}
	for _, m := range list {
		out[m.Kind] = string(m.Status)
	}
	return out
}

func testPaymentPaid(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	ctx := t.Context()
	o := create(t, s, unpaidOrder("o1", 2, t0.Add(7*24*time.Hour)))
	if o.Status != orders.StatusAwaitingPayment || o.Payment.Status != orders.PaymentPending {
		t.Fatalf("stored %s, payment %s; want awaiting_payment, pending", o.Status, o.Payment.Status)
	}
	if got := mails(t, s, "o1"); len(got) != 1 || got[orders.MailOrderReceived] != "pending" {
		t.Fatalf("mail owed after the order: %v; want order_received only", got)
	}
	// Nothing renders while unpaid: the reconciler's statuses do not
	// include awaiting_payment.
	if stale, _ := s.StaleItems(ctx, []orders.Status{orders.StatusReceived, orders.StatusQueued}, t0.Add(time.Hour), 10); len(stale) != 0 {
		t.Fatalf("stale items of an unpaid order: %d", len(stale))
	}
	rec := orders.PaymentRecord{Type: orders.PaymentEventPaid, OrderID: "o1", Provider: "bank_transfer", EventID: "operator:o1",
		Reference: "12/06 ヤマダ ハナコ", Amount: o.Totals.Total, By: "operator", At: t0.Add(time.Hour)}
	if changed, err := s.RecordPayment(ctx, rec); err != nil || !changed {
		t.Fatalf("RecordPayment: %v, %v; want changed", changed, err)
	}
	got := mustOrder(t, s, "o1")
	if got.Status != orders.StatusReceived || got.Payment.Status != orders.PaymentPaid ||
		!got.Payment.PaidAt.Equal(t0.Add(time.Hour)) || got.Payment.Reference != rec.Reference {
		t.Fatalf("after payment: %s, payment %+v", got.Status, got.Payment)
	}
	for _, it := range got.Items {
		if it.Status != orders.StatusReceived {
			t.Fatalf("item %s is %s, want received", it.ID, it.Status)
		}
	}
	// The same notice again, and another paying an order already paid,
	// change nothing.
	for _, again := range []orders.PaymentRecord{rec, {Type: orders.PaymentEventPaid, OrderID: "o1", Provider: "stripe", EventID: "evt_2", Amount: 1, At: t0.Add(2 * time.Hour)}} {
		if changed, err := s.RecordPayment(ctx, again); err != nil || changed {
			t.Fatalf("RecordPayment again (%s): %v, %v; want unchanged", again.EventID, changed, err)
		}
	}
	if recs, err := s.PaymentRecords(ctx, "o1"); err != nil || len(recs) != 1 || recs[0].Amount != o.Totals.Total || recs[0].Type != orders.PaymentEventPaid {
		t.Fatalf("PaymentRecords: %+v, %v; want the one paid record", recs, err)
	}
	if got := mails(t, s, "o1"); len(got) != 2 || got[orders.MailPaymentReceived] != "pending" {
		t.Fatalf("mail owed after payment: %v; want order_received and payment_received", got)
	}
	// A paid order cannot expire.
	_, err := s.RecordPayment(ctx, orders.PaymentRecord{Type: orders.PaymentEventExpired, OrderID: "o1", Provider: "deadline", EventID: "deadline:o1"})
	wantCode(t, "expire a paid order", err, oshigoods.ECONFLICT)
	_, err = s.RecordPayment(ctx, orders.PaymentRecord{Type: orders.PaymentEventPaid, OrderID: "nope", Provider: "x", EventID: "y"})
	wantCode(t, "pay a missing order", err, oshigoods.ENOTFOUND)
}

func testPaymentExpired(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	ctx := t.Context()
	create(t, s, unpaidOrder("late", 1, t0.Add(time.Hour)))
	create(t, s, unpaidOrder("later", 1, t0.Add(2*time.Hour)))
	create(t, s, unpaidOrder("future", 1, t0.Add(48*time.Hour)))
	create(t, s, newOrder("free", 1)) // payment not required: never overdue
	ids, err := s.OverduePayments(ctx, t0.Add(3*time.Hour), 10)
	if err != nil || len(ids) != 2 || ids[0] != "late" || ids[1] != "later" {
		t.Fatalf("OverduePayments: %v, %v; want [late later]", ids, err)
	}
	exp := orders.PaymentRecord{Type: orders.PaymentEventExpired, OrderID: "late", Provider: "deadline", EventID: "deadline:late", By: "sweeper", At: t0.Add(3 * time.Hour)}
	if changed, err := s.RecordPayment(ctx, exp); err != nil || !changed {
		t.Fatalf("expire: %v, %v", changed, err)
	}
	got := mustOrder(t, s, "late")
	if got.Status != orders.StatusCancelled || got.Payment.Status != orders.PaymentExpired || got.Items[0].Status != orders.StatusCancelled {
		t.Fatalf("after expiry: %s, payment %s, item %s", got.Status, got.Payment.Status, got.Items[0].Status)
	}
	if ids, _ := s.OverduePayments(ctx, t0.Add(3*time.Hour), 10); len(ids) != 1 || ids[0] != "later" {
		t.Fatalf("OverduePayments after expiry: %v; want [later]", ids)
	}
	// A transfer that arrives after the order was cancelled is for the
	// operator to refund, not to revive the order.
	_, err = s.RecordPayment(ctx, orders.PaymentRecord{Type: orders.PaymentEventPaid, OrderID: "late", Provider: "bank_transfer", EventID: "operator:late"})
	wantCode(t, "pay an expired order", err, oshigoods.ECONFLICT)
	// A fan's cancellation of an unpaid order cancels its payment.
	if err := s.CancelOrder(ctx, "future", t0.Add(4*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := mustOrder(t, s, "future"); got.Payment.Status != orders.PaymentCancelled || got.Status != orders.StatusCancelled {
		t.Fatalf("cancelled unpaid order: %s, payment %s", got.Status, got.Payment.Status)
	}
}

func testEraseAddress(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	ctx := t.Context()
	create(t, s, unpaidOrder("o1", 1, t0.Add(time.Hour)))
	if changed, err := s.EraseOrder(ctx, "o1", t0.Add(time.Minute)); err != nil || !changed {
		t.Fatalf("EraseOrder: %v, %v", changed, err)
	}
	got := mustOrder(t, s, "o1")
	if got.ShippingAddress != nil || got.Customer != (orders.Customer{}) {
		t.Fatalf("erased order keeps %+v, %+v", got.ShippingAddress, got.Customer)
	}
	if got.Status != orders.StatusCancelled || got.Payment.Status != orders.PaymentCancelled {
		t.Fatalf("erased unpaid order: %s, payment %s; want cancelled, cancelled", got.Status, got.Payment.Status)
	}
	if m := mails(t, s, "o1"); len(m) != 0 {
		t.Fatalf("mail still owed to an erased order: %v", m)
	}
	// Its totals stay: the shop's books keep the sale, not the fan.
	if got.Totals.Total == 0 {
		t.Fatal("erasure dropped the totals")
	}
}
