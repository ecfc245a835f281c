package orders_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"

	"oshigoods/internal/testenv"
	"oshigoods/orders"
	"oshigoods/orders/sqlstore"
	"oshigoods/templates"
)

// recordQueue is a queue that records the items enqueued, as the store
// held them at that moment.
type recordQueue struct {
	orders.Queue
	store orders.Store
	mu    sync.Mutex
	seen  []orders.Status
}

func (q *recordQueue) EnqueueRender(ctx context.Context, it *orders.Item) error {
	stored, err := q.store.Item(ctx, it.ID)
	if err != nil {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.seen = append(q.seen, stored.Status)
	return nil
}

// TestCreateOrderEnqueues: an order that proceeds at once is stored with
// its items queued and its tasks enqueued after, so a task never names an
// item that is not stored; the answer is the order as stored, and reading
// it again gives the same. An enqueue that fails puts the item back to
// received, for the reconciler; without a queue the items stay received.
func TestCreateOrderEnqueues(t *testing.T) {
	catalog, err := templates.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		scenario string
		queue    func(store orders.Store) orders.Queue
		want     orders.Status
		enqueued []orders.Status // as the store held the items when enqueued
	}{
		{"the queue takes the tasks: queued", func(store orders.Store) orders.Queue { return &recordQueue{store: store} },
			orders.StatusQueued, []orders.Status{orders.StatusQueued, orders.StatusQueued}},
		{"the queue is down: received, for the reconciler", func(orders.Store) orders.Queue { return failQueue{} },
			orders.StatusReceived, nil},
		{"no queue (an operator's command): received", func(orders.Store) orders.Queue { return nil },
			orders.StatusReceived, nil},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			store, err := sqlstore.Open(t.Context(), filepath.Join(t.TempDir(), "orders.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { store.Close() })
			q := tc.queue(store)
			svc := &orders.Service{Store: store, Queue: q, Files: testenv.NewMemFiles(), Catalog: catalog,
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Secret: []byte("0123456789abcdef")}
			card := orders.NewItem{Template: "card-letter-tate", Fields: map[string]string{"to": "さくら"}}
			o, token, created, err := svc.CreateOrder(t.Context(), orders.NewOrder{TermsAccepted: true, ShippingAddress: testAddress(),
				Customer: orders.Customer{Name: "山田 花子", Email: "hanako@example.com"},
				Items:    []orders.NewItem{card, card},
			}, orders.Idempotency{})
			if err != nil || !created {
				t.Fatalf("CreateOrder: created %v, %v", created, err)
			}
			if o.Status != tc.want || o.Items[0].Status != tc.want || o.Items[1].Status != tc.want {
				t.Fatalf("answered the order %s with items %s, %s; want %s", o.Status, o.Items[0].Status, o.Items[1].Status, tc.want)
			}
			again, err := svc.Order(t.Context(), o.ID, token)
			if err != nil {
				t.Fatal(err)
			}
			if again.Status != o.Status || again.Items[0].Status != o.Items[0].Status || again.Items[1].Status != o.Items[1].Status ||
				!again.CreatedAt.Equal(o.CreatedAt) || again.Totals != o.Totals || *again.ShippingAddress != *o.ShippingAddress {
				t.Fatalf("the answer\n%+v\nreads back as\n%+v", o, again)
			}
			if rq, ok := q.(*recordQueue); ok && (len(rq.seen) != len(tc.enqueued) || rq.seen[0] != tc.enqueued[0] || rq.seen[1] != tc.enqueued[1]) {
				t.Fatalf("enqueued items stored as %v, want %v", rq.seen, tc.enqueued)
			}
			tl, err := svc.Timeline(t.Context(), o)
			if err != nil || len(tl) != 1 || tl[0].Step != "received" || !tl[0].At.Equal(o.CreatedAt) {
				t.Fatalf("a new order's timeline %+v, %v; want received at %v", tl, err, o.CreatedAt)
			}
		})
	}
}
