package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"oshigoods/internal/testenv"
)

// checkoutResp is the money side of an order view.
type checkoutResp struct {
	orderResp
	Totals struct {
		Items, Shipping, Total, Tax int64
		Currency                    string
	} `json:"totals"`
	Payment struct {
		Mode, Status string
		Amount       int64
		DueAt        time.Time `json:"due_at"`
		Bank         *struct {
			Bank, Branch, Number, Holder string
			AccountType                  string `json:"account_type"`
		} `json:"bank"`
	} `json:"payment"`
	ShippingAddress map[string]string `json:"shipping_address"`
}

// bankEnv is the embedded default taking bank transfers, with an operator
// key for the admin API.
func bankEnv(t *testing.T) map[string]string {
	return map[string]string{
		"OSHIGOODS_DATA_DIR":            t.TempDir(),
		"OSHIGOODS_PAYMENT":             "bank_transfer",
		"OSHIGOODS_BANK_NAME":           "ゆうちょ銀行",
		"OSHIGOODS_BANK_BRANCH":         "〇一八",
		"OSHIGOODS_BANK_ACCOUNT_NUMBER": "1234567",
		"OSHIGOODS_BANK_ACCOUNT_HOLDER": "ヒカリグッズ",
		"OSHIGOODS_ADMIN_KEY":           "operator-key-0123456789",
	}
}

// TestBankTransferOrder: with OSHIGOODS_PAYMENT=bank_transfer on the
// embedded default, a card order with an address waits unrendered
// (awaiting_payment, with the account, amount and deadline) until the
// operator runs `oshigoods orders mark-paid`, then reaches ready; the
// admin API does the same for a second order, and refuses without the key.
func TestBankTransferOrder(t *testing.T) {
	env := bankEnv(t)
	srv := startServe(t, env)

	var o checkoutResp
	if code := call(t, "POST", srv.base+"/v1/orders", "", nil, cardOrder("さくら"), &o); code != 201 {
		t.Fatalf("order: %d %+v", code, o)
	}
	if o.Status != "awaiting_payment" || o.Payment.Status != "pending" || o.Payment.Mode != "bank_transfer" {
		t.Fatalf("new order: status %s, payment %+v; want awaiting_payment, pending bank_transfer", o.Status, o.Payment)
	}
	// Two cards at 880 yen and ネコポス: the server's totals.
	if o.Totals.Items != 1760 || o.Totals.Shipping != 300 || o.Totals.Total != 2060 || o.Totals.Tax != 187 || o.Payment.Amount != 2060 {
		t.Fatalf("totals %+v, payment amount %d", o.Totals, o.Payment.Amount)
	}
	if o.Payment.Bank == nil || o.Payment.Bank.Number != "1234567" || o.Payment.Bank.AccountType != "普通" || o.Payment.DueAt.IsZero() {
		t.Fatalf("payment without the account or deadline: %+v", o.Payment)
	}
	if o.ShippingAddress["postal_code"] != "100-0001" || o.ShippingAddress["phone"] != "09012345678" {
		t.Fatalf("shipping address as stored: %v", o.ShippingAddress)
	}

	// The reconciler runs every 200 ms with a 500 ms stale limit here: an
	// unpaid order it would have queued by now is still waiting.
	time.Sleep(2 * time.Second)
	var still checkoutResp
	call(t, "GET", srv.base+"/v1/orders/"+o.ID, o.Token, nil, nil, &still)
	if still.Status != "awaiting_payment" || still.Items[0].Status != "awaiting_payment" || len(still.Items[0].Files) != 0 {
		t.Fatalf("unpaid order moved on: %s, item %s, %d files", still.Status, still.Items[0].Status, len(still.Items[0].Files))
	}

	// The operator confirms the transfer from the command line.
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"orders", "mark-paid", "--reference", "12/06 ヤマダ ハナコ", o.ID}, getenvFrom(env), &out, &errb); err != nil {
		t.Fatalf("orders mark-paid: %v\n%s", err, errb.String())
	}
	if !strings.Contains(out.String(), o.ID) || !strings.Contains(out.String(), "paid") {
		t.Fatalf("mark-paid printed %q", out.String())
	}
	ready := waitStatus(t, srv.base, o.ID, o.Token, "ready")
	if len(ready.Items[0].Files) == 0 {
		t.Fatal("ready without files")
	}
	var paid checkoutResp
	call(t, "GET", srv.base+"/v1/orders/"+o.ID, o.Token, nil, nil, &paid)
	if paid.Payment.Status != "paid" || paid.Payment.Bank != nil {
		t.Fatalf("after mark-paid: payment %+v; want paid, no account shown", paid.Payment)
	}
	// Again: a no-op, not an error.
	if err := run(context.Background(), []string{"orders", "mark-paid", o.ID}, getenvFrom(env), &out, &errb); err != nil {
		t.Fatalf("orders mark-paid again: %v\n%s", err, errb.String())
	}

	// The admin API: a second order, paid by the operator's call.
	var o2 checkoutResp
	if code := call(t, "POST", srv.base+"/v1/orders", "", nil, cardOrder("みゆ"), &o2); code != 201 {
		t.Fatalf("second order: %d", code)
	}
	var e apiError
	if code := call(t, "POST", srv.base+"/v1/admin/orders/"+o2.ID+"/mark-paid", "wrong-key-0123456789", nil, nil, &e); code != 401 {
		t.Fatalf("mark-paid with a wrong key: %d %+v; want 401", code, e)
	}
	if code := call(t, "POST", srv.base+"/v1/admin/orders/"+o2.ID+"/mark-paid", o2.Token, nil, nil, &e); code != 401 {
		t.Fatalf("mark-paid with the fan's token: %d; want 401", code)
	}
	if code := call(t, "POST", srv.base+"/v1/admin/orders/ord_nothere/mark-paid", env["OSHIGOODS_ADMIN_KEY"], nil, nil, &e); code != 404 {
		t.Fatalf("mark-paid of no order: %d; want 404", code)
	}
	var viaAPI checkoutResp
	if code := call(t, "POST", srv.base+"/v1/admin/orders/"+o2.ID+"/mark-paid", env["OSHIGOODS_ADMIN_KEY"], nil, map[string]string{"reference": "振込 12/06"}, &viaAPI); code != 200 || viaAPI.Payment.Status != "paid" {
		t.Fatalf("admin mark-paid: %d %+v", code, viaAPI.Payment)
	}
	waitStatus(t, srv.base, o2.ID, o2.Token, "ready")

	// A voice-only order needs no address, and waits for payment too.
	var v checkoutResp
	voice := map[string]any{"customer": map[string]string{"name": "推し活 花子", "email": "hanako@example.com"}, "terms_accepted": true,
		"items": []map[string]any{{"template": "voice-alarm-morning", "fields": map[string]string{"name": "sakura", "lines": "ohayou", "repeat": "1", "preset": "phone"}}}}
	if code := call(t, "POST", srv.base+"/v1/orders", "", nil, voice, &v); code != 201 || v.Status != "awaiting_payment" || v.ShippingAddress != nil || v.Totals.Shipping != 0 || v.Totals.Total != 660 {
		t.Fatalf("voice-only order: %d %+v", code, v)
	}
}

// TestAdminAPIWithoutKey: with no operator key configured the admin API
// answers 401 like a wrong key, so an answer never tells whether one
// exists.
func TestAdminAPIWithoutKey(t *testing.T) {
	srv := startServe(t, map[string]string{"OSHIGOODS_DATA_DIR": t.TempDir()})
	var e apiError
	if code := call(t, "POST", srv.base+"/v1/admin/orders/ord_x/mark-paid", "", nil, nil, &e); code != 401 || e.Error.Code != "unauthorized" {
		t.Fatalf("admin API without a key configured: %d %+v; want 401", code, e)
	}
}

// TestQuoteAndOptions: the storefront's cart asks the server for totals;
// the client never sends a price.
func TestQuoteAndOptions(t *testing.T) {
	srv := startServe(t, map[string]string{"OSHIGOODS_DATA_DIR": t.TempDir(),
		"OSHIGOODS_SHIPPING": `[{"id":"clickpost","name":"クリックポスト","carrier":"japanpost","fee":185,"free_from":3000}]`})
	var opts struct {
		Payment         string
		ShippingMethods []struct {
			ID  string
			Fee int64
		} `json:"shipping_methods"`
	}
	if code := call(t, "GET", srv.base+"/v1/checkout-options", "", nil, nil, &opts); code != 200 || opts.Payment != "none" ||
		len(opts.ShippingMethods) != 1 || opts.ShippingMethods[0].ID != "clickpost" {
		t.Fatalf("checkout options: %d %+v", code, opts)
	}
	var q struct {
		Totals struct{ Items, Shipping, Total, Tax int64 }
	}
	body := map[string]any{"items": []map[string]any{{"template": "card-letter-yoko", "quantity": 1}, {"template": "photo-2shot-l", "quantity": 1}}}
	if code := call(t, "POST", srv.base+"/v1/quotes", "", nil, body, &q); code != 200 || q.Totals.Items != 2080 || q.Totals.Shipping != 185 || q.Totals.Total != 2265 || q.Totals.Tax != 205 {
		t.Fatalf("quote: %d %+v", code, q)
	}
	body["items"] = []map[string]any{{"template": "photo-2shot-l", "quantity": 3}}
	if code := call(t, "POST", srv.base+"/v1/quotes", "", nil, body, &q); code != 200 || q.Totals.Shipping != 0 || q.Totals.Total != 3600 {
		t.Fatalf("quote over the free threshold: %d %+v", code, q)
	}
	var e apiError
	body["price"] = 1
	if code := call(t, "POST", srv.base+"/v1/quotes", "", nil, body, &e); code != 400 || e.Error.Field != "price" {
		t.Fatalf("a quote with a price from the client: %d %+v; want 400 naming price", code, e)
	}
	var addr struct {
		PostalCode string `json:"postal_code"`
		Addresses  []struct{ Prefecture, City, Town string }
	}
	if code := call(t, "GET", srv.base+"/v1/postal-codes/1000001", "", nil, nil, &addr); code != 200 || addr.PostalCode != "100-0001" ||
		len(addr.Addresses) == 0 || addr.Addresses[0].Prefecture != "東京都" || addr.Addresses[0].City != "千代田区" {
		t.Fatalf("postal code: %d %+v", code, addr)
	}
	if code := call(t, "GET", srv.base+"/v1/postal-codes/0000000", "", nil, nil, &e); code != 404 {
		t.Fatalf("unknown postal code: %d", code)
	}
	if code := call(t, "GET", srv.base+"/v1/postal-codes/12345", "", nil, nil, &e); code != 422 {
		t.Fatalf("malformed postal code: %d", code)
	}
	// An address whose prefecture the postal code is not in is refused.
	order := testenv.Checkout(map[string]any{"customer": map[string]string{"name": "A", "email": "a@example.com"},
		"items":            []map[string]any{{"template": "card-letter-yoko", "fields": map[string]string{"to": "さくら"}}},
		"shipping_address": map[string]string{"postal_code": "100-0001", "prefecture": "大阪府", "city": "大阪市北区", "line1": "梅田1-1", "name": "A", "phone": "0612345678"}})
	if code := call(t, "POST", srv.base+"/v1/orders", "", nil, order, &e); code != 422 || e.Error.Field != "shipping_address.prefecture" {
		t.Fatalf("mismatched prefecture: %d %+v", code, e)
	}
}
