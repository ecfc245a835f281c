package sqlstore

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"oshigoods"
	"oshigoods/orders"
	"oshigoods/render"
)

func mustShopKey(t *testing.T, s *Store, id string, created time.Time) *orders.ShopKey {
	t.Helper()
	k := &orders.ShopKey{ID: id, Name: id, Hash: "hash-" + id, Kinds: []orders.Kind{orders.KindCard}, CreatedAt: created}
	if err := s.CreateShopKey(t.Context(), k); err != nil {
		t.Fatalf("CreateShopKey %s: %v", id, err)
	}
	return k
}

// shopOrder is a ready order of two cards routed to shop ("" none).
func shopOrder(t *testing.T, s *Store, id, shop string, created time.Time) {
	t.Helper()
	o := newOrder(id, 2)
	o.ShopID, o.CreatedAt = shop, created
	create(t, s, o)
	for _, it := range o.Items {
		transition(t, s, it.ID, orders.StatusReceived, orders.StatusRendering)
		if _, err := s.CompleteItem(t.Context(), it.ID, orders.Completion{Files: files(it.ID, 100)}); err != nil {
			t.Fatal(err)
		}
	}
}

func orderIDs(list []*orders.Order) []string {
	var ids []string
	for _, o := range list {
		ids = append(ids, o.ID)
	}
	return ids
}

func testRevokeRotate(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	ctx := t.Context()
	mustShopKey(t, s, "shop1", t0)
	mustShopKey(t, s, "shop2", t0.Add(time.Second))
	for _, e := range []*orders.WebhookEndpoint{
		{ID: "w1", ShopID: "shop1", URL: "https://one.example/hook", Secret: "whsec_1", CreatedAt: t0},
		{ID: "w2", ShopID: "shop2", URL: "https://two.example/hook", Secret: "whsec_2", CreatedAt: t0},
	} {
		if err := s.CreateWebhookEndpoint(ctx, e, orders.MaxWebhooksPerShop); err != nil {
			t.Fatal(err)
		}
	}
	shopOrder(t, s, "o1", "shop1", t0)
	shopOrder(t, s, "o2", "shop1", t0.Add(time.Minute))
	if err := s.MarkPrinted(ctx, "o2"); err != nil {
		t.Fatal(err)
	}
	if c := mustClaim(t, s, "c1", claimReq(5), time.Now()); !reflect.DeepEqual(claimIDs(c), []string{"o1"}) {
		t.Fatalf("claim: %v", claimIDs(c))
	}
	keys, err := s.ShopKeys(ctx)
	if err != nil || len(keys) != 2 || keys[0].ID != "shop1" || keys[0].OpenOrders != 1 || keys[1].OpenOrders != 0 {
		t.Fatalf("ShopKeys: %+v, %v; want shop1 with 1 open order, then shop2", keys, err)
	}

	wantCode(t, "RotateShopKey nope", s.RotateShopKey(ctx, "nope", "h"), oshigoods.ENOTFOUND)
	wantCode(t, "RotateShopKey to a used hash", s.RotateShopKey(ctx, "shop2", "hash-shop1"), oshigoods.ECONFLICT)
	if err := s.RotateShopKey(ctx, "shop2", "hash-new"); err != nil {
		t.Fatal(err)
	}
	_, err = s.ShopKeyByHash(ctx, "hash-shop2")
	wantCode(t, "old hash after rotate", err, oshigoods.ENOTFOUND)
	if k, err := s.ShopKeyByHash(ctx, "hash-new"); err != nil || k.ID != "shop2" {
		t.Fatalf("new hash: %+v, %v", k, err)
	}

	wantCode(t, "RevokeShopKey nope", s.RevokeShopKey(ctx, "nope", time.Now()), oshigoods.ENOTFOUND)
	owed := mustEventID(t, s, "o1")
	if d, err := s.Delivery(ctx, owed, "w1"); err != nil || d.Status != orders.DeliveryPending {
		t.Fatalf("shop1's delivery before revoke: %+v, %v", d, err)
	}
	now := time.Now()
	if err := s.RevokeShopKey(ctx, "shop1", now); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeShopKey(ctx, "shop1", now.Add(time.Hour)); err != nil {
		t.Fatalf("revoke again: %v", err)
	}
	k, err := s.ShopKeyByHash(ctx, "hash-shop1")
	if err != nil || k.Active() || !k.RevokedAt.Equal(now.UTC().Truncate(time.Millisecond)) {
		t.Fatalf("revoked key: %+v, %v; want revoked at %s", k, err, now)
	}
	wantCode(t, "RotateShopKey revoked", s.RotateShopKey(ctx, "shop1", "h2"), oshigoods.ECONFLICT)
	// What its endpoints were still owed is dropped, not sent.
	if d, err := s.Delivery(ctx, owed, "w1"); err != nil || d.Status != orders.DeliveryFailed {
		t.Fatalf("revoked shop's pending delivery: %+v, %v; want failed", d, err)
	}
	// The open order lost its shop and its lease; the printed one kept them.
	if o := mustOrder(t, s, "o1"); o.ShopID != "" {
		t.Fatalf("o1 after revoke: shop %q, want none", o.ShopID)
	}
	if o := mustOrder(t, s, "o2"); o.ShopID != "shop1" {
		t.Fatalf("printed o2 after revoke: shop %q, want shop1", o.ShopID)
	}
	if ok, err := s.RouteOrder(ctx, "o1", "shop2"); err != nil || !ok {
		t.Fatalf("RouteOrder: %v, %v", ok, err)
	}
	c, err := s.ClaimOrders(ctx, "c2", "shop2", claimReq(5), time.Now())
	if err != nil || !reflect.DeepEqual(claimIDs(c), []string{"o1"}) {
		t.Fatalf("shop2 claims o1 at once after shop1's revocation: %v, %v", claimIDs(c), err)
	}
}

func testShopIsolation(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	ctx := t.Context()
	shopOrder(t, s, "a1", "shopA", t0)
	shopOrder(t, s, "b1", "shopB", t0.Add(time.Minute))
	shopOrder(t, s, "n1", "", t0.Add(2*time.Minute))
	tests := []struct {
		shop string
		want []string
	}{
		{"shopA", []string{"a1"}},
		{"shopB", []string{"b1"}},
		{"shopC", nil},
	}
	for _, tc := range tests {
		t.Run(tc.shop, func(t *testing.T) {
			list, err := s.Orders(ctx, tc.shop, orders.StatusReady, 0)
			if err != nil || !reflect.DeepEqual(orderIDs(list), tc.want) {
				t.Fatalf("Orders: %v, %v; want %v", orderIDs(list), err, tc.want)
			}
			c, err := s.ClaimOrders(ctx, "c-"+tc.shop, tc.shop, claimReq(10), time.Now())
			if err != nil || !reflect.DeepEqual(claimIDs(c), tc.want) {
				t.Fatalf("ClaimOrders: %v, %v; want %v", claimIDs(c), err, tc.want)
			}
		})
	}
}

func testShopEvents(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	ctx := t.Context()
	for _, e := range []*orders.WebhookEndpoint{
		{ID: "wa", ShopID: "shopA", URL: "https://a.example/", Secret: "whsec_a", CreatedAt: t0},
		{ID: "wb", ShopID: "shopB", URL: "https://b.example/", Secret: "whsec_b", CreatedAt: t0},
	} {
		if err := s.CreateWebhookEndpoint(ctx, e, orders.MaxWebhooksPerShop); err != nil {
			t.Fatal(err)
		}
	}
	shopOrder(t, s, "a1", "shopA", t0)
	shopOrder(t, s, "n1", "", t0)
	if err := s.CancelOrder(ctx, "a1", time.Now()); err != nil {
		t.Fatal(err)
	}
	pending, err := s.PendingDeliveries(ctx, time.Now().Add(time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range pending {
		got = append(got, d.Endpoint.ID+" "+d.Event.OrderID+" "+d.Event.Type)
	}
	slices.Sort(got)
	want := []string{"wa a1 " + orders.EventOrderCancelled, "wa a1 " + orders.EventOrderReady}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("deliveries %v, want %v (none to shopB, none for the unrouted order)", got, want)
	}
}

func testUnrouted(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	ctx := t.Context()
	shopOrder(t, s, "routed", "shop1", t0)
	shopOrder(t, s, "wait2", "", t0.Add(2*time.Minute))
	shopOrder(t, s, "wait1", "", t0.Add(time.Minute))
	voice := newOrder("voice", 1)
	voice.ShopID = ""
	voice.Items[0].Kind, voice.Items[0].Template = render.KindVoice, "voice-alarm-morning"
	create(t, s, voice)
	cancelled := newOrder("cancelled", 1)
	cancelled.ShopID = ""
	create(t, s, cancelled)
	if err := s.CancelOrder(ctx, "cancelled", time.Now()); err != nil {
		t.Fatal(err)
	}
	list, err := s.UnroutedOrders(ctx, 0)
	if want := []string{"wait1", "wait2"}; err != nil || !reflect.DeepEqual(orderIDs(list), want) {
		t.Fatalf("UnroutedOrders: %v, %v; want %v (no voice-only, cancelled or routed order)", orderIDs(list), err, want)
	}
	if c := mustClaim(t, s, "c1", claimReq(10), time.Now()); !reflect.DeepEqual(claimIDs(c), []string{"routed"}) {
		t.Fatalf("claim took %v, want the routed order only", claimIDs(c))
	}
	tests := []struct {
		scenario string
		order    string
		shop     string
		want     bool
	}{
		{"an unrouted order", "wait1", "shop1", true},
		{"again, to another shop", "wait1", "shop2", false},
		{"a routed order", "routed", "shop2", false},
		{"no such order", "nope", "shop1", false},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			if ok, err := s.RouteOrder(ctx, tc.order, tc.shop); err != nil || ok != tc.want {
				t.Fatalf("RouteOrder: %v, %v; want %v", ok, err, tc.want)
			}
		})
	}
	if o := mustOrder(t, s, "wait1"); o.ShopID != "shop1" {
		t.Fatalf("wait1's shop %q, want shop1", o.ShopID)
	}
	if list, _ := s.UnroutedOrders(ctx, 0); !reflect.DeepEqual(orderIDs(list), []string{"wait2"}) {
		t.Fatalf("UnroutedOrders after routing: %v", orderIDs(list))
	}
}

func testAuditLog(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	ctx := t.Context()
	entries := []orders.AuditEntry{
		{At: t0, Actor: "operator", Action: "key.create", Subject: "key_1", Detail: "kinds=card templates="},
		{At: t0.Add(time.Hour), Actor: "shop:key_1", Action: "claim", Subject: "clm_1", Detail: "orders=ord_1"},
		{At: t0.Add(2 * time.Hour), Actor: "shop:key_1", Action: "ack.printed", Subject: "ord_1", Detail: "claim=clm_1"},
	}
	for _, e := range entries {
		if err := s.AddAudit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	list, err := s.AuditLog(ctx, t0.Add(30*time.Minute), 0)
	if err != nil || len(list) != 2 {
		t.Fatalf("AuditLog: %+v, %v; want the last 2", list, err)
	}
	for i, e := range list {
		want := entries[i+1]
		want.At, want.ID = want.At.UTC(), e.ID
		if e.ID == 0 || !reflect.DeepEqual(e, want) {
			t.Fatalf("entry %d: %+v, want %+v", i, e, want)
		}
	}
	if list, _ := s.AuditLog(ctx, t0, 1); len(list) != 1 || list[0].Action != "key.create" {
		t.Fatalf("AuditLog limit 1: %+v", list)
	}
}

// testRoutedOrder routes new orders through one store while another (a
// second process) adds, rotates and revokes keys: each order goes where
// the keys as they stand when it is stored send it, never where keys read
// before send it, and route sees them as RoutingKeys returns them.
func testRoutedOrder(t *testing.T, dsn string) {
	s, other := openStore(t, dsn), openStore(t, dsn)
	ctx := t.Context()
	n := 0
	place := func(want string) {
		t.Helper()
		n++
		o := newOrder(fmt.Sprintf("routed%d", n), 1)
		o.ShopID = "stale"
		var seen []*orders.ShopKey
		stored, created, err := s.CreateRoutedOrder(ctx, o, func(keys []*orders.ShopKey) string {
			seen = keys
			return orders.Route(keys, o.Items)
		})
		if err != nil || !created {
			t.Fatalf("CreateRoutedOrder %s: %v, created %v", o.ID, err, created)
		}
		keys, err := other.RoutingKeys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if stored.ShopID != want || mustOrder(t, s, o.ID).ShopID != want || !reflect.DeepEqual(seen, keys) {
			t.Fatalf("order %s went to %q (read back %q); want %q, routed by %v; keys are %v",
				o.ID, stored.ShopID, mustOrder(t, s, o.ID).ShopID, want, seen, keys)
		}
	}
	place("")
	place("") // from the keys kept, if the store keeps them
	mustShopKey(t, other, "shop1", t0)
	place("shop1")
	if err := other.RotateShopKey(ctx, "shop1", "hash-rotated"); err != nil {
		t.Fatal(err)
	}
	place("shop1")
	mustShopKey(t, other, "shop0", t0.Add(-time.Hour))
	place("shop0")
	if err := other.RevokeShopKey(ctx, "shop0", time.Now()); err != nil {
		t.Fatal(err)
	}
	place("shop1")
	if err := other.RevokeShopKey(ctx, "shop1", time.Now()); err != nil {
		t.Fatal(err)
	}
	place("")
	// Without route, the order keeps its ShopID and no key is read.
	o := newOrder("unrouted", 1)
	if stored, _, err := s.CreateRoutedOrder(ctx, o, nil); err != nil || stored.ShopID != "shop1" {
		t.Fatalf("CreateRoutedOrder without route: shop %q, %v; want shop1 as given", stored.ShopID, err)
	}
}
