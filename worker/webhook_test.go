package worker_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"oshigoods/orders"
	"oshigoods/worker"
)

// countingListener is a loopback listener that counts the connections it
// accepts and closes them; a refused address must leave it at zero.
func countingListener(t *testing.T) (addr string, accepted *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	accepted = new(atomic.Int64)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	return ln.Addr().String(), accepted
}

func delivery(url string) *orders.Delivery {
	return &orders.Delivery{
		Event:    &orders.Event{ID: "evt_1", Type: orders.EventOrderReady, OrderID: "ord_1", Sequence: 1},
		Endpoint: &orders.WebhookEndpoint{ID: "whk_1", URL: url, Secret: orders.NewWebhookSecret()},
	}
}

func TestSendWebhookRefusesUnlistedAddresses(t *testing.T) {
	target, accepted := countingListener(t)
	allowed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A redirect to the unlisted listener must not be followed.
		http.Redirect(w, r, "http://"+target+"/hook", http.StatusFound)
	}))
	defer allowed.Close()
	policy := orders.WebhookPolicy{AllowHTTP: true, AllowAddrs: []netip.AddrPort{netip.MustParseAddrPort(allowed.Listener.Addr().String())}}
	d := &worker.Deliverer{Service: &orders.Service{Webhooks: policy}}
	for _, tc := range []struct {
		scenario string
		url      string
		refused  bool
	}{
		{"loopback not on the allow-list", "http://" + target + "/hook", true},
		{"localhost resolved to it", "http://localhost:" + strings.Split(target, ":")[1] + "/hook", true},
		{"a redirect to it is an answer, not followed", allowed.URL + "/hook", false},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			code, err := d.SendWebhook(t.Context(), delivery(tc.url), []byte(`{}`), time.Now())
			if err == nil {
				t.Fatalf("SendWebhook: %d, nil error", code)
			}
			if tc.refused && (!errors.Is(err, orders.ErrAddressRefused) || err.Error() != "refused: address not allowed") {
				t.Errorf("error %q, want only %q", err, orders.ErrAddressRefused)
			}
			if !tc.refused && code != http.StatusFound {
				t.Errorf("status %d (%v), want the 302 itself", code, err)
			}
		})
	}
	if n := accepted.Load(); n != 0 {
		t.Fatalf("the unlisted listener accepted %d connections, want 0", n)
	} // The listener does count: a direct connection is seen.
	c, err := net.Dial("tcp", target)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	for deadline := time.Now().Add(5 * time.Second); accepted.Load() == 0 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	if n := accepted.Load(); n != 1 {
		t.Fatalf("the listener counted %d connections after one direct dial, want 1", n)
	}
}

// TestSendWebhookHeaders checks a delivery to an allow-listed loopback
// receiver with the Standard Webhooks rule itself (the base64 after
// whsec_ as key, HMAC-SHA256 of "id.timestamp.body"), and that the
// deprecated header is still sent.
func TestSendWebhookHeaders(t *testing.T) {
	var got http.Header
	var body []byte
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		body = make([]byte, r.ContentLength)
		r.Body.Read(body)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer rc.Close()
	policy := orders.WebhookPolicy{AllowHTTP: true, AllowPrefixes: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
	d := delivery(rc.URL + "/hook")
	code, err := (&worker.Deliverer{Service: &orders.Service{Webhooks: policy}}).SendWebhook(t.Context(), d, []byte(`{"id":"evt_1"}`), time.Now())
	if err != nil || code != http.StatusNoContent {
		t.Fatalf("SendWebhook: %d, %v", code, err)
	}
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(d.Endpoint.Secret, "whsec_"))
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(got.Get("webhook-id") + "." + got.Get("webhook-timestamp") + "." + string(body)))
	if want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)); got.Get("webhook-signature") != want || got.Get("webhook-id") != "evt_1" {
		t.Errorf("webhook-id %q, webhook-signature %q, want evt_1, %q", got.Get("webhook-id"), got.Get("webhook-signature"), want)
	}
	if !orders.VerifyWebhook(d.Endpoint.Secret, got.Get(orders.HeaderSignature), body, time.Now(), time.Minute) {
		t.Errorf("deprecated %s missing or wrong: %q", orders.HeaderSignature, got.Get(orders.HeaderSignature))
	}
}
