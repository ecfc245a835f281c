package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"oshigoods/internal/testenv"
	"oshigoods/orders"
	"oshigoods/orders/api"
	"oshigoods/orders/sqlstore"
	"oshigoods/render"
	"oshigoods/templates"
)

// testAPI is the API over a SQLite store, with the service and the store
// at hand for what a test sets up behind the API's back (a shop key, a
// rendered item).
type testAPI struct {
	base  string
	svc   *orders.Service
	store *sqlstore.Store
}

// startAPI serves the API as newAPI does, keeping the service and store.
func startAPI(t *testing.T) *testAPI {
	t.Helper()
	ctx := context.Background()
	store, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "oshigoods.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	catalog, err := templates.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	profile, _ := render.LookupProfile("")
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := &orders.Service{Store: store, Queue: nopQueue{}, Files: testenv.NewMemFiles(),
		Catalog: catalog, Logger: logger, Secret: []byte("test"), Profile: profile}
	srv := httptest.NewServer(api.New(svc, logger, nil))
	t.Cleanup(srv.Close)
	return &testAPI{base: srv.URL, svc: svc, store: store}
}

// storedOrders counts the stored orders of photos or cards that wait for
// a shop (the test makes no shop key).
func (a *testAPI) storedOrders(t *testing.T) int {
	t.Helper()
	list, err := a.store.UnroutedOrders(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	return len(list)
}

// cardOrderBody is an order of one letter card.
func cardOrderBody(name, email, to, message string) map[string]any {
	fields := map[string]string{"to": to}
	if message != "" {
		fields["message"] = message
	}
	return testenv.Checkout(map[string]any{
		"customer": map[string]string{"name": name, "email": email},
		"items":    []map[string]any{{"template": "card-letter-tate", "fields": fields}},
	})
}

// TestOrderRefusesControlCharacters: a name, an e-mail or a single-line text
// field holding a control character (C0, DEL, C1, tab, newline) or a
// Unicode bidi override or isolate, which can disguise text in a
// spreadsheet or on a card, is refused with a 422 naming the field and the
// character, and nothing is stored; a letter's message keeps its newlines.
func TestOrderRefusesControlCharacters(t *testing.T) {
	a := startAPI(t)
	const name, email, to = "推し活 花子", "hanako@example.com", "さくら"
	tests := []struct {
		scenario            string
		name, email         string
		to, message         string
		wantField, wantRune string // "" wantField: accepted
	}{
		{"NUL in the name", "花子\x00", email, to, "", "customer.name", "U+0000"},
		{"escape sequence in the name", "\x1b[31m花子", email, to, "", "customer.name", "U+001B"},
		{"DEL in the name", "花\x7f子", email, to, "", "customer.name", "U+007F"},
		{"C1 control in the name", "花\u0085子", email, to, "", "customer.name", "U+0085"},
		{"tab in the name", "花子\tさま", email, to, "", "customer.name", "U+0009"},
		{"tab leading the name", "\t=1+1", email, to, "", "customer.name", "U+0009"},
		{"newline in the name", "花子\nさま", email, to, "", "customer.name", "U+000A"},
		{"right-to-left override in the name", "\u202eこなは", email, to, "", "customer.name", "U+202E"},
		{"bidi isolate in the name", "花子\u2066x\u2069", email, to, "", "customer.name", "U+2066"},
		{"right-to-left override in the e-mail", name, "hanako\u202e@example.com", to, "", "customer.email", "U+202E"},
		{"tab in the e-mail", name, "hanako@example.com\t", to, "", "customer.email", "U+0009"},
		{"right-to-left override in a text field", name, email, "\u202eらくさ", "", "items[0].fields.to", "U+202E"},
		{"tab in a text field", name, email, "さ\tくら", "", "items[0].fields.to", "U+0009"},
		{"newline in a single-line text field", name, email, "さ\nくら", "", "items[0].fields.to", "U+000A"},
		{"escape in a message", name, email, to, "ありがとう\x1b", "items[0].fields.message", "U+001B"},
		{"carriage return in a message", name, email, to, "ありがとう\r\nまたね", "items[0].fields.message", "U+000D"},
		{"left-to-right embedding in a message", name, email, to, "ありがとう\u202aまたね", "items[0].fields.message", "U+202A"},
		{"pop directional isolate in a message", name, email, to, "ありがとう\u2069", "items[0].fields.message", "U+2069"},

		{"message with newlines accepted", name, email, to, "ありがとう。\nまたね。\n", "", ""},
		{"name with an emoji sequence accepted", "花子👩‍👧", email, to, "", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			before := a.storedOrders(t)
			res, body := postJSON(t, a.base+"/v1/orders", cardOrderBody(tc.name, tc.email, tc.to, tc.message))
			if tc.wantField == "" {
				if res.StatusCode != http.StatusCreated {
					t.Fatalf("order: %d %s, want 201", res.StatusCode, body)
				}
				if after := a.storedOrders(t); after != before+1 {
					t.Errorf("%d orders stored, want %d", after, before+1)
				}
				return
			}
			var e struct {
				Error struct{ Code, Message, Field string }
			}
			json.Unmarshal(body, &e)
			if res.StatusCode != http.StatusUnprocessableEntity || e.Error.Field != tc.wantField {
				t.Fatalf("order: %d %s, want 422 naming %s", res.StatusCode, body, tc.wantField)
			}
			// A template's message names its own field ("to"), the
			// error's field the request's ("items[0].fields.to").
			named := strings.TrimPrefix(tc.wantField, "items[0].fields.")
			// "contains a control character" is what the storefront
			// turns into Japanese.
			if !strings.Contains(e.Error.Message, named+" contains a control character") || !strings.Contains(e.Error.Message, tc.wantRune) {
				t.Errorf("message %q: want %q and %s", e.Error.Message, named+" contains a control character", tc.wantRune)
			}
			if after := a.storedOrders(t); after != before {
				t.Errorf("%d orders stored after a refusal, want %d", after, before)
			}
		})
	}
}

// readyForShop renders every item of the order behind the API's back: one
// PDF file each, as a worker would record it.
func (a *testAPI) readyForShop(t *testing.T, o *orders.Order) {
	t.Helper()
	ctx := context.Background()
	for _, it := range o.Items {
		a.store.TransitionItem(ctx, it.ID, []orders.Status{orders.StatusReceived}, orders.StatusQueued, "")
		f := orders.File{ItemID: it.ID, Name: "card.pdf", Role: render.RoleOutput, ContentType: "application/pdf",
			Size: 1234, SHA256: strings.Repeat("ab", 32), Key: "orders/" + o.ID + "/" + it.ID + "/card.pdf"}
		if changed, err := a.store.CompleteItem(ctx, it.ID, orders.Completion{Files: []orders.File{f}}); err != nil || !changed {
			t.Fatalf("complete %s: %v %v", it.ID, changed, err)
		}
	}
}

// TestClaimCSVOpensInExcel: GET /v1/shop/claims/{id}?format=csv is UTF-8
// with a BOM and CRLF lines, so Japanese Excel opens it without garbling,
// and every cell a fan controls that starts like a formula (= + - @, tab,
// CR) is prefixed with ' so that no spreadsheet runs it. Orders stored
// before names were checked (a tab or CR leading the name) are neutralised
// too.
func TestClaimCSVOpensInExcel(t *testing.T) {
	a := startAPI(t)
	ctx := context.Background()
	tests := []struct {
		scenario            string
		name, email         string
		legacy              bool   // stored directly, as before order-time checks
		wantName, wantEmail string // the cells in the CSV
	}{
		{"hyperlink formula in the name", `=HYPERLINK("http://x","y")`, "a@example.com", false, `'=HYPERLINK("http://x","y")`, "a@example.com"},
		{"plus in the name", "+1", "b@example.com", false, "'+1", "b@example.com"},
		{"minus in the name", "-2", "c@example.com", false, "'-2", "c@example.com"},
		{"at sign in the name", "@SUM(A1)", "d@example.com", false, "'@SUM(A1)", "d@example.com"},
		{"formula in the e-mail", "推し活 花子", "=1+2@example.com", false, "推し活 花子", "'=1+2@example.com"},
		{"minus in the e-mail", "推し活 花子", "-x@example.com", false, "推し活 花子", "'-x@example.com"},
		{"stored tab leading the name", "\t=1+1", "e@example.com", true, "'\t=1+1", "e@example.com"},
		{"stored CR leading the name", "\r=1+1", "f@example.com", true, "'=1+1", "f@example.com"}, // encoding/csv drops a lone CR in a cell under UseCRLF
		{"plain name untouched", "推し活 花子", "hanako@example.com", false, "推し活 花子", "hanako@example.com"},
		{"inner formula characters untouched", "花子=+-@", "g@example.com", false, "花子=+-@", "g@example.com"},
	}
	byOrder := map[string]int{} // order id → scenario
	for i, tc := range tests {
		var o *orders.Order
		if tc.legacy {
			now := time.Now().UTC()
			o = &orders.Order{ID: orders.NewID("ord"), TokenHash: orders.Hash("x" + tc.name), Status: orders.StatusReceived,
				Customer: orders.Customer{Name: tc.name, Email: tc.email}, RequestHash: tc.scenario, CreatedAt: now, UpdatedAt: now}
			o.Items = []*orders.Item{{ID: orders.NewID("itm"), OrderID: o.ID, Template: "card-letter-tate", Kind: render.KindCard,
				Quantity: 1, Fields: map[string]string{"to": "さくら"}, Status: orders.StatusReceived, CreatedAt: now, UpdatedAt: now}}
			if _, _, err := a.store.CreateOrder(ctx, o); err != nil {
				t.Fatal(err)
			}
		} else {
			res, body := postJSON(t, a.base+"/v1/orders", cardOrderBody(tc.name, tc.email, "さくら", ""))
			var v struct{ ID string }
			if json.Unmarshal(body, &v); res.StatusCode != http.StatusCreated {
				t.Fatalf("%s: order: %d %s", tc.scenario, res.StatusCode, body)
			}
			var err error
			if o, err = a.store.Order(ctx, v.ID); err != nil {
				t.Fatal(err)
			}
		}
		a.readyForShop(t, o)
		byOrder[o.ID] = i
	}

	key, _, err := a.svc.CreateShopKey(ctx, orders.NewShopKey{Name: "テスト印刷所", Kinds: []orders.Kind{orders.KindPhoto, orders.KindCard}})
	if err != nil {
		t.Fatal(err)
	}
	claim := shopRequest(t, "POST", a.base+"/v1/shop/claims", key, `{"max": 20}`)
	var m struct {
		ClaimID string `json:"claim_id"`
	}
	if err := json.Unmarshal(claim.body, &m); err != nil || claim.status != http.StatusCreated || m.ClaimID == "" {
		t.Fatalf("claim: %d %s", claim.status, claim.body)
	}
	res := shopRequest(t, "GET", a.base+"/v1/shop/claims/"+m.ClaimID+"?format=csv", key, "")
	if res.status != http.StatusOK {
		t.Fatalf("csv: %d %s", res.status, res.body)
	}
	if ct := res.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type %q, want text/csv; charset=utf-8", ct)
	}
	if cd := res.header.Get("Content-Disposition"); cd != `attachment; filename="`+m.ClaimID+`.csv"` {
		t.Errorf("Content-Disposition %q, want an attachment named %s.csv", cd, m.ClaimID)
	}
	rows := checkExcelCSV(t, res.body)
	if len(rows) != len(tests)+1 {
		t.Fatalf("%d rows, want a header and %d", len(rows), len(tests))
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	rowOf := map[int][]string{} // scenario → its order's row
	for _, row := range rows[1:] {
		i, ok := byOrder[row[col["order_id"]]]
		if !ok {
			t.Fatalf("row for an unknown order: %q", row)
		}
		rowOf[i] = row
	}
	for i, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			row := rowOf[i]
			if row == nil {
				t.Fatal("no row for the order")
			}
			if got := row[col["customer_name"]]; got != tc.wantName {
				t.Errorf("customer_name %q, want %q", got, tc.wantName)
			}
			if got := row[col["customer_email"]]; got != tc.wantEmail {
				t.Errorf("customer_email %q, want %q", got, tc.wantEmail)
			}
			if row[col["quantity"]] != "1" || row[col["trim_w_mm"]] != "100" || row[col["size"]] != "1234" {
				t.Errorf("numbers changed: %q", row)
			}
		})
	}
}

// checkExcelCSV checks that data starts with the UTF-8 BOM and that every
// line ends with CRLF, and returns its records as encoding/csv reads them
// once the BOM is stripped.
func checkExcelCSV(t *testing.T, data []byte) [][]string {
	t.Helper()
	rest, ok := bytes.CutPrefix(data, []byte("\xef\xbb\xbf"))
	if !ok {
		t.Fatalf("no UTF-8 BOM: starts %q", data[:min(len(data), 20)])
	}
	rows, err := csv.NewReader(bytes.NewReader(rest)).ReadAll()
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, rest)
	}
	// Outside quoted cells every LF is preceded by CR. Cells here hold no
	// newline, so counting is enough.
	if !bytes.HasSuffix(rest, []byte("\r\n")) || bytes.Count(rest, []byte("\n")) != bytes.Count(rest, []byte("\r\n")) ||
		bytes.Count(rest, []byte("\r\n")) != len(rows) {
		t.Errorf("lines do not all end with CRLF:\n%q", rest)
	}
	if len(rows) == 0 || rows[0][0] != "claim_id" {
		t.Fatalf("header %q", rows)
	}
	return rows
}

type shopResponse struct {
	status int
	header http.Header
	body   []byte
}

func shopRequest(t *testing.T, method, url, key, body string) shopResponse {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return shopResponse{res.StatusCode, res.Header, b}
}
