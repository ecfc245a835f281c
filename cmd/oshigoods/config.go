package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"oshigoods/render"
)

// config is the whole configuration, from the environment and flags (a
// flag wins). Empty service URLs mean the embedded stand-in.
type config struct {
	Addr        string
	DataDir     string
	RedisURL    string
	DatabaseURL string
	S3Endpoint  string
	S3Bucket    string
	S3Region    string
	AccessKey   string
	SecretKey   string
	Secret      string
	Worker      bool
	Concurrency int
	// Reconcile is how often the worker looks for items Redis lost, and
	// StaleAfter how long an item may wait before it is re-enqueued.
	Reconcile  time.Duration
	StaleAfter time.Duration
	// WebhookRetry is the first webhook retry's delay; it doubles each time.
	WebhookRetry time.Duration
	MaxUpload    int64
	// Profile names the print profile renders use (render.ProfileNames).
	Profile string
	// OutputICC is the path of an ICC output profile for the print PDFs'
	// output intent; empty is the built-in sRGB.
	OutputICC string
	// onListen, when set, is told the address the API listens on (tests).
	onListen func(addr string)
}

// bind registers the flags on fs with defaults from the environment.
func (c *config) bind(fs *flag.FlagSet, getenv func(string) string) {
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	envDur := func(name string, def time.Duration) time.Duration {
		if d, err := time.ParseDuration(getenv(name)); err == nil {
			return d
		}
		return def
	}
	envInt := func(name string, def int) int {
		if n, err := strconv.Atoi(getenv(name)); err == nil {
			return n
		}
		return def
	}
	fs.StringVar(&c.Addr, "addr", env("OSHIGOODS_ADDR", "127.0.0.1:8080"), "HTTP listen address (OSHIGOODS_ADDR)")
	fs.StringVar(&c.DataDir, "data-dir", env("OSHIGOODS_DATA_DIR", "./oshigoods-data"), "folder for embedded data: SQLite, S3 objects, secret (OSHIGOODS_DATA_DIR)")
	fs.StringVar(&c.RedisURL, "redis-url", env("OSHIGOODS_REDIS_URL", ""), "redis://host:port/db; empty runs an in-process Redis (OSHIGOODS_REDIS_URL)")
	fs.StringVar(&c.DatabaseURL, "database-url", env("OSHIGOODS_DATABASE_URL", ""), "postgres://… or a SQLite file path; empty is DATA_DIR/oshigoods.db (OSHIGOODS_DATABASE_URL)")
	fs.StringVar(&c.S3Endpoint, "s3-endpoint", env("OSHIGOODS_S3_ENDPOINT", ""), "S3-compatible endpoint URL; empty runs an in-process server on DATA_DIR/s3 (OSHIGOODS_S3_ENDPOINT)")
	fs.StringVar(&c.S3Bucket, "s3-bucket", env("OSHIGOODS_S3_BUCKET", "oshigoods"), "bucket, created if missing (OSHIGOODS_S3_BUCKET)")
	fs.StringVar(&c.S3Region, "s3-region", env("OSHIGOODS_S3_REGION", "us-east-1"), "bucket region (OSHIGOODS_S3_REGION)")
	c.AccessKey, c.SecretKey = getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
	c.Secret = getenv("OSHIGOODS_SECRET")
	fs.BoolVar(&c.Worker, "worker", true, "also run the render worker in this process")
	fs.IntVar(&c.Concurrency, "concurrency", envInt("OSHIGOODS_CONCURRENCY", 2), "renders at once in this process (OSHIGOODS_CONCURRENCY)")
	fs.DurationVar(&c.Reconcile, "reconcile-interval", envDur("OSHIGOODS_RECONCILE_INTERVAL", 30*time.Second), "how often the worker re-enqueues items Redis lost (OSHIGOODS_RECONCILE_INTERVAL)")
	fs.DurationVar(&c.StaleAfter, "stale-after", envDur("OSHIGOODS_STALE_AFTER", time.Minute), "how long an item waits before the reconciler re-enqueues it (OSHIGOODS_STALE_AFTER)")
	fs.DurationVar(&c.WebhookRetry, "webhook-retry", envDur("OSHIGOODS_WEBHOOK_RETRY", 10*time.Second), "first webhook retry delay, doubling up to 1h (OSHIGOODS_WEBHOOK_RETRY)")
	fs.StringVar(&c.Profile, "print-profile", env("OSHIGOODS_PRINT_PROFILE", render.DefaultProfileName), "print profile: bleed, crop marks, photo format (OSHIGOODS_PRINT_PROFILE; one of "+strings.Join(render.ProfileNames(), ", ")+")")
	fs.StringVar(&c.OutputICC, "output-icc", env("OSHIGOODS_OUTPUT_ICC", ""), "ICC output profile (RGB or CMYK) for the print PDFs' PDF/X output intent; empty is sRGB IEC61966-2.1 (OSHIGOODS_OUTPUT_ICC)")
	fs.Int64Var(&c.MaxUpload, "max-upload-bytes", int64(envInt("OSHIGOODS_MAX_UPLOAD_BYTES", 30<<20)), "largest upload accepted (OSHIGOODS_MAX_UPLOAD_BYTES)")
}

func (c *config) validate() error {
	if c.Concurrency < 1 {
		return fmt.Errorf("--concurrency must be at least 1")
	}
	if _, err := render.LookupProfile(c.Profile); err != nil {
		return fmt.Errorf("--print-profile: %s", userError(err))
	}
	if c.Reconcile <= 0 || c.StaleAfter <= 0 {
		return fmt.Errorf("--reconcile-interval and --stale-after must be positive")
	}
	return nil
}
