package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"oshigoods/internal/testenv"
	"oshigoods/orders"
)

// buildBinary builds the oshigoods command into dir, so tests can run it as
// a process and kill -9 it.
func buildBinary(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "oshigoods")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// receiver is a webhook endpoint that fails every third request with 500
// and records the events whose signature verifies.
type receiver struct {
	mu     sync.Mutex
	secret string
	calls  int
	failed int
	bad    int
	events map[string]orders.Event // by event id
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.calls++
	if !orders.VerifyWebhook(rc.secret, r.Header.Get(orders.HeaderSignature), body, time.Now(), 5*time.Minute) {
		rc.bad++
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	if rc.calls%3 == 0 {
		rc.failed++
		http.Error(w, "flaky receiver", http.StatusInternalServerError)
		return
	}
	var e orders.Event
	if err := json.Unmarshal(body, &e); err != nil || e.ID != r.Header.Get(orders.HeaderEventID) {
		rc.bad++
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	rc.events[e.ID] = e
	w.WriteHeader(http.StatusNoContent)
}

// byOrder restores each order's event types in sequence order, and reports
// whether the sequences run 1..n without gaps.
func (rc *receiver) byOrder() (map[string][]string, bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	per := map[string][]orders.Event{}
	for _, e := range rc.events {
		per[e.OrderID] = append(per[e.OrderID], e)
	}
	out, ok := map[string][]string{}, true
	for id, evs := range per {
		sort.Slice(evs, func(i, j int) bool { return evs[i].Sequence < evs[j].Sequence })
		for i, e := range evs {
			ok = ok && e.Sequence == int64(i+1)
			out[id] = append(out[id], e.Type)
		}
	}
	return out, ok
}

func cardOrder(to string) map[string]any {
	return testenv.Checkout(map[string]any{
		"customer": map[string]string{"name": "推し活 花子", "email": "hanako@example.com"},
		"items":    []map[string]any{{"template": "card-letter-tate", "quantity": 2, "fields": map[string]string{"to": to}}},
	})
}

type manifestResp struct {
	ClaimID string `json:"claim_id"`
	Orders  []struct {
		ID    string
		Items []struct {
			ID    string
			Files []struct{ Name, Path, URL, SHA256 string }
		}
	}
	Sheets *struct {
		Pages []struct{ Slots []struct{ OrderID string } }
	}
}

func TestPull(t *testing.T) {
	bin := buildBinary(t, t.TempDir())
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			t.Parallel()
			env := be.env(t)
			env["OSHIGOODS_WEBHOOK_RETRY"] = "100ms"
			// The receiver is an httptest server on loopback.
			env["OSHIGOODS_WEBHOOK_ALLOW"], env["OSHIGOODS_WEBHOOK_ALLOW_HTTP"] = "127.0.0.1/32", "true"
			srv := startServe(t, env)
			base := srv.base
			key := createShopKey(t, env)

			rc := &receiver{events: map[string]orders.Event{}}
			hook := httptest.NewServer(rc)
			defer hook.Close()
			var wh struct{ ID, Secret string }
			if code := call(t, "POST", base+"/v1/shop/webhooks", key, nil, map[string]string{"url": hook.URL + "/hook"}, &wh); code != 201 || !strings.HasPrefix(wh.Secret, "whsec_") {
				t.Fatalf("register webhook: %d %+v", code, wh)
			}
			rc.mu.Lock()
			rc.secret = wh.Secret
			rc.mu.Unlock()

			place := func(to string) orderResp {
				var o orderResp
				if code := call(t, "POST", base+"/v1/orders", "", nil, cardOrder(to), &o); code != 201 {
					t.Fatalf("order: %d %+v", code, o)
				}
				return o
			}
			final := map[string][]string{} // order → the events it must end with

			// A shop claims one order by hand: the fan can no longer cancel
			// it; the manifest, CSV and imposition are there; the shop
			// reports it failed, twice.
			f := place("あおい")
			waitStatus(t, base, f.ID, f.Token, "ready")
			var m manifestResp
			if code := call(t, "POST", base+"/v1/shop/claims", key, nil, map[string]any{"max": 1, "kinds": []string{"card"}}, &m); code != 201 || len(m.Orders) != 1 || m.Orders[0].ID != f.ID {
				t.Fatalf("claim: %d %+v", code, m)
			}
			var e apiError
			if code := call(t, "POST", base+"/v1/orders/"+f.ID+"/cancel", f.Token, nil, nil, &e); code != 409 || !strings.Contains(e.Error.Message, "print shop") {
				t.Fatalf("cancel a claimed order: %d %+v, want 409 saying a print shop has it", code, e)
			}
			var withMap manifestResp
			if code := call(t, "GET", base+"/v1/shop/claims/"+m.ClaimID+"?sheet=A4", key, nil, nil, &withMap); code != 200 || withMap.Sheets == nil || len(withMap.Sheets.Pages) != 1 || len(withMap.Sheets.Pages[0].Slots) != 2 {
				t.Fatalf("manifest with sheet map: %d %+v", code, withMap.Sheets)
			}
			if pdf := getBody(t, base+"/v1/shop/claims/"+m.ClaimID+"/imposition.pdf?sheet=A3", key, "application/pdf"); !bytes.HasPrefix(pdf, []byte("%PDF")) {
				t.Fatalf("imposition is not a PDF")
			}
			if csv := getBody(t, base+"/v1/shop/claims/"+m.ClaimID+"?format=csv", key, "text/csv"); !strings.HasPrefix(string(csv), "\ufeffclaim_id,order_id,customer_name") || strings.Count(string(csv), "\r\n") != 3 {
				t.Fatalf("CSV manifest:\n%s", csv)
			}
			other := createShopKey(t, env)
			if code := call(t, "GET", base+"/v1/shop/claims/"+m.ClaimID, other, nil, nil, nil); code != 404 {
				t.Fatalf("another shop reads the claim: %d, want 404", code)
			}
			ack := map[string]string{"order_id": f.ID, "outcome": "failed", "reason": "紙詰まり"}
			for i, want := range []bool{true, false} {
				var res struct{ Acks []struct{ Changed bool } }
				if code := call(t, "POST", base+"/v1/shop/claims/"+m.ClaimID+"/ack", key, nil, ack, &res); code != 200 || len(res.Acks) != 1 || res.Acks[0].Changed != want {
					t.Fatalf("ack #%d: %d %+v", i, code, res)
				}
			}
			waitStatus(t, base, f.ID, f.Token, "failed")
			final[f.ID] = []string{"order.ready", "order.failed"}

			// A fan cancels before any shop has it.
			c := place("ゆい")
			var cancelled orderResp
			if code := call(t, "POST", base+"/v1/orders/"+c.ID+"/cancel", c.Token, nil, nil, &cancelled); code != 200 || cancelled.Status != "cancelled" {
				t.Fatalf("cancel: %d %+v", code, cancelled)
			}
			final[c.ID] = []string{"order.cancelled"}

			// Two pull clients at once share six orders, never one twice.
			var ids []string
			for _, to := range []string{"さくら", "はな", "りん", "みお", "そら", "ひな"} {
				o := place(to)
				ids = append(ids, o.ID)
				defer waitStatus(t, base, o.ID, o.Token, "printed")
				final[o.ID] = []string{"order.ready", "order.printed"}
			}
			for _, id := range ids {
				var o orderResp
				call(t, "GET", base+"/v1/orders/"+id, "", nil, nil, nil)
				_ = o
			}
			waitAllReady(t, base, key, len(ids))
			root := t.TempDir()
			dirs := []string{filepath.Join(root, "a"), filepath.Join(root, "b")}
			var wg sync.WaitGroup
			outs := make([]string, 2)
			for i, dir := range dirs {
				wg.Go(func() { outs[i] = pull(t, bin, base, key, dir, "--max", "1") })
			}
			wg.Wait()
			seen := map[string]string{}
			for i, dir := range dirs {
				for _, id := range checkHotFolder(t, dir) {
					if prev, dup := seen[id]; dup {
						t.Fatalf("order %s downloaded into %s and %s", id, prev, dir)
					}
					seen[id] = dirs[i]
				}
			}
			if len(seen) != len(ids) {
				t.Fatalf("%d orders downloaded, want %d\n%s\n%s", len(seen), len(ids), outs[0], outs[1])
			}

			// kill -9 mid-download, then a rerun finishes the claim.
			var killed []string
			for _, to := range []string{"つむぎ", "めい"} {
				o := place(to)
				killed = append(killed, o.ID)
				defer waitStatus(t, base, o.ID, o.Token, "printed")
				final[o.ID] = []string{"order.ready", "order.printed"}
			}
			waitAllReady(t, base, key, len(killed))
			dir := filepath.Join(root, "killed")
			killMidDownload(t, bin, base, key, dir)
			out := pull(t, bin, base, key, dir)
			if !strings.Contains(out, "orders acked 2") || strings.Contains(out, "already verified 0,") {
				t.Fatalf("rerun: %s; want both orders acked and the verified files kept", out)
			}
			got := checkHotFolder(t, dir)
			sort.Strings(got)
			sort.Strings(killed)
			if strings.Join(got, ",") != strings.Join(killed, ",") {
				t.Fatalf("after the rerun the folder holds %v, want %v", got, killed)
			}

			// Every event arrives, signed, despite the failures, and each
			// order's events come back in order from their sequence numbers.
			deadline := time.Now().Add(60 * time.Second)
			for {
				per, gapless := rc.byOrder()
				ok := gapless
				for id, want := range final {
					evs := per[id]
					ok = ok && len(evs) >= len(want) && strings.Join(evs[len(evs)-len(want):], ",") == strings.Join(want, ",")
					ok = ok && (len(evs) == len(want) || id == c.ID && len(evs) == 2 && evs[0] == "order.ready")
				}
				if ok {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("webhook events by order %v (gapless %v), want %v", per, gapless, final)
				}
				time.Sleep(200 * time.Millisecond)
			}
			rc.mu.Lock()
			failed, bad := rc.failed, rc.bad
			rc.mu.Unlock()
			if failed == 0 || bad != 0 {
				t.Fatalf("receiver failed %d deliveries and saw %d bad signatures; want some failures, no bad signatures", failed, bad)
			}
			var log struct{ Deliveries []orders.DeliveryAttempt }
			call(t, "GET", base+"/v1/shop/webhooks/"+wh.ID+"/deliveries?limit=500", key, nil, nil, &log)
			fails := 0
			for _, a := range log.Deliveries {
				if a.StatusCode == 500 {
					fails++
				}
			}
			if fails == 0 {
				t.Fatalf("delivery log has no failed attempts: %+v", log.Deliveries)
			}
		})
	}
}

// waitAllReady waits until n orders are listed ready for the shop.
func waitAllReady(t *testing.T, base, key string, n int) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		var list struct{ Orders []orderResp }
		call(t, "GET", base+"/v1/shop/orders?status=ready", key, nil, nil, &list)
		if len(list.Orders) >= n {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%d orders did not become ready", n)
}

func getBody(t *testing.T, url, key, wantType string) []byte {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), wantType) {
		t.Fatalf("GET %s: %d %s %s", url, resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	return b
}

// pull runs the pull command to completion and returns its output.
func pull(t *testing.T, bin, base, key, dir string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"pull", "--server", base, "--key", key, "--dir", dir}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pull: %v\n%s", err, out)
	}
	return string(out)
}

// killMidDownload starts a slow pull and kills it with SIGKILL once one file
// is complete and another is half-written.
func killMidDownload(t *testing.T, bin, base, key, dir string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "pull", "--server", base, "--key", key, "--dir", dir, "--limit-rate", "40000")
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var done, part int
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".claim") || strings.HasPrefix(d.Name(), ".lock") {
				return nil
			}
			if strings.HasSuffix(p, ".part") {
				part++
			} else {
				done++
			}
			return nil
		})
		if done >= 1 && part >= 1 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no download in progress to kill:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if strings.Contains(out.String(), "done:") {
		t.Fatalf("the pull finished before it was killed:\n%s", out.String())
	}
}

// checkHotFolder checks every finished claim in dir: each manifest file is
// present once with its SHA-256, no partial files are left, and the claim
// is marked done. It returns the order ids found.
func checkHotFolder(t *testing.T, dir string) []string {
	t.Helper()
	var ids []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		cdir := filepath.Join(dir, e.Name())
		if _, err := os.Stat(filepath.Join(cdir, ".done")); err != nil {
			t.Fatalf("claim %s is not done", cdir)
		}
		var m manifestResp
		if err := json.Unmarshal(readFile(t, filepath.Join(cdir, "manifest.json")), &m); err != nil {
			t.Fatal(err)
		}
		readFile(t, filepath.Join(cdir, "manifest.csv"))
		want := map[string]bool{}
		for _, o := range m.Orders {
			ids = append(ids, o.ID)
			for _, it := range o.Items {
				for _, f := range it.Files {
					want[f.Path] = true
					if f.URL != "" {
						t.Fatalf("manifest on disk keeps a URL")
					}
					if got := sha256Hex(readFile(t, filepath.Join(cdir, f.Path))); got != f.SHA256 {
						t.Fatalf("%s: sha256 %s, manifest %s", f.Path, got, f.SHA256)
					}
				}
			}
		}
		filepath.WalkDir(cdir, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			rel, _ := filepath.Rel(cdir, p)
			switch {
			case strings.HasSuffix(p, ".part"):
				t.Errorf("partial file left: %s", p)
			case strings.Contains(rel, "/") && !want[filepath.ToSlash(rel)]:
				t.Errorf("file not in the manifest: %s", p)
			}
			return nil
		})
	}
	return ids
}

func TestPullErrors(t *testing.T) {
	env := backends[0].env(t)
	srv := startServe(t, env, "--worker=false")
	for _, tc := range []struct {
		scenario string
		args     []string
		want     string
	}{
		{"bad key", []string{"--server", srv.base, "--key", "shk_wrong", "--dir", t.TempDir()}, "refused the print-shop key"},
		{"unreachable server", []string{"--server", "http://127.0.0.1:1", "--key", "shk_x", "--dir", t.TempDir()}, "cannot reach the server"},
		{"no dir", []string{"--server", srv.base, "--key", "shk_x"}, "--dir is required"},
		{"unknown sheet", []string{"--server", srv.base, "--key", "shk_x", "--dir", t.TempDir(), "--impose", "B5"}, "unknown sheet size"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			var out, errb bytes.Buffer
			err := run(context.Background(), append([]string{"pull"}, tc.args...), func(string) string { return "" }, &out, &errb)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}
