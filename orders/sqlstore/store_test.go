package sqlstore

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"oshigoods"
	"oshigoods/internal/testenv"
	"oshigoods/orders"
	"oshigoods/render"
)

// databases are the databases every scenario runs against. Each dsn is
// fresh: a new SQLite file, or a new PostgreSQL schema (skipped unless
// OSHIGOODS_TEST_POSTGRES_URL is set).
var databases = []struct {
	name string
	dsn  func(t *testing.T) string
}{
	{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "data", "orders.db") }},
	{"postgres", func(t *testing.T) string { return testenv.PostgresURL(t) }},
}

// scenarios is the conformance suite of orders.Store.
var scenarios = []struct {
	scenario string
	run      func(t *testing.T, dsn string)
}{
	{"create and read round trip", testRoundTrip},
	{"a new order is returned as it reads back", testCreateReturnsWritten},
	{"an order whose last row fails is not stored at all", testCreateAllOrNothing},
	{"idempotency key with the same request returns the order", testIdempotentSame},
	{"idempotency key with another request conflicts", testIdempotentOther},
	{"orders without idempotency key do not clash", testNoKey},
	{"idempotency key expires after a day", testIdempotencyExpires},
	{"concurrent create with one key makes one order", testConcurrentCreate},
	{"orders by status oldest first", testOrdersByStatus},
	{"transition allowed", testTransitionAllowed},
	{"transition refused", testTransitionRefused},
	{"complete twice keeps one set of files", testCompleteTwice},
	{"complete again after requeue replaces files", testCompleteReplaces},
	{"complete refused unless queued or rendering", testCompleteRefused},
	{"complete stores warnings and preflight as given", testCompletePreflight},
	{"order status derived across two items", testDerive},
	{"concurrent completion of two items", testConcurrentComplete},
	{"stale items", testStaleItems},
	{"render: begin counts an attempt and leases the item; delay and completion", testBeginRender},
	{"render: requeue hands an unsettled item to a fresh task", testRequeueItem},
	{"reconcile: a pass takes stale and orphaned items, once per period", testClaimStaleItems},
	{"reconcile: concurrent passes never take the same item", testConcurrentClaimStale},
	{"mark printed", testMarkPrinted},
	{"mark printed refused unless ready", testMarkPrintedRefused},
	{"not found", testNotFound},
	{"uploads", testUploads},
	{"shop keys", testShopKeys},
	{"revoke and rotate shop keys", testRevokeRotate},
	{"a shop lists and claims its own orders only", testShopIsolation},
	{"events go to the order's shop's endpoints only", testShopEvents},
	{"unrouted orders wait and are routed once", testUnrouted},
	{"a new order is routed by the keys as they stand", testRoutedOrder},
	{"audit log", testAuditLog},
	{"claim leases oldest ready orders", testClaim},
	{"claim filters by kind and template", testClaimFilter},
	{"expired or released lease is claimed again", testClaimLease},
	{"concurrent claimers never share an order", testConcurrentClaims},
	{"acks are idempotent", testAck},
	{"cancel until claimed", testCancel},
	{"mark printed refused while a claim holds the order", testMarkPrintedClaimed},
	{"events with per-order sequence and deliveries", testEvents},
	{"webhook endpoints: cap, delete, rotate", testWebhookEndpoints},
	{"payment: paid releases the items once, mail owed once", testPaymentPaid},
	{"payment: expiry cancels, overdue listed by deadline", testPaymentExpired},
	{"erasure clears the shipping address and pending mail", testEraseAddress},
	{"shipped with tracking, once", testMarkShipped},
	{"downloads delivered, printed goods printed", testDeliverDigital},
	{"mail: due mails are claimed, leased and settled", testMailClaim},
	{"mail: a failure is retried at its time, a final one stays failed", testMailRetry},
	{"mail: concurrent senders never claim the same mail", testMailConcurrentClaims},
	{"mail: a ready download owes the ready mail once", testMailReady},
	{"operator keys: create, find, list, revoke", testAdminKeys},
	{"operator search: by id, e-mail ignoring case, status, newest first, in pages", testSearchOrders},
	{"operator retry: a fresh task, attempts from zero", testRetryItem},
	{"migrations idempotent on reopen", testReopen},
	{"stores opened concurrently on one database", testConcurrentOpen},
}

func TestStore(t *testing.T) {
	for _, db := range databases {
		t.Run(db.name, func(t *testing.T) {
			for _, tc := range scenarios {
				t.Run(tc.scenario, func(t *testing.T) {
					t.Parallel()
					tc.run(t, db.dsn(t))
				})
			}
		})
	}
}

func openStore(t *testing.T, dsn string) *Store {
	t.Helper()
	s, err := Open(t.Context(), dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var (
	jst = time.FixedZone("JST", 9*60*60)
	// t0 is in Tokyo time with milliseconds, to check that times come back
	// as the same instant in UTC.
	t0 = time.Date(2025, 3, 1, 9, 30, 15, 123_000_000, jst)
)

// newOrder returns a received order with n received items, created at t0.
func newOrder(id string, n int) *orders.Order {
	o := &orders.Order{
		ID:          id,
		TokenHash:   "token-" + id,
		Status:      orders.StatusReceived,
		Customer:    orders.Customer{Name: "推し活 花子", Email: "hanako@example.com"},
		RequestHash: "req-" + id,
		ShopID:      "shop1",
		CreatedAt:   t0,
		UpdatedAt:   t0,
		ShippingAddress: &orders.ShippingAddress{PostalCode: "100-0001", Prefecture: "東京都", City: "千代田区",
			Line1: "千代田1-1", Line2: "推しマンション101", Name: "山田 花子", Phone: "09012345678"},
		ShippingMethod:  "nekopos",
		Payment:         orders.Payment{Mode: orders.PaymentNone, Status: orders.PaymentNotRequired},
		TermsAcceptedAt: t0,
	}
	var lines []orders.Line
	for i := range n {
		lines = append(lines, orders.Line{UnitPrice: 880, Quantity: i + 1, Delivery: orders.DeliveryPhysical})
		o.Items = append(o.Items, &orders.Item{
			ID:        fmt.Sprintf("%s-item%d", id, i),
			OrderID:   id,
			Seq:       i,
			Template:  "letter-card-basic",
			Kind:      render.KindCard,
			Quantity:  i + 1,
			UnitPrice: 880,
			Fields:    map[string]string{"message": "おはよう、今日も頑張ってね", "name": "蓮"},
			Status:    orders.StatusReceived,
			CreatedAt: t0,
			UpdatedAt: t0,
		})
	}
	o.Totals, _ = orders.Compute(lines, orders.DefaultShipping().Methods[0], "")
	o.Payment.Amount = o.Totals.Total
	return o
}

func create(t *testing.T, s *Store, o *orders.Order) *orders.Order {
	t.Helper()
	stored, created, err := s.CreateOrder(t.Context(), o)
	if err != nil {
		t.Fatalf("CreateOrder %s: %v", o.ID, err)
	}
	if !created {
		t.Fatalf("CreateOrder %s: created false", o.ID)
	}
	return stored
}

func transition(t *testing.T, s *Store, id string, from orders.Status, to orders.Status) {
	t.Helper()
	changed, err := s.TransitionItem(t.Context(), id, []orders.Status{from}, to, "")
	if err != nil || !changed {
		t.Fatalf("TransitionItem %s %s→%s: changed %v, %v", id, from, to, changed, err)
	}
}

func mustOrder(t *testing.T, s *Store, id string) *orders.Order {
	t.Helper()
	o, err := s.Order(t.Context(), id)
	if err != nil {
		t.Fatalf("Order %s: %v", id, err)
	}
	return o
}

func mustItem(t *testing.T, s *Store, id string) *orders.Item {
	t.Helper()
	it, err := s.Item(t.Context(), id)
	if err != nil {
		t.Fatalf("Item %s: %v", id, err)
	}
	return it
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := oshigoods.ErrorCode(err); got != code {
		t.Fatalf("%s: error %v (code %q), want code %q", what, err, got, code)
	}
}

// utc returns a copy of o as the store gives it back: times in UTC.
func utc(o *orders.Order) *orders.Order {
	c := *o
	c.CreatedAt, c.UpdatedAt, c.TermsAcceptedAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC(), o.TermsAcceptedAt.UTC()
	c.Payment.DueAt, c.Payment.PaidAt = o.Payment.DueAt.UTC(), o.Payment.PaidAt.UTC()
	c.Items = nil
	for _, it := range o.Items {
		ic := *it
		ic.CreatedAt, ic.UpdatedAt = it.CreatedAt.UTC(), it.UpdatedAt.UTC()
		c.Items = append(c.Items, &ic)
	}
	return &c
}

func files(itemID string, size int64) []orders.File {
	return []orders.File{
		{ItemID: itemID, Name: "print.pdf", Role: render.RoleOutput, ContentType: "application/pdf",
			Size: size, SHA256: fmt.Sprintf("sha-pdf-%d", size), Key: "files/" + itemID + "/print.pdf"},
		{ItemID: itemID, Name: "preview.png", Role: render.RolePreview, ContentType: "image/png",
			Size: size / 2, SHA256: fmt.Sprintf("sha-png-%d", size), Key: "files/" + itemID + "/preview.png"},
	}
}

func testRoundTrip(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	o := newOrder("o1", 2)
	o.IdempotencyKey, o.RequestHash = "key-1", "hash-1"
	o.Items[0].Warnings = []string{"画像の解像度が低めです"}
	o.Items[0].Error = "reason kept"
	// The first item records its template's version; the second has none,
	// as items taken before versions were recorded.
	o.Items[0].TemplateVersion = "0f1e2d3c4b5a69788796"
	o.Items[1].UpdatedAt = t0.Add(90 * time.Minute)
	o.Items[1].Fields = map[string]string{}
	// Given print.pdf first; files come back by name, preview.png first.
	o.Items[1].Files = files(o.Items[1].ID, 2048)
	stored := create(t, s, o)

	want := utc(o)
	want.Items[1].Files = []orders.File{o.Items[1].Files[1], o.Items[1].Files[0]}
	if !reflect.DeepEqual(stored, want) {
		t.Fatalf("CreateOrder returned\n%s\nwant\n%s", dump(stored), dump(want))
	}
	if got := mustOrder(t, s, o.ID); !reflect.DeepEqual(got, want) {
		t.Fatalf("Order\n%s\nwant\n%s", dump(got), dump(want))
	}
	if got := mustItem(t, s, o.Items[1].ID); !reflect.DeepEqual(got, want.Items[1]) {
		t.Fatalf("Item\n%+v\nwant\n%+v", got, want.Items[1])
	}
	if got := mustOrder(t, s, o.ID); got.CreatedAt.Location() != time.UTC || !got.CreatedAt.Equal(t0) {
		t.Fatalf("CreatedAt %v, want %v in UTC", got.CreatedAt, t0)
	}
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if d := s.Dialect(); d != "sqlite" && d != "postgres" {
		t.Fatalf("Dialect %q, want sqlite or postgres", d)
	}
}

// testCreateReturnsWritten: CreateOrder returns a new order without
// reading it back, the same as Order reads it: times to the millisecond in
// UTC, defaults filled in, no uploads, nil and empty fields and warnings
// as they were; and an order it does not mirror (an item with files, text
// that is not UTF-8) is read back.
func testCreateReturnsWritten(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	at := time.Date(2025, 3, 1, 9, 30, 15, 123_456_789, jst)
	if err := s.CreateUpload(t.Context(), &orders.Upload{ID: "up1", Format: "jpeg", Width: 10, Height: 10, Size: 1,
		SHA256: "abc", Key: "uploads/up1.jpeg", CreatedAt: at}); err != nil {
		t.Fatal(err)
	}
	for i, tc := range []struct {
		scenario string
		change   func(o *orders.Order)
	}{
		{"queued items, nanosecond times, an upload, nil and empty fields and warnings", func(o *orders.Order) {
			o.Status = orders.StatusQueued
			for _, it := range o.Items {
				it.Status = orders.StatusQueued
			}
			o.Uploads = []string{"up1"}
			o.Items[0].Fields, o.Items[0].Warnings = nil, []string{}
			o.Items[1].Fields, o.Items[1].Warnings = map[string]string{}, []string{"暗めの写真です"}
			o.Items[2].TemplateVersion = "0f1e2d3c4b5a69788796"
		}},
		{"a bank transfer, no shop, no shipping address, payment mode unset", func(o *orders.Order) {
			o.ShopID, o.ShippingAddress, o.ShippingMethod = "", nil, ""
			o.Payment = orders.Payment{Mode: orders.PaymentBankTransfer, Status: orders.PaymentPending, DueAt: at.Add(72 * time.Hour)}
			o.TermsAcceptedAt = time.Time{}
		}},
		{"no payment mode: the store's default", func(o *orders.Order) { o.Payment = orders.Payment{} }},
		{"an item with files is read back", func(o *orders.Order) { o.Items[0].Files = files(o.Items[0].ID, 10) }},
		{"text that is not UTF-8 is read back", func(o *orders.Order) { o.Items[1].Fields["to"] = "\xff\xfe" }},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			o := newOrder(fmt.Sprintf("o%d", i), 3)
			o.IdempotencyKey = "key-" + o.ID
			o.CreatedAt, o.UpdatedAt, o.TermsAcceptedAt = at, at.Add(time.Nanosecond), at
			for _, it := range o.Items {
				it.CreatedAt, it.UpdatedAt = at, at
			}
			tc.change(o)
			stored := create(t, s, o)
			if got := mustOrder(t, s, o.ID); !reflect.DeepEqual(stored, got) {
				t.Fatalf("CreateOrder returned\n%s\nOrder reads\n%s", dump(stored), dump(got))
			}
			if len(o.Items[1].Fields) > 0 {
				stored.Items[1].Fields["to"] = "changed"
				if o.Items[1].Fields["to"] == "changed" {
					t.Fatal("the order returned shares its items' fields with the order given")
				}
			}
		})
	}
}

// testCreateAllOrNothing: the order, its mail, its uploads and its items
// are stored in one transaction (on PostgreSQL one batch, one implicit
// transaction): when the last item cannot be stored, nothing is, and the
// connection serves the next order.
func testCreateAllOrNothing(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	if err := s.CreateUpload(t.Context(), &orders.Upload{ID: "up1", Format: "jpeg", Width: 10, Height: 10, Size: 1,
		SHA256: "abc", Key: "uploads/up1.jpeg", CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	o := newOrder("o1", 3)
	o.Uploads = []string{"up1"}
	o.Items[2].ID = o.Items[0].ID // the last insert breaks the items' key
	if _, _, err := s.CreateOrder(t.Context(), o); err == nil {
		t.Fatal("CreateOrder stored two items of one id")
	}
	wantCode(t, "the order not stored", func() error { _, err := s.Order(t.Context(), "o1"); return err }(), oshigoods.ENOTFOUND)
	for _, table := range []string{"orders", "items", "mail_outbox", "order_uploads"} {
		var n int
		if err := s.db.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%s holds %d rows (%v) after the failed order, want none", table, n, err)
		}
	}
	create(t, s, newOrder("o2", 1))
}

func dump(o *orders.Order) string {
	s := fmt.Sprintf("%+v", *o)
	for _, it := range o.Items {
		s += fmt.Sprintf("\n  %+v", *it)
	}
	return s
}

func testIdempotentSame(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	first := newOrder("o1", 1)
	first.IdempotencyKey, first.RequestHash = "key-1", "hash-1"
	create(t, s, first)

	again := newOrder("o2", 2)
	again.IdempotencyKey, again.RequestHash = "key-1", "hash-1"
	stored, created, err := s.CreateOrder(t.Context(), again)
	if err != nil || created {
		t.Fatalf("CreateOrder again: created %v, %v; want false, nil", created, err)
	}
	if !reflect.DeepEqual(stored, utc(first)) {
		t.Fatalf("CreateOrder again returned\n%s\nwant the first order\n%s", dump(stored), dump(utc(first)))
	}
	if _, err := s.Order(t.Context(), "o2"); oshigoods.ErrorCode(err) != oshigoods.ENOTFOUND {
		t.Fatalf("the second order was written: Order o2: %v", err)
	}
}

func testIdempotentOther(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	first := newOrder("o1", 1)
	first.IdempotencyKey, first.RequestHash = "key-1", "hash-1"
	create(t, s, first)

	other := newOrder("o2", 1)
	other.IdempotencyKey, other.RequestHash = "key-1", "hash-2"
	stored, created, err := s.CreateOrder(t.Context(), other)
	wantCode(t, "CreateOrder with another request", err, oshigoods.ECONFLICT)
	if stored != nil || created {
		t.Fatalf("CreateOrder with another request: %v, created %v; want nil, false", stored, created)
	}
}

func testIdempotencyExpires(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	first := newOrder("o1", 1)
	first.IdempotencyKey, first.RequestHash = "key-1", "hash-1"
	create(t, s, first)

	// A day less a minute later the key still holds…
	within := newOrder("o2", 1)
	within.IdempotencyKey, within.RequestHash = "key-1", "hash-1"
	within.CreatedAt = t0.Add(orders.IdempotencyTTL - time.Minute)
	if stored, created, err := s.CreateOrder(t.Context(), within); err != nil || created || stored.ID != "o1" {
		t.Fatalf("within a day: %v, created %v, %v; want o1 replayed", stored, created, err)
	}
	// …a day later it is a new request, also with another body.
	after := newOrder("o3", 1)
	after.IdempotencyKey, after.RequestHash = "key-1", "hash-other"
	after.CreatedAt, after.UpdatedAt = t0.Add(orders.IdempotencyTTL), t0.Add(orders.IdempotencyTTL)
	if stored := create(t, s, after); stored.ID != "o3" {
		t.Fatalf("after a day: got %s, want o3", stored.ID)
	}
	if o, err := s.Order(t.Context(), "o1"); err != nil || o.IdempotencyKey != "" {
		t.Fatalf("the first order keeps key %q (%v); want it let go", o.IdempotencyKey, err)
	}
	again := newOrder("o4", 1)
	again.IdempotencyKey, again.RequestHash = "key-1", "hash-other"
	again.CreatedAt = after.CreatedAt.Add(time.Hour)
	if stored, created, err := s.CreateOrder(t.Context(), again); err != nil || created || stored.ID != "o3" {
		t.Fatalf("the renewed key: %v, created %v, %v; want o3 replayed", stored, created, err)
	}
}

func testNoKey(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	create(t, s, newOrder("o1", 1))
	create(t, s, newOrder("o2", 1))
	got, err := s.Orders(t.Context(), "shop1", orders.StatusReceived, 0)
	if err != nil || len(got) != 2 {
		t.Fatalf("Orders: %d orders, %v; want 2", len(got), err)
	}
	if got[0].IdempotencyKey != "" {
		t.Fatalf("IdempotencyKey %q, want empty", got[0].IdempotencyKey)
	}
}

func testConcurrentCreate(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	const n = 10
	type result struct {
		stored  *orders.Order
		created bool
		err     error
	}
	results := make([]result, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			o := newOrder(fmt.Sprintf("o%d", i), 2)
			o.IdempotencyKey, o.RequestHash = "key-1", "hash-1"
			<-start
			r := &results[i]
			r.stored, r.created, r.err = s.CreateOrder(t.Context(), o)
		})
	}
	close(start)
	wg.Wait()
	created, winner := 0, ""
	for i, r := range results {
		if r.err != nil {
			t.Fatalf("CreateOrder %d: %v", i, r.err)
		}
		if r.created {
			created++
			winner = r.stored.ID
		}
	}
	if created != 1 {
		t.Fatalf("%d orders created, want 1", created)
	}
	for i, r := range results {
		if r.stored.ID != winner || len(r.stored.Items) != 2 {
			t.Fatalf("CreateOrder %d returned order %s with %d items, want %s with 2", i, r.stored.ID, len(r.stored.Items), winner)
		}
	}
	got, err := s.Orders(t.Context(), "shop1", orders.StatusReceived, 0)
	if err != nil || len(got) != 1 {
		t.Fatalf("Orders: %d orders, %v; want 1", len(got), err)
	}
}

func testOrdersByStatus(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	// Created out of order: o1 is the oldest.
	for _, c := range []struct {
		id    string
		hours int
	}{{"o3", 3}, {"o1", 1}, {"o2", 2}} {
		o := newOrder(c.id, 1)
		o.CreatedAt = t0.Add(time.Duration(c.hours) * time.Hour)
		create(t, s, o)
	}
	create(t, s, newOrder("queued", 1))
	transition(t, s, "queued-item0", orders.StatusReceived, orders.StatusQueued)

	for _, tc := range []struct {
		limit int
		want  []string
	}{
		{0, []string{"o1", "o2", "o3"}},
		{2, []string{"o1", "o2"}},
	} {
		got, err := s.Orders(t.Context(), "shop1", orders.StatusReceived, tc.limit)
		if err != nil {
			t.Fatalf("Orders: %v", err)
		}
		var ids []string
		for _, o := range got {
			ids = append(ids, o.ID)
			if len(o.Items) != 1 {
				t.Fatalf("order %s has %d items, want 1", o.ID, len(o.Items))
			}
		}
		if !reflect.DeepEqual(ids, tc.want) {
			t.Fatalf("Orders(received, %d) = %v, want %v", tc.limit, ids, tc.want)
		}
	}
	got, err := s.Orders(t.Context(), "shop1", orders.StatusQueued, 0)
	if err != nil || len(got) != 1 || got[0].ID != "queued" {
		t.Fatalf("Orders(queued): %v, %v; want the queued order", got, err)
	}
	got, err = s.Orders(t.Context(), "shop1", orders.StatusPrinted, 0)
	if err != nil || len(got) != 0 {
		t.Fatalf("Orders(printed): %v, %v; want none", got, err)
	}
}

func testTransitionAllowed(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	create(t, s, newOrder("o1", 1))
	id := "o1-item0"
	for _, tc := range []struct {
		from        []orders.Status
		to          orders.Status
		reason      string
		wantOrder   orders.Status
		wantErrText string
	}{
		{[]orders.Status{orders.StatusReceived}, orders.StatusQueued, "", orders.StatusQueued, ""},
		{[]orders.Status{orders.StatusQueued, orders.StatusRendering}, orders.StatusRendering, "", orders.StatusRendering, ""},
		{[]orders.Status{orders.StatusRendering}, orders.StatusFailed, "フォントが見つかりません", orders.StatusFailed, "フォントが見つかりません"},
		{[]orders.Status{orders.StatusFailed}, orders.StatusQueued, "", orders.StatusQueued, ""},
		{[]orders.Status{orders.StatusQueued}, orders.StatusCancelled, "", orders.StatusCancelled, ""},
	} {
		before := mustItem(t, s, id)
		changed, err := s.TransitionItem(t.Context(), id, tc.from, tc.to, tc.reason)
		if err != nil || !changed {
			t.Fatalf("TransitionItem %v→%s: changed %v, %v; want true, nil", tc.from, tc.to, changed, err)
		}
		it := mustItem(t, s, id)
		if it.Status != tc.to || it.Error != tc.wantErrText {
			t.Fatalf("item after →%s: status %s, error %q; want %s, %q", tc.to, it.Status, it.Error, tc.to, tc.wantErrText)
		}
		if !it.UpdatedAt.After(t0) || it.UpdatedAt.Before(before.UpdatedAt) {
			t.Fatalf("item after →%s: UpdatedAt %v, was %v", tc.to, it.UpdatedAt, before.UpdatedAt)
		}
		if o := mustOrder(t, s, "o1"); o.Status != tc.wantOrder {
			t.Fatalf("order after item →%s: %s, want %s", tc.to, o.Status, tc.wantOrder)
		}
	}
}

func testTransitionRefused(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	create(t, s, newOrder("o1", 1))
	id := "o1-item0"
	before := mustItem(t, s, id)
	for _, from := range [][]orders.Status{nil, {orders.StatusQueued, orders.StatusRendering}} {
		changed, err := s.TransitionItem(t.Context(), id, from, orders.StatusRendering, "why")
		if err != nil || changed {
			t.Fatalf("TransitionItem from %v: changed %v, %v; want false, nil", from, changed, err)
		}
	}
	if after := mustItem(t, s, id); !reflect.DeepEqual(after, before) {
		t.Fatalf("refused transition changed the item:\n%+v\nwant\n%+v", after, before)
	}
	if o := mustOrder(t, s, "o1"); o.Status != orders.StatusReceived || !o.UpdatedAt.Equal(t0) {
		t.Fatalf("refused transition changed the order: %s at %v", o.Status, o.UpdatedAt)
	}
}

func testCompleteTwice(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	create(t, s, newOrder("o1", 1))
	id := "o1-item0"
	transition(t, s, id, orders.StatusReceived, orders.StatusQueued)
	warnings := []string{"テキストを縮小しました"}
	changed, err := s.CompleteItem(t.Context(), id, orders.Completion{Files: files(id, 1000), Warnings: warnings})
	if err != nil || !changed {
		t.Fatalf("CompleteItem: changed %v, %v; want true, nil", changed, err)
	}
	changed, err = s.CompleteItem(t.Context(), id, orders.Completion{Files: files(id, 3000), Warnings: []string{"other"}})
	if err != nil || changed {
		t.Fatalf("CompleteItem again: changed %v, %v; want false, nil", changed, err)
	}
	it := mustItem(t, s, id)
	want := files(id, 1000)
	want[0], want[1] = want[1], want[0] // by name: preview.png, print.pdf
	if !reflect.DeepEqual(it.Files, want) {
		t.Fatalf("Files %+v, want %+v", it.Files, want)
	}
	if it.Status != orders.StatusReady || !reflect.DeepEqual(it.Warnings, warnings) {
		t.Fatalf("item %s with warnings %q, want ready with %q", it.Status, it.Warnings, warnings)
	}
	if o := mustOrder(t, s, "o1"); o.Status != orders.StatusReady || !reflect.DeepEqual(o.Items[0], it) {
		t.Fatalf("order %s with item %+v, want ready with %+v", o.Status, o.Items[0], it)
	}
}

func testCompleteReplaces(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	create(t, s, newOrder("o1", 1))
	id := "o1-item0"
	transition(t, s, id, orders.StatusReceived, orders.StatusRendering)
	if _, err := s.CompleteItem(t.Context(), id, orders.Completion{Files: files(id, 1000)}); err != nil {
		t.Fatalf("CompleteItem: %v", err)
	}
	transition(t, s, id, orders.StatusReady, orders.StatusQueued)
	// Files given twice under one name: the last is recorded.
	changed, err := s.CompleteItem(t.Context(), id, orders.Completion{Files: append(files(id, 3000), files(id, 5000)...)})
	if err != nil || !changed {
		t.Fatalf("CompleteItem after requeue: changed %v, %v; want true, nil", changed, err)
	}
	it := mustItem(t, s, id)
	if len(it.Files) != 2 || it.Files[0].Size != 2500 || it.Files[1].Size != 5000 {
		t.Fatalf("Files %+v, want the two files of the second rendering", it.Files)
	}
	if it.Warnings != nil {
		t.Fatalf("Warnings %q, want nil", it.Warnings)
	}
}

func testCompletePreflight(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	o := newOrder("o1", 2)
	o.Items[0].Warnings = []string{"写真の解像度は約233 dpiです"}
	create(t, s, o)
	if it := mustItem(t, s, "o1-item0"); it.Preflight != nil {
		t.Fatalf("Preflight %+v before rendering, want nil", it.Preflight)
	}
	merged := []string{"写真の解像度は約233 dpiです", "名前を縮小しました"}
	pf := &render.Preflight{
		File: "photo.pdf", Format: "pdf", PageMM: [2]float64{95, 133}, TrimMM: [2]float64{89, 127}, BleedMM: 3,
		Images:       []render.PlacedImage{{Field: "photo", EffectiveDPI: 233, Verdict: render.VerdictWarning}},
		Fonts:        []render.FontUse{{Name: "KleeOne-SemiBold", Embedded: true}},
		OutputIntent: "sRGB IEC61966-2.1", PDFX: "PDF/X-4", Warnings: merged,
	}
	for _, id := range []string{"o1-item0", "o1-item1"} {
		transition(t, s, id, orders.StatusReceived, orders.StatusRendering)
	}
	// The store records what it is given: merging is the service's.
	if _, err := s.CompleteItem(t.Context(), "o1-item0", orders.Completion{Files: files("o1-item0", 10), Warnings: merged, Preflight: pf}); err != nil {
		t.Fatalf("CompleteItem: %v", err)
	}
	if _, err := s.CompleteItem(t.Context(), "o1-item1", orders.Completion{Files: files("o1-item1", 10), Warnings: []string{}}); err != nil {
		t.Fatalf("CompleteItem without preflight: %v", err)
	}
	got := mustOrder(t, s, "o1")
	if it := got.Items[0]; !reflect.DeepEqual(it.Warnings, merged) || !reflect.DeepEqual(it.Preflight, pf) {
		t.Fatalf("item with warnings %q and preflight %+v, want %q and %+v", it.Warnings, it.Preflight, merged, pf)
	}
	if it := got.Items[1]; len(it.Warnings) != 0 || it.Preflight != nil {
		t.Fatalf("item without preflight: warnings %q, preflight %+v; want none, nil", it.Warnings, it.Preflight)
	}
	if it := mustItem(t, s, "o1-item0"); !reflect.DeepEqual(it, got.Items[0]) {
		t.Fatalf("Item\n%+v\nwant\n%+v", it, got.Items[0])
	}
	// A print shop's claim reads them too.
	c, err := s.ClaimOrders(t.Context(), "c1", "shop1", claimReq(10), time.Now())
	if err != nil || c == nil || len(c.Orders) != 1 {
		t.Fatalf("ClaimOrders: %+v, %v", c, err)
	}
	if it := c.Orders[0].Items[0]; !reflect.DeepEqual(it.Preflight, pf) || !reflect.DeepEqual(it.Warnings, merged) {
		t.Fatalf("claimed item with warnings %q and preflight %+v, want %q and %+v", it.Warnings, it.Preflight, merged, pf)
	}
}

func testCompleteRefused(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	create(t, s, newOrder("o1", 1))
	id := "o1-item0"
	for _, st := range []orders.Status{orders.StatusReceived, orders.StatusFailed, orders.StatusCancelled} {
		if st != orders.StatusReceived {
			if _, err := s.TransitionItem(t.Context(), id, []orders.Status{orders.StatusReceived, orders.StatusFailed}, st, ""); err != nil {
				t.Fatalf("TransitionItem →%s: %v", st, err)
			}
		}
		changed, err := s.CompleteItem(t.Context(), id, orders.Completion{Files: files(id, 1000)})
		if err != nil || changed {
			t.Fatalf("CompleteItem of a %s item: changed %v, %v; want false, nil", st, changed, err)
		}
		if it := mustItem(t, s, id); it.Status != st || len(it.Files) != 0 {
			t.Fatalf("CompleteItem of a %s item left it %s with %d files", st, it.Status, len(it.Files))
		}
	}
}

func testDerive(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	create(t, s, newOrder("o1", 2))
	a, b := "o1-item0", "o1-item1"
	for _, step := range []struct {
		name string
		do   func()
		want orders.Status
	}{
		{"a queued", func() { transition(t, s, a, orders.StatusReceived, orders.StatusQueued) }, orders.StatusReceived},
		{"b queued", func() { transition(t, s, b, orders.StatusReceived, orders.StatusQueued) }, orders.StatusQueued},
		{"a rendering", func() { transition(t, s, a, orders.StatusQueued, orders.StatusRendering) }, orders.StatusQueued},
		{"b rendering", func() { transition(t, s, b, orders.StatusQueued, orders.StatusRendering) }, orders.StatusRendering},
		{"a ready", func() {
			if _, err := s.CompleteItem(t.Context(), a, orders.Completion{Files: files(a, 10)}); err != nil {
				t.Fatal(err)
			}
		}, orders.StatusRendering},
		{"b failed", func() { transition(t, s, b, orders.StatusRendering, orders.StatusFailed) }, orders.StatusFailed},
		{"b cancelled", func() { transition(t, s, b, orders.StatusFailed, orders.StatusCancelled) }, orders.StatusReady},
		{"a cancelled", func() { transition(t, s, a, orders.StatusReady, orders.StatusCancelled) }, orders.StatusCancelled},
	} {
		step.do()
		if o := mustOrder(t, s, "o1"); o.Status != step.want {
			t.Fatalf("after %s: order %s, want %s", step.name, o.Status, step.want)
		}
	}
}

func testConcurrentComplete(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	const orderCount = 10
	for i := range orderCount {
		id := fmt.Sprintf("o%d", i)
		create(t, s, newOrder(id, 2))
		for j := range 2 {
			transition(t, s, fmt.Sprintf("%s-item%d", id, j), orders.StatusReceived, orders.StatusRendering)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*orderCount)
	for i := range orderCount {
		for j := range 2 {
			wg.Go(func() {
				id := fmt.Sprintf("o%d-item%d", i, j)
				if changed, err := s.CompleteItem(t.Context(), id, orders.Completion{Files: files(id, 100)}); err != nil || !changed {
					errs <- fmt.Errorf("CompleteItem %s: changed %v, %v", id, changed, err)
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for i := range orderCount {
		if o := mustOrder(t, s, fmt.Sprintf("o%d", i)); o.Status != orders.StatusReady {
			t.Fatalf("order %s is %s, want ready", o.ID, o.Status)
		}
	}
}

func testStaleItems(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	now := time.Now()
	createItemsAt(t, s,
		itemAt{"queued-old", orders.StatusQueued, now.Add(-2 * time.Hour)},
		itemAt{"rendering-older", orders.StatusRendering, now.Add(-3 * time.Hour)},
		itemAt{"queued-new", orders.StatusQueued, now},
		itemAt{"ready-old", orders.StatusReady, now.Add(-4 * time.Hour)},
		itemAt{"received-old", orders.StatusReceived, now.Add(-5 * time.Hour)},
	)
	before := now.Add(-time.Hour)
	live := []orders.Status{orders.StatusQueued, orders.StatusRendering}
	for _, tc := range []struct {
		scenario string
		statuses []orders.Status
		limit    int
		want     []string
	}{
		{"queued and rendering", live, 0, []string{"rendering-older-item0", "queued-old-item0"}},
		{"limit", live, 1, []string{"rendering-older-item0"}},
		{"received", []orders.Status{orders.StatusReceived}, 10, []string{"received-old-item0"}},
		{"no statuses", nil, 10, nil},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			items, err := s.StaleItems(t.Context(), tc.statuses, before, tc.limit)
			if err != nil {
				t.Fatalf("StaleItems: %v", err)
			}
			if ids := itemIDs(items); !reflect.DeepEqual(ids, tc.want) {
				t.Fatalf("StaleItems = %v, want %v", ids, tc.want)
			}
		})
	}
}

func testMarkPrinted(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	create(t, s, newOrder("o1", 3))
	for i, end := range []orders.Status{orders.StatusReady, orders.StatusReady, orders.StatusCancelled} {
		id := fmt.Sprintf("o1-item%d", i)
		transition(t, s, id, orders.StatusReceived, orders.StatusRendering)
		if end == orders.StatusReady {
			if _, err := s.CompleteItem(t.Context(), id, orders.Completion{Files: files(id, 10)}); err != nil {
				t.Fatal(err)
			}
		} else {
			transition(t, s, id, orders.StatusRendering, end)
		}
	}
	if o := mustOrder(t, s, "o1"); o.Status != orders.StatusReady {
		t.Fatalf("order is %s, want ready", o.Status)
	}
	for range 2 {
		if err := s.MarkPrinted(t.Context(), "o1"); err != nil {
			t.Fatalf("MarkPrinted: %v", err)
		}
		o := mustOrder(t, s, "o1")
		var got []orders.Status
		for _, it := range o.Items {
			got = append(got, it.Status)
		}
		want := []orders.Status{orders.StatusPrinted, orders.StatusPrinted, orders.StatusCancelled}
		if o.Status != orders.StatusPrinted || !reflect.DeepEqual(got, want) {
			t.Fatalf("after MarkPrinted: order %s, items %v; want printed, %v", o.Status, got, want)
		}
	}
}

func testMarkPrintedRefused(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	create(t, s, newOrder("o1", 2))
	transition(t, s, "o1-item0", orders.StatusReceived, orders.StatusQueued)
	transition(t, s, "o1-item1", orders.StatusReceived, orders.StatusQueued)
	wantCode(t, "MarkPrinted of a queued order", s.MarkPrinted(t.Context(), "o1"), oshigoods.ECONFLICT)
	if _, err := s.CompleteItem(t.Context(), "o1-item0", orders.Completion{Files: files("o1-item0", 10)}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "MarkPrinted of a half-ready order", s.MarkPrinted(t.Context(), "o1"), oshigoods.ECONFLICT)
	if it := mustItem(t, s, "o1-item0"); it.Status != orders.StatusReady {
		t.Fatalf("refused MarkPrinted left the ready item %s", it.Status)
	}
}

func testNotFound(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	ctx := t.Context()
	_, err := s.Order(ctx, "nope")
	wantCode(t, "Order", err, oshigoods.ENOTFOUND)
	_, err = s.Item(ctx, "nope")
	wantCode(t, "Item", err, oshigoods.ENOTFOUND)
	_, err = s.TransitionItem(ctx, "nope", []orders.Status{orders.StatusReceived}, orders.StatusQueued, "")
	wantCode(t, "TransitionItem", err, oshigoods.ENOTFOUND)
	_, err = s.CompleteItem(ctx, "nope", orders.Completion{})
	wantCode(t, "CompleteItem", err, oshigoods.ENOTFOUND)
	wantCode(t, "MarkPrinted", s.MarkPrinted(ctx, "nope"), oshigoods.ENOTFOUND)
	_, err = s.Upload(ctx, "nope")
	wantCode(t, "Upload", err, oshigoods.ENOTFOUND)
	_, err = s.ShopKeyByHash(ctx, "nope")
	wantCode(t, "ShopKeyByHash", err, oshigoods.ENOTFOUND)
}

func testUploads(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	u := &orders.Upload{ID: "up1", Format: "jpeg", Width: 4032, Height: 3024, Size: 5 << 20,
		SHA256: "abc123", Key: "uploads/up1.jpg", CreatedAt: t0}
	if err := s.CreateUpload(t.Context(), u); err != nil {
		t.Fatalf("CreateUpload: %v", err)
	}
	got, err := s.Upload(t.Context(), "up1")
	if err != nil {
		t.Fatalf("Upload: %v", err)
	}
	want := *u
	want.CreatedAt = t0.UTC()
	if !reflect.DeepEqual(*got, want) {
		t.Fatalf("Upload = %+v, want %+v", *got, want)
	}
	wantCode(t, "CreateUpload again", s.CreateUpload(t.Context(), u), oshigoods.ECONFLICT)
}

func testShopKeys(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	k := &orders.ShopKey{ID: "shop1", Name: "渋谷プリント", Hash: "hash-of-key", CreatedAt: t0,
		Kinds: []orders.Kind{orders.KindCard, orders.KindPhoto}, Templates: []string{"card-letter-tate"}}
	if err := s.CreateShopKey(t.Context(), k); err != nil {
		t.Fatalf("CreateShopKey: %v", err)
	}
	got, err := s.ShopKeyByHash(t.Context(), "hash-of-key")
	if err != nil {
		t.Fatalf("ShopKeyByHash: %v", err)
	}
	want := *k
	want.CreatedAt = t0.UTC()
	if !reflect.DeepEqual(*got, want) {
		t.Fatalf("ShopKeyByHash = %+v, want %+v", *got, want)
	}
	dup := &orders.ShopKey{ID: "shop2", Name: "other", Hash: "hash-of-key", CreatedAt: t0}
	wantCode(t, "CreateShopKey with a used hash", s.CreateShopKey(t.Context(), dup), oshigoods.ECONFLICT)
	// The operator's list counts the shop's open orders; routing reads
	// the same keys without counting.
	create(t, s, newOrder("o1", 1))
	listed, err := s.ShopKeys(t.Context())
	if err != nil || len(listed) != 1 || listed[0].OpenOrders != 1 {
		t.Fatalf("ShopKeys = %+v, %v; want shop1 with 1 open order", listed, err)
	}
	routing, err := s.RoutingKeys(t.Context())
	want.OpenOrders = 0
	if err != nil || len(routing) != 1 || !reflect.DeepEqual(*routing[0], want) {
		t.Fatalf("RoutingKeys = %+v, %v; want %+v", routing, err, want)
	}
}

func migrationCount(t *testing.T, s *Store) int {
	t.Helper()
	var n int
	if err := s.db.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
		t.Fatalf("count schema_migrations: %v", err)
	}
	return n
}

func testReopen(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	ms, err := loadMigrations(s.Dialect())
	if err != nil || len(ms) == 0 {
		t.Fatalf("loadMigrations: %d, %v", len(ms), err)
	}
	create(t, s, newOrder("o1", 1))
	s.Close()
	for range 2 {
		s = openStore(t, dsn)
		if n := migrationCount(t, s); n != len(ms) {
			t.Fatalf("schema_migrations has %d rows, want %d", n, len(ms))
		}
		mustOrder(t, s, "o1")
		s.Close()
	}
}

// testConcurrentOpen opens several stores on one fresh database at once, as
// processes starting together do, then writes through all of them at once.
func testConcurrentOpen(t *testing.T, dsn string) {
	const n = 4
	stores := make([]*Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = Open(context.WithoutCancel(t.Context()), dsn) })
	}
	wg.Wait()
	for i, s := range stores {
		if errs[i] != nil {
			t.Fatalf("Open %d: %v", i, errs[i])
		}
		t.Cleanup(func() { s.Close() })
	}
	for i, s := range stores {
		wg.Go(func() {
			o := newOrder(fmt.Sprintf("o%d", i), 2)
			o.IdempotencyKey, o.RequestHash = "shared", "hash"
			_, _, errs[i] = s.CreateOrder(t.Context(), o)
		})
	}
	wg.Wait()
	ms, _ := loadMigrations(stores[0].Dialect())
	if got := migrationCount(t, stores[0]); got != len(ms) {
		t.Fatalf("schema_migrations has %d rows, want %d", got, len(ms))
	}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("CreateOrder through store %d: %v", i, err)
		}
	}
	got, err := stores[n-1].Orders(t.Context(), "shop1", orders.StatusReceived, 0)
	if err != nil || len(got) != 1 {
		t.Fatalf("Orders: %d, %v; want 1 order", len(got), err)
	}
}

func TestRebind(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		d        *dialect
		in, want string
	}{
		{"postgres numbers placeholders", postgres, "a = ? AND b IN (?, ?)", "a = $1 AND b IN ($2, $3)"},
		{"postgres without placeholders", postgres, "SELECT 1", "SELECT 1"},
		{"sqlite keeps question marks", sqlitedb, "a = ? AND b = ?", "a = ? AND b = ?"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			if got := tc.d.rebind(tc.in); got != tc.want {
				t.Fatalf("rebind(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
