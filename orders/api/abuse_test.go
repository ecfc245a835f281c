package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"oshigoods/orders"
	"oshigoods/orders/api"
)

// TestStrictJSON: every JSON body is one value of known fields within its
// size cap; anything else is a 400 that says what is wrong (and names an
// unknown field), and nothing is stored.
func TestStrictJSON(t *testing.T) {
	a := startAPI(t)
	key, _, err := a.svc.CreateShopKey(context.Background(), orders.NewShopKey{Name: "Print Co", Kinds: []orders.Kind{orders.KindCard, orders.KindPhoto}})
	if err != nil {
		t.Fatal(err)
	}
	order, _ := json.Marshal(cardOrderBody("山田 花子", "hanako@example.com", "さくら", ""))
	tests := []struct {
		scenario string
		path     string
		body     string
		field    string
		says     string // in the message
	}{
		{"order with trailing bytes", "/v1/orders", string(order) + "garbage", "", "data after the JSON value"},
		{"order with a second value", "/v1/orders", string(order) + string(order), "", "data after the JSON value"},
		{"order with an unknown field", "/v1/orders", strings.Replace(string(order), `"items"`, `"coupon":"FREE","items"`, 1), "coupon", `unknown field "coupon"`},
		{"order over its size cap", "/v1/orders", `{"customer":{"name":"` + strings.Repeat("a", 1<<20) + `"}}`, "", "larger than 1 MiB"},
		{"order that is not an object", "/v1/orders", `[1,2]`, "", "must be a JSON object"},
		{"preview with trailing bytes", "/v1/previews", `{"template":"card-letter-tate","fields":{"to":"さくら"}} {}`, "", "data after the JSON value"},
		{"preview with an unknown field", "/v1/previews", `{"template":"card-letter-tate","colour":"red"}`, "colour", `unknown field "colour"`},
		{"claim with trailing bytes", "/v1/shop/claims", `{"max":1}]`, "", "data after the JSON value"},
		{"claim with an unknown field", "/v1/shop/claims", `{"lease":60}`, "lease", `unknown field "lease"`},
		{"claim over its size cap", "/v1/shop/claims", `{"templates":["` + strings.Repeat("a", 64<<10) + `"]}`, "", "larger than 64 KiB"},
		{"claim max out of int range", "/v1/shop/claims", `{"max":1e30}`, "", "max must be a whole number"},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			req, _ := http.NewRequest("POST", a.base+tc.path, strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+key)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			e := checkError(t, res, body, http.StatusBadRequest, "invalid", tc.field)
			if !strings.Contains(e.Message, tc.says) {
				t.Errorf("message %q does not say %q", e.Message, tc.says)
			}
		})
	}
	if n := a.storedOrders(t); n != 0 {
		t.Errorf("%d orders stored from bad bodies", n)
	}
}

// TestLeaseSecondsRange: lease_seconds is checked before it becomes a
// duration, so a huge value is a 422 naming it rather than a lease that
// wrapped around to a fraction of a second.
func TestLeaseSecondsRange(t *testing.T) {
	a := startAPI(t)
	key, _, err := a.svc.CreateShopKey(context.Background(), orders.NewShopKey{Name: "Print Co", Kinds: []orders.Kind{orders.KindCard, orders.KindPhoto}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		scenario string
		lease    string
		status   int
	}{
		{"overflowing", "9223372037", 422}, // × 1e9 ns wraps int64
		{"one past a day", "86401", 422},
		{"negative", "-1", 422},
		{"a day", "86400", 200},
		{"one second", "1", 200},
		{"default", "0", 200},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			r := shopRequest(t, "POST", a.base+"/v1/shop/claims", key, `{"lease_seconds":`+tc.lease+`}`)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.status == 422 && !strings.Contains(string(r.body), `"field":"lease_seconds"`) {
				t.Errorf("the answer does not name lease_seconds: %s", r.body)
			}
		})
	}
}

// TestMissingOrderLooksLikeWrongToken: for a missing order and for an
// existing one with a wrong token (or none), the answers are the same byte
// for byte, on every route that takes an order token; and both come out of
// one return of Service.Order (the same sentinel), which does the same
// constant-time comparison on both paths.
func TestMissingOrderLooksLikeWrongToken(t *testing.T) {
	a := startAPI(t)
	res, body := postJSON(t, a.base+"/v1/orders", cardOrderBody("山田 花子", "hanako@example.com", "さくら", ""))
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("order: %d %s", res.StatusCode, body)
	}
	var o struct{ ID, Token string }
	json.Unmarshal(body, &o)
	missing := "ord_" + strings.Repeat("a", len(o.ID)-4)
	for _, route := range []struct{ method, path string }{{"GET", "/v1/orders/%s"}, {"POST", "/v1/orders/%s/cancel"}} {
		answer := func(id, token string) string {
			r := shopRequest(t, route.method, a.base+strings.Replace(route.path, "%s", id, 1), token, "")
			if r.status != http.StatusNotFound {
				t.Fatalf("%s %s: status %d, want 404: %s", route.method, id, r.status, r.body)
			}
			return string(r.body)
		}
		want := answer(missing, o.Token)
		for _, tc := range []struct{ scenario, id, token string }{
			{"wrong token", o.ID, "otk_wrong"},
			{"no token", o.ID, ""},
			{"another order's token", o.ID, "otk_" + strings.Repeat("x", 43)},
			{"missing order, no token", missing, ""},
		} {
			if got := answer(tc.id, tc.token); got != want {
				t.Errorf("%s %s, %s: body %q, want %q as for a missing order", route.method, route.path, tc.scenario, got, want)
			}
		}
	}
	ctx := context.Background()
	_, errMissing := a.svc.Order(ctx, missing, o.Token)
	_, errWrong := a.svc.Order(ctx, o.ID, "otk_wrong")
	if errMissing != orders.ErrOrderNotFound || errWrong != orders.ErrOrderNotFound {
		t.Errorf("missing order: %v, wrong token: %v; want both orders.ErrOrderNotFound", errMissing, errWrong)
	}
	if got, err := a.svc.Order(ctx, o.ID, o.Token); err != nil || got.ID != o.ID {
		t.Errorf("the right token: %v, %v", got, err)
	}
}

// TestIdempotencyKeyScope: an Idempotency-Key replays an order only for
// the client that sent it (its address) with the same customer e-mail, and
// only for a day; otherwise the same key is a new order, and never hands
// out another's order or token.
func TestIdempotencyKeyScope(t *testing.T) {
	a := startAPI(t)
	clock := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	a.svc.Now = func() time.Time { return clock }
	h := api.New(a.svc, slog.New(slog.DiscardHandler), nil)
	type placed struct{ ID, Token string }
	send := func(remote, email string) (int, placed) {
		b, _ := json.Marshal(cardOrderBody("山田 花子", email, "さくら", ""))
		req := httptest.NewRequest("POST", "/v1/orders", bytes.NewReader(b))
		req.RemoteAddr = remote
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", "same-key")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var p placed
		json.Unmarshal(rec.Body.Bytes(), &p)
		return rec.Code, p
	}
	code, first := send("192.0.2.1:5000", "hanako@example.com")
	if code != http.StatusCreated {
		t.Fatalf("first order: %d", code)
	}
	steps := []struct {
		scenario string
		advance  time.Duration
		remote   string
		email    string
		replay   bool // the first order comes back (200), else a new one (201)
	}{
		{"the same client again, from another port", 0, "192.0.2.1:6000", "hanako@example.com", true},
		{"the same client an hour later", time.Hour, "192.0.2.1:5000", "hanako@example.com", true},
		{"another client, the same e-mail", 0, "198.51.100.9:5000", "hanako@example.com", false},
		{"the same client, another e-mail", 0, "192.0.2.1:5000", "taro@example.com", false},
		{"the same client a day less a minute after", 22*time.Hour + 59*time.Minute, "192.0.2.1:5000", "hanako@example.com", true},
		{"the same client a day after", time.Minute, "192.0.2.1:5000", "hanako@example.com", false},
	}
	for _, st := range steps {
		clock = clock.Add(st.advance)
		code, got := send(st.remote, st.email)
		switch {
		case st.replay && (code != http.StatusOK || got != first):
			t.Errorf("%s: %d %+v, want 200 and the first order %+v", st.scenario, code, got, first)
		case !st.replay && (code != http.StatusCreated || got.ID == first.ID || got.Token == first.Token):
			t.Errorf("%s: %d %+v, want 201 and a new order, not %+v", st.scenario, code, got, first)
		}
	}
}
