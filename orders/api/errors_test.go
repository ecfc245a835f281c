package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"oshigoods/embedded"
	"oshigoods/httperr"
	"oshigoods/internal/testenv"
	"oshigoods/orders"
	"oshigoods/orders/api"
	"oshigoods/orders/sqlstore"
	"oshigoods/render"
	"oshigoods/s3store"
	"oshigoods/templates"
)

// errorAPI serves the API as `oshigoods serve` does (behind cross-origin
// protection with httperr's deny handler) over SQLite and files, with a
// 1 MiB upload limit. logs receives what the API logs.
func errorAPI(t *testing.T, files orders.FileStore, logs io.Writer) string {
	t.Helper()
	store, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "oshigoods.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	catalog, err := templates.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	profile, _ := render.LookupProfile("")
	logger := slog.New(slog.NewTextHandler(logs, nil))
	svc := &orders.Service{Store: store, Queue: nopQueue{}, Files: files, Catalog: catalog, Logger: logger,
		Secret: []byte("test"), Profile: profile, Limits: orders.Limits{MaxUploadBytes: 1 << 20}}
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(httperr.Handler(logger, httperr.CrossOrigin))
	srv := httptest.NewServer(cop.Handler(api.New(svc, logger, nil)))
	t.Cleanup(srv.Close)
	return srv.URL
}

// errorRequest is one request of an error scenario.
type errorRequest struct {
	method, path string
	headers      map[string]string
	body         string
	upload       []byte // sent as multipart field "file" instead of body
}

func (rq errorRequest) do(t *testing.T, base string) (*http.Response, []byte) {
	t.Helper()
	var body io.Reader = strings.NewReader(rq.body)
	ctype := "application/json"
	if rq.upload != nil {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		fw, _ := mw.CreateFormFile("file", "me.jpg")
		fw.Write(rq.upload)
		mw.Close()
		body, ctype = &b, mw.FormDataContentType()
	}
	req, _ := http.NewRequest(rq.method, base+rq.path, body)
	req.Header.Set("Content-Type", ctype)
	for k, v := range rq.headers {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

// checkError asserts a JSON error answer with the status, code and field.
func checkError(t *testing.T, res *http.Response, body []byte, status int, code, field string) httperr.Detail {
	t.Helper()
	var e httperr.Body
	if res.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", res.StatusCode, status, body)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q, want JSON: %s", ct, body)
	}
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("body %q is not JSON: %v", body, err)
	}
	if e.Error.Code != code || e.Error.Field != field || e.Error.Message == "" {
		t.Fatalf("error %+v, want code %s field %q with a message", e.Error, code, field)
	}
	return e.Error
}

// TestErrorAnswers: every error path of the API answers with the status of
// its code and the JSON {"error":{"code","message","field"}}, also where
// the standard library would answer in plain text (a cross-site request,
// no route, a method the route does not take).
func TestErrorAnswers(t *testing.T) {
	base := errorAPI(t, testenv.NewMemFiles(), io.Discard)
	order := func(to string) string {
		b, _ := json.Marshal(cardOrderBody("山田 花子", "hanako@example.com", to, ""))
		return string(b)
	}
	// The Idempotency-Key is taken by a first order; sending it with
	// another order conflicts.
	if res, body := (errorRequest{method: "POST", path: "/v1/orders", headers: map[string]string{"Idempotency-Key": "k1"}, body: order("さくら")}).do(t, base); res.StatusCode != http.StatusCreated {
		t.Fatalf("first order: %d %s", res.StatusCode, body)
	}
	tests := []struct {
		scenario string
		req      errorRequest
		status   int
		code     string
		field    string
		allow    string // the Allow header a 405 keeps
	}{
		{"malformed JSON", errorRequest{method: "POST", path: "/v1/orders", body: `{"customer":`}, 400, "invalid", "", ""},
		{"no shop key", errorRequest{method: "GET", path: "/v1/shop/orders"}, 401, "unauthorized", "", ""},
		{"wrong shop key", errorRequest{method: "GET", path: "/v1/shop/orders", headers: map[string]string{"Authorization": "Bearer sk_wrong"}}, 401, "unauthorized", "", ""},
		{"cross-site form post", errorRequest{method: "POST", path: "/v1/orders", headers: map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "http://evil.example"}, body: order("さくら")}, 403, "forbidden", "", ""},
		{"unknown route", errorRequest{method: "GET", path: "/v1/nope"}, 404, "not_found", "", ""},
		{"unknown order", errorRequest{method: "GET", path: "/v1/orders/ord_nope", headers: map[string]string{"Authorization": "Bearer otk_nope"}}, 404, "not_found", "", ""},
		{"unknown template", errorRequest{method: "GET", path: "/v1/templates/nope"}, 404, "not_found", "template", ""},
		{"method the route does not take", errorRequest{method: "GET", path: "/v1/orders"}, 405, "method_not_allowed", "", "POST"},
		{"method a health check does not take", errorRequest{method: "DELETE", path: "/healthz"}, 405, "method_not_allowed", "", "GET, HEAD"},
		{"Idempotency-Key reused for another order", errorRequest{method: "POST", path: "/v1/orders", headers: map[string]string{"Idempotency-Key": "k1"}, body: order("みゆ")}, 409, "conflict", "", ""},
		{"upload over the limit", errorRequest{method: "POST", path: "/v1/uploads", upload: bytes.Repeat([]byte{0xff}, 3<<19)}, 413, "too_large", "file", ""},
		{"order without a name", errorRequest{method: "POST", path: "/v1/orders", body: `{"customer":{"email":"hanako@example.com"},"items":[{"template":"card-letter-tate","fields":{"to":"さくら"}}]}`}, 422, "unprocessable", "customer.name", ""},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			res, body := tc.req.do(t, base)
			checkError(t, res, body, tc.status, tc.code, tc.field)
			if got := res.Header.Get("Allow"); got != tc.allow {
				t.Errorf("Allow %q, want %q", got, tc.allow)
			}
			if got := res.Header.Get("Retry-After"); got != "" {
				t.Errorf("Retry-After %q on a %d", got, tc.status)
			}
		})
	}
}

// TestOutageAnswers503: with the file store down, a request that needs it
// is 503 EUNAVAILABLE with Retry-After, and neither the body nor anything
// but the log names the backend; requests that do not need it are served.
func TestOutageAnswers503(t *testing.T) {
	s3, err := embedded.StartS3(embedded.S3Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	files, err := s3store.New(context.Background(), s3store.Config{Endpoint: s3.Endpoint(), Bucket: "outage", AccessKey: s3.AccessKey(), SecretKey: s3.SecretKey()})
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	base := errorAPI(t, files, &logs)
	s3.Close()

	res, body := (errorRequest{method: "POST", path: "/v1/uploads", upload: photoJPEG(t, 600, 400)}).do(t, base)
	checkError(t, res, body, 503, "unavailable", "")
	if got := res.Header.Get("Retry-After"); got != "5" {
		t.Errorf("Retry-After %q, want 5", got)
	}
	host := strings.TrimPrefix(s3.Endpoint(), "http://")
	for _, detail := range []string{host, "dial", "PutObject", "S3", "refused"} {
		if bytes.Contains(body, []byte(detail)) {
			t.Errorf("body %s gives away %q", body, detail)
		}
	}
	if !strings.Contains(logs.String(), "connection refused") {
		t.Errorf("the log does not say what failed:\n%s", logs.String())
	}
	if res, body := (errorRequest{method: "GET", path: "/v1/templates"}).do(t, base); res.StatusCode != http.StatusOK {
		t.Errorf("templates during the outage: %d %s", res.StatusCode, body)
	}
}
