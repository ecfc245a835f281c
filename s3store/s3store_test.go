package s3store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"oshigoods"
	"oshigoods/embedded"
	"oshigoods/internal/testenv"
	"oshigoods/s3store"
)

func TestStoreOnMinIO(t *testing.T) {
	ctx := context.Background()
	s3 := testenv.S3Bucket(t)
	cfg := s3store.Config{Endpoint: s3.Endpoint, Bucket: s3.Bucket, AccessKey: s3.AccessKey, SecretKey: s3.SecretKey}
	st, err := s3store.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Opening again finds the bucket there.
	if _, err := s3store.New(ctx, cfg); err != nil {
		t.Fatalf("reopen: %v", err)
	}
	if err := st.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	data := []byte("推しの写真 \x00\xff bytes")
	if err := st.Put(ctx, "a/b/c.bin", data, "application/octet-stream"); err != nil {
		t.Fatal(err)
	}
	got, err := st.Get(ctx, "a/b/c.bin")
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("get: %q, %v", got, err)
	}
	if _, err := st.Get(ctx, "missing"); oshigoods.ErrorCode(err) != oshigoods.ENOTFOUND {
		t.Fatalf("missing key: %v, want ENOTFOUND", err)
	}
	for key, want := range map[string]bool{"a/b/c.bin": true, "missing": false, "a/b": false} {
		if found, err := st.Exists(ctx, key); err != nil || found != want {
			t.Fatalf("Exists(%s) = %v, %v; want %v", key, found, err, want)
		}
	}
	url, err := st.PresignGet(ctx, "a/b/c.bin", "photo.jpg", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(body, data) {
		t.Fatalf("presigned GET: %d %q", resp.StatusCode, body)
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, "photo.jpg") {
		t.Fatalf("Content-Disposition %q", cd)
	}
	t.Run("tampered URL is refused", func(t *testing.T) {
		// A tampered URL is refused, by MinIO and by the stand-in, which
		// checks SigV4 as S3 does.
		resp, err := http.Get(strings.Replace(url, "c.bin", "d.bin", 1))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("tampered URL: %d, want 403", resp.StatusCode)
		}
	})
}

// TestConfigValidateAll checks that every problem is reported at once,
// each naming its field.
func TestConfigValidateAll(t *testing.T) {
	err := s3store.Config{Endpoint: "ftp://x", Bucket: "B", Region: "?", AccessKey: "a"}.Validate()
	var fields []string
	for _, e := range oshigoods.ConfigErrors(err) {
		fields = append(fields, e.Field)
	}
	if got, want := strings.Join(fields, ","), "Endpoint,Bucket,Region,AccessKey"; got != want {
		t.Fatalf("Validate() = %v; fields %s, want %s", err, got, want)
	}
}

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		scenario string
		cfg      s3store.Config
		ok       bool
	}{
		{"bucket required", s3store.Config{}, false},
		{"half credentials", s3store.Config{Bucket: "b", AccessKey: "a"}, false},
		{"default chain", s3store.Config{Bucket: "b"}, true},
		{"static credentials", s3store.Config{Bucket: "b", AccessKey: "a", SecretKey: "s"}, true},
		{"half credentials: secret key alone", s3store.Config{Bucket: "b", SecretKey: "s"}, false},
		{"MinIO endpoint", s3store.Config{Endpoint: "http://127.0.0.1:9000", Bucket: "oshigoods", Region: "us-east-1"}, true},
		{"https endpoint", s3store.Config{Endpoint: "https://s3.ap-northeast-1.amazonaws.com", Bucket: "my.bucket-1", Region: "ap-northeast-1"}, true},
		{"endpoint without scheme", s3store.Config{Endpoint: "minio:9000", Bucket: "b"}, false},
		{"endpoint with redis scheme", s3store.Config{Endpoint: "redis://127.0.0.1:6379", Bucket: "b"}, false},
		{"endpoint without host", s3store.Config{Endpoint: "http://", Bucket: "b"}, false},
		{"upper-case bucket", s3store.Config{Bucket: "Oshigoods"}, false},
		{"bucket with underscore", s3store.Config{Bucket: "oshi_goods"}, false},
		{"bucket ending in a hyphen", s3store.Config{Bucket: "oshigoods-"}, false},
		{"bucket with two dots", s3store.Config{Bucket: "oshi..goods"}, false},
		{"bucket like an IP address", s3store.Config{Bucket: "192.168.1.1"}, false},
		{"bucket of 64 characters", s3store.Config{Bucket: strings.Repeat("b", 64)}, false},
		{"region with spaces", s3store.Config{Bucket: "b", Region: "us east 1"}, false},
		{"upper-case region", s3store.Config{Bucket: "b", Region: "US-EAST-1"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.scenario, func(t *testing.T) {
			if err := tc.cfg.Validate(); (err == nil) != tc.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

// TestOutageIsUnavailable: when the S3 server goes away, or says it is
// overloaded, Put and Get are EUNAVAILABLE with a public message that names
// no address or SDK detail; the cause stays in the error for the log.
func TestOutageIsUnavailable(t *testing.T) {
	ctx := context.Background()
	srv, err := embedded.StartS3(embedded.S3Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	gone, err := s3store.New(ctx, s3store.Config{Endpoint: srv.Endpoint(), Bucket: "outage", AccessKey: srv.AccessKey(), SecretKey: srv.SecretKey()})
	if err != nil {
		t.Fatal(err)
	}
	if err := gone.Put(ctx, "before", []byte("x"), "text/plain"); err != nil {
		t.Fatalf("before the outage: %v", err)
	}
	srv.Close()
	// busy answers HEAD (the bucket exists) and 503 SlowDown to the rest.
	busy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			return
		}
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, `<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>`)
	}))
	t.Cleanup(busy.Close) // after the parallel scenarios
	slow, err := s3store.New(ctx, s3store.Config{Endpoint: busy.URL, Bucket: "outage", AccessKey: "k", SecretKey: "s"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		scenario string
		st       *s3store.Store
		endpoint string
		get      bool
		cause    string // in the error, for the log
	}{
		{"put to a server that went away", gone, srv.Endpoint(), false, "connection refused"},
		{"get from a server that went away", gone, srv.Endpoint(), true, "connection refused"},
		{"put to a server that is overloaded", slow, busy.URL, false, "503"},
		{"get from a server that is overloaded", slow, busy.URL, true, "503"},
		{"look up on a server that went away", gone, srv.Endpoint(), false, "connection refused"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			t.Parallel() // each waits out the SDK's retries
			var err error
			switch {
			case strings.HasPrefix(tc.scenario, "look up"):
				_, err = tc.st.Exists(ctx, "before")
			case tc.get:
				_, err = tc.st.Get(ctx, "before")
			default:
				err = tc.st.Put(ctx, "after", []byte("x"), "text/plain")
			}
			if oshigoods.ErrorCode(err) != oshigoods.EUNAVAILABLE {
				t.Fatalf("got %v, want EUNAVAILABLE", err)
			}
			_, port, _ := net.SplitHostPort(strings.TrimPrefix(tc.endpoint, "http://"))
			msg := strings.ToLower(oshigoods.ErrorMessage(err))
			for _, detail := range []string{"127.0.0.1", port, "dial", "s3", "operation", "slowdown"} {
				if strings.Contains(msg, detail) {
					t.Fatalf("public message %q gives away %q", msg, detail)
				}
			}
			if e := (*oshigoods.Error)(nil); !errors.As(err, &e) || e.Err == nil || !strings.Contains(e.Err.Error(), tc.cause) {
				t.Errorf("error %q lost its cause (%s)", err, tc.cause)
			}
		})
	}
}

// TestDelete: on real MinIO and on the embedded S3 (which checks SigV4),
// Delete removes the object (Get is then ENOTFOUND and its presigned URL
// 404) and deleting a missing key, or the same key again, is no error.
func TestDelete(t *testing.T) {
	ctx := context.Background()
	stores := map[string]func(t *testing.T) *s3store.Store{
		"embedded": func(t *testing.T) *s3store.Store {
			srv, err := embedded.StartS3(embedded.S3Config{Dir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(srv.Close)
			st, err := s3store.New(ctx, s3store.Config{Endpoint: srv.Endpoint(), Bucket: "delete", AccessKey: srv.AccessKey(), SecretKey: srv.SecretKey()})
			if err != nil {
				t.Fatal(err)
			}
			return st
		},
		"minio": func(t *testing.T) *s3store.Store {
			s3 := testenv.S3Bucket(t)
			st, err := s3store.New(ctx, s3store.Config{Endpoint: s3.Endpoint, Bucket: s3.Bucket, AccessKey: s3.AccessKey, SecretKey: s3.SecretKey})
			if err != nil {
				t.Fatal(err)
			}
			return st
		},
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			if err := st.Put(ctx, "uploads/upl_1.jpeg", []byte("photo"), "image/jpeg"); err != nil {
				t.Fatal(err)
			}
			if err := st.Put(ctx, "uploads/upl_2.jpeg", []byte("kept"), "image/jpeg"); err != nil {
				t.Fatal(err)
			}
			url, err := st.PresignGet(ctx, "uploads/upl_1.jpeg", "photo.jpg", time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if err := st.Delete(ctx, "uploads/upl_1.jpeg"); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			if _, err := st.Get(ctx, "uploads/upl_1.jpeg"); oshigoods.ErrorCode(err) != oshigoods.ENOTFOUND {
				t.Fatalf("Get after Delete: %v, want ENOTFOUND", err)
			}
			resp, err := http.Get(url)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound {
				t.Fatalf("presigned GET after Delete: %d, want 404", resp.StatusCode)
			}
			for _, k := range []string{"uploads/upl_1.jpeg", "never/there"} {
				if err := st.Delete(ctx, k); err != nil {
					t.Fatalf("Delete of missing %s: %v", k, err)
				}
			}
			if got, err := st.Get(ctx, "uploads/upl_2.jpeg"); err != nil || string(got) != "kept" {
				t.Fatalf("other object: %q, %v", got, err)
			}
		})
	}
}

// TestConnectionsReused: a Store keeps the connections of many requests
// at once for the next ones (MaxIdleConns), rather than the SDK's 10 per
// host, so a worker running more renders at once than that does not open
// new connections for every file it stores.
func TestConnectionsReused(t *testing.T) {
	const inFlight = 32 // more than the SDK's 10 idle per host
	var (
		mu      sync.Mutex
		opened  int
		waiting int
		all     = make(chan struct{})
	)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPut {
			return // HEAD bucket: it exists
		}
		// Every PUT of a round waits for the others, so each round holds
		// inFlight connections at once.
		mu.Lock()
		waiting++
		if waiting == inFlight {
			close(all)
		}
		round := all
		mu.Unlock()
		select {
		case <-round:
		case <-time.After(10 * time.Second):
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			mu.Lock()
			opened++
			mu.Unlock()
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	st, err := s3store.New(t.Context(), s3store.Config{Endpoint: srv.URL, Bucket: "reuse", AccessKey: "k", SecretKey: "s"})
	if err != nil {
		t.Fatal(err)
	}
	round := func() int {
		mu.Lock()
		waiting, all = 0, make(chan struct{})
		before := opened
		mu.Unlock()
		var wg sync.WaitGroup
		for i := range inFlight {
			wg.Go(func() {
				if err := st.Put(t.Context(), fmt.Sprintf("k%d", i), []byte("x"), "text/plain"); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		return opened - before
	}
	// The first round opens what the bucket's HEAD (in New) did not.
	round()
	mu.Lock()
	first := opened
	mu.Unlock()
	if first < inFlight {
		t.Fatalf("%d connections opened, want at least %d", first, inFlight)
	}
	if n := round(); n != 0 {
		t.Errorf("second round opened %d new connections, want 0 (all %d kept from the first)", n, inFlight)
	}
}
