// Package testenv gives tests isolated handles on the real services named by
// the environment (scripts/test sets them):
//
//	OSHIGOODS_TEST_POSTGRES_URL  postgres://… of a database tests may create schemas in
//	OSHIGOODS_TEST_REDIS_URL     redis://host:port of a Redis tests may use DBs 1–15 of
//	OSHIGOODS_TEST_S3_ENDPOINT   http://host:port of an S3 server (MinIO), with
//	                             AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY
//
// When a variable is unset the test is skipped, except when CI or
// OSHIGOODS_TEST_REQUIRE_SERVICES is set: then it fails, so a missing
// service never passes silently. Tool applies the same rule to the command
// line tools tests check outputs with.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
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

// RedisURL returns a redis:// URL of a database (1–15) of the test Redis,
// emptied before use. Tests in parallel processes take turns round the
// databases, so a FLUSHDB in one test does not touch another's.
func RedisURL(t testing.TB) string {
	t.Helper()
	base := need(t, "OSHIGOODS_TEST_REDIS_URL")
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

// S3 is a test's bucket on the real S3 server.
type S3 struct {
	Endpoint  string
	Bucket    string
	Region    string
	AccessKey string
	SecretKey string
}

// S3Bucket returns the S3 endpoint and credentials and a fresh bucket name;
// the caller creates the bucket (the S3 store does so on start).
func S3Bucket(t testing.TB) S3 {
	t.Helper()
	return S3{
		Endpoint:  need(t, "OSHIGOODS_TEST_S3_ENDPOINT"),
		Bucket:    "t-" + Suffix(),
		Region:    "us-east-1",
		AccessKey: os.Getenv("AWS_ACCESS_KEY_ID"),
		SecretKey: os.Getenv("AWS_SECRET_ACCESS_KEY"),
	}
}
