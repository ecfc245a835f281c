package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"oshigoods/internal/testenv"
	"oshigoods/orders"
)

// TestEraseOrder: POST /v1/orders/{id}/erase with the order's token erases
// its personal data once it is no longer in production: 409 while it is
// being made or a print shop's claim holds it, 404 with a wrong token,
// then 200 with the anonymised order (no name, e-mail, fields or files,
// the rendered file deleted from the file store), and 200 again.
func TestEraseOrder(t *testing.T) {
	a := startAPI(t)
	ctx := context.Background()
	key, _, err := a.svc.CreateShopKey(ctx, orders.NewShopKey{Name: "テスト印刷所", Kinds: []orders.Kind{orders.KindCard, orders.KindPhoto}})
	if err != nil {
		t.Fatal(err)
	}
	res, body := postJSON(t, a.base+"/v1/orders", cardOrderBody("推し活 花子", "hanako@example.com", "さくら", "いつもありがとう"))
	var created struct{ ID, Token string }
	if json.Unmarshal(body, &created); res.StatusCode != http.StatusCreated {
		t.Fatalf("order: %d %s", res.StatusCode, body)
	}
	erase := func(token string) shopResponse {
		return shopRequest(t, "POST", a.base+"/v1/orders/"+created.ID+"/erase", token, "")
	}
	if r := erase(created.Token); r.status != http.StatusConflict {
		t.Fatalf("erase while queued: %d %s, want 409", r.status, r.body)
	}
	o, err := a.store.Order(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	a.readyForShop(t, o)
	files := a.svc.Files.(*testenv.MemFiles)
	rendered := "orders/" + o.ID + "/" + o.Items[0].ID + "/card.pdf"
	files.Put(ctx, rendered, []byte("%PDF- さくら"), "application/pdf")

	claim := shopRequest(t, "POST", a.base+"/v1/shop/claims", key, `{"max": 1}`)
	var m struct {
		ClaimID string `json:"claim_id"`
	}
	if json.Unmarshal(claim.body, &m); claim.status != http.StatusCreated {
		t.Fatalf("claim: %d %s", claim.status, claim.body)
	}
	if r := erase(created.Token); r.status != http.StatusConflict {
		t.Fatalf("erase while a shop holds it: %d %s, want 409", r.status, r.body)
	}
	if r := shopRequest(t, "POST", a.base+"/v1/shop/claims/"+m.ClaimID+"/release", key, ""); r.status != http.StatusOK {
		t.Fatalf("release: %d %s", r.status, r.body)
	}
	if r := erase("otk_wrong"); r.status != http.StatusNotFound {
		t.Fatalf("erase with a wrong token: %d %s, want 404", r.status, r.body)
	}
	if got, _ := a.store.Order(ctx, o.ID); got.Customer.Name == "" {
		t.Fatal("a refused erasure erased")
	}

	type view struct {
		Status   orders.Status
		Customer orders.Customer
		ErasedAt *string `json:"erased_at"`
		Items    []struct {
			Template string
			Quantity int
			Fields   map[string]string
			Files    []any
		}
	}
	for i := range 2 {
		r := erase(created.Token)
		var v view
		if err := json.Unmarshal(r.body, &v); err != nil || r.status != http.StatusOK {
			t.Fatalf("erase #%d: %d %s", i+1, r.status, r.body)
		}
		if v.ErasedAt == nil || v.Customer != (orders.Customer{}) || v.Status != orders.StatusCancelled {
			t.Fatalf("erase #%d: %s", i+1, r.body)
		}
		it := v.Items[0]
		if it.Template != "card-letter-tate" || it.Quantity != 1 || len(it.Fields) != 0 || len(it.Files) != 0 {
			t.Fatalf("erase #%d item: %s", i+1, r.body)
		}
	}
	if _, err := files.Get(ctx, rendered); err == nil {
		t.Fatal("the rendered card is still in the file store")
	}
	r := shopRequest(t, "GET", a.base+"/v1/orders/"+created.ID, created.Token, "")
	var v view
	if json.Unmarshal(r.body, &v); r.status != http.StatusOK || v.ErasedAt == nil {
		t.Fatalf("order view after erasure: %d %s", r.status, r.body)
	}
}
