package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"oshigoods/orders"
)

// hangingReceiver holds every request until release is closed, and keeps
// how many are in flight and the order things happened in.
type hangingReceiver struct {
	release chan struct{}
	arrived chan string
	mu      sync.Mutex
	log     []string
	ended   int // requests that returned: released, or given up by the sender
}

func (h *hangingReceiver) note(s string, end bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.log = append(h.log, s)
	if end {
		h.ended++
	}
}

// status returns how many requests have ended, and the log.
func (h *hangingReceiver) status() (int, []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ended, append([]string(nil), h.log...)
}

func (h *hangingReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Reading the body lets the server see the sender hang up (its
	// context ends then), so a delivery given up is noted as ended.
	io.Copy(io.Discard, r.Body)
	h.note("arrive "+r.URL.Path, false)
	h.arrived <- r.URL.Path
	select {
	case <-h.release:
		h.note("released "+r.URL.Path, true)
	case <-r.Context().Done():
		h.note("gave up "+r.URL.Path, true)
	}
	w.WriteHeader(http.StatusNoContent)
}

// TestWebhookEndpoints: registration refuses internal addresses with a 422
// naming url and no packet sent; a shop has at most 10 endpoints, deletes
// and rotates its own only; and deliveries to two endpoints that hang do
// not delay a render: a second order is rendered while both are in flight.
func TestWebhookEndpoints(t *testing.T) {
	refusedAddr, accepted := func() (string, *atomic.Int64) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		n := new(atomic.Int64)
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				n.Add(1)
				c.Close()
			}
		}()
		return ln.Addr().String(), n
	}()
	_, refusedPort, _ := net.SplitHostPort(refusedAddr)

	rc := &hangingReceiver{release: make(chan struct{}), arrived: make(chan string, 16)}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	defer close(rc.release)

	env := backends[0].env(t) // embedded
	env["OSHIGOODS_WEBHOOK_ALLOW"] = hook.Listener.Addr().String()
	env["OSHIGOODS_WEBHOOK_ALLOW_HTTP"] = "true"
	env["OSHIGOODS_CONCURRENCY"] = "2"
	env["OSHIGOODS_WEBHOOK_CONCURRENCY"] = "4"
	srv := startServe(t, env)
	base := srv.base
	key := createShopKey(t, env)
	other := createShopKey(t, env)

	register := func(url string) (int, map[string]any, apiError) {
		var out map[string]any
		code := call(t, "POST", base+"/v1/shop/webhooks", key, nil, map[string]string{"url": url}, &out)
		var e apiError
		if errObj, ok := out["error"].(map[string]any); ok {
			e.Error.Code, _ = errObj["code"].(string)
			e.Error.Field, _ = errObj["field"].(string)
			e.Error.Message, _ = errObj["message"].(string)
		}
		return code, out, e
	}
	for _, url := range []string{
		"http://" + refusedAddr + "/hook",
		"http://localhost:" + refusedPort + "/hook",
		"http://[::1]:" + refusedPort + "/hook",
		"http://0.0.0.0:" + refusedPort + "/hook",
		"http://169.254.169.254/latest/meta-data",
		"http://10.0.0.1/hook",
		"ftp://shop.example/hook",
	} {
		if code, _, e := register(url); code != http.StatusUnprocessableEntity || e.Error.Field != "url" {
			t.Errorf("register %s: %d %+v, want 422 naming url", url, code, e)
		}
	}
	if n := accepted.Load(); n != 0 {
		t.Fatalf("refused registrations opened %d connections", n)
	}

	var ids []string
	for i := range 10 {
		code, out, e := register(hook.URL + "/hook" + string(rune('a'+i)))
		if secret, _ := out["secret"].(string); code != http.StatusCreated || !strings.HasPrefix(secret, "whsec_") {
			t.Fatalf("register endpoint %d: %d %+v %+v", i+1, code, out, e)
		}
		ids = append(ids, out["id"].(string))
		// Every event an order's status change writes is delivered to
		// the shop's endpoints, and the registration lists them all.
		events := fmt.Sprint(out["events"])
		for _, st := range orders.Statuses {
			if typ := orders.EventType(st); typ != "" && !strings.Contains(events, typ) {
				t.Fatalf("endpoint registered with events %s, without %s", events, typ)
			}
		}
	}
	if code, _, e := register(hook.URL + "/eleventh"); code != http.StatusUnprocessableEntity || e.Error.Field != "url" {
		t.Fatalf("11th endpoint: %d %+v, want 422 naming url", code, e)
	}
	if code := call(t, "DELETE", base+"/v1/shop/webhooks/"+ids[9], other, nil, nil, nil); code != http.StatusNotFound {
		t.Errorf("another shop deletes: %d, want 404", code)
	}
	if code := call(t, "POST", base+"/v1/shop/webhooks/"+ids[0]+"/rotate", other, nil, nil, nil); code != http.StatusNotFound {
		t.Errorf("another shop rotates: %d, want 404", code)
	}
	for _, id := range ids[2:] { // keep two endpoints, both hanging
		if code := call(t, "DELETE", base+"/v1/shop/webhooks/"+id, key, nil, nil, nil); code != http.StatusNoContent {
			t.Fatalf("delete %s: %d, want 204", id, code)
		}
	}
	if code := call(t, "DELETE", base+"/v1/shop/webhooks/"+ids[2], key, nil, nil, nil); code != http.StatusNotFound {
		t.Errorf("delete twice: %d, want 404", code)
	}
	var rot struct{ ID, Secret string }
	if code := call(t, "POST", base+"/v1/shop/webhooks/"+ids[0]+"/rotate", key, nil, nil, &rot); code != http.StatusOK || rot.ID != ids[0] || !strings.HasPrefix(rot.Secret, "whsec_") {
		t.Fatalf("rotate: %d %+v", code, rot)
	}
	var list struct{ Webhooks []struct{ ID string } }
	if call(t, "GET", base+"/v1/shop/webhooks", key, nil, nil, &list); len(list.Webhooks) != 2 {
		t.Fatalf("endpoints after deletes: %+v, want 2", list)
	}

	// The first order's ready event goes to both endpoints, which hang.
	place := func(to string) orderResp {
		var o orderResp
		if code := call(t, "POST", base+"/v1/orders", "", nil, cardOrder(to), &o); code != http.StatusCreated {
			t.Fatalf("order: %d %+v", code, o)
		}
		return o
	}
	first := place("一通目")
	waitStatus(t, base, first.ID, first.Token, "ready")
	for range 2 {
		select {
		case <-rc.arrived:
		case <-time.After(60 * time.Second):
			_, log := rc.status()
			t.Fatalf("deliveries did not arrive; receiver log %v\n%s", log, srv.logs)
		}
	}
	// While both still hold their delivery slots (no request has ended:
	// the receiver releases none, and the sender gives up only after its
	// request timeout), a second order renders.
	second := place("二通目")
	waitStatus(t, base, second.ID, second.Token, "ready")
	if ended, log := rc.status(); ended != 0 {
		t.Fatalf("second order ready only after %d hanging deliveries ended, want while both were in flight (log %v)", ended, log)
	}
}
