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
	// A tampered URL is refused by the real server.
	resp, err = http.Get(strings.Replace(url, "c.bin", "d.bin", 1))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("tampered URL: %d, want 403", resp.StatusCode)
	}
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
