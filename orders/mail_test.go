package orders_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"oshigoods"
	"oshigoods/orders"
)

// fakeMailer is a MailSender that records what it was given and fails the
// sends that fail says to fail (nil: every send passes).
type fakeMailer struct {
	mu   sync.Mutex
	sent []orders.MailMessage
	fail func(n int) error // n counts the sends from 1
	n    int
}

func (f *fakeMailer) Send(_ context.Context, m orders.MailMessage) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	if f.fail != nil {
		if err := f.fail(f.n); err != nil {
			return err
		}
	}
	f.sent = append(f.sent, m)
	return nil
}

func (f *fakeMailer) messages() []orders.MailMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]orders.MailMessage(nil), f.sent...)
}

// mailTest is a Service over SQLite whose log is kept, with an order of
// one card taken at mailNow.
type mailTest struct {
	svc   *orders.Service
	log   *bytes.Buffer
	order *orders.Order
}

func newMailTest(t *testing.T, p orders.Payments) *mailTest {
	t.Helper()
	svc, _ := checkoutService(t, p)
	var log bytes.Buffer
	svc.Logger = slog.New(slog.NewTextHandler(&log, nil))
	svc.PublicURL = "https://shop.example.jp"
	svc.Now = func() time.Time { return mailNow }
	o, _, _, err := svc.CreateOrder(t.Context(), orders.NewOrder{Customer: hanako, Items: []orders.NewItem{cardItem}, TermsAccepted: true, ShippingAddress: testAddress()}, orders.Idempotency{})
	if err != nil {
		t.Fatal(err)
	}
	mt := &mailTest{svc: svc, log: &log, order: o}
	t.Cleanup(func() {
		if strings.Contains(log.String(), hanako.Email) {
			t.Errorf("the log holds the fan's address:\n%s", log.String())
		}
	})
	return mt
}

// send runs one pass at now and returns how many mails it handled.
func (mt *mailTest) send(t *testing.T, f *fakeMailer, now time.Time) int {
	t.Helper()
	n, err := mt.svc.SendMails(t.Context(), f, now, 10)
	if err != nil {
		t.Fatalf("SendMails at %s: %v", now, err)
	}
	return n
}

// mail returns the order's one mail of the kind.
func (mt *mailTest) mail(t *testing.T, kind orders.MailKind) *orders.OutboxMail {
	t.Helper()
	list, err := mt.svc.Store.Mails(t.Context(), mt.order.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range list {
		if m.Kind == kind {
			return m
		}
	}
	t.Fatalf("no %s mail in %+v", kind, list)
	return nil
}

// TestSendMails: the outbox's mails are sent once, retried with backoff,
// given up for good on a rejection or after the give-up period, and
// dropped when the order was erased; the fan's address never reaches the
// log or the outbox.
func TestSendMails(t *testing.T) {
	temporary := errors.New("dial tcp 127.0.0.1:1025: connect: connection refused")
	rejected := fmt.Errorf("send mail: %w: smtp RCPT TO: 550 5.1.1 <%s>: Recipient address rejected", orders.ErrMailRejected, strings.ToUpper(hanako.Email))
	for _, tc := range []struct {
		scenario string
		run      func(t *testing.T, mt *mailTest)
	}{
		{"sent once, with its message id", func(t *testing.T, mt *mailTest) {
			f := &fakeMailer{}
			if n := mt.send(t, f, mailNow); n != 1 {
				t.Fatalf("handled %d, want 1", n)
			}
			m := mt.mail(t, orders.MailOrderReceived)
			if m.Status != orders.MailSent || !m.SentAt.Equal(mailNow) || m.Attempts != 1 {
				t.Fatalf("after the send: %+v", m)
			}
			got := f.messages()
			if len(got) != 1 || got[0].ToAddress != hanako.Email || got[0].MessageID != m.ID+"@shop.example.jp" ||
				!strings.Contains(got[0].Subject, "ご注文ありがとうございます") || !strings.Contains(got[0].Text, mt.svc.OrderPageURL(mt.order.ID)) {
				t.Fatalf("sent %+v", got)
			}
			if n := mt.send(t, f, mailNow.Add(time.Hour)); n != 0 || len(f.messages()) != 1 {
				t.Fatalf("a second pass handled %d and sent %d in all; want nothing more", n, len(f.messages()))
			}
		}},
		{"sent as the process stops: marked sent all the same", func(t *testing.T, mt *mailTest) {
			ctx, stop := context.WithCancel(t.Context())
			f := &fakeMailer{fail: func(int) error { stop(); return nil }} // the stop comes as the server accepts
			if _, err := mt.svc.SendMails(ctx, f, mailNow, 10); err != nil {
				t.Fatal(err)
			}
			if m := mt.mail(t, orders.MailOrderReceived); m.Status != orders.MailSent {
				t.Fatalf("after a send as the process stopped: %+v; want sent, or it would go twice", m)
			}
		}},
		{"a mail not yet due waits", func(t *testing.T, mt *mailTest) {
			f := &fakeMailer{}
			if n := mt.send(t, f, mailNow.Add(-time.Second)); n != 0 || len(f.messages()) != 0 {
				t.Fatalf("sent before it was owed: %d", n)
			}
		}},
		{"temporary failures retried from a minute, doubling", func(t *testing.T, mt *mailTest) {
			f := &fakeMailer{fail: func(n int) error {
				if n <= 3 {
					return temporary
				}
				return nil
			}}
			now := mailNow
			for i, wait := range []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute} {
				if n := mt.send(t, f, now); n != 1 {
					t.Fatalf("attempt %d: handled %d", i+1, n)
				}
				m := mt.mail(t, orders.MailOrderReceived)
				if m.Status != orders.MailPending || m.Attempts != i+1 || !m.NextAttemptAt.Equal(now.Add(wait)) || !strings.Contains(m.LastError, "connection refused") {
					t.Fatalf("after failure %d: %+v; want pending, due again in %s", i+1, m, wait)
				}
				if n := mt.send(t, f, now.Add(wait-time.Second)); n != 0 {
					t.Fatalf("retried %s early", time.Second)
				}
				now = now.Add(wait)
			}
			mt.send(t, f, now)
			if m := mt.mail(t, orders.MailOrderReceived); m.Status != orders.MailSent || m.Attempts != 4 || m.LastError != "" || len(f.messages()) != 1 {
				t.Fatalf("after the server came back: %+v, %d sent", m, len(f.messages()))
			}
		}},
		{"rejected for good: failed at once, address kept out", func(t *testing.T, mt *mailTest) {
			f := &fakeMailer{fail: func(int) error { return rejected }}
			mt.send(t, f, mailNow)
			m := mt.mail(t, orders.MailOrderReceived)
			if m.Status != orders.MailFailed || !strings.Contains(m.LastError, "550 5.1.1 <<recipient>>") {
				t.Fatalf("after a rejection: %+v; want failed with the reason, the address replaced", m)
			}
			if strings.Contains(strings.ToLower(m.LastError), hanako.Email) {
				t.Fatalf("the outbox keeps the address: %q", m.LastError)
			}
			if n := mt.send(t, f, mailNow.Add(48*time.Hour)); n != 0 {
				t.Fatal("a failed mail was tried again")
			}
		}},
		{"given up after a day of failures", func(t *testing.T, mt *mailTest) {
			f := &fakeMailer{fail: func(int) error { return temporary }}
			now := mailNow
			for range 100 {
				if mt.send(t, f, now) == 0 {
					break
				}
				m := mt.mail(t, orders.MailOrderReceived)
				if m.Status == orders.MailFailed {
					break
				}
				now = m.NextAttemptAt
			}
			m := mt.mail(t, orders.MailOrderReceived)
			if m.Status != orders.MailFailed || now.Sub(mailNow) > 24*time.Hour || now.Sub(mailNow) < 23*time.Hour {
				t.Fatalf("after a day of failures: %+v, last attempt %s after the order; want failed within 23–24h", m, now.Sub(mailNow))
			}
			if !strings.Contains(mt.log.String(), "retried for too long") {
				t.Fatalf("the log does not say why it gave up:\n%s", mt.log)
			}
		}},
		{"an order erased while its mail was claimed: dropped, never sent", func(t *testing.T, mt *mailTest) {
			ctx := t.Context()
			// The order waits for a transfer, so it may be erased.
			mt.svc.Store = erasingStore{Store: mt.svc.Store}
			f := &fakeMailer{}
			if n := mt.send(t, f, mailNow); n != 1 {
				t.Fatalf("handled %d, want 1", n)
			}
			if len(f.messages()) != 0 {
				t.Fatalf("sent to an erased order: %+v", f.messages())
			}
			if o, err := mt.svc.Store.Order(ctx, mt.order.ID); err != nil || o.ErasedAt.IsZero() {
				t.Fatalf("order not erased: %v", err)
			}
		}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			p := orders.Payments{}
			if strings.Contains(tc.scenario, "erased") {
				p = orders.Payments{Mode: orders.PaymentBankTransfer, Bank: transferAccount}
			}
			tc.run(t, newMailTest(t, p))
		})
	}
}

// erasingStore erases each mail's order right after the mail is claimed,
// as a fan's erasure racing the sender would.
type erasingStore struct{ orders.Store }

func (s erasingStore) DueMails(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*orders.OutboxMail, error) {
	list, err := s.Store.DueMails(ctx, now, lease, limit)
	for _, m := range list {
		if _, err := s.Store.EraseOrder(ctx, m.OrderID, now); err != nil {
			return nil, err
		}
	}
	return list, err
}

// TestSendMailsConcurrently: senders running at once send each mail once.
func TestSendMailsConcurrently(t *testing.T) {
	mt := newMailTest(t, orders.Payments{})
	for range 9 {
		if _, _, _, err := mt.svc.CreateOrder(t.Context(), orders.NewOrder{Customer: hanako, Items: []orders.NewItem{voiceItem}, TermsAccepted: true}, orders.Idempotency{}); err != nil {
			t.Fatal(err)
		}
	}
	f := &fakeMailer{}
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for {
				n, err := mt.svc.SendMails(t.Context(), f, mailNow, 2)
				if err != nil {
					t.Error(err)
					return
				}
				if n == 0 {
					return
				}
			}
		})
	}
	wg.Wait()
	ids := map[string]int{}
	for _, m := range f.messages() {
		ids[m.MessageID]++
	}
	if len(ids) != 10 || len(f.messages()) != 10 {
		t.Fatalf("%d messages, %d distinct; want 10 once each", len(f.messages()), len(ids))
	}
}

// TestMailsConfig: the mail settings refuse what cannot work.
func TestMailsConfig(t *testing.T) {
	for _, tc := range []struct {
		scenario, wantField string
		m                   orders.Mails
	}{
		{"defaults", "", orders.Mails{}},
		{"a Japanese shop name", "", orders.Mails{ShopName: "ひかりグッズ"}},
		{"shop name too long", "Mails.ShopName", orders.Mails{ShopName: strings.Repeat("推", 41)}},
		{"shop name with a line break", "Mails.ShopName", orders.Mails{ShopName: "ひかり\nBcc: x@example.jp"}},
		{"first retry too short", "Mails.FirstRetry", orders.Mails{FirstRetry: time.Millisecond}},
		{"give up after too long", "Mails.GiveUpAfter", orders.Mails{GiveUpAfter: 30 * 24 * time.Hour}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			err := tc.m.Validate()
			if tc.wantField == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if errs := oshigoods.ConfigErrors(err); len(errs) != 1 || errs[0].Field != tc.wantField {
				t.Fatalf("Validate: %v, want a problem with %s", err, tc.wantField)
			}
		})
	}
	if d := (orders.Mails{}).RetryDelay(30); d != time.Hour {
		t.Errorf("RetryDelay(30) = %s, want the one-hour cap", d)
	}
}
