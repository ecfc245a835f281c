package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"oshigoods/orders"
)

// TestMarkPrintedRespectsClaims: POST /v1/shop/orders/{id}/printed, the
// plain fulfilment path, is the same rule as a claim's ack: while a claim's
// lease holds the order it is a 409 and the order stays ready for that
// claim; without a claim, after the claim acked it or released it, the
// order is (or stays) printed.
func TestMarkPrintedRespectsClaims(t *testing.T) {
	a := startAPI(t)
	ctx := context.Background()
	key, _, err := a.svc.CreateShopKey(ctx, orders.NewShopKey{Name: "テスト印刷所", Kinds: []orders.Kind{orders.KindPhoto, orders.KindCard}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		scenario   string
		claim      string // "" no claim; "live", "acked" or "released"
		wantStatus int
		wantOrder  orders.Status
	}{
		{"no claim", "", http.StatusOK, orders.StatusPrinted},
		{"claimed, lease live", "live", http.StatusConflict, orders.StatusReady},
		{"after the claim acked it printed", "acked", http.StatusOK, orders.StatusPrinted},
		{"after the claim was released", "released", http.StatusOK, orders.StatusPrinted},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			res, body := postJSON(t, a.base+"/v1/orders", cardOrderBody("推し活 花子", "hanako@example.com", "さくら", ""))
			var v struct{ ID string }
			if json.Unmarshal(body, &v); res.StatusCode != http.StatusCreated {
				t.Fatalf("order: %d %s", res.StatusCode, body)
			}
			o, err := a.store.Order(ctx, v.ID)
			if err != nil {
				t.Fatal(err)
			}
			a.readyForShop(t, o)
			if tc.claim != "" {
				// The orders of earlier scenarios are printed, or held by
				// a live claim: this claim takes this order alone.
				claim := shopRequest(t, "POST", a.base+"/v1/shop/claims", key, `{"max": 1}`)
				var m struct {
					ClaimID string `json:"claim_id"`
					Orders  []struct{ ID string }
				}
				if err := json.Unmarshal(claim.body, &m); err != nil || claim.status != http.StatusCreated || len(m.Orders) != 1 || m.Orders[0].ID != o.ID {
					t.Fatalf("claim: %d %s", claim.status, claim.body)
				}
				switch tc.claim {
				case "acked":
					if r := shopRequest(t, "POST", a.base+"/v1/shop/claims/"+m.ClaimID+"/ack", key,
						`{"order_id":"`+o.ID+`","outcome":"printed"}`); r.status != http.StatusOK {
						t.Fatalf("ack: %d %s", r.status, r.body)
					}
				case "released":
					if r := shopRequest(t, "POST", a.base+"/v1/shop/claims/"+m.ClaimID+"/release", key, ""); r.status != http.StatusOK {
						t.Fatalf("release: %d %s", r.status, r.body)
					}
				}
			}
			r := shopRequest(t, "POST", a.base+"/v1/shop/orders/"+o.ID+"/printed", key, "")
			if r.status != tc.wantStatus {
				t.Fatalf("printed: %d %s, want %d", r.status, r.body, tc.wantStatus)
			}
			if tc.wantStatus == http.StatusConflict {
				var e struct{ Error struct{ Code string } }
				if json.Unmarshal(r.body, &e); e.Error.Code != "conflict" {
					t.Errorf("error body %s, want code conflict", r.body)
				}
			}
			if got, err := a.store.Order(ctx, o.ID); err != nil || got.Status != tc.wantOrder {
				t.Fatalf("order after printed: %v, %v; want %s", got.Status, err, tc.wantOrder)
			}
		})
	}
}

// TestMarkShipped: POST /v1/shop/orders/{id}/shipped records the carrier
// and tracking number of a printed order of the shop's own; the fan's
// order view shows them. Another shop's order is the same 404 as none; an
// order not yet printed is a 409; a bad number is a 422 naming it; a
// repeat is a no-op, another number a 409.
func TestMarkShipped(t *testing.T) {
	a := startAPI(t)
	ctx := context.Background()
	keyA, _, err := a.svc.CreateShopKey(ctx, orders.NewShopKey{Name: "A印刷", Kinds: []orders.Kind{orders.KindPhoto, orders.KindCard}})
	if err != nil {
		t.Fatal(err)
	}
	// B makes photos only, so the card order goes to A whatever order the
	// two keys were made in (made in one millisecond, their order is the
	// random ids').
	keyB, _, err := a.svc.CreateShopKey(ctx, orders.NewShopKey{Name: "B印刷", Kinds: []orders.Kind{orders.KindPhoto}})
	if err != nil {
		t.Fatal(err)
	}
	res, body := postJSON(t, a.base+"/v1/orders", cardOrderBody("推し活 花子", "hanako@example.com", "さくら", ""))
	var v struct{ ID, Token string }
	if json.Unmarshal(body, &v); res.StatusCode != http.StatusCreated {
		t.Fatalf("order: %d %s", res.StatusCode, body)
	}
	o, err := a.store.Order(ctx, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	a.readyForShop(t, o)
	ship := `{"carrier":"yamato","tracking_number":"1234-5678-9012"}`
	steps := []struct {
		scenario, key, body string
		wantStatus          int
		wantField           string
	}{
		{"ready, not printed", keyA, ship, http.StatusConflict, ""},
		{"print it", keyA, "printed", http.StatusOK, ""},
		{"another shop's order", keyB, ship, http.StatusNotFound, ""},
		{"no carrier", keyA, `{"tracking_number":"123456789012"}`, http.StatusUnprocessableEntity, "carrier"},
		{"letters and symbols", keyA, `{"carrier":"yamato","tracking_number":"12;drop"}`, http.StatusUnprocessableEntity, "tracking_number"},
		{"shipped", keyA, ship, http.StatusOK, ""},
		{"the same again", keyA, ship, http.StatusOK, ""},
		{"another number", keyA, `{"carrier":"yamato","tracking_number":"999999999999"}`, http.StatusConflict, ""},
	}
	for _, st := range steps {
		path, body := "/shipped", st.body
		if body == "printed" {
			path, body = "/printed", ""
		}
		r := shopRequest(t, "POST", a.base+"/v1/shop/orders/"+o.ID+path, st.key, body)
		if r.status != st.wantStatus {
			t.Fatalf("%s: %d %s, want %d", st.scenario, r.status, r.body, st.wantStatus)
		}
		if st.wantField != "" {
			var e struct{ Error struct{ Field string } }
			if json.Unmarshal(r.body, &e); e.Error.Field != st.wantField {
				t.Fatalf("%s: %s, want the field %s", st.scenario, r.body, st.wantField)
			}
		}
	}
	req, _ := http.NewRequest("GET", a.base+"/v1/orders/"+o.ID, nil)
	req.Header.Set("Authorization", "Bearer "+v.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var view struct {
		Status   string
		Shipment struct {
			Carrier        string
			TrackingNumber string `json:"tracking_number"`
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&view); err != nil || view.Status != "shipped" ||
		view.Shipment.Carrier != "yamato" || view.Shipment.TrackingNumber != "123456789012" {
		t.Fatalf("fan's view: %+v, %v", view, err)
	}
}
