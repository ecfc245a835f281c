package stripepay

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"oshigoods"
	"oshigoods/internal/testenv"
	"oshigoods/orders"
)

const (
	testKey    = "sk_test_oshigoods"
	testSecret = "whsec_oshigoodstest"
)

// sent is one request that reached stripe-mock.
type sent struct {
	path           string
	idempotencyKey string
	form           url.Values
}

// recorder is a loopback proxy in front of stripe-mock that keeps what
// the provider sends.
type recorder struct {
	mu   sync.Mutex
	reqs []sent
}

func (r *recorder) all() []sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]sent(nil), r.reqs...)
}

// mockProvider returns a Provider talking to stripe-mock through a
// recorder; edit changes the Config first.
func mockProvider(t *testing.T, edit func(*Config)) (*Provider, *recorder) {
	t.Helper()
	target, _ := url.Parse(testenv.StripeMock(t))
	rec := &recorder{}
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		form, _ := url.ParseQuery(string(body))
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, sent{r.URL.Path, r.Header.Get("Idempotency-Key"), form})
		rec.mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	cfg := Config{SecretKey: testKey, WebhookSecret: testSecret, APIBase: srv.URL}
	if edit != nil {
		edit(&cfg)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p, rec
}

// checkoutRequest is a request for an order of lines plus shipping, as
// orders.Service.openCheckout makes it.
func checkoutRequest(id string, shipping orders.Yen, lines ...orders.CheckoutLine) orders.CheckoutRequest {
	o := &orders.Order{ID: id, Customer: orders.Customer{Name: "山田 花子", Email: "hanako@example.com"}}
	for _, l := range lines {
		o.Totals.Items += l.UnitPrice * orders.Yen(l.Quantity)
	}
	o.Totals.Shipping, o.Totals.Total = shipping, o.Totals.Items+shipping
	return orders.CheckoutRequest{
		Order: o, Lines: lines, Shipping: shipping,
		SuccessURL: "http://127.0.0.1:8080/orders/" + id + "?paid=1", CancelURL: "http://127.0.0.1:8080/orders/" + id,
		ExpiresAt: time.Now().Add(2 * time.Hour).Truncate(time.Second).UTC(),
	}
}

var (
	card  = orders.CheckoutLine{Name: "縦書きメッセージカード", UnitPrice: 880, Quantity: 2}
	photo = orders.CheckoutLine{Name: "2ショット写真 L判", UnitPrice: 500, Quantity: 1}
)

func TestStartCheckout(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		methods  []string
		req      orders.CheckoutRequest
		want     map[string]string // form values sent; "" means absent
	}{
		{"card order with shipping", nil, checkoutRequest("ord_ship", 300, card, photo), map[string]string{
			"line_items[0][price_data][unit_amount]":                          "880",
			"line_items[0][quantity]":                                         "2",
			"line_items[0][price_data][product_data][name]":                   "縦書きメッセージカード",
			"line_items[1][price_data][unit_amount]":                          "500",
			"line_items[1][price_data][currency]":                             "jpy",
			"shipping_options[0][shipping_rate_data][type]":                   "fixed_amount",
			"shipping_options[0][shipping_rate_data][display_name]":           "送料",
			"shipping_options[0][shipping_rate_data][fixed_amount][amount]":   "300",
			"shipping_options[0][shipping_rate_data][fixed_amount][currency]": "jpy",
			"payment_method_types[0]":                                         "card",
			"payment_method_types[1]":                                         "",
		}},
		{"free shipping", nil, checkoutRequest("ord_free", 0, card), map[string]string{
			"shipping_options[0][shipping_rate_data][type]": "",
			"line_items[1][quantity]":                       "",
		}},
		{"card and konbini", []string{"card", "konbini"}, checkoutRequest("ord_konbini", 300, photo), map[string]string{
			"payment_method_types[0]": "card",
			"payment_method_types[1]": "konbini",
		}},
		{"methods from the Dashboard", []string{MethodsFromDashboard}, checkoutRequest("ord_dash", 300, photo), map[string]string{
			"payment_method_types[0]": "",
		}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			p, rec := mockProvider(t, func(c *Config) { c.PaymentMethods = tc.methods })
			c, err := p.StartCheckout(context.Background(), tc.req)
			if err != nil {
				t.Fatalf("StartCheckout: %v", err)
			}
			if !strings.HasPrefix(c.Reference, "cs_") || !strings.HasPrefix(c.URL, "https://") || !c.ExpiresAt.Equal(tc.req.ExpiresAt) {
				t.Errorf("checkout = %+v; want a cs_ reference, an https URL, expiry %s", c, tc.req.ExpiresAt)
			}
			reqs := rec.all()
			if len(reqs) != 1 || reqs[0].path != "/v1/checkout/sessions" {
				t.Fatalf("requests = %+v; want one POST /v1/checkout/sessions", reqs)
			}
			id, form := tc.req.Order.ID, reqs[0].form
			want := map[string]string{
				"mode": "payment", "currency": "jpy", "locale": "ja",
				"client_reference_id": id, "metadata[order_id]": id, "payment_intent_data[metadata][order_id]": id,
				"customer_email": "hanako@example.com",
				"success_url":    tc.req.SuccessURL, "cancel_url": tc.req.CancelURL,
				"expires_at": strconv.FormatInt(tc.req.ExpiresAt.Unix(), 10),
			}
			for k, v := range tc.want {
				want[k] = v
			}
			for k, v := range want {
				if got := form.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if got, want := reqs[0].idempotencyKey, IdempotencyKey(id, tc.req.Order.Totals.Total); got != want {
				t.Errorf("Idempotency-Key = %q, want %q", got, want)
			}
		})
	}
}

// TestStartCheckoutIdempotencyKey: opening the same order at the same
// amount again sends the same key, so Stripe answers with the first
// session; another amount or order is another key.
func TestStartCheckoutIdempotencyKey(t *testing.T) {
	p, rec := mockProvider(t, nil)
	ctx := context.Background()
	for _, req := range []orders.CheckoutRequest{
		checkoutRequest("ord_a", 300, card),
		checkoutRequest("ord_a", 300, card),
		checkoutRequest("ord_a", 0, card),
		checkoutRequest("ord_b", 300, card),
	} {
		if _, err := p.StartCheckout(ctx, req); err != nil {
			t.Fatalf("StartCheckout %s: %v", req.Order.ID, err)
		}
	}
	reqs := rec.all()
	if len(reqs) != 4 {
		t.Fatalf("sent %d requests, want 4", len(reqs))
	}
	k := func(i int) string { return reqs[i].idempotencyKey }
	if k(0) == "" || k(0) != k(1) {
		t.Errorf("same order and amount: keys %q and %q, want one", k(0), k(1))
	}
	if k(2) == k(0) || k(3) == k(0) || k(2) == k(3) {
		t.Errorf("other amount or order shares a key: %q %q %q", k(0), k(2), k(3))
	}
}

func TestStartCheckoutErrors(t *testing.T) {
	mismatch := checkoutRequest("ord_mismatch", 300, card)
	mismatch.Order.Totals.Total++
	for _, tc := range []struct {
		scenario string
		apiBase  string   // "" is stripe-mock through the recorder
		methods  []string // set past Validate
		req      orders.CheckoutRequest
		sent     int
		code     string
	}{
		{"lines do not add up to the total", "", nil, mismatch, 0, oshigoods.EINTERNAL},
		{"no lines", "", nil, checkoutRequest("ord_empty", 300), 0, oshigoods.EINTERNAL},
		// Validate keeps paypay out because Stripe refuses it: stripe-mock
		// checks parameters against Stripe's OpenAPI spec.
		{"Stripe refuses a parameter", "", []string{"paypay"}, checkoutRequest("ord_paypay", 0, card), 1, oshigoods.EINTERNAL},
		{"Stripe cannot be reached", "http://127.0.0.1:1", nil, checkoutRequest("ord_down", 0, card), 0, oshigoods.EUNAVAILABLE},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			p, rec := mockProvider(t, func(c *Config) {
				if tc.apiBase != "" {
					c.APIBase = tc.apiBase
				}
			})
			if tc.methods != nil {
				p.cfg.PaymentMethods = tc.methods
			}
			_, err := p.StartCheckout(context.Background(), tc.req)
			if err == nil {
				t.Fatal("StartCheckout succeeded")
			}
			if code := oshigoods.ErrorCode(err); code != tc.code {
				t.Errorf("code %s, want %s: %v", code, tc.code, err)
			}
			if strings.Contains(err.Error(), testKey) {
				t.Errorf("error shows the key: %v", err)
			}
			if n := len(rec.all()); n != tc.sent {
				t.Errorf("sent %d requests, want %d", n, tc.sent)
			}
		})
	}
}

func TestName(t *testing.T) {
	p, err := New(Config{SecretKey: testKey, WebhookSecret: testSecret, APIBase: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Name() != "stripe" {
		t.Errorf("Name() = %q", p.Name())
	}
	if _, err := New(Config{}); len(oshigoods.ConfigErrors(err)) != 2 {
		t.Errorf("New(Config{}) = %v; want the two missing secrets", err)
	}
}
