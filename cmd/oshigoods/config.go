package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"oshigoods"
	"oshigoods/budget"
	"oshigoods/fulfil"
	"oshigoods/guard"
	"oshigoods/mailer"
	"oshigoods/orders"
	"oshigoods/orders/sqlstore"
	"oshigoods/render"
	"oshigoods/s3store"
	"oshigoods/storefront"
	"oshigoods/stripepay"
	"oshigoods/templates"
	"oshigoods/worker"
)

// config is the whole configuration, from the environment and flags (a
// flag wins). Empty service URLs mean the embedded stand-in. bind registers
// the flags; validate parses every value and checks it against the
// package's Config (worker.Config, s3store.Config, orders.Limits, …), so a
// bad value stops the start before any backend is opened.
type config struct {
	Addr        string
	DataDir     string
	RedisURL    string
	DatabaseURL string
	// DB is the PostgreSQL connection pool (OSHIGOODS_DB_*).
	DB          sqlstore.Config
	S3Endpoint  string
	S3Bucket    string
	S3Region    string
	AccessKey   string
	SecretKey   string
	Secret      string
	Worker      bool
	Concurrency int
	// Reconcile is how often the worker looks for items that are stuck
	// (their task lost, archived, or their render's worker dead),
	// ReconcileBatch how many one pass takes, and StaleAfter how long an
	// item may wait before its task is looked at.
	Reconcile      time.Duration
	ReconcileBatch int
	StaleAfter     time.Duration
	// Renders is how long a render holds its item unless renewed and how
	// many renders of one item may start; RenderRetry the first render
	// retry's delay, doubling each time.
	Renders     orders.Renders
	RenderRetry time.Duration
	// WebhookRetry is the first webhook retry's delay; it doubles each time.
	WebhookRetry time.Duration
	// WebhookConcurrency is how many deliveries run at once, in their own
	// pool; WebhookPolicy is where they may go (https only unless
	// OSHIGOODS_WEBHOOK_ALLOW_HTTP, no special address unless
	// OSHIGOODS_WEBHOOK_ALLOW names it).
	WebhookConcurrency int
	WebhookPolicy      orders.WebhookPolicy
	MaxUpload          int64
	// UploadTTL is how long an upload no order uses is kept, and
	// Retention how long an order's personal data is kept once finished.
	UploadTTL time.Duration
	Retention time.Duration
	// Profile names the print profile renders use (render.ProfileNames).
	Profile string
	// OutputICC is the path of an ICC output profile for the print PDFs'
	// output intent; empty is the built-in sRGB.
	OutputICC string
	// Guard is the HTTP server's limits on each client: request rates,
	// failed authentications, timeouts.
	Guard guard.Config
	// DecodeBudget is the process's budget of decoded pixel bytes, and
	// DecodeWait how long a decode waits for room in it (budget.Config).
	DecodeBudget int64
	DecodeWait   time.Duration
	// PublicURL is the storefront's address as fans reach it, for links
	// in e-mails and checkout return pages.
	PublicURL string
	// Payments is how payment is taken (OSHIGOODS_PAYMENT, the bank
	// account and the transfer period), Shipping the shipping methods.
	Payments orders.Payments
	Shipping orders.Shipping
	// Stripe is the Stripe provider's configuration, required and checked
	// in payment mode stripe only.
	Stripe stripepay.Config
	// AdminToken and AdminKey are the operator's key from the
	// environment, under the name and the earlier one; one of
	// them (both set must agree). Keys in the database work beside it.
	AdminToken string
	AdminKey   string
	// Admin is the console's settings: when an item counts as stuck, how
	// long a sign-in lasts.
	Admin orders.Admin
	// Sender is the operator as the sender of parcels (packing slips and
	// carrier labels); PackingSize and PackingPrices how slips are made.
	Sender        fulfil.Shop
	PackingSize   fulfil.PageSize
	PackingPrices bool
	// LegalDir is the folder of the legal pages (storefront.LoadLegal);
	// empty shows placeholders.
	LegalDir string
	// TemplatesDir is the shop's template folder, laid over the built-in
	// templates (templates.LoadFolder); empty offers the built-in ones.
	TemplatesDir string
	// SMTPURL is the mail server the fans' e-mails go to; empty writes
	// them as .eml files under DATA_DIR/mail. MailFrom is the shop's
	// sender address; Mails the shop's name and the retry delay; and
	// MailInterval how often the worker sends what is due.
	SMTPURL      string
	MailFrom     string
	Mails        orders.Mails
	MailInterval time.Duration
	// MetricsAddr is where /metrics is served, on a listener of its own;
	// empty serves none.
	MetricsAddr string
	// onListen, when set, is told the address the API listens on (tests);
	// onMetricsListen the metrics' address, before onListen.
	onListen        func(addr string)
	onMetricsListen func(addr string)

	// raw holds each setting's text, from its flag, else its variable,
	// else its default; validate parses it into the fields above.
	raw []string
}

// A setting is one variable (and its flag) of config.
type setting struct {
	env  string
	flag string // "" for a variable with no flag
	def  string
	help string
	// key names the package Config field whose Validate problems belong to
	// this setting, e.g. "worker.Concurrency".
	key string
	// show is how the value appears in an error: quoted, redacted (URLs
	// with a password) or not at all (secrets).
	show func(string) string
	// parse sets the field from v, or returns what is wrong with v and
	// what is allowed, e.g. "is not a whole number; give 1–64".
	parse func(c *config, v string) error
}

func quoted(v string) string                { return strconv.Quote(v) }
func redacted(v string) string              { return strconv.Quote(redact(v)) }
func notShown(string) string                { return "(value not shown)" }
func problem(format string, a ...any) error { return fmt.Errorf(format, a...) }

var (
	concurrencyRange = fmt.Sprintf("give 1–%d", worker.MaxConcurrency)
	dbConnsRange     = fmt.Sprintf("give 1–%d", sqlstore.MaxConns)
	reconcileRange   = fmt.Sprintf("give %s–1h", worker.MinInterval)
	batchRange       = fmt.Sprintf("give 1–%d", worker.MaxReconcileBatch)
	leaseRange       = "give 100ms–10m"
	attemptsRange    = fmt.Sprintf("give 1–%d", orders.MaxRenderAttempts)
	renderRetryRange = fmt.Sprintf("give %s–10m", worker.MinInterval)
	staleRange       = fmt.Sprintf("give %s–24h", worker.MinInterval)
	webhookRange     = fmt.Sprintf("give %s–1h", worker.MinInterval)
	uploadTTLRange   = "give 1m–720h (30 days)"
	retentionRange   = "give 1h–87600h (10 years), e.g. 2160h for 90 days"
	perMinuteRange   = fmt.Sprintf("give 1–%d a minute", guard.MaxPerMinute)
	decodeRange      = fmt.Sprintf("give %d (16 MiB) to %d (64 GiB), or 0 for the default 256 MiB", int64(budget.MinBytes), int64(budget.MaxBytes))
	decodeWaitRange  = "give 0s–1m"
	uploadRange      = fmt.Sprintf("give %d (64 KiB) to %d (1 GiB), or 0 for the default 30 MiB", orders.MinUploadBytes, orders.MaxUploadBytes)
)

// settings are every variable serve, worker and shop-keys read, in the
// order their problems are reported.
var settings = []setting{
	{env: "OSHIGOODS_ADDR", flag: "addr", def: "127.0.0.1:8080", help: "HTTP listen address", parse: func(c *config, v string) error {
		if !isHostPort(v) {
			return problem("is not host:port; give e.g. 127.0.0.1:8080 or :8080")
		}
		c.Addr = v
		return nil
	}},
	{env: "OSHIGOODS_METRICS_ADDR", flag: "metrics-addr", help: "listen address of a server of its own for Prometheus's /metrics (serve and worker), e.g. 127.0.0.1:9464 or 10.0.0.5:9464 on a private network; empty serves no metrics", parse: func(c *config, v string) error {
		if v != "" && !isHostPort(v) {
			return problem("is not host:port; give e.g. 127.0.0.1:9464, or leave it empty for no metrics")
		}
		c.MetricsAddr = v
		return nil
	}},
	{env: "OSHIGOODS_DATA_DIR", flag: "data-dir", def: "./oshigoods-data", help: "folder for embedded data: SQLite, S3 objects, secret", parse: func(c *config, v string) error {
		if v == "" {
			return problem("is empty; give a folder")
		}
		c.DataDir = v
		return nil
	}},
	{env: "OSHIGOODS_REDIS_URL", flag: "redis-url", show: redacted,
		help: "redis://[:password@]host:port/db (rediss:// with TLS), redis-sentinel://[:password@]host:port,host:port/db?master=NAME or redis-cluster://[:password@]host:port,host:port; empty runs an in-process Redis",
		parse: func(c *config, v string) error {
			if v != "" {
				if _, err := worker.ParseRedisURL(v); err != nil {
					return problem("%v; %s", err, worker.RedisURLForms)
				}
			}
			c.RedisURL = v
			return nil
		}},
	{env: "OSHIGOODS_DATABASE_URL", flag: "database-url", help: "postgres://… or a SQLite file path; empty is DATA_DIR/oshigoods.db", show: redacted, parse: func(c *config, v string) error {
		if scheme, _, ok := strings.Cut(v, "://"); ok {
			const allowed = "give postgres://…, postgresql://… or a SQLite file path"
			if scheme != "postgres" && scheme != "postgresql" {
				return problem("has scheme %s://; %s", scheme, allowed)
			}
			if u, err := url.Parse(v); err != nil || u.Host == "" {
				return problem("is not a URL; %s", allowed)
			}
		}
		c.DatabaseURL = v
		return nil
	}},
	{env: "OSHIGOODS_DB_MAX_CONNS", flag: "db-max-conns", key: "sqlstore.MaxOpenConns", def: strconv.Itoa(sqlstore.DefaultMaxConns), help: "PostgreSQL sessions this process holds at most, 1–1000; processes × this must stay below max_connections (100 by default)",
		parse: intSetting(func(c *config) *int { return &c.DB.MaxOpenConns }, dbConnsRange)},
	{env: "OSHIGOODS_DB_MAX_IDLE", flag: "db-max-idle", key: "sqlstore.MaxIdleConns", help: "idle PostgreSQL sessions kept for reuse, 1 up to DB_MAX_CONNS; empty is DB_MAX_CONNS", parse: func(c *config, v string) error {
		if strings.TrimSpace(v) == "" {
			c.DB.MaxIdleConns = 0
			return nil
		}
		return intSetting(func(c *config) *int { return &c.DB.MaxIdleConns }, "give 1 up to OSHIGOODS_DB_MAX_CONNS, or leave it empty")(c, v)
	}},
	{env: "OSHIGOODS_DB_MAX_LIFETIME", flag: "db-max-lifetime", key: "sqlstore.ConnMaxLifetime", def: sqlstore.DefaultConnMaxLifetime.String(), help: "how long a PostgreSQL session is used before it is replaced, 1s–24h",
		parse: durationSetting(func(c *config) *time.Duration { return &c.DB.ConnMaxLifetime }, "give 1s–24h")},
	{env: "OSHIGOODS_DB_MAX_IDLE_TIME", flag: "db-max-idle-time", key: "sqlstore.ConnMaxIdleTime", def: sqlstore.DefaultConnMaxIdleTime.String(), help: "how long a PostgreSQL session may stay unused before it is closed, 1s–24h",
		parse: durationSetting(func(c *config) *time.Duration { return &c.DB.ConnMaxIdleTime }, "give 1s–24h")},
	{env: "OSHIGOODS_S3_ENDPOINT", flag: "s3-endpoint", key: "s3.Endpoint", help: "S3-compatible endpoint URL (http:// or https://); empty runs an in-process server on DATA_DIR/s3", show: redacted,
		parse: func(c *config, v string) error { c.S3Endpoint = v; return nil }},
	{env: "OSHIGOODS_S3_BUCKET", flag: "s3-bucket", key: "s3.Bucket", def: "oshigoods", help: "bucket, created if missing",
		parse: func(c *config, v string) error { c.S3Bucket = v; return nil }},
	{env: "OSHIGOODS_S3_REGION", flag: "s3-region", key: "s3.Region", def: "us-east-1", help: "bucket region",
		parse: func(c *config, v string) error { c.S3Region = v; return nil }},
	{env: "AWS_ACCESS_KEY_ID", key: "s3.AccessKey", show: notShown,
		parse: func(c *config, v string) error { c.AccessKey = v; return nil }},
	{env: "AWS_SECRET_ACCESS_KEY", key: "s3.SecretKey", show: notShown,
		parse: func(c *config, v string) error { c.SecretKey = v; return nil }},
	{env: "OSHIGOODS_SECRET", key: "orders.Secret", show: notShown,
		parse: func(c *config, v string) error { c.Secret = v; return nil }},
	{env: "OSHIGOODS_CONCURRENCY", flag: "concurrency", key: "worker.Concurrency", def: strconv.Itoa(worker.DefaultConcurrency), help: "renders at once in this process, 1–64",
		parse: intSetting(func(c *config) *int { return &c.Concurrency }, concurrencyRange)},
	{env: "OSHIGOODS_RECONCILE_INTERVAL", flag: "reconcile-interval", key: "worker.ReconcileInterval", def: worker.DefaultReconcileInterval.String(), help: "how often the worker's reconciler hands over again items that are stuck (their task lost or archived, their render's worker dead), 10ms–1h",
		parse: durationSetting(func(c *config) *time.Duration { return &c.Reconcile }, reconcileRange)},
	{env: "OSHIGOODS_RECONCILE_BATCH", flag: "reconcile-batch", key: "worker.ReconcileBatch", def: strconv.Itoa(worker.DefaultReconcileBatch), help: "the most items one reconciler pass takes, 1–10000; a full pass is followed at once by another",
		parse: intSetting(func(c *config) *int { return &c.ReconcileBatch }, batchRange)},
	{env: "OSHIGOODS_STALE_AFTER", flag: "stale-after", key: "worker.StaleAfter", def: "1m", help: "how long an item waits, received or queued, before the reconciler looks at its task, 10ms–24h",
		parse: durationSetting(func(c *config) *time.Duration { return &c.StaleAfter }, staleRange)},
	{env: "OSHIGOODS_RENDER_LEASE", flag: "render-lease", key: "orders.Renders.Lease", def: orders.DefaultRenderLease.String(), help: "how long a render holds its item unless renewed (every third of it); an item whose worker died is handed over again this long after, plus the reconcile interval; 100ms–10m",
		parse: durationSetting(func(c *config) *time.Duration { return &c.Renders.Lease }, leaseRange)},
	{env: "OSHIGOODS_RENDER_ATTEMPTS", flag: "render-attempts", key: "orders.Renders.MaxAttempts", def: strconv.Itoa(orders.DefaultRenderAttempts), help: "how many renders of one item may start, whatever ended them, before it fails with a reason for the fan, 1–100",
		parse: intSetting(func(c *config) *int { return &c.Renders.MaxAttempts }, attemptsRange)},
	{env: "OSHIGOODS_RENDER_RETRY", flag: "render-retry", key: "worker.RenderRetry", def: worker.DefaultRenderRetry.String(), help: "first render retry delay after a failure that may pass (an outage), 10ms–10m, doubling up to 10m",
		parse: durationSetting(func(c *config) *time.Duration { return &c.RenderRetry }, renderRetryRange)},
	{env: "OSHIGOODS_WEBHOOK_RETRY", flag: "webhook-retry", key: "worker.WebhookRetry", def: "10s", help: "first webhook retry delay, 10ms–1h, doubling up to 1h",
		parse: durationSetting(func(c *config) *time.Duration { return &c.WebhookRetry }, webhookRange)},
	{env: "OSHIGOODS_WEBHOOK_CONCURRENCY", flag: "webhook-concurrency", key: "worker.WebhookConcurrency", def: strconv.Itoa(worker.DefaultWebhookConcurrency), help: "webhook deliveries at once in this process, in their own pool, 1–64",
		parse: intSetting(func(c *config) *int { return &c.WebhookConcurrency }, concurrencyRange)},
	{env: "OSHIGOODS_WEBHOOK_ALLOW", flag: "webhook-allow", help: "comma-separated CIDRs, IPs or IP:port webhooks may reach although loopback, private or special; empty: none", parse: func(c *config, v string) error {
		p, a, err := orders.ParseWebhookAllowList(v)
		if err != nil {
			return problem("is not an allow-list (%v); give e.g. 10.0.0.0/8,127.0.0.1:9000", err)
		}
		c.WebhookPolicy.AllowPrefixes, c.WebhookPolicy.AllowAddrs = p, a
		return nil
	}},
	{env: "OSHIGOODS_WEBHOOK_ALLOW_HTTP", flag: "webhook-allow-http", def: "false", help: "also accept http:// webhook URLs (development, tests); production is https only", parse: func(c *config, v string) error {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return problem("is not true or false")
		}
		c.WebhookPolicy.AllowHTTP = b
		return nil
	}},
	{env: "OSHIGOODS_PRINT_PROFILE", flag: "print-profile", def: render.DefaultProfileName, help: "print profile: bleed, crop marks, photo format (one of " + strings.Join(render.ProfileNames(), ", ") + ")", parse: func(c *config, v string) error {
		if _, err := render.LookupProfile(v); err != nil {
			return problem("is not a print profile; give one of %s", strings.Join(render.ProfileNames(), ", "))
		}
		c.Profile = v
		return nil
	}},
	{env: "OSHIGOODS_OUTPUT_ICC", flag: "output-icc", help: "ICC output profile (RGB or CMYK) for the print PDFs' PDF/X output intent; empty is sRGB IEC61966-2.1", parse: func(c *config, v string) error {
		if v != "" {
			if _, _, err := render.LoadOutputICC(v); err != nil {
				return problem("is not usable (%v); give an RGB or CMYK ICC output profile", err)
			}
		}
		c.OutputICC = v
		return nil
	}},
	{env: "OSHIGOODS_MAX_UPLOAD_BYTES", flag: "max-upload-bytes", key: "orders.MaxUploadBytes", def: strconv.Itoa(30 << 20), help: "largest upload accepted, in bytes", parse: func(c *config, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return problem("is not a whole number of bytes; %s", uploadRange)
		}
		c.MaxUpload = n
		return nil
	}},
	{env: "OSHIGOODS_UPLOAD_TTL", flag: "upload-ttl", key: "orders.UploadTTL", def: "24h", help: "how long an upload no order uses is kept, 1m–720h",
		parse: durationSetting(func(c *config) *time.Duration { return &c.UploadTTL }, uploadTTLRange)},
	{env: "OSHIGOODS_RETENTION", flag: "retention", key: "orders.OrderRetention", def: "2160h", help: "how long an order's personal data is kept once it is finished, 1h–87600h (2160h is 90 days)",
		parse: durationSetting(func(c *config) *time.Duration { return &c.Retention }, retentionRange)},
	{env: "OSHIGOODS_RATE_UPLOADS", flag: "rate-uploads", key: "guard.Uploads", def: "30", help: "uploads one client may send a minute (then one every 60/N s)",
		parse: intSetting(func(c *config) *int { return &c.Guard.Uploads }, perMinuteRange)},
	{env: "OSHIGOODS_RATE_PREVIEWS", flag: "rate-previews", key: "guard.Previews", def: "60", help: "previews one client may ask for a minute",
		parse: intSetting(func(c *config) *int { return &c.Guard.Previews }, perMinuteRange)},
	{env: "OSHIGOODS_RATE_ORDERS", flag: "rate-orders", key: "guard.Orders", def: "10", help: "orders one client may place a minute",
		parse: intSetting(func(c *config) *int { return &c.Guard.Orders }, perMinuteRange)},
	{env: "OSHIGOODS_AUTH_FAILURES", flag: "auth-failures", key: "guard.AuthFailures", def: "10", help: "failed authentications (wrong shop key, operator key or order token) one client may make a minute; then 429, a correct key too, until it recovers",
		parse: intSetting(func(c *config) *int { return &c.Guard.AuthFailures }, perMinuteRange)},
	{env: "OSHIGOODS_TRUST_PROXY", flag: "trust-proxy", key: "guard.TrustProxy", def: "false", help: "take the client's address from the last X-Forwarded-For entry (only behind a proxy that sets it)", parse: func(c *config, v string) error {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return problem("is not true or false")
		}
		c.Guard.TrustProxy = b
		return nil
	}},
	{env: "OSHIGOODS_READ_TIMEOUT", flag: "read-timeout", key: "guard.ReadTimeout", def: "5m", help: "most time a whole request may take to arrive, sized for the largest upload on a slow line, 1s–1h",
		parse: durationSetting(func(c *config) *time.Duration { return &c.Guard.ReadTimeout }, "give 1s–1h")},
	{env: "OSHIGOODS_BODY_TIMEOUT", flag: "body-timeout", key: "guard.BodyTimeout", def: "30s", help: "most time a request other than an upload may take to arrive, 10ms up to the read timeout",
		parse: durationSetting(func(c *config) *time.Duration { return &c.Guard.BodyTimeout }, "give 10ms up to the read timeout")},
	{env: "OSHIGOODS_WRITE_TIMEOUT", flag: "write-timeout", key: "guard.WriteTimeout", def: "10m", help: "most time from a request's headers to the end of its answer, at least the read timeout, up to 2h",
		parse: durationSetting(func(c *config) *time.Duration { return &c.Guard.WriteTimeout }, "give at least the read timeout, up to 2h")},
	{env: "OSHIGOODS_IDLE_TIMEOUT", flag: "idle-timeout", key: "guard.IdleTimeout", def: "2m", help: "how long a kept-alive connection may wait for its next request, 1s–1h",
		parse: durationSetting(func(c *config) *time.Duration { return &c.Guard.IdleTimeout }, "give 1s–1h")},
	{env: "OSHIGOODS_PUBLIC_URL", flag: "public-url", help: "the storefront's address as fans reach it, for links in e-mails and payment pages; empty is http://ADDR", parse: func(c *config, v string) error {
		if v != "" {
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
				return problem("is not an http(s) address without query or fragment; give e.g. https://shop.example.jp")
			}
		}
		c.PublicURL = strings.TrimRight(v, "/")
		return nil
	}},
	{env: "OSHIGOODS_PAYMENT", flag: "payment", key: "orders.Payments.Mode", def: string(orders.PaymentNone), help: "how payment is taken: none (the shop handles it), bank_transfer or stripe", parse: func(c *config, v string) error {
		m := orders.PaymentMode(strings.TrimSpace(v))
		if !m.Valid() {
			return problem("is not a payment mode; give none, bank_transfer or stripe")
		}
		c.Payments.Mode = m
		return nil
	}},
	{env: "OSHIGOODS_BANK_NAME", key: "orders.Payments.Bank", help: "bank_transfer: the bank (銀行名), e.g. ゆうちょ銀行", parse: bankSetting(func(b *orders.BankAccount) *string { return &b.Bank })},
	{env: "OSHIGOODS_BANK_BRANCH", help: "bank_transfer: the branch (支店名)", parse: bankSetting(func(b *orders.BankAccount) *string { return &b.Branch })},
	{env: "OSHIGOODS_BANK_ACCOUNT_TYPE", def: "普通", help: "bank_transfer: the account type (普通 or 当座)", parse: bankSetting(func(b *orders.BankAccount) *string { return &b.AccountType })},
	{env: "OSHIGOODS_BANK_ACCOUNT_NUMBER", help: "bank_transfer: the account number (口座番号)", parse: bankSetting(func(b *orders.BankAccount) *string { return &b.Number })},
	{env: "OSHIGOODS_BANK_ACCOUNT_HOLDER", help: "bank_transfer: the account holder in katakana (口座名義)", parse: bankSetting(func(b *orders.BankAccount) *string { return &b.Holder })},
	{env: "OSHIGOODS_TRANSFER_DAYS", key: "orders.Payments.TransferDays", def: "7", help: "bank_transfer: days a fan has to transfer, 1–30; unpaid orders are cancelled after the deadline",
		parse: intSetting(func(c *config) *int { return &c.Payments.TransferDays }, "give 1–30")},
	{env: "OSHIGOODS_STRIPE_SECRET_KEY", key: "stripepay.SecretKey", show: notShown, help: "stripe: the account's secret key, sk_test_… or sk_live_… (or a restricted key rk_… that may write Checkout Sessions)",
		parse: func(c *config, v string) error { c.Stripe.SecretKey = strings.TrimSpace(v); return nil }},
	{env: "OSHIGOODS_STRIPE_WEBHOOK_SECRET", key: "stripepay.WebhookSecret", show: notShown, help: "stripe: the signing secret (whsec_…) of the webhook endpoint for PUBLIC_URL/v1/payments/stripe/webhook",
		parse: func(c *config, v string) error { c.Stripe.WebhookSecret = strings.TrimSpace(v); return nil }},
	{env: "OSHIGOODS_STRIPE_API_BASE", key: "stripepay.APIBase", help: "stripe: the API's base URL, for tests against stripe-mock (http://127.0.0.1:12111); empty is Stripe's API",
		parse: func(c *config, v string) error { c.Stripe.APIBase = strings.TrimSpace(v); return nil }},
	{env: "OSHIGOODS_STRIPE_METHODS", key: "stripepay.PaymentMethods", def: "card", help: "stripe: comma-separated payment methods of the checkout page: card, konbini (if the account enables it), or dashboard alone for the account's Dashboard settings (PayPay)", parse: func(c *config, v string) error {
		c.Stripe.PaymentMethods = nil
		for m := range strings.SplitSeq(v, ",") {
			if m = strings.TrimSpace(m); m != "" {
				c.Stripe.PaymentMethods = append(c.Stripe.PaymentMethods, m)
			}
		}
		return nil
	}},
	{env: "OSHIGOODS_SHIPPING", key: "orders.Shipping", help: `shipping methods as JSON, e.g. [{"id":"nekopos","name":"ネコポス","carrier":"yamato","fee":300,"free_from":5000,"max_items":20}]; the first is the default; empty: ネコポス 300 円 (free from 5,000 円) and 宅急便コンパクト 800 円`, parse: func(c *config, v string) error {
		c.Shipping = orders.Shipping{}
		if strings.TrimSpace(v) == "" {
			return nil
		}
		dec := json.NewDecoder(strings.NewReader(v))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c.Shipping.Methods); err != nil {
			return problem("is not a JSON list of shipping methods (%v); give e.g. [{\"id\":\"nekopos\",\"name\":\"ネコポス\",\"carrier\":\"yamato\",\"fee\":300}]", err)
		}
		if len(c.Shipping.Methods) == 0 {
			return problem("lists no method; give at least one, or leave it empty for the defaults")
		}
		return nil
	}},
	{env: "OSHIGOODS_ADMIN_TOKEN", show: notShown, help: "the operator's key for the console (/admin, /admin/queues) and the admin API (/v1/admin/…), at least 16 bytes; keys made with `oshigoods admin-keys create` work beside it", parse: func(c *config, v string) error {
		if v != "" && len(v) < orders.MinSecretBytes {
			return problem("is %d bytes; give at least %d random bytes", len(v), orders.MinSecretBytes)
		}
		c.AdminToken = v
		return nil
	}},
	{env: "OSHIGOODS_ADMIN_KEY", show: notShown, help: "the former name of OSHIGOODS_ADMIN_TOKEN, still read; set one of them", parse: func(c *config, v string) error {
		if v != "" && len(v) < orders.MinSecretBytes {
			return problem("is %d bytes; give at least %d random bytes", len(v), orders.MinSecretBytes)
		}
		c.AdminKey = v
		return nil
	}},
	{env: "OSHIGOODS_STUCK_AFTER", flag: "stuck-after", key: "orders.StuckAfter", def: orders.DefaultStuckAfter.String(), help: "how long an item may stay received, queued or rendering unchanged before the console lists it as stuck (keep it above the 2m render timeout), 1s–24h",
		parse: durationSetting(func(c *config) *time.Duration { return &c.Admin.StuckAfter }, "give 1s–24h")},
	{env: "OSHIGOODS_ADMIN_SESSION_TTL", key: "orders.SessionTTL", def: orders.DefaultSessionTTL.String(), help: "how long a console sign-in lets the browser open the queue dashboard (/admin/queues), 1s–24h",
		parse: durationSetting(func(c *config) *time.Duration { return &c.Admin.SessionTTL }, "give 1s–24h")},
	{env: "OSHIGOODS_LEGAL_DIR", flag: "legal-dir", help: "folder of the storefront's legal pages in Markdown: tokushoho.md (特定商取引法に基づく表記), terms.md (利用規約), privacy.md; a missing file, or an empty value, shows a placeholder asking the operator to fill it in", parse: func(c *config, v string) error {
		if v != "" {
			if _, err := storefront.LoadLegal(v); err != nil {
				return problem("is not usable (%v); give a readable folder with tokushoho.md, terms.md and privacy.md", err)
			}
		}
		c.LegalDir = v
		return nil
	}},
	{env: "OSHIGOODS_TEMPLATES_DIR", flag: "templates-dir", help: "folder of the shop's own templates (<id>/template.json and its assets), laid over the built-in ones: it adds templates, replaces a built-in one of the same id, and may use the built-in fonts/…; reloaded on SIGHUP and by POST /v1/admin/templates/reload; empty offers the built-in templates only", parse: func(c *config, v string) error {
		if v != "" {
			if info, err := os.Stat(v); err != nil || !info.IsDir() {
				return problem("is not a folder; give the folder of the shop's templates, or leave it empty for the built-in ones")
			}
		}
		c.TemplatesDir = v
		return nil
	}},
	{env: "OSHIGOODS_SHOP_POSTAL_CODE", key: "fulfil.Shop.PostalCode", help: "the sender's 〒 on packing slips and labels, e.g. 150-0001", parse: senderSetting(func(s *fulfil.Shop) *string { return &s.PostalCode })},
	{env: "OSHIGOODS_SHOP_ADDRESS", key: "fulfil.Shop.Address", help: "the sender's address, prefecture first, building included", parse: senderSetting(func(s *fulfil.Shop) *string { return &s.Address })},
	{env: "OSHIGOODS_SHOP_PHONE", key: "fulfil.Shop.Phone", help: "the sender's phone number, e.g. 03-1234-5678", parse: senderSetting(func(s *fulfil.Shop) *string { return &s.Phone })},
	{env: "OSHIGOODS_SHOP_EMAIL", key: "fulfil.Shop.Email", help: "the address fans write to, shown on packing slips", parse: senderSetting(func(s *fulfil.Shop) *string { return &s.Email })},
	{env: "OSHIGOODS_YAMATO_CUSTOMER_CODE", key: "fulfil.Shop.YamatoCustomerCode", help: "the B2クラウド ご請求先顧客コード (10–12 digits), needed for the yamato-b2 label file", parse: senderSetting(func(s *fulfil.Shop) *string { return &s.YamatoCustomerCode })},
	{env: "OSHIGOODS_YAMATO_FREIGHT_CODE", key: "fulfil.Shop.YamatoFreightCode", help: "the B2クラウド 運賃管理番号 (2 digits); empty is 01", parse: senderSetting(func(s *fulfil.Shop) *string { return &s.YamatoFreightCode })},
	{env: "OSHIGOODS_PACKING_SLIP", def: "A4", help: "packing slip paper: A4 or A5", parse: func(c *config, v string) error {
		switch p := fulfil.PageSize(strings.ToUpper(strings.TrimSpace(v))); p {
		case fulfil.A4, fulfil.A5:
			c.PackingSize = p
			return nil
		}
		return problem("is not a paper size; give A4 or A5")
	}},
	{env: "OSHIGOODS_PACKING_SLIP_PRICES", def: "false", help: "show prices on packing slips (goods are often gifts: off by default)", parse: func(c *config, v string) error {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return problem("is not true or false")
		}
		c.PackingPrices = b
		return nil
	}},
	{env: "OSHIGOODS_SMTP_URL", flag: "smtp-url", key: "mailer.URL", show: redacted,
		help:  "mail server for the fans' e-mails: smtp://user:pass@host:587 (STARTTLS), smtps://user:pass@host:465, or smtp://127.0.0.1:1025?tls=none; empty writes each e-mail as an .eml file under DATA_DIR/mail",
		parse: func(c *config, v string) error { c.SMTPURL = strings.TrimSpace(v); return nil }},
	{env: "OSHIGOODS_MAIL_FROM", flag: "mail-from", key: "mailer.From", def: "noreply@localhost",
		help:  "the shop's sender address, e.g. shop@example.jp or ひかりグッズ <shop@example.jp>; without a name the shop's name is shown",
		parse: func(c *config, v string) error { c.MailFrom = strings.TrimSpace(v); return nil }},
	{env: "OSHIGOODS_SHOP_NAME", flag: "shop-name", key: "orders.Mails.ShopName", def: orders.DefaultShopName,
		help:  "the shop's name in the fans' e-mails (【name】 in the subject, the signature), on packing slips and as the carrier labels' sender (ご依頼主名), at most 40 characters",
		parse: func(c *config, v string) error { c.Mails.ShopName, c.Sender.Name = v, strings.TrimSpace(v); return nil }},
	{env: "OSHIGOODS_MAIL_INTERVAL", flag: "mail-interval", key: "worker.MailInterval", def: "5s", help: "how often the worker sends the e-mails that are due, 10ms–1h",
		parse: durationSetting(func(c *config) *time.Duration { return &c.MailInterval }, reconcileRange)},
	{env: "OSHIGOODS_MAIL_RETRY", flag: "mail-retry", key: "orders.Mails.FirstRetry", def: "1m", help: "delay after an e-mail's first failed attempt, 10ms–1h, doubling up to 1h; an e-mail is given up 24h after it was owed",
		parse: durationSetting(func(c *config) *time.Duration { return &c.Mails.FirstRetry }, webhookRange)},
	{env: "OSHIGOODS_DECODE_BUDGET", flag: "decode-budget", key: "budget.Bytes", def: strconv.Itoa(budget.DefaultBytes), help: "decoded pixel bytes all image decodes of this process may hold at once", parse: func(c *config, v string) error {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return problem("is not a whole number of bytes; %s", decodeRange)
		}
		c.DecodeBudget = n
		return nil
	}},
	{env: "OSHIGOODS_DECODE_WAIT", flag: "decode-wait", key: "budget.Wait", def: budget.DefaultWait.String(), help: "how long a decode waits for room in the decode budget before a 503 (or a render's retry), 0s–1m",
		parse: durationSetting(func(c *config) *time.Duration { return &c.DecodeWait }, decodeWaitRange)},
}

// otherVariables are read by commands that do not bind config (pull).
var otherVariables = []string{"OSHIGOODS_SERVER", "OSHIGOODS_SHOP_KEY"}

// senderSetting sets one field of the parcels' sender.
func senderSetting(field func(*fulfil.Shop) *string) func(*config, string) error {
	return func(c *config, v string) error {
		if len(v) > 200 {
			return problem("is longer than 200 bytes")
		}
		*field(&c.Sender) = strings.TrimSpace(v)
		return nil
	}
}

// bankSetting sets one field of the bank account fans transfer to.
func bankSetting(field func(*orders.BankAccount) *string) func(*config, string) error {
	return func(c *config, v string) error {
		if err := orders.CheckText("bank", v, false); err != nil || len(v) > 100 {
			return problem("has a control character or is longer than 100 bytes")
		}
		*field(&c.Payments.Bank) = strings.TrimSpace(v)
		return nil
	}
}

func intSetting(field func(*config) *int, allowed string) func(*config, string) error {
	return func(c *config, v string) error {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return problem("is not a whole number; %s", allowed)
		}
		*field(c) = n
		return nil
	}
}

// isHostPort reports whether v is a listen address, host:port with a
// port from 0 to 65535 (0: any free port) and an empty host for every
// address.
func isHostPort(v string) bool {
	host, port, err := net.SplitHostPort(v)
	n, perr := strconv.Atoi(port)
	return err == nil && perr == nil && n >= 0 && n <= 65535 && !strings.ContainsAny(host, " /")
}

// durationSetting parses a Go duration, which must have a unit: "90"
// could mean seconds or minutes.
func durationSetting(field func(*config) *time.Duration, allowed string) func(*config, string) error {
	return func(c *config, v string) error {
		v = strings.TrimSpace(v)
		d, err := time.ParseDuration(v)
		if err != nil {
			if _, nerr := strconv.ParseFloat(v, 64); nerr == nil {
				return problem("needs a unit, e.g. %ss", v)
			}
			return problem("is not a duration; %s (e.g. 500ms, 30s, 5m)", allowed)
		}
		*field(c) = d
		return nil
	}
}

// bind registers the flags on fs, each defaulting to its variable's value.
func (c *config) bind(fs *flag.FlagSet, getenv func(string) string) {
	c.raw = make([]string, len(settings))
	for i, s := range settings {
		c.raw[i] = s.def
		if v := getenv(s.env); v != "" {
			c.raw[i] = v
		}
		if s.flag != "" {
			fs.StringVar(&c.raw[i], s.flag, c.raw[i], s.help+" ("+s.env+")")
		}
	}
	fs.BoolVar(&c.Worker, "worker", true, "also run the render worker in this process")
}

// validate parses every setting and checks the package Configs composed
// from them. It returns every problem at once, one line each naming the
// variable (and its flag), the value given and what is allowed.
func (c *config) validate() error {
	problems := make([]error, len(settings))
	for i, s := range settings {
		if err := s.parse(c, c.raw[i]); err != nil {
			problems[i] = s.problem(c.raw[i], err.Error())
		}
	}
	var other []error
	check := func(pkg string, err error) {
		if err == nil {
			return
		}
		found := oshigoods.ConfigErrors(err)
		if len(found) == 0 {
			other = append(other, err)
		}
		for _, e := range found {
			i := slices.IndexFunc(settings, func(s setting) bool { return s.key == pkg+"."+e.Field })
			switch {
			case i < 0:
				other = append(other, fmt.Errorf("%s: %w", pkg, e))
			case problems[i] == nil: // a value that did not parse is reported once
				problems[i] = settings[i].problem(c.raw[i], e.Problem)
			}
		}
	}
	check("worker", c.workerConfig().Validate())
	check("sqlstore", c.DB.Validate())
	s3 := c.s3Config()
	if s3.Endpoint == "" { // the embedded server has credentials of its own
		s3.AccessKey, s3.SecretKey = "", ""
	}
	check("s3", s3.Validate())
	check("orders", orders.Limits{MaxUploadBytes: c.MaxUpload}.Validate())
	check("orders", c.retention().Validate())
	check("guard", c.Guard.Validate())
	check("budget", c.budgetConfig().Validate())
	check("orders", c.Payments.Validate())
	if _, set := c.sender(); set {
		check("fulfil", c.Sender.Validate())
	}
	if c.Payments.Mode == orders.PaymentStripe {
		check("stripepay", c.Stripe.Validate())
	}
	check("orders", c.Shipping.Validate())
	check("orders", c.Mails.Validate())
	check("orders", c.Renders.Validate())
	check("mailer", c.mailerConfig().Validate())
	if c.Secret != "" {
		check("orders", orders.CheckSecret([]byte(c.Secret)))
	}
	check("orders", c.Admin.Validate())
	if c.AdminToken != "" && c.AdminKey != "" && c.AdminToken != c.AdminKey {
		other = append(other, errors.New("OSHIGOODS_ADMIN_TOKEN and OSHIGOODS_ADMIN_KEY are both set and differ: set one of them (OSHIGOODS_ADMIN_KEY is the former name)"))
	}
	return errors.Join(append(problems, other...)...)
}

// problem is one line naming the setting, the value and what is wrong.
func (s setting) problem(v, what string) error {
	name := s.env
	if s.flag != "" {
		name += " (--" + s.flag + ")"
	}
	show := s.show
	if show == nil {
		show = quoted
	}
	return fmt.Errorf("%s: %s %s", name, show(v), what)
}

// adminKey is the operator's key from the environment, "" for none.
func (c *config) adminKey() string {
	if c.AdminToken != "" {
		return c.AdminToken
	}
	return c.AdminKey
}

// workerConfig is the worker's part of the configuration.
func (c *config) workerConfig() worker.Config {
	return worker.Config{Concurrency: c.Concurrency, ReconcileInterval: c.Reconcile, ReconcileBatch: c.ReconcileBatch, StaleAfter: c.StaleAfter,
		RenderRetry: c.RenderRetry, WebhookRetry: c.WebhookRetry, WebhookConcurrency: c.WebhookConcurrency, MailInterval: c.MailInterval}
}

// mailerConfig is the SMTP sender's part. Without a URL, e-mails are
// written to files and only From is checked.
func (c *config) mailerConfig() mailer.Config {
	mc := mailer.Config{URL: c.SMTPURL, From: c.MailFrom}
	if mc.URL == "" {
		mc.URL = "smtp://localhost?tls=none" // not used: checks From alone
	}
	return mc
}

// retention is how long personal data is kept (orders.Retention).
func (c *config) retention() orders.Retention {
	return orders.Retention{UploadTTL: c.UploadTTL, OrderRetention: c.Retention}
}

// budgetConfig is the decode budget's part.
func (c *config) budgetConfig() budget.Config {
	return budget.Config{Bytes: c.DecodeBudget, Wait: c.DecodeWait}
}

// s3Config is the bucket's part; an empty endpoint is the embedded server.
func (c *config) s3Config() s3store.Config {
	return s3store.Config{Endpoint: c.S3Endpoint, Bucket: c.S3Bucket, Region: c.S3Region, AccessKey: c.AccessKey, SecretKey: c.SecretKey}
}

// unknownVariables returns the OSHIGOODS_* variables in environ that no
// command reads, each with the known one closest to it (a typo, most
// likely). OSHIGOODS_TEST_* belong to the test suite.
func unknownVariables(environ []string) (unknown, closest []string) {
	known := append([]string{}, otherVariables...)
	for _, s := range settings {
		known = append(known, s.env)
	}
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, "OSHIGOODS_") || strings.HasPrefix(name, "OSHIGOODS_TEST_") || slices.Contains(known, name) {
			continue
		}
		best, bestD := "", -1
		for _, k := range known {
			if d := editDistance(name, k); bestD < 0 || d < bestD {
				best, bestD = k, d
			}
		}
		unknown, closest = append(unknown, name), append(closest, best)
	}
	return unknown, closest
}

// warnUnknownVariables logs a warning for each unknown OSHIGOODS_* variable;
// they do not stop the start.
func warnUnknownVariables(logger *slog.Logger, environ []string) {
	unknown, closest := unknownVariables(environ)
	for i, name := range unknown {
		logger.Warn("unknown variable ignored; did you mean "+closest[i]+"?", "variable", name, "closest", closest[i])
	}
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// catalogLoader returns how the catalogue is loaded, at the start and at
// each reload: the built-in templates, or OSHIGOODS_TEMPLATES_DIR laid
// over them. Its errors name the variable, the folder and the template.
func (c *config) catalogLoader() func() (*templates.Catalog, error) {
	dir := c.TemplatesDir
	if dir == "" {
		return func() (*templates.Catalog, error) {
			cat, err := templates.Builtin()
			if err != nil {
				return nil, fmt.Errorf("load templates: %w", err)
			}
			return cat, nil
		}
	}
	return func() (*templates.Catalog, error) {
		cat, err := templates.LoadFolder(dir)
		if err != nil {
			return nil, fmt.Errorf("OSHIGOODS_TEMPLATES_DIR (--templates-dir) %q: %w", dir, err)
		}
		return cat, nil
	}
}

// publicURL is OSHIGOODS_PUBLIC_URL, or the listen address as a URL
// (with 127.0.0.1 for a wildcard host).
func (c *config) publicURL() string {
	if c.PublicURL != "" {
		return c.PublicURL
	}
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return ""
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// placeholderSender stands in for the operator's sender details until
// OSHIGOODS_SHOP_* are set, so packing slips work on the embedded default
// and say plainly what to fill in (serve logs a warning).
var placeholderSender = fulfil.Shop{Name: "oshigoods（要設定）", PostalCode: "000-0000",
	Address: "【要設定】OSHIGOODS_SHOP_ADDRESS", Phone: "00-0000-0000"}

// sender is the configured sender, or placeholderSender (with the shop's
// name) while none of its address, phone or codes is set; set reports
// which.
func (c *config) sender() (s fulfil.Shop, set bool) {
	rest := c.Sender
	rest.Name = ""
	if rest == (fulfil.Shop{}) {
		s = placeholderSender
		if c.Sender.Name != "" && c.Sender.Name != orders.DefaultShopName {
			s.Name = c.Sender.Name
		}
		return s, false
	}
	return c.Sender, true
}
