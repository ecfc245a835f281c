package storefront_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"oshigoods/embedded"
	"oshigoods/httperr"
	"oshigoods/orders"
	"oshigoods/orders/sqlstore"
	"oshigoods/s3store"
	"oshigoods/storefront"
	"oshigoods/templates"
)

// TestFileErrors: the storefront's file answers map errors as the API does
// (httperr): JSON with the code, 404 for what the token does not reach,
// 503 with Retry-After when the file store is down, its detail only in the
// log; a static file that does not exist is a JSON 404 too.
func TestFileErrors(t *testing.T) {
	ctx := context.Background()
	s3, err := embedded.StartS3(embedded.S3Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	files, err := s3store.New(ctx, s3store.Config{Endpoint: s3.Endpoint(), Bucket: "storefront", AccessKey: s3.AccessKey(), SecretKey: s3.SecretKey()})
	if err != nil {
		t.Fatal(err)
	}
	catalog, err := templates.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	store, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "orders.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	var logs bytes.Buffer
	svc := &orders.Service{Store: store, Queue: nopQueue{}, Files: files, Catalog: catalog,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)), Secret: []byte("test secret")}
	sf, err := storefront.New(storefront.Config{Service: svc, Logger: svc.Logger})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sf)
	t.Cleanup(srv.Close)

	o, token, _, err := svc.CreateOrder(ctx, orders.NewOrder{
		Customer:        orders.Customer{Name: "山田 花子", Email: "hanako@example.com"},
		Items:           []orders.NewItem{{Template: "card-letter-tate", Fields: map[string]string{"to": "さくら"}}},
		ShippingAddress: &testAddress, TermsAccepted: true,
	}, orders.Idempotency{})
	if err != nil {
		t.Fatal(err)
	}
	item := o.Items[0]
	key := "orders/" + o.ID + "/" + item.ID + "/preview.png"
	if err := files.Put(ctx, key, []byte("png bytes"), "image/png"); err != nil {
		t.Fatal(err)
	}
	if _, err := store.CompleteItem(ctx, item.ID, orders.Completion{Files: []orders.File{{ItemID: item.ID, Name: "preview.png", Role: "preview", ContentType: "image/png", Size: 9, Key: key}}}); err != nil {
		t.Fatal(err)
	}
	s3.Close()

	url := srv.URL + "/files/" + o.ID + "/" + item.ID + "/preview.png"
	cases := []struct {
		scenario   string
		url, token string
		status     int
		code       string
		retryAfter string
	}{
		{"without a token", url, "", 404, "not_found", ""},
		{"a file the item does not have", srv.URL + "/files/" + o.ID + "/" + item.ID + "/card.pdf", token, 404, "not_found", ""},
		{"the file store is down", url, token, 503, "unavailable", "5"},
		{"a static file that does not exist", srv.URL + "/static/nope.js", "", 404, "not_found", ""},
	}
	for _, tc := range cases {
		t.Run(tc.scenario, func(t *testing.T) {
			resp, body := get(t, tc.url, tc.token)
			var e httperr.Body
			if resp.StatusCode != tc.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || json.Unmarshal([]byte(body), &e) != nil {
				t.Fatalf("%d %s %q, want %d JSON", resp.StatusCode, resp.Header.Get("Content-Type"), body, tc.status)
			}
			if e.Error.Code != tc.code || e.Error.Message == "" {
				t.Fatalf("error %+v, want code %s with a message", e.Error, tc.code)
			}
			if got := resp.Header.Get("Retry-After"); got != tc.retryAfter {
				t.Errorf("Retry-After %q, want %q", got, tc.retryAfter)
			}
			for _, detail := range []string{strings.TrimPrefix(s3.Endpoint(), "http://"), "dial", "GetObject", "refused"} {
				if strings.Contains(body, detail) {
					t.Errorf("body %s gives away %q", body, detail)
				}
			}
		})
	}
	if !strings.Contains(logs.String(), "connection refused") {
		t.Errorf("the log does not say what failed:\n%s", logs.String())
	}
}
