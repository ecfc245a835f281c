package sqlstore

import (
	"testing"
	"time"

	"oshigoods"
	"oshigoods/orders"
)

func testMarkShipped(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	ctx := t.Context()
	create(t, s, newOrder("o1", 2))
	sh := orders.Shipment{Carrier: "yamato", TrackingNumber: "123456789012", ShippedAt: t0.Add(3 * time.Hour)}
	_, err := s.MarkShipped(ctx, "o1", sh)
	wantCode(t, "ship an order not printed", err, oshigoods.ECONFLICT)
	for _, it := range mustOrder(t, s, "o1").Items {
		s.TransitionItem(ctx, it.ID, []orders.Status{orders.StatusReceived}, orders.StatusReady, "")
	}
	if err := s.MarkPrinted(ctx, "o1"); err != nil {
		t.Fatal(err)
	}
	if changed, err := s.MarkShipped(ctx, "o1", sh); err != nil || !changed {
		t.Fatalf("MarkShipped: %v, %v", changed, err)
	}
	got := mustOrder(t, s, "o1")
	if got.Status != orders.StatusShipped || got.Shipment == nil || *got.Shipment != (orders.Shipment{Carrier: "yamato", TrackingNumber: "123456789012", ShippedAt: t0.Add(3 * time.Hour).UTC()}) {
		t.Fatalf("shipped order: %s %+v", got.Status, got.Shipment)
	}
	for _, it := range got.Items {
		if it.Status != orders.StatusShipped {
			t.Fatalf("item %s is %s", it.ID, it.Status)
		}
	}
	if changed, err := s.MarkShipped(ctx, "o1", sh); err != nil || changed {
		t.Fatalf("MarkShipped again: %v, %v; want a no-op", changed, err)
	}
	other := sh
	other.TrackingNumber = "999999999999"
	_, err = s.MarkShipped(ctx, "o1", other)
	wantCode(t, "ship again with another number", err, oshigoods.ECONFLICT)
	_, err = s.MarkShipped(ctx, "nope", sh)
	wantCode(t, "ship no order", err, oshigoods.ENOTFOUND)
	evs, err := s.Events(ctx, "o1")
	if err != nil || len(evs) == 0 {
		t.Fatal(err)
	}
	last := evs[len(evs)-1]
	if last.Type != orders.EventOrderShipped || last.Data.Shipment == nil || last.Data.Shipment.TrackingNumber != "123456789012" {
		t.Fatalf("last event %+v", last)
	}
	if m := mails(t, s, "o1"); m[orders.MailShipped] != "pending" {
		t.Fatalf("mail owed: %v; want shipped", m)
	}
	// A shipped order is finished and no longer open to its shop.
	if err := s.CancelOrder(ctx, "o1", t0.Add(4*time.Hour)); oshigoods.ErrorCode(err) != oshigoods.ECONFLICT {
		t.Fatalf("cancel a shipped order: %v; want ECONFLICT", err)
	}
}

func testDeliverDigital(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	ctx := t.Context()
	o := newOrder("mixed", 2)
	o.Items[1].Kind = orders.KindVoice
	create(t, s, o)
	for _, it := range o.Items {
		s.TransitionItem(ctx, it.ID, []orders.Status{orders.StatusReceived}, orders.StatusQueued, "")
		if _, err := s.CompleteItem(ctx, it.ID, orders.Completion{}); err != nil {
			t.Fatal(err)
		}
	}
	if m := mails(t, s, "mixed"); m[orders.MailReady] != "pending" {
		t.Fatalf("mail owed once the clip is ready: %v", m)
	}
	if got := mustOrder(t, s, "mixed"); got.Status != orders.StatusReady {
		t.Fatalf("status %s, want ready", got.Status)
	}
	if changed, err := s.DeliverDigital(ctx, "mixed", t0.Add(time.Hour)); err != nil || !changed {
		t.Fatalf("DeliverDigital: %v, %v", changed, err)
	}
	got := mustOrder(t, s, "mixed")
	// The card waits for its print shop: the order stays ready.
	if got.Status != orders.StatusReady || got.Items[0].Status != orders.StatusReady || got.Items[1].Status != orders.StatusDelivered {
		t.Fatalf("after delivery: %s, items %s %s", got.Status, got.Items[0].Status, got.Items[1].Status)
	}
	if changed, err := s.DeliverDigital(ctx, "mixed", t0.Add(2*time.Hour)); err != nil || changed {
		t.Fatalf("DeliverDigital again: %v, %v; want a no-op", changed, err)
	}
	// Printing the order prints the card alone.
	if err := s.MarkPrinted(ctx, "mixed"); err != nil {
		t.Fatal(err)
	}
	got = mustOrder(t, s, "mixed")
	if got.Status != orders.StatusPrinted || got.Items[1].Status != orders.StatusDelivered {
		t.Fatalf("after printing: %s, clip %s", got.Status, got.Items[1].Status)
	}
	_, err := s.DeliverDigital(ctx, "nope", t0)
	wantCode(t, "deliver no order", err, oshigoods.ENOTFOUND)
}
