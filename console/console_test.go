package console_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"oshigoods"
	"oshigoods/console"
	"oshigoods/orders"
)

// auditOnly is a store that keeps nothing but takes audit entries and
// has no admin key: the console's sign-in with the environment's key
// needs no more.
type auditOnly struct{ orders.Store }

func (auditOnly) AddAudit(context.Context, orders.AuditEntry) error { return nil }

func (auditOnly) AdminKeyByHash(context.Context, string) (*orders.AdminKey, error) {
	return nil, oshigoods.Errorf(oshigoods.ENOTFOUND, "none")
}

// dashboardPage is a dashboard's page as asynqmon makes it: two inline
// scripts and a web font from another site.
const dashboardPage = `<!doctype html><html><head><link rel="stylesheet" href="https://fonts.example.com/css?family=Roboto"/>` +
	`<script>window.FLAG_ROOT_PATH="/admin/queues"</script></head><body><div id="root"></div><script>!function(){}()</script>` +
	`<script src="/admin/queues/static/js/main.js"></script></body></html>`

func newConsole(t *testing.T) http.Handler {
	t.Helper()
	svc := &orders.Service{Store: auditOnly{}, Secret: []byte("0123456789abcdef"), AdminKeyHash: orders.Hash("operator-key-0123456789")}
	dashboard := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/admin/queues/api/") {
			io.WriteString(w, `{"queues":[]}`)
			return
		}
		io.WriteString(w, dashboardPage)
	})
	c, err := console.New(console.Config{Service: svc, Queues: dashboard})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func hashOf(script string) string {
	sum := sha256.Sum256([]byte(script))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// TestConsole: the page carries the strict policy; the dashboard needs a
// session, which the environment's key signs in for; its page comes
// without the foreign web font and with its inline scripts allowed by
// hash, no more.
func TestConsole(t *testing.T) {
	c := newConsole(t)
	serve := func(method, path string, header http.Header) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, path, nil)
		for k, v := range header {
			r.Header[k] = v
		}
		w := httptest.NewRecorder()
		c.ServeHTTP(w, r)
		return w
	}
	page := serve("GET", "/admin", nil)
	if page.Code != 200 || page.Header().Get("Content-Security-Policy") != console.ContentSecurityPolicy ||
		!strings.Contains(page.Body.String(), `/admin/static/console.js?v=`) || strings.Contains(page.Body.String(), "<script>") {
		t.Fatalf("GET /admin: %d %q\n%s", page.Code, page.Header(), page.Body)
	}

	for _, tc := range []struct {
		scenario string
		header   http.Header
		wantType string
	}{
		{"a browser's navigation", http.Header{"Sec-Fetch-Mode": {"navigate"}, "Accept": {"text/html"}}, "text/html"},
		{"the dashboard's own request", http.Header{"Accept": {"application/json"}}, "application/json"},
		{"a forged session", http.Header{"Cookie": {console.CookieName + "=v1.env.9999999999.AAAA"}}, "application/json"},
	} {
		t.Run("no session: "+tc.scenario, func(t *testing.T) {
			w := serve("GET", "/admin/queues/api/queues", tc.header)
			if w.Code != 401 || !strings.HasPrefix(w.Header().Get("Content-Type"), tc.wantType) {
				t.Fatalf("%d %s", w.Code, w.Header().Get("Content-Type"))
			}
		})
	}

	if w := serve("POST", "/admin/session", http.Header{"Authorization": {"Bearer a-wrong-key-0123456789"}}); w.Code != 401 {
		t.Fatalf("sign in with a wrong key: %d", w.Code)
	}
	w := serve("POST", "/admin/session", http.Header{"Authorization": {"Bearer operator-key-0123456789"}})
	cookies := w.Result().Cookies()
	if w.Code != 200 || len(cookies) != 1 || !cookies[0].HttpOnly || cookies[0].Secure || cookies[0].Path != "/admin" {
		t.Fatalf("sign in: %d %+v", w.Code, cookies)
	}
	session := http.Header{"Cookie": {cookies[0].String()}}
	dash := serve("GET", "/admin/queues/", session)
	csp := dash.Header().Get("Content-Security-Policy")
	if dash.Code != 200 || strings.Contains(dash.Body.String(), "fonts.example.com") || !strings.Contains(dash.Body.String(), `<div id="root">`) {
		t.Fatalf("the dashboard's page: %d\n%s", dash.Code, dash.Body)
	}
	for _, want := range []string{hashOf(`window.FLAG_ROOT_PATH="/admin/queues"`), hashOf(`!function(){}()`), "default-src 'none'", "connect-src 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("the dashboard's policy %q lacks %s", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-eval") || strings.Count(csp, "'sha256-") != 2 {
		t.Errorf("the dashboard's policy allows more: %q", csp)
	}
	if w := serve("GET", "/admin/queues/servers", session); w.Body.String() != dash.Body.String() {
		t.Fatalf("an app route is not the page: %s", w.Body)
	}
	if w := serve("GET", "/admin/queues/api/queues", session); w.Code != 200 || w.Body.String() != `{"queues":[]}` {
		t.Fatalf("the dashboard's API: %d %s", w.Code, w.Body)
	}
	out := serve("DELETE", "/admin/session", session)
	if c := out.Result().Cookies(); out.Code != 204 || len(c) != 1 || c[0].MaxAge >= 0 {
		t.Fatalf("sign out: %d %+v", out.Code, c)
	}
}
