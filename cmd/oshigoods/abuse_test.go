package main

import (
	"net/http"
	"testing"
)

// TestServeGuardsClients: `oshigoods serve` puts the guard in front of the
// API with the configured limits: past OSHIGOODS_RATE_ORDERS orders a
// minute a client gets 429 with Retry-After, and past
// OSHIGOODS_AUTH_FAILURES wrong shop keys even the right key is 429.
func TestServeGuardsClients(t *testing.T) {
	env := backends[0].env(t)
	env["OSHIGOODS_RATE_ORDERS"] = "2"
	env["OSHIGOODS_AUTH_FAILURES"] = "3"
	key := createShopKey(t, env)
	srv := startServe(t, env)

	post := func() (int, string) {
		req, _ := http.NewRequest("POST", srv.base+"/v1/orders", nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode, res.Header.Get("Retry-After")
	}
	for i := range 2 {
		if code, _ := post(); code != http.StatusBadRequest {
			t.Fatalf("order %d: %d, want 400 for the empty body", i+1, code)
		}
	}
	if code, retry := post(); code != http.StatusTooManyRequests || retry != "30" {
		t.Fatalf("third order in a minute: %d Retry-After %q, want 429 and 30", code, retry)
	}

	for i := range 3 {
		if code := call(t, "GET", srv.base+"/v1/shop/orders", "shk_wrong", nil, nil, nil); code != http.StatusUnauthorized {
			t.Fatalf("wrong key %d: %d, want 401", i+1, code)
		}
	}
	var e apiError
	if code := call(t, "GET", srv.base+"/v1/shop/orders", key, nil, nil, &e); code != http.StatusTooManyRequests || e.Error.Code != "rate_limited" {
		t.Fatalf("the right key after 3 failures: %d %+v, want 429 rate_limited", code, e)
	}
}
