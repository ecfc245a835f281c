package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"oshigoods/internal/testenv"
)

// backend is one set of services the system runs on.
type backend struct {
	name string
	env  func(t *testing.T) map[string]string
}

var backends = []backend{
	{"embedded", func(t *testing.T) map[string]string {
		return map[string]string{"OSHIGOODS_DATA_DIR": t.TempDir()}
	}},
	// Services outside the processes, which several processes share:
	// Redis, PostgreSQL and MinIO under scripts/test, otherwise the
	// stand-ins testenv starts (miniredis, an S3 server, a SQLite file).
	{"shared-services", func(t *testing.T) map[string]string {
		s3 := testenv.S3Bucket(t)
		return map[string]string{
			"OSHIGOODS_DATA_DIR":     t.TempDir(),
			"OSHIGOODS_REDIS_URL":    testenv.RedisURL(t),
			"OSHIGOODS_DATABASE_URL": testenv.Database(t),
			"OSHIGOODS_S3_ENDPOINT":  s3.Endpoint,
			"OSHIGOODS_S3_BUCKET":    s3.Bucket,
			"AWS_ACCESS_KEY_ID":      s3.AccessKey,
			"AWS_SECRET_ACCESS_KEY":  s3.SecretKey,
			"OSHIGOODS_SECRET":       "test-secret-shared-by-processes",
		}
	}},
}

// process is one running `oshigoods serve` or `oshigoods worker`.
type process struct {
	base string // API base URL, for serve
	done chan error
	stop context.CancelFunc
	logs *syncBuffer

	// metrics is the /metrics URL, with OSHIGOODS_METRICS_ADDR.
	metrics string
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func getenvFrom(env map[string]string) func(string) string {
	return func(k string) string { return env[k] }
}

// start runs `oshigoods serve` (args after "serve") in the background with
// fast reconciliation, and waits until it listens.
func startServe(t *testing.T, env map[string]string, args ...string) *process {
	t.Helper()
	env = withFastReconcile(env)
	ctx, cancel := context.WithCancel(context.Background())
	p := &process{done: make(chan error, 1), stop: cancel, logs: &syncBuffer{}}
	addr := make(chan string, 1)
	go func() {
		p.done <- cmdServe(ctx, append([]string{"--addr", "127.0.0.1:0"}, args...), getenvFrom(env), p.logs,
			func(c *config) {
				c.onListen = func(a string) { addr <- a }
				c.onMetricsListen = func(a string) { p.metrics = "http://" + a + "/metrics" }
			})
		close(addr)
	}()
	select {
	case a, ok := <-addr:
		if !ok {
			t.Fatalf("serve exited: %v\n%s", <-p.done, p.logs)
		}
		p.base = "http://" + a
	case <-time.After(60 * time.Second):
		t.Fatalf("serve did not start:\n%s", p.logs)
	}
	t.Cleanup(func() { p.shutdown(t) })
	return p
}

// startWorker runs `oshigoods worker` in the background.
func startWorker(t *testing.T, env map[string]string) *process {
	t.Helper()
	env = withFastReconcile(env)
	ctx, cancel := context.WithCancel(context.Background())
	p := &process{done: make(chan error, 1), stop: cancel, logs: &syncBuffer{}}
	go func() { p.done <- cmdWorker(ctx, nil, getenvFrom(env), p.logs) }()
	t.Cleanup(func() { p.shutdown(t) })
	return p
}

func withFastReconcile(env map[string]string) map[string]string {
	out := map[string]string{"OSHIGOODS_RECONCILE_INTERVAL": "200ms", "OSHIGOODS_STALE_AFTER": "500ms",
		// Every fan of a test is 127.0.0.1: room for all of them
		// (TestServeGuardsClients checks the limits).
		"OSHIGOODS_RATE_UPLOADS": "10000", "OSHIGOODS_RATE_PREVIEWS": "10000", "OSHIGOODS_RATE_ORDERS": "10000"}
	for k, v := range env {
		out[k] = v
	}
	return out
}

func (p *process) shutdown(t *testing.T) {
	p.stop()
	select {
	case err := <-p.done:
		if err != nil {
			t.Errorf("process exited with %v\n%s", err, p.logs)
		}
		p.done <- nil // a second shutdown returns at once
	case <-time.After(60 * time.Second):
		t.Errorf("process did not stop\n%s", p.logs)
	}
	if t.Failed() {
		t.Logf("logs:\n%s", p.logs)
	}
}

// call makes a JSON request and decodes the response into out (if not nil).
func call(t *testing.T, method, url, auth string, headers map[string]string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: decode %q: %v", method, url, data, err)
		}
	}
	return resp.StatusCode
}

type apiError struct {
	Error struct{ Code, Message, Field string } `json:"error"`
}

type orderResp struct {
	ID     string `json:"id"`
	Token  string `json:"token"`
	Status string `json:"status"`
	Items  []struct {
		ID, Template, Status, Error string
		Files                       []struct {
			Name, Role, URL string
			ContentType     string `json:"content_type"`
			Size            int64
			SHA256          string `json:"sha256"`
		}
	} `json:"items"`
}

// upload posts data as the multipart field "file".
func upload(t *testing.T, base, filename string, data []byte, out any) int {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", filename)
	fw.Write(data)
	mw.Close()
	resp, err := http.Post(base+"/v1/uploads", mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("upload: decode %q: %v", b, err)
	}
	return resp.StatusCode
}

// testPhoto is a deterministic 1600×1200 JPEG, like a phone's landscape shot.
func testPhoto(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 1600, 1200))
	for y := 0; y < 1200; y++ {
		for x := 0; x < 1600; x++ {
			img.Set(x, y, color.RGBA{uint8(x / 7), uint8(y / 5), uint8((x + y) / 11), 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func createShopKey(t *testing.T, env map[string]string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"shop-keys", "create", "--name", "テスト印刷所", "--kinds", "photo,card"}, getenvFrom(env), &out, &errb); err != nil {
		t.Fatalf("shop-keys create: %v\n%s", err, errb.String())
	}
	key := strings.TrimSpace(out.String())
	if !strings.HasPrefix(key, "shk_") {
		t.Fatalf("shop-keys create printed %q", key)
	}
	return key
}

func waitStatus(t *testing.T, base, id, token, want string) orderResp {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	var o orderResp
	for time.Now().Before(deadline) {
		if code := call(t, "GET", base+"/v1/orders/"+id, token, nil, nil, &o); code != 200 {
			t.Fatalf("GET order: %d", code)
		}
		if o.Status == want {
			return o
		}
		if o.Status == "failed" {
			t.Fatalf("order failed: %+v", o)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("order %s did not reach %s; last %+v", id, want, o)
	return o
}

func photoOrder(uploadID, name string) map[string]any {
	return testenv.Checkout(map[string]any{
		"customer": map[string]string{"name": "山田 花子", "email": "hanako@example.com"},
		"items": []map[string]any{{
			"template": "photo-2shot-l", "quantity": 2,
			"fields": map[string]string{"photo": uploadID, "name": name},
		}},
	})
}

func TestEndToEnd(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			t.Parallel()
			env := be.env(t)
			srv := startServe(t, env)
			base := srv.base

			var ready map[string]any
			if code := call(t, "GET", base+"/readyz", "", nil, nil, &ready); code != 200 {
				t.Fatalf("readyz: %d %v", code, ready)
			}
			var tpls struct{ Templates []struct{ ID, Kind string } }
			call(t, "GET", base+"/v1/templates", "", nil, nil, &tpls)
			found := false
			for _, tp := range tpls.Templates {
				found = found || tp.ID == "photo-2shot-l" && tp.Kind == "photo"
			}
			if !found {
				t.Fatalf("photo-2shot-l not listed: %+v", tpls)
			}

			shopKey := createShopKey(t, env)
			var up struct {
				ID, Format    string
				Width, Height int
			}
			if code := upload(t, base, "me.jpg", testPhoto(t), &up); code != 201 || up.Format != "jpeg" || up.Width != 1600 || up.Height != 1200 {
				t.Fatalf("upload: %d %+v", code, up)
			}

			// Idempotency: the same key and body give the same order; another body conflicts.
			key := map[string]string{"Idempotency-Key": "order-" + testenv.Suffix()}
			var o1, o2 orderResp
			if code := call(t, "POST", base+"/v1/orders", "", key, photoOrder(up.ID, "はなこ"), &o1); code != 201 {
				t.Fatalf("create order: %d %+v", code, o1)
			}
			if code := call(t, "POST", base+"/v1/orders", "", key, photoOrder(up.ID, "はなこ"), &o2); code != 200 || o2.ID != o1.ID || o2.Token != o1.Token {
				t.Fatalf("replay: %d %+v, first %+v", code, o2, o1)
			}
			var conflict apiError
			if code := call(t, "POST", base+"/v1/orders", "", key, photoOrder(up.ID, "たろう"), &conflict); code != 409 || conflict.Error.Code != "conflict" {
				t.Fatalf("same key, other body: %d %+v", code, conflict)
			}

			// Without the token the order is not there.
			if code := call(t, "GET", base+"/v1/orders/"+o1.ID, "otk_wrong", nil, nil, nil); code != 404 {
				t.Fatalf("wrong token: %d, want 404", code)
			}

			o := waitStatus(t, base, o1.ID, o1.Token, "ready")
			var output string
			for _, f := range o.Items[0].Files {
				if f.Role == "output" {
					output = f.URL
					data := download(t, f.URL)
					if got := sha256Hex(data); got != f.SHA256 || int64(len(data)) != f.Size {
						t.Fatalf("%s: downloaded %d bytes sha256 %s, listed %d %s", f.Name, len(data), got, f.Size, f.SHA256)
					}
					img, format, err := image.Decode(bytes.NewReader(data))
					if err != nil || format != "jpeg" {
						t.Fatalf("decode %s: %v (%s)", f.Name, err, format)
					}
					// L判 89×127 mm with the default profile's (jp-standard)
					// 3 mm bleed on every side, at 300 dpi: 1122×1571.
					px := func(mm float64) int { return int(math.Round(mm / 25.4 * 300)) }
					if b := img.Bounds(); b.Dx() != px(89+2*3) || b.Dy() != px(127+2*3) {
						t.Fatalf("%s is %dx%d, want %dx%d", f.Name, b.Dx(), b.Dy(), px(89+2*3), px(127+2*3))
					}
				}
			}
			if output == "" {
				t.Fatalf("no output file: %+v", o.Items[0].Files)
			}

			// The print shop lists it, marks it printed.
			var list struct{ Orders []orderResp }
			if code := call(t, "GET", base+"/v1/shop/orders?status=ready", "shk_wrong", nil, nil, nil); code != 401 {
				t.Fatalf("bad shop key: %d, want 401", code)
			}
			if code := call(t, "GET", base+"/v1/shop/orders?status=ready", shopKey, nil, nil, &list); code != 200 || len(list.Orders) != 1 || list.Orders[0].ID != o1.ID {
				t.Fatalf("shop list: %d %+v", code, list)
			}
			if code := call(t, "POST", base+"/v1/shop/orders/"+o1.ID+"/printed", shopKey, nil, nil, nil); code != 200 {
				t.Fatalf("mark printed: %d", code)
			}
			waitStatus(t, base, o1.ID, o1.Token, "printed")
			call(t, "GET", base+"/v1/shop/orders?status=ready", shopKey, nil, nil, &list)
			if len(list.Orders) != 0 {
				t.Fatalf("printed order still listed as ready: %+v", list)
			}
		})
	}
}

func download(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("download: %v", err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("download %s: %d %s", url, resp.StatusCode, data)
	}
	return data
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestRedisLoss: the API accepts an order, Redis loses everything, and the
// order still reaches ready through the reconciler of separate workers.
func TestRedisLoss(t *testing.T) {
	env := backends[1].env(t)
	api := startServe(t, env, "--worker=false")
	var up struct{ ID string }
	if code := upload(t, api.base, "me.jpg", testPhoto(t), &up); code != 201 {
		t.Fatalf("upload: %d", code)
	}
	var o orderResp
	if code := call(t, "POST", api.base+"/v1/orders", "", nil, photoOrder(up.ID, ""), &o); code != 201 {
		t.Fatalf("order: %d %+v", code, o)
	}
	if o.Status != "queued" {
		t.Fatalf("order status %s, want queued", o.Status)
	}
	opt, _ := redis.ParseURL(env["OSHIGOODS_REDIS_URL"])
	rc := redis.NewClient(opt)
	defer rc.Close()
	if err := rc.FlushDB(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	// Two workers share the one Redis, database and bucket.
	startWorker(t, env)
	startWorker(t, env)
	waitStatus(t, api.base, o.ID, o.Token, "ready")
}

// TestBadInput: each bad request is a 4xx naming the field, and nothing is
// stored.
func TestBadInput(t *testing.T) {
	env := backends[0].env(t)
	srv := startServe(t, env)
	base := srv.base

	var good struct{ ID string }
	if code := upload(t, base, "ok.jpg", testPhoto(t), &good); code != 201 {
		t.Fatalf("upload: %d", code)
	}
	photo := testPhoto(t)
	var bomb bytes.Buffer
	png.Encode(&bomb, image.NewGray(image.Rect(0, 0, 8, 8)))
	bombBytes := bomb.Bytes()
	// Rewrite IHDR to claim 30000×30000 (and fix its CRC).
	putBE := func(b []byte, v uint32) { b[0], b[1], b[2], b[3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v) }
	putBE(bombBytes[16:20], 30000)
	putBE(bombBytes[20:24], 30000)
	putBE(bombBytes[29:33], crc32IEEE(bombBytes[12:29]))

	uploads := []struct {
		scenario string
		name     string
		data     []byte
		status   int
	}{
		{"truncated JPEG", "cut.jpg", photo[:len(photo)/2], 422},
		{"text file named .jpg", "notes.jpg", []byte("これは写真ではありません\n"), 422},
		{"PNG claiming 30000x30000", "bomb.png", bombBytes, 422},
		{"empty file", "empty.jpg", nil, 422},
	}
	for _, tc := range uploads {
		t.Run(tc.scenario, func(t *testing.T) {
			var e apiError
			if code := upload(t, base, tc.name, tc.data, &e); code != tc.status || e.Error.Field != "file" || e.Error.Message == "" {
				t.Fatalf("got %d %+v, want %d naming field file", code, e, tc.status)
			}
		})
	}

	longName := strings.Repeat("あ", 200)
	orders := []struct {
		scenario string
		body     any
		status   int
		field    string
	}{
		{"unknown template", testenv.Checkout(map[string]any{"customer": map[string]string{"name": "A", "email": "a@example.com"},
			"items": []map[string]any{{"template": "no-such", "fields": map[string]string{}}}}), 404, "items[0].template"},
		{"missing required field", testenv.Checkout(map[string]any{"customer": map[string]string{"name": "A", "email": "a@example.com"},
			"items": []map[string]any{{"template": "photo-2shot-l", "fields": map[string]string{}}}}), 422, "items[0].fields.photo"},
		{"over-long text", photoOrder(good.ID, longName), 422, "items[0].fields.name"},
		{"unknown upload", photoOrder("upl_nothere", ""), 422, "items[0].fields.photo"},
		{"unknown field", testenv.Checkout(map[string]any{"customer": map[string]string{"name": "A", "email": "a@example.com"},
			"items": []map[string]any{{"template": "photo-2shot-l", "fields": map[string]string{"photo": good.ID, "colour": "red"}}}}), 422, "items[0].fields.colour"},
		{"bad email", testenv.Checkout(map[string]any{"customer": map[string]string{"name": "A", "email": "not-an-address"},
			"items": []map[string]any{{"template": "photo-2shot-l", "fields": map[string]string{"photo": good.ID}}}}), 422, "customer.email"},
		{"bad postal code", testenv.Checkout(map[string]any{"customer": map[string]string{"name": "A", "email": "a@example.com"},
			"items":            []map[string]any{{"template": "photo-2shot-l", "fields": map[string]string{"photo": good.ID}}},
			"shipping_address": map[string]string{"postal_code": "12345", "prefecture": "東京都", "city": "千代田区", "line1": "千代田1-1", "name": "A", "phone": "0312345678"}}), 422, "shipping_address.postal_code"},
		{"terms not accepted", map[string]any{"customer": map[string]string{"name": "A", "email": "a@example.com"},
			"items": []map[string]any{{"template": "photo-2shot-l", "fields": map[string]string{"photo": good.ID}}}, "shipping_address": testenv.Address()}, 422, "terms_accepted"},
		{"no items", testenv.Checkout(map[string]any{"customer": map[string]string{"name": "A", "email": "a@example.com"}, "items": []any{}}), 422, "items"},
		{"quantity too large", testenv.Checkout(map[string]any{"customer": map[string]string{"name": "A", "email": "a@example.com"},
			"items": []map[string]any{{"template": "photo-2shot-l", "quantity": 1000, "fields": map[string]string{"photo": good.ID}}}}), 422, "items[0].quantity"},
	}
	for _, tc := range orders {
		t.Run(tc.scenario, func(t *testing.T) {
			var e apiError
			if code := call(t, "POST", base+"/v1/orders", "", nil, tc.body, &e); code != tc.status || e.Error.Field != tc.field {
				t.Fatalf("got %d %+v, want %d naming %s", code, e, tc.status, tc.field)
			}
		})
	}
	t.Run("malformed JSON", func(t *testing.T) {
		resp, err := http.Post(base+"/v1/orders", "application/json", strings.NewReader(`{"customer":`))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var e apiError
		json.NewDecoder(resp.Body).Decode(&e)
		if resp.StatusCode != 400 || e.Error.Code != "invalid" {
			t.Fatalf("got %d %+v", resp.StatusCode, e)
		}
	})

	// Nothing was stored: one upload, no order.
	srv.shutdown(t)
	counts := countRows(t, env["OSHIGOODS_DATA_DIR"])
	if counts["uploads"] != 1 || counts["orders"] != 0 || counts["items"] != 0 {
		t.Fatalf("rows after bad input: %v, want 1 upload and no orders", counts)
	}
	if n := countObjects(t, env["OSHIGOODS_DATA_DIR"], "uploads/"); n != 1 {
		t.Fatalf("%d upload objects stored, want 1", n)
	}
}

func TestRenderCommand(t *testing.T) {
	dir := t.TempDir()
	photoPath := dir + "/me.jpg"
	writeFile(t, photoPath, testPhoto(t))
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"render", "--template", "photo-2shot-l", "--file", "photo=" + photoPath, "--field", "name=さくら", "--out", dir + "/out"}, func(string) string { return "" }, &out, &errb)
	if err != nil {
		t.Fatalf("render: %v\n%s", err, errb.String())
	}
	var m manifest
	if err := json.Unmarshal(out.Bytes(), &m); err != nil {
		t.Fatalf("manifest %q: %v", out.String(), err)
	}
	if len(m.Files) == 0 {
		t.Fatalf("no files: %s", out.String())
	}
	for _, f := range m.Files {
		data := readFile(t, dir+"/out/"+f.Name)
		if sha256Hex(data) != f.SHA256 || len(data) != f.Size || f.ContentType == "" {
			t.Fatalf("%s: manifest %+v does not match the file", f.Name, f)
		}
	}

	cases := []struct {
		scenario string
		args     []string
		want     string
	}{
		{"unknown template", []string{"render", "--template", "nope", "--out", dir}, "unknown template"},
		{"missing photo", []string{"render", "--template", "photo-2shot-l", "--out", dir}, "photo is required"},
		{"not an image", []string{"render", "--template", "photo-2shot-l", "--file", "photo=" + dir + "/out/../me.txt", "--out", dir}, "me.txt"},
		// The template loads while the files are read; its error still
		// comes first.
		{"unknown template and a bad file", []string{"render", "--template", "nope", "--file", "photo=" + dir + "/me.txt", "--out", dir}, "unknown template"},
		{"missing file", []string{"render", "--template", "photo-2shot-l", "--file", "photo=" + dir + "/none.jpg", "--out", dir}, "--file photo"},
	}
	writeFile(t, dir+"/me.txt", []byte("hello"))
	for _, tc := range cases {
		t.Run(tc.scenario, func(t *testing.T) {
			err := run(context.Background(), tc.args, func(string) string { return "" }, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

var _ = fmt.Sprint

// TestPreviews asks for a preview of every kind and checks what comes back
// is a file of the right type; bad fields are a 422 naming the field.
func TestPreviews(t *testing.T) {
	env := backends[0].env(t)
	srv := startServe(t, env, "--worker=false")
	var up struct{ ID string }
	if code := upload(t, srv.base, "me.jpg", testPhoto(t), &up); code != 201 {
		t.Fatalf("upload: %d", code)
	}
	cases := []struct {
		scenario    string
		body        map[string]any
		status      int
		contentType string
		field       string
	}{
		{"photo", map[string]any{"template": "photo-2shot-l", "fields": map[string]string{"photo": up.ID, "name": "さくら"}}, 200, "image/jpeg", ""},
		{"card", map[string]any{"template": "card-letter-tate", "fields": map[string]string{"to": "さくら"}}, 200, "image/png", ""},
		{"voice", map[string]any{"template": "voice-alarm-morning", "fields": map[string]string{"name": "sakura", "lines": "ohayou", "repeat": "1", "preset": "phone"}}, 200, "audio/", ""},
		{"card message too long", map[string]any{"template": "card-letter-tate", "fields": map[string]string{"to": "さくら", "message": strings.Repeat("ありがとう。", 400)}}, 422, "", "fields.message"},
		{"photo without upload", map[string]any{"template": "photo-2shot-l", "fields": map[string]string{"photo": "upl_nope"}}, 422, "", "fields.photo"},
		{"unknown template", map[string]any{"template": "nope", "fields": map[string]string{}}, 404, "", "template"},
	}
	for _, tc := range cases {
		t.Run(tc.scenario, func(t *testing.T) {
			b, _ := json.Marshal(tc.body)
			resp, err := http.Post(srv.base+"/v1/previews", "application/json", bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			data, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, data)
			}
			if tc.status != 200 {
				var e apiError
				if err := json.Unmarshal(data, &e); err != nil || e.Error.Field != tc.field {
					t.Fatalf("error %s, want field %s", data, tc.field)
				}
				return
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, tc.contentType) || len(data) < 1000 {
				t.Fatalf("got %s, %d bytes", ct, len(data))
			}
			if strings.HasPrefix(tc.contentType, "image/") {
				if _, _, err := image.Decode(bytes.NewReader(data)); err != nil {
					t.Fatalf("preview does not decode: %v", err)
				}
			}
		})
	}
}
