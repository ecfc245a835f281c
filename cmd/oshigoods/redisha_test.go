package main

import (
	"testing"

	"oshigoods/internal/testenv"
)

// TestServeOnRedisHA runs serve with its worker on a Redis reached through
// the Sentinel and the Cluster URL forms (redis-servers the test starts)
// and renders an order there.
func TestServeOnRedisHA(t *testing.T) {
	cases := []struct {
		scenario string
		url      func(t *testing.T) string
	}{
		{"sentinel", func(t *testing.T) string { return testenv.RedisSentinel(t).URL() }},
		{"cluster", func(t *testing.T) string { return testenv.RedisCluster(t) }},
	}
	for _, tc := range cases {
		t.Run(tc.scenario, func(t *testing.T) {
			env := backends[0].env(t)
			env["OSHIGOODS_REDIS_URL"] = tc.url(t)
			srv := startServe(t, env)
			var o orderResp
			if code := call(t, "POST", srv.base+"/v1/orders", "", nil, cardOrder("さくら"), &o); code != 201 {
				t.Fatalf("create order: %d %+v", code, o)
			}
			waitStatus(t, srv.base, o.ID, o.Token, "ready")
		})
	}
}
