// Package testenv gives tests isolated handles on the services they need:
// the real services named by the environment (scripts/test sets them), or,
// when a variable is unset, the in-process stand-ins the project ships
// (package embedded) and SQLite, so tests run anywhere:
//
//	OSHIGOODS_TEST_POSTGRES_URL  postgres://… of a database tests may create schemas in
//	                             (unset: Database gives a SQLite file)
//	OSHIGOODS_TEST_REDIS_URL     redis://host:port of a Redis tests may use DBs 1–15 of
//	                             (unset: a miniredis for the test)
//	OSHIGOODS_TEST_S3_ENDPOINT   http://host:port of an S3 server (MinIO), with
//	                             AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY
//	                             (unset: an in-process S3 server for the test)
//	OSHIGOODS_TEST_SMTP_URL      smtp://host:port?tls=none of a mailpit, with
//	OSHIGOODS_TEST_MAILPIT_API   http://host:port of its HTTP API (no stand-in:
//	                             Mailpit ends the test through Missing)
//	OSHIGOODS_TEST_MAILPIT_BIN   the mailpit binary, for tests that start their
//	                             own (StartMailpit; likewise no stand-in)
//	OSHIGOODS_TEST_STRIPE_MOCK   http://127.0.0.1:port of stripe-mock, Stripe's API
//	                             stand-in (no stand-in of ours: StripeMock ends the
//	                             test through Missing)
//
// When CI or OSHIGOODS_TEST_REQUIRE_SERVICES is set, a missing variable fails
// the test instead: there the real services are meant, and a stand-in never
// passes for them silently. PostgresURL, for tests of PostgreSQL itself, has
// no stand-in and skips without its variable, as StripeMock does. Tool applies the same rule to
// the command line tools tests check outputs with.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"

	"oshigoods/embedded"
)

// Required reports whether a missing service or tool must fail the test
// rather than skip it: under CI or OSHIGOODS_TEST_REQUIRE_SERVICES.
func Required() bool {
	return os.Getenv("CI") != "" || os.Getenv("OSHIGOODS_TEST_REQUIRE_SERVICES") != ""
}

// Missing ends the test because something it needs is not here: it fails
// when Required, and skips otherwise, with the reason either way.
func Missing(t testing.TB, reason string) {
	t.Helper()
	if Required() {
		t.Fatal(reason)
	}
	t.Skip(reason)
}

// Tool returns the path of the first of names found on PATH, for tests
// that check outputs with real tools (pdfinfo, identify, ffprobe, chromium).
// When none is found the test ends through Missing.
func Tool(t testing.TB, names ...string) string {
	t.Helper()
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	Missing(t, fmt.Sprintf("%s is not installed: this test checks its output with it (scripts/test installs it)", strings.Join(names, " or ")))
	return ""
}

// need returns the variable's value or ends the test through Missing.
func need(t testing.TB, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		Missing(t, fmt.Sprintf("%s is not set: this test needs the real service (run scripts/test)", name))
	}
	return v
}

// service returns the variable's value, or "" when the test may use a
// stand-in instead; when Required, an unset variable fails the test.
func service(t testing.TB, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" && Required() {
		t.Fatalf("%s is not set: under CI this test runs on the real service, not a stand-in (run scripts/test)", name)
	}
	return v
}

// Suffix returns a random lower-case hex string for naming test resources.
func Suffix() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// PostgresURL returns a connection URL whose search_path is a fresh schema,
// dropped when the test ends.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := need(t, "OSHIGOODS_TEST_POSTGRES_URL")
	schema := "t_" + Suffix()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to PostgreSQL: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if c, err := pgx.Connect(ctx, base); err == nil {
			c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
			c.Close(ctx)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse OSHIGOODS_TEST_POSTGRES_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Database returns the data source name of a fresh database for
// sqlstore.Open: a PostgreSQL schema as PostgresURL gives, or without
// OSHIGOODS_TEST_POSTGRES_URL a SQLite file in the test's temporary folder.
func Database(t testing.TB) string {
	t.Helper()
	if service(t, "OSHIGOODS_TEST_POSTGRES_URL") == "" {
		return filepath.Join(t.TempDir(), "oshigoods.db")
	}
	return PostgresURL(t)
}

// RedisURL returns a redis:// URL of a database (1–15) of the test Redis,
// emptied before use. Tests in parallel processes take turns round the
// databases, so a FLUSHDB in one test does not touch another's. Without
// OSHIGOODS_TEST_REDIS_URL it is a miniredis of the test's own, stopped
// when the test ends.
func RedisURL(t testing.TB) string {
	t.Helper()
	base := service(t, "OSHIGOODS_TEST_REDIS_URL")
	if base == "" {
		r, err := embedded.StartRedis()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(r.Close)
		return r.URL()
	}
	opt, err := redis.ParseURL(base)
	if err != nil {
		t.Fatalf("parse OSHIGOODS_TEST_REDIS_URL: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c0 := redis.NewClient(opt)
	defer c0.Close()
	n, err := c0.Incr(ctx, "oshigoods:test:next-db").Result()
	if err != nil {
		t.Fatalf("reach Redis: %v", err)
	}
	opt.DB = int(n%15) + 1
	c := redis.NewClient(opt)
	defer c.Close()
	if err := c.FlushDB(ctx).Err(); err != nil {
		t.Fatalf("flush Redis DB %d: %v", opt.DB, err)
	}
	return fmt.Sprintf("redis://%s/%d", opt.Addr, opt.DB)
}

// S3 is a test's bucket on the S3 server.
type S3 struct {
	Endpoint  string
	Bucket    string
	Region    string
	AccessKey string
	SecretKey string
}

// S3Bucket returns the S3 endpoint and credentials and a fresh bucket name;
// the caller creates the bucket (the S3 store does so on start). Without
// OSHIGOODS_TEST_S3_ENDPOINT the endpoint is an in-process S3 server of the
// test's own (the embedded stand-in: gofakes3 behind a SigV4 check, objects
// in the test's temporary folder, its own credentials), stopped when the
// test ends.
func S3Bucket(t testing.TB) S3 {
	t.Helper()
	endpoint := service(t, "OSHIGOODS_TEST_S3_ENDPOINT")
	if endpoint == "" {
		srv, err := embedded.StartS3(embedded.S3Config{Dir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(srv.Close)
		return S3{Endpoint: srv.Endpoint(), Bucket: "t-" + Suffix(), Region: srv.Region(), AccessKey: srv.AccessKey(), SecretKey: srv.SecretKey()}
	}
	return S3{
		Endpoint:  endpoint,
		Bucket:    "t-" + Suffix(),
		Region:    "us-east-1",
		AccessKey: os.Getenv("AWS_ACCESS_KEY_ID"),
		SecretKey: os.Getenv("AWS_SECRET_ACCESS_KEY"),
	}
}

// StripeMock returns the base URL of stripe-mock (OSHIGOODS_TEST_STRIPE_MOCK),
// which stripepay's Config.APIBase takes. Unset, the test ends through
// Missing. A URL that is not http(s) to a loopback address fails the test
// before anything dials it: tests never send a key or a request anywhere
// else, Stripe's API least of all.
func StripeMock(t testing.TB) string {
	t.Helper()
	v := need(t, "OSHIGOODS_TEST_STRIPE_MOCK")
	u, err := url.Parse(v)
	var ip net.IP
	if err == nil {
		ip = net.ParseIP(u.Hostname())
	}
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || ip == nil || !ip.IsLoopback() || u.Port() == "" {
		t.Fatalf("OSHIGOODS_TEST_STRIPE_MOCK=%q is not http://127.0.0.1:port or http://[::1]:port: tests talk to stripe-mock on loopback only", v)
	}
	return strings.TrimRight(v, "/")
}

// ErrorLines checks a joined error line by line, as Validate methods
// report their problems: each line must begin with the want of its place,
// and there must be as many. No want means err must be nil.
func ErrorLines(t testing.TB, err error, want []string) {
	t.Helper()
	if len(want) == 0 {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("no error; want %q", want)
	}
	got := strings.Split(err.Error(), "\n")
	if len(got) != len(want) {
		t.Fatalf("error:\n%v\nwant:\n%s", err, strings.Join(want, "\n"))
	}
	for i := range got {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("line %d:\n got %s\nwant %s", i, got[i], want[i])
		}
	}
}
