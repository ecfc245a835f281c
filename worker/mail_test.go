package worker_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"oshigoods/internal/testenv"
	"oshigoods/orders"
	"oshigoods/orders/sqlstore"
	"oshigoods/templates"
	"oshigoods/worker"
)

// recordingSender keeps the Message-IDs it was given.
type recordingSender struct {
	mu  sync.Mutex
	ids []string
}

func (r *recordingSender) Send(_ context.Context, m orders.MailMessage) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ids = append(r.ids, m.MessageID)
	return nil
}

func (r *recordingSender) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.ids)
}

// TestMailer: Run sends the due mails at once; a pass that fills its
// batch is followed at once by another, so three mails go out with a
// batch of one long before the next tick; Run returns when ctx ends.
func TestMailer(t *testing.T) {
	store, err := sqlstore.Open(t.Context(), filepath.Join(t.TempDir(), "orders.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	catalog, err := templates.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	svc := &orders.Service{Store: store, Queue: acceptQueue{}, Files: testenv.NewMemFiles(), Catalog: catalog, Secret: []byte("0123456789abcdef")}
	for range 3 {
		if _, _, _, err := svc.CreateOrder(t.Context(), orders.NewOrder{TermsAccepted: true, Customer: orders.Customer{Name: "推し活 花子", Email: "hanako@example.com"},
			Items: []orders.NewItem{{Template: "voice-alarm-morning", Fields: map[string]string{"name": "sakura", "lines": "ohayou"}}}}, orders.Idempotency{}); err != nil {
			t.Fatal(err)
		}
	}
	sender := &recordingSender{}
	m := &worker.Mailer{Service: svc, Sender: sender, Interval: time.Hour, Batch: 1}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { m.Run(ctx); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for sender.count() < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after ctx ended")
	}
	if n := sender.count(); n != 3 {
		t.Fatalf("%d mails sent before the next tick, want 3", n)
	}
}
