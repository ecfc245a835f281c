package main

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// s3Outage is a proxy in front of an S3 server that refuses writes with
// 503 while down, as an S3 outage does.
func s3Outage(t *testing.T, endpoint string) (proxyURL string, down *atomic.Bool) {
	t.Helper()
	target, err := url.Parse(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	down = &atomic.Bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && down.Load() {
			http.Error(w, "<Error><Code>ServiceUnavailable</Code></Error>", http.StatusServiceUnavailable)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, down
}

// TestStorefrontDelayed: while S3 refuses the rendered files, the fan's
// order page says 「混み合っています。しばらくお待ちください」, for the order and
// the item, instead of a silent 制作中; once S3 is back, the render's retry
// stores them and the page shows the card ready.
func TestStorefrontDelayed(t *testing.T) {
	chromium := chromiumPath(t)
	env := backends[1].env(t)
	endpoint, down := s3Outage(t, env["OSHIGOODS_S3_ENDPOINT"])
	env["OSHIGOODS_S3_ENDPOINT"] = endpoint
	env["OSHIGOODS_RENDER_RETRY"] = "1s" // retried after 1, 2, 4, 8 and 16 s
	srv := startServe(t, env)
	f := newFan(t, chromium)
	f.do("open the shop", 20*time.Second, viewport(375), chromedp.Navigate(srv.base+"/"), chromedp.WaitVisible(chromedp.CSS(".catalog")))

	down.Store(true)
	var o orderResp
	if code := call(t, "POST", srv.base+"/v1/orders", "", nil, cardOrder("さくら"), &o); code != 201 {
		t.Fatalf("order: %d", code)
	}
	f.do("open the order page", 20*time.Second, chromedp.Navigate(srv.base+"/orders/"+o.ID+"#t="+o.Token))
	const delayed = "混み合っています。しばらくお待ちください"
	f.waitFor("the delay said", `document.getElementById('order-status').dataset.delayed === 'true'`, 60*time.Second)
	if got := f.eval(`document.getElementById('order-status').textContent + '|' + document.querySelector('.item .pill').textContent`); got != delayed+"。|"+delayed {
		t.Errorf("during the outage the page says %q; want %q for the order and the item", got, delayed)
	}
	f.shoot("d1-order-delayed")

	down.Store(false)
	f.waitFor("the card ready", `document.getElementById('order').dataset.status === 'ready'`, 60*time.Second)
	if got := f.eval(`document.getElementById('order-status').dataset.delayed + '|' + document.querySelector('.item .pill').textContent`); got != "false|完成" {
		t.Errorf("after the outage the page says %q; want no delay, the card 完成", got)
	}
	f.shoot("d2-order-ready")
	f.checkConsole()
}
