package s3store_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"oshigoods"
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
		if s3.StandIn {
			t.Skip("the in-process S3 stand-in does not check signatures: only MinIO can refuse a tampered URL (run scripts/test)")
		}
		// A tampered URL is refused by the real server.
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
	}
	for _, tc := range cases {
		t.Run(tc.scenario, func(t *testing.T) {
			if err := tc.cfg.Validate(); (err == nil) != tc.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}
