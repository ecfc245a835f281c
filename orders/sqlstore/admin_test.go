package sqlstore

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"oshigoods"
	"oshigoods/orders"
)

func testAdminKeys(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	ctx := t.Context()
	k := &orders.AdminKey{ID: "opk_1", Name: "店長", Hash: "hash-1", CreatedAt: t0}
	if err := s.CreateAdminKey(ctx, k); err != nil {
		t.Fatalf("CreateAdminKey: %v", err)
	}
	wantCode(t, "CreateAdminKey with a used hash", s.CreateAdminKey(ctx, &orders.AdminKey{ID: "opk_2", Name: "x", Hash: "hash-1", CreatedAt: t0}), oshigoods.ECONFLICT)
	if err := s.CreateAdminKey(ctx, &orders.AdminKey{ID: "opk_0", Name: "laptop", Hash: "hash-0", CreatedAt: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	want := *k
	want.CreatedAt = t0.UTC()
	for _, tc := range []struct {
		scenario string
		get      func() (*orders.AdminKey, error)
	}{
		{"by hash", func() (*orders.AdminKey, error) { return s.AdminKeyByHash(ctx, "hash-1") }},
		{"by id", func() (*orders.AdminKey, error) { return s.AdminKey(ctx, "opk_1") }},
	} {
		got, err := tc.get()
		if err != nil || !reflect.DeepEqual(*got, want) {
			t.Fatalf("%s: %+v, %v; want %+v", tc.scenario, got, err, want)
		}
	}
	_, err := s.AdminKeyByHash(ctx, "nope")
	wantCode(t, "AdminKeyByHash of no key", err, oshigoods.ENOTFOUND)
	_, err = s.AdminKey(ctx, "opk_nope")
	wantCode(t, "AdminKey of no key", err, oshigoods.ENOTFOUND)

	revoked := t0.Add(2 * time.Hour)
	if err := s.RevokeAdminKey(ctx, "opk_1", revoked); err != nil {
		t.Fatalf("RevokeAdminKey: %v", err)
	}
	if err := s.RevokeAdminKey(ctx, "opk_1", revoked.Add(time.Hour)); err != nil {
		t.Fatalf("RevokeAdminKey again: %v", err)
	}
	wantCode(t, "RevokeAdminKey of no key", s.RevokeAdminKey(ctx, "opk_nope", revoked), oshigoods.ENOTFOUND)
	list, err := s.AdminKeys(ctx)
	if err != nil || len(list) != 2 || list[0].ID != "opk_1" || list[1].ID != "opk_0" {
		t.Fatalf("AdminKeys: %+v, %v; want opk_1 then opk_0", list, err)
	}
	if !list[0].RevokedAt.Equal(revoked) || list[0].Active() || !list[1].Active() {
		t.Fatalf("AdminKeys: revoked at %v (want the first revocation, %v), active %v %v", list[0].RevokedAt, revoked, list[0].Active(), list[1].Active())
	}
}

func testSearchOrders(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	ctx := t.Context()
	// Three of Hanako's orders an hour apart, one of Miyu's, two at the
	// same instant (the id breaks the tie).
	for i, c := range []struct {
		id, email string
		at        time.Duration
	}{
		{"o1", "hanako@example.com", 0}, {"o2", "Hanako@Example.COM", time.Hour}, {"o3", "miyu@example.com", 2 * time.Hour},
		{"o4", "hanako@example.com", 3 * time.Hour}, {"o5", "hanako@example.com", 3 * time.Hour},
	} {
		o := newOrder(c.id, 1)
		o.Customer.Email = c.email
		o.CreatedAt = t0.Add(c.at)
		o.Items[0].ID = c.id + "-item" + string(rune('0'+i))
		create(t, s, o)
	}
	transition(t, s, "o4-item3", orders.StatusReceived, orders.StatusFailed)

	search := func(q orders.OrderQuery) []string {
		t.Helper()
		list, err := s.SearchOrders(ctx, q)
		if err != nil {
			t.Fatalf("SearchOrders(%+v): %v", q, err)
		}
		var ids []string
		for _, o := range list {
			if len(o.Items) != 1 {
				t.Fatalf("order %s has %d items", o.ID, len(o.Items))
			}
			ids = append(ids, o.ID)
		}
		return ids
	}
	for _, tc := range []struct {
		scenario string
		q        orders.OrderQuery
		want     []string
	}{
		{"everything, newest first", orders.OrderQuery{}, []string{"o5", "o4", "o3", "o2", "o1"}},
		{"by id", orders.OrderQuery{ID: "o3"}, []string{"o3"}},
		{"by e-mail, any case", orders.OrderQuery{Email: "HANAKO@example.com"}, []string{"o5", "o4", "o2", "o1"}},
		{"by e-mail, exact only", orders.OrderQuery{Email: "hanako@example.co"}, nil},
		{"by status", orders.OrderQuery{Status: orders.StatusFailed}, []string{"o4"}},
		{"by e-mail and status", orders.OrderQuery{Email: "hanako@example.com", Status: orders.StatusReceived}, []string{"o5", "o2", "o1"}},
		{"a page", orders.OrderQuery{Limit: 2}, []string{"o5", "o4"}},
		{"the page after o4", orders.OrderQuery{Limit: 2, BeforeCreated: t0.Add(3 * time.Hour), BeforeID: "o4"}, []string{"o3", "o2"}},
		{"the page after o5, same instant", orders.OrderQuery{Limit: 2, BeforeCreated: t0.Add(3 * time.Hour), BeforeID: "o5"}, []string{"o4", "o3"}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			if got := search(tc.q); !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}
