package guard

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"oshigoods"
	"oshigoods/httperr"
)

var testRoutes = []Route{
	{"POST /v1/uploads", Upload},
	{"POST /v1/previews", Preview},
	{"POST /v1/orders", Order},
	{"/v1/shop/", ShopAuth},
	{"/v1/orders/{id}", TokenAuth},
}

// clock is a test's turnable clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

// ok answers 200, or for the shop and order routes the auth failure
// unless the Authorization header is "good".
var ok = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "good" {
		switch {
		case strings.HasPrefix(r.URL.Path, "/v1/shop/"):
			w.WriteHeader(http.StatusUnauthorized)
			return
		case strings.HasPrefix(r.URL.Path, "/v1/orders/"):
			w.WriteHeader(http.StatusNotFound)
			return
		}
	}
	w.WriteHeader(http.StatusOK)
})

func newTestGuard(t *testing.T, cfg Config) (*Guard, *clock) {
	t.Helper()
	g, err := New(cfg, nil, testRoutes)
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)}
	g.now = c.now
	return g, c
}

func send(h http.Handler, method, path, remote, auth string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil)
	req.RemoteAddr = remote
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// checkTooMany asserts a 429 with the JSON of ETOOMANY and Retry-After.
func checkTooMany(t *testing.T, rec *httptest.ResponseRecorder, retryAfter string) {
	t.Helper()
	var b httperr.Body
	if rec.Code != http.StatusTooManyRequests {
		t.Fatalf("status %d, want 429: %s", rec.Code, rec.Body)
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil || b.Error.Code != "rate_limited" || b.Error.Message == "" {
		t.Fatalf("body %s, want the JSON of rate_limited (%v)", rec.Body, err)
	}
	if got := rec.Header().Get("Retry-After"); got != retryAfter {
		t.Errorf("Retry-After %q, want %q", got, retryAfter)
	}
}

// TestRateLimits: a client gets N uploads, previews or orders a minute;
// the next is 429 with Retry-After, another client is not affected, and
// after 60/N seconds the first gets one more.
func TestRateLimits(t *testing.T) {
	tests := []struct {
		scenario   string
		path       string
		cfg        Config
		n          int
		retryAfter string
	}{
		{"uploads", "/v1/uploads", Config{Uploads: 3}, 3, "20"},
		{"previews", "/v1/previews", Config{Previews: 6}, 6, "10"},
		{"orders", "/v1/orders", Config{Orders: 2}, 2, "30"},
		{"orders, default", "/v1/orders", Config{}, 10, "6"},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			g, clk := newTestGuard(t, tc.cfg)
			h := g.Handler(ok)
			for i := range tc.n {
				if rec := send(h, "POST", tc.path, "192.0.2.1:1000", ""); rec.Code != http.StatusOK {
					t.Fatalf("request %d: %d", i+1, rec.Code)
				}
			}
			checkTooMany(t, send(h, "POST", tc.path, "192.0.2.1:1001", ""), tc.retryAfter)
			if rec := send(h, "POST", tc.path, "192.0.2.2:1000", ""); rec.Code != http.StatusOK {
				t.Errorf("another client: %d", rec.Code)
			}
			if rec := send(h, "GET", "/v1/templates", "192.0.2.1:1000", ""); rec.Code != http.StatusOK {
				t.Errorf("a free route: %d", rec.Code)
			}
			clk.advance(time.Minute / time.Duration(tc.n))
			if rec := send(h, "POST", tc.path, "192.0.2.1:1000", ""); rec.Code != http.StatusOK {
				t.Errorf("after 60/N s: %d", rec.Code)
			}
			checkTooMany(t, send(h, "POST", tc.path, "192.0.2.1:1000", ""), tc.retryAfter)
		})
	}
}

// TestAuthFailures: after AuthFailures failed authentications a minute, a
// client's requests to routes that authenticate are 429 even with the
// right key, until it has recovered one failure's worth; others are served.
func TestAuthFailures(t *testing.T) {
	tests := []struct {
		scenario string
		path     string // fails with 401 or 404 without the good key
	}{
		{"wrong shop keys", "/v1/shop/orders"},
		{"wrong order tokens", "/v1/orders/ord_x"},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			g, clk := newTestGuard(t, Config{AuthFailures: 10})
			h := g.Handler(ok)
			for i := range 10 {
				if rec := send(h, "GET", tc.path, "192.0.2.1:1000", "bad"); rec.Code == http.StatusTooManyRequests {
					t.Fatalf("failure %d already 429", i+1)
				}
			}
			checkTooMany(t, send(h, "GET", tc.path, "192.0.2.1:1000", "bad"), "6")
			checkTooMany(t, send(h, "GET", "/v1/shop/claims", "192.0.2.1:1000", "good"), "6")
			if rec := send(h, "GET", tc.path, "192.0.2.9:1000", "good"); rec.Code != http.StatusOK {
				t.Errorf("another client with the good key: %d", rec.Code)
			}
			clk.advance(6 * time.Second)
			if rec := send(h, "GET", tc.path, "192.0.2.1:1000", "good"); rec.Code != http.StatusOK {
				t.Errorf("after recovering, the good key: %d", rec.Code)
			}
			// Successes cost nothing: the good key again.
			if rec := send(h, "GET", tc.path, "192.0.2.1:1000", "good"); rec.Code != http.StatusOK {
				t.Errorf("the good key twice: %d", rec.Code)
			}
		})
	}
}

// TestClientIdentity: the client is the connection's address, an IPv6
// one by its /64; X-Forwarded-For only counts with TrustProxy, and then
// its last address (the one the proxy appended).
func TestClientIdentity(t *testing.T) {
	tests := []struct {
		scenario   string
		trustProxy bool
		remote     string
		xff        []string
		want       string
	}{
		{"IPv4", false, "198.51.100.7:5555", nil, "198.51.100.7"},
		{"IPv6 by its /64", false, "[2001:db8:1:2:3:4:5:6]:5555", nil, "2001:db8:1:2::/64"},
		{"IPv4-mapped IPv6", false, "[::ffff:198.51.100.7]:5555", nil, "198.51.100.7"},
		{"X-Forwarded-For ignored by default", false, "198.51.100.7:5555", []string{"203.0.113.9"}, "198.51.100.7"},
		{"X-Forwarded-For behind a trusted proxy", true, "10.0.0.1:5555", []string{"203.0.113.9"}, "203.0.113.9"},
		{"a client's own X-Forwarded-For entries before the proxy's", true, "10.0.0.1:5555", []string{"1.1.1.1, 2.2.2.2", "203.0.113.9"}, "203.0.113.9"},
		{"the proxy's entry last in one header", true, "10.0.0.1:5555", []string{"1.1.1.1, 203.0.113.9"}, "203.0.113.9"},
		{"trusted proxy, no header", true, "10.0.0.1:5555", nil, "10.0.0.1"},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			g, _ := newTestGuard(t, Config{TrustProxy: tc.trustProxy})
			req := httptest.NewRequest("GET", "/", nil)
			req.RemoteAddr = tc.remote
			for _, v := range tc.xff {
				req.Header.Add("X-Forwarded-For", v)
			}
			if got := g.clientOf(req); got != tc.want {
				t.Errorf("client %q, want %q", got, tc.want)
			}
			// Behind a trusted proxy the handlers see the client's
			// address as RemoteAddr; otherwise the connection's.
			var seen string
			g.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = r.RemoteAddr })).ServeHTTP(httptest.NewRecorder(), req)
			if host, _, _ := net.SplitHostPort(seen); tc.trustProxy && len(tc.xff) > 0 && host != tc.want {
				t.Errorf("RemoteAddr %q, want the forwarded %q", seen, tc.want)
			} else if !tc.trustProxy && seen != tc.remote {
				t.Errorf("RemoteAddr %q, want the connection's %q", seen, tc.remote)
			}
		})
	}
}

// TestClientTableIsBounded: the table of limiters holds at most
// MaxClients, dropping clients that have recovered first.
func TestClientTableIsBounded(t *testing.T) {
	g, clk := newTestGuard(t, Config{MaxClients: 3, Orders: 1})
	h := g.Handler(ok)
	send(h, "POST", "/v1/orders", "192.0.2.1:1", "")
	for i := range 20 {
		send(h, "POST", "/v1/orders", "198.51.100."+string(rune('0'+i%10))+string(rune('0'+i/10))+":1", "")
		if n := len(g.clients); n > 3 {
			t.Fatalf("%d clients kept, want at most 3", n)
		}
	}
	clk.advance(time.Minute)
	send(h, "POST", "/v1/orders", "192.0.2.200:1", "")
	if n := len(g.clients); n != 1 {
		t.Errorf("%d clients kept after all recovered, want 1", n)
	}
}

// TestSlowBodyIsCutOff: on a real connection, a JSON body sent a byte at a
// time is cut off after BodyTimeout, an upload's after ReadTimeout, well
// before the client would have finished.
func TestSlowBodyIsCutOff(t *testing.T) {
	cfg := Config{BodyTimeout: 200 * time.Millisecond, ReadTimeout: time.Second, WriteTimeout: 2 * time.Second}
	g, err := New(cfg, nil, testRoutes)
	if err != nil {
		t.Fatal(err)
	}
	srv := cfg.Server(g.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusOK)
	})))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	tests := []struct {
		scenario string
		path     string
		cutAfter time.Duration // at the earliest
		cutBy    time.Duration // at the latest
	}{
		{"JSON body", "/v1/orders", 150 * time.Millisecond, 800 * time.Millisecond},
		{"upload", "/v1/uploads", 900 * time.Millisecond, 1800 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			conn, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			start := time.Now()
			// 40 bytes at one every 100 ms would take 4 s.
			if _, err := io.WriteString(conn, "POST "+tc.path+" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n"); err != nil {
				t.Fatal(err)
			}
			done := make(chan time.Duration, 1)
			go func() {
				io.Copy(io.Discard, conn) // until the server answers and closes
				done <- time.Since(start)
			}()
			for range 40 {
				select {
				case d := <-done:
					if d < tc.cutAfter || d > tc.cutBy {
						t.Errorf("cut off after %s, want %s–%s", d, tc.cutAfter, tc.cutBy)
					}
					return
				case <-time.After(100 * time.Millisecond):
					conn.Write([]byte("x"))
				}
			}
			t.Fatalf("the whole body was read in %s; the slow client was not cut off", time.Since(start))
		})
	}
}

// TestConfigValidate: out-of-range settings are refused, each naming its
// field; zero values are the defaults.
func TestConfigValidate(t *testing.T) {
	tests := []struct {
		scenario string
		cfg      Config
		fields   []string
	}{
		{"defaults", Config{}, nil},
		{"negative rate", Config{Uploads: -1}, []string{"Uploads"}},
		{"rate over the cap", Config{AuthFailures: MaxPerMinute + 1}, []string{"AuthFailures"}},
		{"body timeout over the read timeout", Config{BodyTimeout: time.Hour}, []string{"BodyTimeout"}},
		{"write timeout under the read timeout", Config{ReadTimeout: 10 * time.Minute, WriteTimeout: time.Minute}, []string{"WriteTimeout"}},
		{"idle timeout too short", Config{IdleTimeout: time.Millisecond}, []string{"IdleTimeout"}},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			err := tc.cfg.Validate()
			var got []string
			for _, e := range oshigoods.ConfigErrors(err) {
				got = append(got, e.Field)
			}
			if strings.Join(got, ",") != strings.Join(tc.fields, ",") {
				t.Errorf("fields %v, want %v (%v)", got, tc.fields, err)
			}
		})
	}
}
