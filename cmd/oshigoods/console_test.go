package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// adminToken is the operator's key from the environment in these tests.
const adminToken = "operator-token-0123456789abcdef"

// adminEnv is the embedded default with an operator token, and room for
// the failed authentications the tests make on purpose.
func adminEnv(t *testing.T) map[string]string {
	return map[string]string{"OSHIGOODS_DATA_DIR": t.TempDir(), "OSHIGOODS_ADMIN_TOKEN": adminToken, "OSHIGOODS_AUTH_FAILURES": "1000"}
}

type adminItemResp struct {
	ID      string `json:"id"`
	OrderID string `json:"order_id"`
	Status  string `json:"status"`
	Error   string `json:"error"`
	Stuck   bool   `json:"stuck"`
	Reason  string `json:"reason"`
	Task    *struct {
		State     string `json:"state"`
		Retried   int    `json:"retried"`
		MaxRetry  int    `json:"max_retry"`
		LastError string `json:"last_error"`
	} `json:"task"`
}

type adminOrderResp struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	Customer struct {
		Name, Email string
	} `json:"customer"`
	Items       []adminItemResp `json:"items"`
	ItemDetails []adminItemResp `json:"item_details"`
}

type adminOrdersResp struct {
	Orders     []adminOrderResp `json:"orders"`
	NextCursor string           `json:"next_cursor"`
}

// brokenPhotoOrder places a photo order for email whose upload's stored
// bytes were overwritten with garbage of the same length after the upload
// was checked, so that its render is refused at once and the item fails.
// restore puts the photo back: the cause gone, a retry renders it.
func brokenPhotoOrder(t *testing.T, base, dataDir, email string) (o orderResp, restore func()) {
	t.Helper()
	photo := testPhoto(t)
	var up struct{ ID string }
	if code := upload(t, base, "me.jpg", photo, &up); code != 201 {
		t.Fatalf("upload: %d", code)
	}
	path := filepath.Join(dataDir, "s3", "buckets", "oshigoods", "uploads", up.ID+".jpeg")
	garbage := bytes.Repeat([]byte{0x5a}, len(photo))
	writeFile(t, path, garbage)
	order := photoOrder(up.ID, "さくら")
	order["customer"] = map[string]string{"name": "山田 花子", "email": email}
	if code := call(t, "POST", base+"/v1/orders", "", nil, order, &o); code != 201 {
		t.Fatalf("order: %d %+v", code, o)
	}
	return o, func() { writeFile(t, path, photo) }
}

// waitItem polls the admin API until the order's item has status want.
func waitItem(t *testing.T, base, orderID, itemID, want string) adminItemResp {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	var o adminOrderResp
	for time.Now().Before(deadline) {
		if code := call(t, "GET", base+"/v1/admin/orders/"+orderID, adminToken, nil, nil, &o); code != 200 {
			t.Fatalf("GET admin order: %d", code)
		}
		for _, it := range o.ItemDetails {
			if it.ID == itemID && it.Status == want {
				return it
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("item %s did not reach %s: %+v", itemID, want, o.ItemDetails)
	return adminItemResp{}
}

// TestAdminAPI: every admin route and the queue dashboard answer 401
// without a credential or with a wrong one; the token from the
// environment and a key made with `oshigoods admin-keys create` both work,
// and a revoked key is 401 at once, its dashboard session too. A search by
// e-mail finds that customer's orders only; a failed item retried after
// its cause is gone reaches ready. The access log has a line per request
// and no token, key or e-mail.
func TestAdminAPI(t *testing.T) {
	env := adminEnv(t)
	srv := startServe(t, env)
	base := srv.base

	routes := []struct{ method, path string }{
		{"GET", "/v1/admin/me"},
		{"GET", "/v1/admin/orders?status=failed"},
		{"GET", "/v1/admin/orders/ord_x"},
		{"POST", "/v1/admin/orders/ord_x/cancel"},
		{"POST", "/v1/admin/orders/ord_x/mark-paid"},
		{"GET", "/v1/admin/items?status=stuck"},
		{"POST", "/v1/admin/items/itm_x/retry"},
		{"POST", "/v1/admin/items/itm_x/cancel"},
		{"POST", "/admin/session"},
		{"GET", "/admin/queues/"},
		{"GET", "/admin/queues/api/queues"},
	}
	for _, cred := range []struct{ scenario, key string }{
		{"no credential", ""}, {"a wrong key", "operator-token-0123456789abcdeX"}, {"a shop's key shape", "shk_" + adminToken},
	} {
		for _, rt := range routes {
			t.Run(cred.scenario+" "+rt.method+" "+rt.path, func(t *testing.T) {
				if code := call(t, rt.method, base+rt.path, cred.key, nil, nil, nil); code != 401 {
					t.Fatalf("%s %s: %d; want 401", rt.method, rt.path, code)
				}
			})
		}
	}

	// The token from the environment, and a key made on the command line.
	var me struct{ ID, Name string }
	if code := call(t, "GET", base+"/v1/admin/me", adminToken, nil, nil, &me); code != 200 || me.ID != "env" {
		t.Fatalf("me with the token: %d %+v", code, me)
	}
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"admin-keys", "create", "--name", "店長"}, getenvFrom(env), &out, &errb); err != nil {
		t.Fatalf("admin-keys create: %v\n%s", err, errb.String())
	}
	key := strings.TrimSpace(out.String())
	keyID := strings.Fields(strings.TrimPrefix(errb.String(), "created operator key "))[0]
	if !strings.HasPrefix(key, "adk_") || !strings.HasPrefix(keyID, "opk_") {
		t.Fatalf("admin-keys create printed %q and %q", key, errb.String())
	}
	if code := call(t, "GET", base+"/v1/admin/me", key, nil, nil, &me); code != 200 || me.ID != keyID || me.Name != "店長" {
		t.Fatalf("me with a created key: %d %+v", code, me)
	}
	out.Reset()
	if err := run(context.Background(), []string{"admin-keys", "list"}, getenvFrom(env), &out, &errb); err != nil || !strings.Contains(out.String(), keyID+" ") ||
		!strings.Contains(out.String(), "active") || strings.Contains(out.String(), key) {
		t.Fatalf("admin-keys list: %v\n%s", err, out.String())
	}

	// The queue dashboard: a session cookie from the key, then 200.
	jar := newJar(t)
	client := &http.Client{Jar: jar}
	req, _ := http.NewRequest("POST", base+"/admin/session", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := client.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("POST /admin/session: %v %v", resp, err)
	}
	resp.Body.Close()
	if c := resp.Cookies(); len(c) != 1 || !c[0].HttpOnly || c[0].SameSite != http.SameSiteStrictMode || c[0].Path != "/admin" || strings.Contains(c[0].Value, key) {
		t.Fatalf("session cookie %+v", c)
	}
	for _, path := range []string{"/admin/queues/", "/admin/queues/api/queues"} {
		resp, err := client.Get(base + path)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET %s with the session: %v %v", path, resp, err)
		}
		resp.Body.Close()
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self' 'sha256-") || strings.Contains(csp, "unsafe-eval") {
			t.Fatalf("GET %s: Content-Security-Policy %q", path, csp)
		}
	}

	// Two customers; a search by e-mail finds one's, whatever the case.
	miyu := placeOrder(t, base, miyuOrder())
	hanako, restore := brokenPhotoOrder(t, base, env["OSHIGOODS_DATA_DIR"], "hanako@example.com")
	var found adminOrdersResp
	if code := call(t, "GET", base+"/v1/admin/orders?email="+url.QueryEscape("Hanako@Example.com"), key, nil, nil, &found); code != 200 ||
		len(found.Orders) != 1 || found.Orders[0].ID != hanako.ID || found.Orders[0].Customer.Email != "hanako@example.com" {
		t.Fatalf("search by e-mail: %d %+v; want only %s", code, found, hanako.ID)
	}
	if code := call(t, "GET", base+"/v1/admin/orders?limit=1", adminToken, nil, nil, &found); code != 200 || len(found.Orders) != 1 || found.NextCursor == "" {
		t.Fatalf("a page of one: %d %+v", code, found)
	}
	if code := call(t, "GET", base+"/v1/admin/orders?limit=1&cursor="+found.NextCursor, adminToken, nil, nil, &found); code != 200 ||
		len(found.Orders) != 1 || found.Orders[0].ID != miyu.ID {
		t.Fatalf("the next page: %d %+v; want %s", code, found, miyu.ID)
	}

	// The broken photo fails; listed with its reason and task, retried
	// once the photo is back, it reaches ready, and its order with it.
	itemID := hanako.Items[0].ID
	failed := waitItem(t, base, hanako.ID, itemID, "failed")
	var list struct{ Items []adminItemResp }
	if code := call(t, "GET", base+"/v1/admin/items?status=failed", key, nil, nil, &list); code != 200 || len(list.Items) != 1 ||
		list.Items[0].ID != itemID || !strings.Contains(list.Items[0].Reason, "photo") || list.Items[0].Task == nil || list.Items[0].Task.State != "archived" {
		t.Fatalf("failed items: %d %+v (item %+v)", code, list, failed)
	}
	restore()
	var retried adminItemResp
	if code := call(t, "POST", base+"/v1/admin/items/"+itemID+"/retry", key, nil, nil, &retried); code != 200 || retried.Status == "failed" {
		t.Fatalf("retry: %d %+v", code, retried)
	}
	if code := call(t, "POST", base+"/v1/admin/items/"+itemID+"/retry", key, nil, nil, &retried); code != 200 && code != 409 {
		t.Fatalf("retry again: %d %+v; want a no-op", code, retried)
	}
	waitItem(t, base, hanako.ID, itemID, "ready")
	waitStatus(t, base, hanako.ID, hanako.Token, "ready")
	if code := call(t, "GET", base+"/v1/admin/items?status=failed", key, nil, nil, &list); code != 200 || len(list.Items) != 0 {
		t.Fatalf("failed items after the retry: %d %+v", code, list)
	}
	var cancelled adminOrderResp
	if code := call(t, "POST", base+"/v1/admin/orders/"+miyu.ID+"/cancel", key, nil, nil, &cancelled); code != 200 && code != 409 {
		t.Fatalf("cancel: %d %+v", code, cancelled)
	}

	// Revoked: the key and its dashboard session are 401 at once.
	if err := run(context.Background(), []string{"admin-keys", "revoke", keyID}, getenvFrom(env), &out, &errb); err != nil {
		t.Fatalf("admin-keys revoke: %v", err)
	}
	if code := call(t, "GET", base+"/v1/admin/me", key, nil, nil, nil); code != 401 {
		t.Fatalf("a revoked key: %d; want 401", code)
	}
	if resp, err := client.Get(base + "/admin/queues/api/queues"); err != nil || resp.StatusCode != 401 {
		t.Fatalf("the revoked key's session: %v %v; want 401", resp, err)
	} else {
		resp.Body.Close()
	}

	// The audit log names the key's id for what it did, never the key.
	out.Reset()
	if err := run(context.Background(), []string{"audit", "--since", "1h"}, getenvFrom(env), &out, &errb); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"operator:" + keyID + " order.search", "operator:" + keyID + " item.retry " + itemID, "operator:" + keyID + " session.create"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("audit log lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), key) || strings.Contains(out.String(), adminToken) || strings.Contains(out.String(), "hanako@") {
		t.Errorf("audit log holds a key or an e-mail:\n%s", out.String())
	}

	// One access log line per request; none holds a key or an e-mail.
	srv.shutdown(t)
	logs := srv.logs.String()
	for _, secret := range []string{adminToken, key, "hanako@example.com", "Hanako@Example.com", "Hanako%40Example.com", "hanako%40example.com"} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log holds %q", secret)
		}
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`msg=request method=GET path=/v1/admin/orders query="email=…" status=200 bytes=\d+ duration=\S+ client=127\.0\.0\.1`),
		regexp.MustCompile(`msg=request method=POST path=/v1/admin/items/` + itemID + `/retry query="" status=200`),
		regexp.MustCompile(`msg=request method=GET path=/admin/queues/api/queues query="" status=401`),
		regexp.MustCompile(`msg=request method=GET path=/v1/admin/orders query="cursor=…&limit=1" status=200`),
	} {
		if !want.MatchString(logs) {
			t.Errorf("no access log line like %s", want)
		}
	}
	if t.Failed() {
		t.Logf("logs:\n%s", logs)
	}
}

// TestAdminStuckItem: an item that stays queued past OSHIGOODS_STUCK_AFTER
// (here no worker runs) is listed as stuck with how long and what the
// queue has of it; a retry leaves a live task alone.
func TestAdminStuckItem(t *testing.T) {
	env := adminEnv(t)
	// The threshold leaves room for the first order of a template, which
	// keeps the template's version (24 MB of fonts put to S3) before it is
	// stored: over a second on a loaded machine, and the item's clock
	// starts when the order was taken.
	env["OSHIGOODS_STUCK_AFTER"] = "4s"
	srv := startServe(t, env, "--worker=false")
	o := placeOrder(t, srv.base, cardOrder("さくら"))
	var list struct{ Items []adminItemResp }
	if code := call(t, "GET", srv.base+"/v1/admin/items?status=stuck", adminToken, nil, nil, &list); code != 200 || len(list.Items) != 0 {
		t.Fatalf("stuck items at once: %d %+v; want none", code, list)
	}
	time.Sleep(4500 * time.Millisecond)
	if code := call(t, "GET", srv.base+"/v1/admin/items?status=stuck", adminToken, nil, nil, &list); code != 200 || len(list.Items) != 1 ||
		list.Items[0].OrderID != o.ID || !list.Items[0].Stuck || !strings.Contains(list.Items[0].Reason, "queued, unchanged for") ||
		!strings.Contains(list.Items[0].Reason, "its task is pending") {
		t.Fatalf("stuck items after the threshold: %d %+v", code, list)
	}
	var it adminItemResp
	if code := call(t, "POST", srv.base+"/v1/admin/items/"+list.Items[0].ID+"/retry", adminToken, nil, nil, &it); code != 200 || it.Status != "queued" {
		t.Fatalf("retry a stuck item: %d %+v", code, it)
	}
	if code := call(t, "GET", srv.base+"/v1/admin/items?status=stuck", adminToken, nil, nil, &list); code != 200 || len(list.Items) != 0 {
		t.Fatalf("stuck items just after the retry: %d %+v; want none", code, list)
	}
}

// TestAdminAuthFailuresLimited: wrong operator keys count as failed
// authentications in the guard, so guessing is slowed down as for shop
// keys: past OSHIGOODS_AUTH_FAILURES a minute, even the right key is
// 429. The dashboard's signed session cannot be guessed: its 401s do not
// count.
func TestAdminAuthFailuresLimited(t *testing.T) {
	env := adminEnv(t)
	env["OSHIGOODS_AUTH_FAILURES"] = "3"
	srv := startServe(t, env)
	// A dashboard left open past its session does not count.
	for range 5 {
		if code := call(t, "GET", srv.base+"/admin/queues/api/queues", "", nil, nil, nil); code != 401 {
			t.Fatalf("the dashboard without a session: %d; want 401", code)
		}
	}
	for i, rt := range []struct{ method, path string }{{"GET", "/v1/admin/me"}, {"GET", "/v1/admin/orders"}, {"POST", "/admin/session"}} {
		if code := call(t, rt.method, srv.base+rt.path, "a-guess-0123456789abcdef", nil, nil, nil); code != 401 {
			t.Fatalf("guess %d: %d; want 401", i+1, code)
		}
	}
	if code := call(t, "GET", srv.base+"/v1/admin/me", adminToken, nil, nil, nil); code != 429 {
		t.Fatalf("the right key after 3 failures: %d; want 429", code)
	}
}

// TestAdminTokenAndKeyMustAgree: OSHIGOODS_ADMIN_TOKEN and its former
// name OSHIGOODS_ADMIN_KEY may both be set only to the same key.
func TestAdminTokenAndKeyMustAgree(t *testing.T) {
	for _, tc := range []struct {
		scenario   string
		token, key string
		wantErr    bool
	}{
		{"the token alone", adminToken, "", false},
		{"the former name alone", "", adminToken, false},
		{"both, the same", adminToken, adminToken, false},
		{"both, different", adminToken, "another-operator-key-0123", true},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			c, err := parseConfig(map[string]string{"OSHIGOODS_ADMIN_TOKEN": tc.token, "OSHIGOODS_ADMIN_KEY": tc.key})
			if tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), "OSHIGOODS_ADMIN_TOKEN and OSHIGOODS_ADMIN_KEY") || strings.Contains(err.Error(), adminToken) {
					t.Fatalf("err = %v; want one naming both and showing neither", err)
				}
				return
			}
			if err != nil || c.adminKey() != adminToken {
				t.Fatalf("adminKey %q, %v", c.adminKey(), err)
			}
		})
	}
}

// newJar is a cookie jar for a test's browser-like client.
func newJar(t *testing.T) http.CookieJar {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return jar
}

// miyuOrder is a card order of another customer than cardOrder's.
func miyuOrder() map[string]any {
	o := cardOrder("みゆ")
	o["customer"] = map[string]string{"name": "佐藤 みゆ", "email": "miyu@example.com"}
	return o
}
