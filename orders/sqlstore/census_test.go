package sqlstore

import (
	"maps"
	"testing"
	"time"

	"oshigoods/orders"
)

// TestCensus counts a small store: items by status with the oldest of
// each, orders by their derived status, and the pending and failed
// entries of both outboxes.
func TestCensus(t *testing.T) {
	for _, db := range databases {
		t.Run(db.name, func(t *testing.T) {
			t.Parallel()
			s := openStore(t, db.dsn(t))
			ctx := t.Context()
			if c, err := s.Census(ctx); err != nil || len(c.Orders)+len(c.Items)+len(c.Deliveries)+len(c.Mails) != 0 || !c.OldestDueMail.IsZero() {
				t.Fatalf("empty store: %+v, %v", c, err)
			}

			ep := &orders.WebhookEndpoint{ID: "w1", ShopID: "shop1", URL: "http://127.0.0.1:1/hook", Secret: "whsec_x", CreatedAt: t0}
			if err := s.CreateWebhookEndpoint(ctx, ep, 10); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			create(t, s, newOrder("o1", 2)) // one item rendering, one received
			transition(t, s, "o1-item0", orders.StatusReceived, orders.StatusRendering)
			create(t, s, newOrder("o2", 1)) // cancelled: an event, a delivery owed
			if err := s.CancelOrder(ctx, "o2", time.Now()); err != nil {
				t.Fatal(err)
			}
			create(t, s, newOrder("o3", 1)) // failed: another delivery, which fails
			transition(t, s, "o3-item0", orders.StatusReceived, orders.StatusFailed)
			evs, err := s.Events(ctx, "o3")
			if err != nil || len(evs) != 1 {
				t.Fatalf("events of o3: %v, %v", evs, err)
			}
			if err := s.RecordDeliveryAttempt(ctx, orders.DeliveryAttempt{EndpointID: "w1", EventID: evs[0].ID, EventType: evs[0].Type,
				Attempt: 1, Error: "refused", At: time.Now(), Outcome: orders.DeliveryFailed}); err != nil {
				t.Fatal(err)
			}
			// Every order owes its received mail, due when it was taken
			// (t0); o3's fails for good, o1's and o2's are counted below
			// from the outbox as it stands.
			failed := mailOf(t, s, "o3", orders.MailOrderReceived)
			if err := s.MailFailed(ctx, failed.ID, "refused", time.Time{}, true); err != nil {
				t.Fatal(err)
			}

			c, err := s.Census(ctx)
			if err != nil {
				t.Fatal(err)
			}
			wantOrders := map[orders.Status]int{}
			for _, id := range []string{"o1", "o2", "o3"} {
				wantOrders[mustOrder(t, s, id).Status]++
			}
			wantItems := map[orders.Status]int{orders.StatusRendering: 1, orders.StatusReceived: 1, orders.StatusCancelled: 1, orders.StatusFailed: 1}
			if !maps.Equal(c.Orders, wantOrders) || !maps.Equal(c.Items, wantItems) {
				t.Fatalf("orders %v, items %v; want %v and %v", c.Orders, c.Items, wantOrders, wantItems)
			}
			if !c.OldestItem[orders.StatusReceived].Equal(t0) || c.OldestItem[orders.StatusRendering].Before(start.Add(-time.Second)) {
				t.Fatalf("oldest items %v; want received at t0 (%s), rendering since the test began", c.OldestItem, t0)
			}
			if want := map[string]int{orders.DeliveryPending: 1, orders.DeliveryFailed: 1}; !maps.Equal(c.Deliveries, want) {
				t.Fatalf("deliveries %v; want %v", c.Deliveries, want)
			}
			if c.OldestPendingDelivery.Before(start.Add(-time.Second)) || c.OldestPendingDelivery.After(time.Now()) {
				t.Fatalf("oldest pending delivery %s; want since the test began", c.OldestPendingDelivery)
			}
			pending := 0
			for _, id := range []string{"o1", "o2"} {
				list, err := s.Mails(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range list {
					if m.Status == orders.MailPending {
						pending++
					}
				}
			}
			if want := map[orders.MailStatus]int{orders.MailPending: pending, orders.MailFailed: 1}; pending == 0 || !maps.Equal(c.Mails, want) || !c.OldestDueMail.Equal(t0) {
				t.Fatalf("mails %v due from %s; want %v due from t0", c.Mails, c.OldestDueMail, want)
			}
		})
	}
}
