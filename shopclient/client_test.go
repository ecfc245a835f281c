package shopclient

// These tests run the client against a real oshigoods server: the command
// built from cmd/oshigoods, serving the embedded default (SQLite, in-process
// Redis and S3) on loopback and rendering real card orders. What they set
// up by hand is only what a killed or faulty run leaves on the shop's side:
// files in the hot folder, and a network that corrupts a download.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"oshigoods/orders"
)

// binDir holds the oshigoods command, built once by TestMain.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "shopclient-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var buildOnce = sync.OnceValues(func() (string, error) {
	bin := filepath.Join(binDir, "oshigoods")
	out, err := exec.Command("go", "build", "-o", bin, "oshigoods/cmd/oshigoods").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build oshigoods/cmd/oshigoods: %v\n%s", err, out)
	}
	return bin, nil
})

// server is a running `oshigoods serve` with a shop key.
type server struct {
	base, key string
	env       []string
}

var listening = regexp.MustCompile(`msg=listening addr=(http://\S+)`)

// startServer runs `oshigoods serve` on a free loopback port with its data
// in a temporary folder, creates a shop key, and stops it when t ends.
func startServer(t *testing.T) *server {
	t.Helper()
	bin, err := buildOnce()
	if err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OSHIGOODS_") && !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	env = append(env, "OSHIGOODS_DATA_DIR="+t.TempDir(),
		"OSHIGOODS_RECONCILE_INTERVAL=200ms", "OSHIGOODS_STALE_AFTER=500ms",
		"OSHIGOODS_SHOP_NAME=推しグッズ工房", "OSHIGOODS_SHOP_POSTAL_CODE=150-0001", "OSHIGOODS_SHOP_ADDRESS=東京都渋谷区神宮前1-2-3",
		"OSHIGOODS_SHOP_PHONE=03-1234-5678", "OSHIGOODS_YAMATO_CUSTOMER_CODE=031234567801")
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0")
	cmd.Env = env
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	var mu sync.Mutex
	addr, drained := make(chan string, 1), make(chan struct{})
	go func() {
		defer close(drained)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			mu.Lock()
			logs.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		<-drained
		cmd.Wait()
		if t.Failed() {
			mu.Lock()
			t.Logf("server logs:\n%s", logs.String())
			mu.Unlock()
		}
	})
	s := &server{env: env}
	select {
	case s.base = <-addr:
	case <-drained:
		t.Fatalf("serve exited before listening:\n%s", logs.String())
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not listen within 60 s")
	}
	keys := exec.Command(bin, "shop-keys", "create", "--name", "テスト印刷所", "--kinds", "photo,card")
	keys.Env = env
	out, err := keys.Output()
	if s.key = strings.TrimSpace(string(out)); err != nil || !strings.HasPrefix(s.key, "shk_") {
		t.Fatalf("shop-keys create: %v %q", err, out)
	}
	return s
}

// readyOrder places a card order as a fan would and waits until it is
// rendered and ready for a shop.
func (s *server) readyOrder(t *testing.T) {
	t.Helper()
	s.readyOrderBy(t, "推し活 花子", "hanako@example.com")
}

// readyOrderBy is readyOrder with the customer's name and e-mail; it
// returns the order's id.
func (s *server) readyOrderBy(t *testing.T, name, email string) string {
	t.Helper()
	customer, _ := json.Marshal(orders.Customer{Name: name, Email: email})
	body := `{"customer":` + string(customer) + `,
		"items":[{"template":"card-letter-tate","quantity":1,"fields":{"to":"さくら"}}],
		"terms_accepted":true,
		"shipping_address":{"postal_code":"100-0001","prefecture":"東京都","city":"千代田区","line1":"千代田1-1","name":"山田 花子","phone":"090-1234-5678"}}`
	var o struct{ ID, Token, Status string }
	if code := s.do(t, "POST", "/v1/orders", "", body, &o); code != 201 {
		t.Fatalf("place order: %d %+v", code, o)
	}
	deadline := time.Now().Add(90 * time.Second)
	for o.Status != "ready" {
		if o.Status == "failed" || time.Now().After(deadline) {
			t.Fatalf("order %s is %s, want ready", o.ID, o.Status)
		}
		time.Sleep(100 * time.Millisecond)
		s.do(t, "GET", "/v1/orders/"+o.ID, o.Token, "", &o)
	}
	return o.ID
}

func (s *server) do(t *testing.T, method, path, auth, body string, out any) int {
	t.Helper()
	req, _ := http.NewRequest(method, s.base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("%s %s: decode: %v", method, path, err)
	}
	return resp.StatusCode
}

// corrupting is a network that flips one byte in the body of the file
// downloads it is told to spoil, keeping their length, so only the SHA-256
// can catch it. The API's own requests pass untouched.
type corrupting struct {
	mu    sync.Mutex
	spoil func(n int, path string) bool // n counts file downloads from 1
	n     int
	paths []string // every file download, in order
}

func (c *corrupting) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil || strings.HasPrefix(req.URL.Path, "/v1/shop/") {
		return resp, err
	}
	c.mu.Lock()
	c.n++
	c.paths = append(c.paths, req.URL.Path)
	spoil := c.spoil != nil && c.spoil(c.n, req.URL.Path)
	c.mu.Unlock()
	if spoil {
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		body[len(body)/2] ^= 0xff
		resp.Body = io.NopCloser(bytes.NewReader(body))
	}
	return resp, nil
}

func (c *corrupting) downloads() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.paths...)
}

// claimed claims the server's ready order the way a run does before it
// downloads anything (the state a run killed right then leaves), and
// returns the claim's manifest as the API gives it.
func claimed(t *testing.T, c *Client) orders.Manifest {
	t.Helper()
	ctx := context.Background()
	id, err := c.claim(ctx)
	if err != nil || id == "" {
		t.Fatalf("claim: %q %v", id, err)
	}
	var m orders.Manifest
	if err := c.call(ctx, http.MethodGet, "/v1/shop/claims/"+id, nil, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func files(m orders.Manifest) []orders.ManifestFile {
	var fs []orders.ManifestFile
	for _, o := range m.Orders {
		for _, it := range o.Items {
			fs = append(fs, it.Files...)
		}
	}
	return fs
}

// checkClaim checks that the claim's folder holds every file of m with its
// SHA-256, manifest.json, the packing slips and the ヤマト label file, and
// .done, and no temporary files.
func checkClaim(t *testing.T, dir string, m orders.Manifest) {
	t.Helper()
	cdir := filepath.Join(dir, m.ClaimID)
	for _, f := range files(m) {
		if sum := sha256File(t, filepath.Join(cdir, f.Path)); sum != f.SHA256 {
			t.Errorf("%s: sha256 %s, want %s", f.Path, sum, f.SHA256)
		}
	}
	for _, name := range []string{"manifest.json", "manifest.csv", "packing-slips.pdf", "shipping-yamato-b2.csv", ".done"} {
		if !exists(filepath.Join(cdir, name)) {
			t.Errorf("no %s in %s", name, cdir)
		}
	}
	if left := partFiles(cdir); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func partFiles(dir string) []string {
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".part") {
			out = append(out, p)
		}
		return nil
	})
	return out
}

func sha256File(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func inode(t *testing.T, path string) uint64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Ino
}

// TestFetchVerifiesSHA256 spoils downloads on the way: a file whose bytes
// do not match the manifest's SHA-256 must never be renamed into the hot
// folder, and must be downloaded again.
func TestFetchVerifiesSHA256(t *testing.T) {
	srv := startServer(t)
	for _, tc := range []struct {
		scenario string
		spoil    func(n int, path string) bool
		check    func(t *testing.T, dir string, m orders.Manifest, st Stats, err error, got []string)
	}{
		{"spoiled once: downloaded again and kept", func(n int, _ string) bool { return n == 1 },
			func(t *testing.T, dir string, m orders.Manifest, st Stats, err error, got []string) {
				fs := files(m)
				if err != nil || st.Downloaded != len(fs) || st.Orders != 1 {
					t.Fatalf("run: %+v %v; want every file downloaded and the order acked", st, err)
				}
				if len(got) != len(fs)+1 || got[0] != got[1] {
					t.Fatalf("downloads %v: want the spoiled first file fetched twice in a row, the rest once", got)
				}
				checkClaim(t, dir, m)
			}},
		{"always spoiled: never renamed into place", func(_ int, path string) bool { return strings.HasSuffix(path, ".pdf") },
			func(t *testing.T, dir string, m orders.Manifest, st Stats, err error, got []string) {
				if err == nil || !strings.Contains(err.Error(), "sha256") || st.Orders != 0 {
					t.Fatalf("run: %+v %v; want an error about the sha256 and no ack", st, err)
				}
				cdir := filepath.Join(dir, m.ClaimID)
				for _, f := range files(m) {
					if strings.HasSuffix(f.Name, ".pdf") && exists(filepath.Join(cdir, f.Path)) {
						t.Errorf("%s was renamed into place with the wrong bytes", f.Path)
					}
				}
				if pdfs := strings.Count(strings.Join(got, " "), ".pdf"); pdfs != 3 {
					t.Errorf("the spoiled file was downloaded %d times, want 3 tries: %v", pdfs, got)
				}
				if left := partFiles(cdir); len(left) > 0 || exists(filepath.Join(cdir, ".done")) || exists(filepath.Join(cdir, "manifest.json")) {
					t.Errorf("after the failure: temporary files %v, .done %v, manifest.json %v; want none", left,
						exists(filepath.Join(cdir, ".done")), exists(filepath.Join(cdir, "manifest.json")))
				}
			}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			srv.readyOrder(t)
			net := &corrupting{spoil: tc.spoil}
			dir := t.TempDir()
			c, err := New(Config{Server: srv.base, Key: srv.key, Dir: dir, HTTP: &http.Client{Transport: net}})
			if err != nil {
				t.Fatal(err)
			}
			m := claimed(t, c)
			st, err := c.Run(context.Background())
			tc.check(t, dir, m, st, err, net.downloads())

			// Whatever happened, a rerun on a sound network finishes.
			c, _ = New(Config{Server: srv.base, Key: srv.key, Dir: dir})
			if _, err := c.Run(context.Background()); err != nil {
				t.Fatalf("rerun: %v", err)
			}
			checkClaim(t, dir, m)
		})
	}
}

// TestResume starts from what an interrupted run leaves in a claim's folder
// and checks what a rerun makes of it.
func TestResume(t *testing.T) {
	srv := startServer(t)
	for _, tc := range []struct {
		scenario string
		// leave writes the earlier run's leftovers into cdir and returns
		// a check of the folder after the rerun.
		leave func(t *testing.T, cdir string, m orders.Manifest) func(t *testing.T, st Stats)
	}{
		{"killed while downloading: .part files are replaced", func(t *testing.T, cdir string, m orders.Manifest) func(*testing.T, Stats) {
			var parts []string
			for i, f := range files(m) {
				target := filepath.Join(cdir, f.Path)
				os.MkdirAll(filepath.Dir(target), 0o755)
				// Named as download names them, half written.
				p := filepath.Join(filepath.Dir(target), fmt.Sprintf(".%s.%d.part", filepath.Base(target), 1000+i))
				os.WriteFile(p, bytes.Repeat([]byte{0xAB}, int(f.Size/2)), 0o644)
				parts = append(parts, p)
			}
			return func(t *testing.T, st Stats) {
				if st.Downloaded != len(files(m)) || st.Verified != 0 {
					t.Errorf("stats %+v: want every file downloaded, none taken from a .part", st)
				}
				for _, p := range parts {
					if exists(p) {
						t.Errorf("leftover %s is still there", p)
					}
				}
			}
		}},
		{"a file with the wrong bytes in place is downloaded again", func(t *testing.T, cdir string, m orders.Manifest) func(*testing.T, Stats) {
			f := files(m)[0]
			target := filepath.Join(cdir, f.Path)
			os.MkdirAll(filepath.Dir(target), 0o755)
			os.WriteFile(target, bytes.Repeat([]byte{0}, int(f.Size)), 0o644) // right size, wrong sum
			return func(t *testing.T, st Stats) {
				if st.Downloaded != len(files(m)) || st.Verified != 0 {
					t.Errorf("stats %+v: want the wrong file downloaded again", st)
				}
			}
		}},
		{"a verified file is kept, not fetched again", func(t *testing.T, cdir string, m orders.Manifest) func(*testing.T, Stats) {
			f := files(m)[0]
			target := filepath.Join(cdir, f.Path)
			os.MkdirAll(filepath.Dir(target), 0o755)
			resp, err := http.Get(f.URL)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			os.WriteFile(target, data, 0o644)
			ino := inode(t, target)
			return func(t *testing.T, st Stats) {
				if st.Verified != 1 || st.Downloaded != len(files(m))-1 {
					t.Errorf("stats %+v: want the file in place verified and kept", st)
				}
				if inode(t, target) != ino {
					t.Errorf("%s was replaced though it was verified", f.Path)
				}
			}
		}},
		{"killed after writing the manifest: it is replaced whole, by rename", func(t *testing.T, cdir string, m orders.Manifest) func(*testing.T, Stats) {
			// The earlier run's manifest, longer than the new one, with a
			// second name: a write into the file in place would show
			// through the second name, and a shorter write would leave
			// its tail.
			old := append([]byte(`{"claim_id":"from the killed run","padding":"`), bytes.Repeat([]byte("x"), 1<<20)...)
			old = append(old, "\"}\n"...)
			manifest := filepath.Join(cdir, "manifest.json")
			os.WriteFile(manifest, old, 0o644)
			if err := os.Link(manifest, filepath.Join(cdir, "old-manifest")); err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(cdir, ".manifest.json.42.part"), []byte(`{"claim_id":`), 0o644)
			return func(t *testing.T, st Stats) {
				if got, err := os.ReadFile(filepath.Join(cdir, "old-manifest")); err != nil || !bytes.Equal(got, old) {
					t.Errorf("the old manifest's file was written in place (%v)", err)
				}
				var disk orders.Manifest
				data, _ := os.ReadFile(manifest)
				if err := json.Unmarshal(data, &disk); err != nil || disk.ClaimID != m.ClaimID || len(disk.Orders) != len(m.Orders) {
					t.Fatalf("manifest.json is not this claim's manifest (%v):\n%.300s", err, data)
				}
				if bytes.Contains(data, []byte(`"url"`)) {
					t.Errorf("manifest.json keeps the download URLs")
				}
			}
		}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			srv.readyOrder(t)
			dir := t.TempDir()
			c, err := New(Config{Server: srv.base, Key: srv.key, Dir: dir})
			if err != nil {
				t.Fatal(err)
			}
			m := claimed(t, c)
			check := tc.leave(t, filepath.Join(dir, m.ClaimID), m)
			st, err := c.Run(context.Background())
			if err != nil || st.Claims != 1 || st.Orders != 1 {
				t.Fatalf("rerun: %+v %v; want the claim finished and its order acked", st, err)
			}
			checkClaim(t, dir, m)
			check(t, st)
		})
	}
}
