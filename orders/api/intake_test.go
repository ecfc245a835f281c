package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

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
	svc := &orders.Service{Store: store, Queue: nopQueue{}, Files: &memFiles{objs: map[string][]byte{}},
		Catalog: catalog, Logger: logger, Secret: []byte("test"), Profile: profile}
	srv := httptest.NewServer(api.New(svc, logger, nil))
	t.Cleanup(srv.Close)
	return &testAPI{base: srv.URL, svc: svc, store: store}
}

// storedOrders counts the orders in the store that have not been rendered.
func (a *testAPI) storedOrders(t *testing.T) int {
	t.Helper()
	n := 0
	for _, st := range []orders.Status{orders.StatusReceived, orders.StatusQueued} {
		list, err := a.store.Orders(context.Background(), st, 0)
		if err != nil {
			t.Fatal(err)
		}
		n += len(list)
	}
	return n
}

// cardOrderBody is an order of one letter card.
func cardOrderBody(name, email, to, message string) map[string]any {
	fields := map[string]string{"to": to}
	if message != "" {
		fields["message"] = message
	}
	return map[string]any{
		"customer": map[string]string{"name": name, "email": email},
		"items":    []map[string]any{{"template": "card-letter-tate", "fields": fields}},
	}
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
			if !strings.Contains(e.Error.Message, named) || !strings.Contains(e.Error.Message, tc.wantRune) {
				t.Errorf("message %q: want it to name %s and %s", e.Error.Message, named, tc.wantRune)
			}
			if after := a.storedOrders(t); after != before {
				t.Errorf("%d orders stored after a refusal, want %d", after, before)
			}
		})
	}
}
