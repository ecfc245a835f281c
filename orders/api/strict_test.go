package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestStrictJSON: every JSON body is one value of known fields within its
// size cap; anything else is a 400 that says what is wrong (and names an
// unknown field), and nothing is stored.
func TestStrictJSON(t *testing.T) {
	a := startAPI(t)
	key, _, err := a.svc.CreateShopKey(context.Background(), "Print Co")
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
	key, _, err := a.svc.CreateShopKey(context.Background(), "Print Co")
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
