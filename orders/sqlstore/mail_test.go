package sqlstore

import (
	"fmt"
	"testing"
	"time"

	"oshigoods/orders"
	"oshigoods/render"
)

// mustDue claims due mails at now with a five-minute lease.
func mustDue(t *testing.T, s *Store, now time.Time, limit int) []*orders.OutboxMail {
	t.Helper()
	list, err := s.DueMails(t.Context(), now, 5*time.Minute, limit)
	if err != nil {
		t.Fatalf("DueMails at %s: %v", now, err)
	}
	return list
}

// mailOf returns the order's one mail of the kind.
func mailOf(t *testing.T, s *Store, orderID string, kind orders.MailKind) *orders.OutboxMail {
	t.Helper()
	list, err := s.Mails(t.Context(), orderID)
	if err != nil {
		t.Fatalf("Mails %s: %v", orderID, err)
	}
	for _, m := range list {
		if m.Kind == kind {
			return m
		}
	}
	t.Fatalf("order %s owes no %s mail: %+v", orderID, kind, list)
	return nil
}

func mailOrders(list []*orders.OutboxMail) []string {
	var ids []string
	for _, m := range list {
		ids = append(ids, m.OrderID)
	}
	return ids
}

func testMailClaim(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	ctx := t.Context()
	o1, o2 := newOrder("o1", 1), newOrder("o2", 1)
	o2.CreatedAt = t0.Add(time.Hour)
	create(t, s, o1)
	create(t, s, o2)
	owed := mailOf(t, s, "o1", orders.MailOrderReceived)
	if owed.Status != orders.MailPending || owed.Attempts != 0 || !owed.NextAttemptAt.Equal(t0) || !owed.CreatedAt.Equal(t0) || !owed.SentAt.IsZero() {
		t.Fatalf("owed mail: %+v; want pending, due when the order was taken", owed)
	}

	now := t0.Add(30 * time.Minute)
	got := mustDue(t, s, now, 10)
	if len(got) != 1 || got[0].OrderID != "o1" || got[0].Kind != orders.MailOrderReceived || got[0].ID != owed.ID {
		t.Fatalf("due at %s: %v; want o1's order_received only (o2's is not due yet)", now, mailOrders(got))
	}
	if got[0].Attempts != 1 || !got[0].NextAttemptAt.Equal(now.Add(5*time.Minute)) {
		t.Fatalf("claimed mail: attempts %d, next %s; want 1, the lease's end", got[0].Attempts, got[0].NextAttemptAt)
	}
	if again := mustDue(t, s, now, 10); len(again) != 0 {
		t.Fatalf("claimed again while leased: %v", mailOrders(again))
	}
	// A sender that died leaves its mail to be claimed when the lease
	// ends; the earliest due first, at most limit.
	later := t0.Add(2 * time.Hour)
	if got := mustDue(t, s, later, 1); len(got) != 1 || got[0].OrderID != "o1" || got[0].Attempts != 2 {
		t.Fatalf("after the lease, limit 1: %+v; want o1's mail, attempt 2", got)
	}
	if got := mustDue(t, s, later, 0); len(got) != 1 || got[0].OrderID != "o2" {
		t.Fatalf("then: %v; want o2's mail", mailOrders(got))
	}

	if err := s.MailSent(ctx, owed.ID, later); err != nil {
		t.Fatal(err)
	}
	sent := mailOf(t, s, "o1", orders.MailOrderReceived)
	if sent.Status != orders.MailSent || !sent.SentAt.Equal(later) {
		t.Fatalf("after MailSent: %+v", sent)
	}
	// A sent mail is settled: never due, a late failure changes nothing.
	if err := s.MailFailed(ctx, owed.ID, "late", later, true); err != nil {
		t.Fatal(err)
	}
	if m := mailOf(t, s, "o1", orders.MailOrderReceived); m.Status != orders.MailSent || m.LastError != "" {
		t.Fatalf("a failure after the send changed it: %+v", m)
	}
	if got := mustDue(t, s, later.Add(24*time.Hour), 10); len(got) != 1 || got[0].OrderID != "o2" {
		t.Fatalf("due a day later: %v; want o2's only", mailOrders(got))
	}
	// A mail that is not there (its order erased) is no error.
	if err := s.MailSent(ctx, "mail_gone", later); err != nil {
		t.Fatalf("MailSent of a missing mail: %v", err)
	}
	if err := s.MailFailed(ctx, "mail_gone", "x", later, false); err != nil {
		t.Fatalf("MailFailed of a missing mail: %v", err)
	}
}

func testMailRetry(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	ctx := t.Context()
	create(t, s, newOrder("o1", 1))
	now := t0.Add(time.Minute)
	m := mustDue(t, s, now, 10)[0]
	next := now.Add(time.Minute)
	if err := s.MailFailed(ctx, m.ID, "smtp RCPT TO: 451 try again later", next, false); err != nil {
		t.Fatal(err)
	}
	got := mailOf(t, s, "o1", orders.MailOrderReceived)
	if got.Status != orders.MailPending || got.LastError != "smtp RCPT TO: 451 try again later" || !got.NextAttemptAt.Equal(next) || got.Attempts != 1 {
		t.Fatalf("after a failure: %+v; want pending, due at %s, with the reason", got, next)
	}
	if due := mustDue(t, s, next.Add(-time.Second), 10); len(due) != 0 {
		t.Fatalf("due before its retry time: %v", mailOrders(due))
	}
	if due := mustDue(t, s, next, 10); len(due) != 1 || due[0].Attempts != 2 || due[0].LastError == "" {
		t.Fatalf("at its retry time: %+v; want it, attempt 2, with the last reason", due)
	}
	if err := s.MailFailed(ctx, m.ID, "smtp RCPT TO: 550 no such user", time.Time{}, true); err != nil {
		t.Fatal(err)
	}
	got = mailOf(t, s, "o1", orders.MailOrderReceived)
	if got.Status != orders.MailFailed || got.LastError != "smtp RCPT TO: 550 no such user" {
		t.Fatalf("after the final failure: %+v", got)
	}
	if due := mustDue(t, s, now.Add(48*time.Hour), 10); len(due) != 0 {
		t.Fatalf("a failed mail is due again: %v", mailOrders(due))
	}
	if err := s.MailSent(ctx, m.ID, now); err != nil {
		t.Fatal(err)
	}
	if got := mailOf(t, s, "o1", orders.MailOrderReceived); got.Status != orders.MailFailed {
		t.Fatalf("a failed mail was marked sent: %+v", got)
	}
}

func testMailConcurrentClaims(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	const n = 30
	for i := range n {
		o := newOrder(fmt.Sprintf("o%02d", i), 1)
		o.CreatedAt = t0.Add(time.Duration(i) * time.Second)
		create(t, s, o)
	}
	now := t0.Add(time.Hour)
	claims := claimConcurrently(t, []*Store{s, openStore(t, dsn), openStore(t, dsn)}, func(st *Store) ([]string, error) {
		list, err := st.DueMails(t.Context(), now, time.Hour, 4)
		var ids []string
		for _, m := range list {
			ids = append(ids, m.ID)
		}
		return ids, err
	})
	if len(claims) != n {
		t.Fatalf("%d mails claimed, want %d", len(claims), n)
	}
}

func testMailReady(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	voice := newOrder("voice", 1)
	voice.Items[0].Kind, voice.Items[0].Template = render.KindVoice, "voice-alarm-morning"
	voice.ShippingAddress, voice.ShippingMethod = nil, ""
	create(t, s, voice)
	readyOrder(t, s, "print", t0) // printed goods are mailed when they ship
	it := voice.Items[0].ID
	transition(t, s, it, orders.StatusReceived, orders.StatusRendering)
	for range 2 { // a task delivered twice
		if _, err := s.CompleteItem(t.Context(), it, orders.Completion{Files: files(it, 100)}); err != nil {
			t.Fatal(err)
		}
	}
	if got := mails(t, s, "voice"); len(got) != 2 || got[orders.MailReady] != "pending" {
		t.Fatalf("voice order's mails: %v; want order_received and ready", got)
	}
	if got := mails(t, s, "print"); len(got) != 1 {
		t.Fatalf("print order's mails: %v; want order_received only", got)
	}
}
