package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"oshigoods/orders"
)

// newCardOrder takes a card order of the template through the API and
// returns it as stored.
func (a *testAPI) newCardOrder(t *testing.T, template string) *orders.Order {
	t.Helper()
	body := cardOrderBody("推し活 花子", "hanako@example.com", "さくら", "")
	body["items"].([]map[string]any)[0]["template"] = template
	res, b := postJSON(t, a.base+"/v1/orders", body)
	var v struct{ ID string }
	if json.Unmarshal(b, &v); res.StatusCode != http.StatusCreated {
		t.Fatalf("order: %d %s", res.StatusCode, b)
	}
	o, err := a.store.Order(context.Background(), v.ID)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func (a *testAPI) shopKey(t *testing.T, name string, kinds []orders.Kind, templates ...string) (string, *orders.ShopKey) {
	t.Helper()
	// Keys created in one millisecond tie, and the tie goes by id: apart,
	// the older key is the first.
	time.Sleep(2 * time.Millisecond)
	key, k, err := a.svc.CreateShopKey(context.Background(), orders.NewShopKey{Name: name, Kinds: kinds, Templates: templates})
	if err != nil {
		t.Fatalf("CreateShopKey %s: %v", name, err)
	}
	return key, k
}

// TestShopsAreTenants: shop A makes card-letter-tate, shop B (created
// later) every card; a tate order goes to A, a yoko order to B. B lists,
// claims, reads, acks and marks printed none of A's orders (404, the body
// of a missing order), and A's order's events reach A's endpoint only.
func TestShopsAreTenants(t *testing.T) {
	a := startAPI(t)
	ctx := context.Background()
	keyA, shopA := a.shopKey(t, "A印刷", nil, "card-letter-tate")
	keyB, shopB := a.shopKey(t, "B印刷", []orders.Kind{orders.KindCard})
	for _, e := range []*orders.WebhookEndpoint{
		{ID: "whk_a", ShopID: shopA.ID, URL: "https://a.example/hook", Secret: "whsec_a", CreatedAt: time.Now()},
		{ID: "whk_b", ShopID: shopB.ID, URL: "https://b.example/hook", Secret: "whsec_b", CreatedAt: time.Now()},
	} {
		if err := a.store.CreateWebhookEndpoint(ctx, e, orders.MaxWebhooksPerShop); err != nil {
			t.Fatal(err)
		}
	}
	ordA := a.newCardOrder(t, "card-letter-tate")
	ordB := a.newCardOrder(t, "card-letter-yoko")
	if ordA.ShopID != shopA.ID || ordB.ShopID != shopB.ID {
		t.Fatalf("routed to %q and %q, want A %s and B %s", ordA.ShopID, ordB.ShopID, shopA.ID, shopB.ID)
	}
	a.readyForShop(t, ordA)
	a.readyForShop(t, ordB)

	// B claims first: it must get its own order only.
	claimB := shopRequest(t, "POST", a.base+"/v1/shop/claims", keyB, `{"max": 10}`)
	claimA := shopRequest(t, "POST", a.base+"/v1/shop/claims", keyA, `{"max": 10}`)
	var mA, mB struct {
		ClaimID string `json:"claim_id"`
		Orders  []struct{ ID string }
	}
	json.Unmarshal(claimA.body, &mA)
	json.Unmarshal(claimB.body, &mB)
	if claimB.status != http.StatusCreated || len(mB.Orders) != 1 || mB.Orders[0].ID != ordB.ID {
		t.Fatalf("B's claim: %d %s; want %s alone", claimB.status, claimB.body, ordB.ID)
	}
	if claimA.status != http.StatusCreated || len(mA.Orders) != 1 || mA.Orders[0].ID != ordA.ID {
		t.Fatalf("A's claim: %d %s; want %s alone", claimA.status, claimA.body, ordA.ID)
	}
	missing := shopRequest(t, "POST", a.base+"/v1/shop/orders/ord_missing/printed", keyB, "")

	tests := []struct {
		scenario   string
		method     string
		path       string
		body       string
		wantStatus int
	}{
		{"list", "GET", "/v1/shop/orders?status=ready", "", http.StatusOK},
		{"list printed", "GET", "/v1/shop/orders?status=printed", "", http.StatusOK},
		{"claim", "POST", "/v1/shop/claims", `{"max": 10}`, http.StatusOK},
		{"manifest", "GET", "/v1/shop/claims/" + mA.ClaimID, "", http.StatusNotFound},
		{"manifest as CSV", "GET", "/v1/shop/claims/" + mA.ClaimID + "?format=csv", "", http.StatusNotFound},
		{"imposition", "GET", "/v1/shop/claims/" + mA.ClaimID + "/imposition.pdf?sheet=A4", "", http.StatusNotFound},
		{"ack", "POST", "/v1/shop/claims/" + mA.ClaimID + "/ack", `{"acks":[{"order_id":"` + ordA.ID + `","outcome":"printed"}]}`, http.StatusNotFound},
		{"release", "POST", "/v1/shop/claims/" + mA.ClaimID + "/release", "", http.StatusNotFound},
		{"printed", "POST", "/v1/shop/orders/" + ordA.ID + "/printed", "", http.StatusNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			r := shopRequest(t, tc.method, a.base+tc.path, keyB, tc.body)
			if r.status != tc.wantStatus {
				t.Fatalf("%s %s as B: %d %s, want %d", tc.method, tc.path, r.status, r.body, tc.wantStatus)
			}
			// No trace of A's order: not its id, not its files' URLs.
			if strings.Contains(string(r.body), ordA.ID) {
				t.Fatalf("B's answer names A's order: %s", r.body)
			}
			if tc.scenario == "printed" && string(r.body) != string(missing.body) {
				t.Errorf("another shop's order: %s; a missing order: %s; want the same", r.body, missing.body)
			}
		})
	}
	if got, _ := a.store.Order(ctx, ordA.ID); got.Status != orders.StatusReady {
		t.Fatalf("A's order is %s after B's attempts, want ready", got.Status)
	}

	// A settles its order; B's endpoint never hears of it.
	if r := shopRequest(t, "POST", a.base+"/v1/shop/claims/"+mA.ClaimID+"/ack", keyA,
		`{"acks":[{"order_id":"`+ordA.ID+`","outcome":"failed","reason":"紙詰まり"}]}`); r.status != http.StatusOK {
		t.Fatalf("A's ack: %d %s", r.status, r.body)
	}
	pending, err := a.store.PendingDeliveries(ctx, time.Now().Add(time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, d := range pending {
		got[d.Endpoint.ID] = append(got[d.Endpoint.ID], d.Event.OrderID+" "+d.Event.Type)
	}
	wantA := []string{ordA.ID + " " + orders.EventOrderFailed, ordA.ID + " " + orders.EventOrderReady}
	wantB := []string{ordB.ID + " " + orders.EventOrderReady}
	slices.Sort(got["whk_a"])
	if !slices.Equal(got["whk_a"], wantA) || !slices.Equal(got["whk_b"], wantB) {
		t.Fatalf("deliveries A %v, B %v; want A %v, B %v", got["whk_a"], got["whk_b"], wantA, wantB)
	}
}

// TestUnroutedOrdersWait: an order no key makes stays ready, claimed and
// listed by no shop, and is in the operator's view; a key created later
// that makes it gets it.
func TestUnroutedOrdersWait(t *testing.T) {
	a := startAPI(t)
	ctx := context.Background()
	keyA, _ := a.shopKey(t, "A印刷", nil, "card-letter-tate")
	o := a.newCardOrder(t, "card-letter-yoko")
	a.readyForShop(t, o)
	if o.ShopID != "" {
		t.Fatalf("a yoko order went to %s; no key makes it", o.ShopID)
	}
	waiting, err := a.svc.UnroutedOrders(ctx)
	if err != nil || len(waiting) != 1 || waiting[0].ID != o.ID {
		t.Fatalf("UnroutedOrders: %v, %v; want %s", waiting, err, o.ID)
	}
	if r := shopRequest(t, "POST", a.base+"/v1/shop/claims", keyA, `{}`); r.status != http.StatusOK || strings.Contains(string(r.body), o.ID) {
		t.Fatalf("A claimed a waiting order: %d %s", r.status, r.body)
	}
	keyB, shopB := a.shopKey(t, "B印刷", nil, "card-letter-yoko")
	if got, _ := a.store.Order(ctx, o.ID); got.ShopID != shopB.ID {
		t.Fatalf("after B's key the order is routed to %q, want %s", got.ShopID, shopB.ID)
	}
	if waiting, _ := a.svc.UnroutedOrders(ctx); len(waiting) != 0 {
		t.Fatalf("still waiting: %d", len(waiting))
	}
	if r := shopRequest(t, "GET", a.base+"/v1/shop/orders", keyB, ""); !strings.Contains(string(r.body), o.ID) {
		t.Fatalf("B's list: %d %s; want %s", r.status, r.body, o.ID)
	}

	// A voice clip is digital: even with a key for every kind it goes to
	// no shop, and does not wait for one.
	a.shopKey(t, "C印刷", []orders.Kind{orders.KindCard, orders.KindPhoto})
	res, body := postJSON(t, a.base+"/v1/orders", map[string]any{
		"customer": map[string]string{"name": "推し活 花子", "email": "hanako@example.com"},
		"items": []map[string]any{{"template": "voice-alarm-morning",
			"fields": map[string]string{"name": "sakura", "lines": "ohayou", "repeat": "1", "preset": "phone"}}},
		"terms_accepted": true,
	})
	var v struct{ ID string }
	if json.Unmarshal(body, &v); res.StatusCode != http.StatusCreated {
		t.Fatalf("voice order: %d %s", res.StatusCode, body)
	}
	if got, _ := a.store.Order(ctx, v.ID); got.ShopID != "" {
		t.Fatalf("a voice-only order went to %s", got.ShopID)
	}
	if waiting, _ := a.svc.UnroutedOrders(ctx); len(waiting) != 0 {
		t.Fatalf("a voice-only order waits for a shop: %d waiting", len(waiting))
	}
}

// TestRevokeAndRotate: a revoked key is 401 at once and its shop's open
// orders go to the next key that makes them; a rotated key is 401 and
// its successor works for the same shop.
func TestRevokeAndRotate(t *testing.T) {
	a := startAPI(t)
	ctx := context.Background()
	keyA, shopA := a.shopKey(t, "A印刷", []orders.Kind{orders.KindCard})
	keyB, shopB := a.shopKey(t, "B印刷", []orders.Kind{orders.KindCard})
	o := a.newCardOrder(t, "card-letter-tate")
	if o.ShopID != shopA.ID {
		t.Fatalf("routed to %q, want the older key %s", o.ShopID, shopA.ID)
	}
	list := func(key string) int { return shopRequest(t, "GET", a.base+"/v1/shop/orders", key, "").status }
	if s := list(keyA); s != http.StatusOK {
		t.Fatalf("A before revoke: %d", s)
	}
	if err := a.svc.RevokeShopKey(ctx, shopA.ID); err != nil {
		t.Fatal(err)
	}
	newB, err := a.svc.RotateShopKey(ctx, shopB.ID)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		scenario string
		key      string
		want     int
	}{
		{"revoked key", keyA, http.StatusUnauthorized},
		{"rotated-out key", keyB, http.StatusUnauthorized},
		{"rotated-in key", newB, http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			if s := list(tc.key); s != tc.want {
				t.Fatalf("list: %d, want %d", s, tc.want)
			}
		})
	}
	if got, _ := a.store.Order(ctx, o.ID); got.ShopID != shopB.ID {
		t.Fatalf("A's open order after its revocation is routed to %q, want B %s", got.ShopID, shopB.ID)
	}
	if _, err := a.svc.RotateShopKey(ctx, shopA.ID); err == nil {
		t.Fatal("rotating a revoked key worked")
	}
	if _, _, err := a.svc.CreateShopKey(ctx, orders.NewShopKey{Name: "何も作らない"}); err == nil {
		t.Fatal("a key that makes nothing was created")
	}
	if _, _, err := a.svc.CreateShopKey(ctx, orders.NewShopKey{Name: "音声", Templates: []string{"voice-alarm-morning"}}); err == nil {
		t.Fatal("a key for a voice template was created")
	}
}

// TestAuditLog: each shop and operator action leaves a line naming who,
// what and when, with no personal data.
func TestAuditLog(t *testing.T) {
	a := startAPI(t)
	ctx := context.Background()
	start := time.Now().Add(-time.Second)
	key, shop := a.shopKey(t, "A印刷", []orders.Kind{orders.KindCard})
	actor := orders.ShopActor(shop)
	if _, err := a.svc.CreateWebhook(ctx, shop, "https://a.example/hook"); err != nil { // a special-use name: no DNS query
		t.Fatal(err)
	}
	o1, o2, o3 := a.newCardOrder(t, "card-letter-tate"), a.newCardOrder(t, "card-letter-tate"), a.newCardOrder(t, "card-letter-tate")
	for _, o := range []*orders.Order{o1, o2, o3} {
		a.readyForShop(t, o)
	}
	var m struct {
		ClaimID string `json:"claim_id"`
		Orders  []struct {
			ID string `json:"id"`
		} `json:"orders"`
	}
	r := shopRequest(t, "POST", a.base+"/v1/shop/claims", key, `{"max": 2}`)
	json.Unmarshal(r.body, &m)
	if len(m.Orders) != 2 {
		t.Fatalf("claim of 2: %d %s", r.status, r.body)
	}
	// The claim takes the two oldest orders; orders placed in the same
	// millisecond come in no set order, so the test follows the claim's.
	claimed, unclaimed := []string{m.Orders[0].ID, m.Orders[1].ID}, ""
	for _, o := range []*orders.Order{o1, o2, o3} {
		if !slices.Contains(claimed, o.ID) {
			unclaimed = o.ID
		}
	}
	if unclaimed == "" || claimed[0] == claimed[1] {
		t.Fatalf("claim %v of orders %s, %s, %s", claimed, o1.ID, o2.ID, o3.ID)
	}
	shopRequest(t, "POST", a.base+"/v1/shop/claims/"+m.ClaimID+"/ack", key,
		`{"acks":[{"order_id":"`+claimed[0]+`","outcome":"failed","reason":"紙詰まり 山田様"}]}`)
	shopRequest(t, "POST", a.base+"/v1/shop/claims/"+m.ClaimID+"/release", key, "")
	shopRequest(t, "POST", a.base+"/v1/shop/orders/"+unclaimed+"/printed", key, "")
	shopRequest(t, "POST", a.base+"/v1/shop/claims", key, `{"max": 1}`)
	if _, err := a.svc.RotateShopKey(ctx, shop.ID); err != nil {
		t.Fatal(err)
	}
	if err := a.svc.RevokeShopKey(ctx, shop.ID); err != nil {
		t.Fatal(err)
	}
	log, err := a.svc.AuditLog(ctx, start, 0)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, e := range log {
		if e.At.Before(start) || e.At.After(time.Now()) {
			t.Errorf("entry %+v at %s, outside the test", e, e.At)
		}
		for _, personal := range []string{"花子", "hanako", "山田", "紙詰まり", "a.example/hook"} {
			if strings.Contains(e.Detail, personal) {
				t.Errorf("entry %+v holds %q", e, personal)
			}
		}
		lines = append(lines, e.Actor+" "+e.Action+" "+e.Subject)
	}
	want := []string{
		"operator key.create " + shop.ID,
		actor + " webhook.create whk_",
		actor + " claim " + m.ClaimID,
		actor + " ack.failed " + claimed[0],
		actor + " release " + m.ClaimID,
		actor + " printed " + unclaimed,
		actor + " claim clm_",
		"operator key.rotate " + shop.ID,
		"operator key.revoke " + shop.ID,
	}
	if len(lines) != len(want) {
		t.Fatalf("audit log:\n%s\nwant %d lines", strings.Join(lines, "\n"), len(want))
	}
	for i := range want {
		if !strings.HasPrefix(lines[i], want[i]) {
			t.Errorf("line %d: %q, want %q…", i, lines[i], want[i])
		}
	}
	if !strings.Contains(log[2].Detail, claimed[0]) || !strings.Contains(log[2].Detail, claimed[1]) {
		t.Errorf("claim detail %q, want its orders", log[2].Detail)
	}
}
