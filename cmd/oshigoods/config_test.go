package main

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"oshigoods/internal/testenv"
	"oshigoods/orders"
	"oshigoods/worker"
)

// parseConfig binds, parses and validates as serve does.
func parseConfig(env map[string]string, args ...string) (*config, error) {
	var cfg config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg.bind(fs, getenvFrom(env))
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return &cfg, cfg.validate()
}

func TestConfigValidate(t *testing.T) {
	icc := filepath.Join(t.TempDir(), "not.icc")
	writeFile(t, icc, []byte("not an ICC profile"))
	legal, htmlLegal := t.TempDir(), t.TempDir()
	writeFile(t, filepath.Join(legal, "tokushoho.md"), []byte("| 販売業者 | 株式会社オシカツ |"))
	writeFile(t, filepath.Join(htmlLegal, "terms.html"), []byte("<p>規約</p>"))
	noLegal := filepath.Join(t.TempDir(), "legal")
	for _, tc := range []struct {
		scenario string
		env      map[string]string
		args     []string
		want     []string // the error's lines; none means valid
	}{
		{"defaults", nil, nil, nil},
		{"test timings", map[string]string{"OSHIGOODS_RECONCILE_INTERVAL": "200ms", "OSHIGOODS_STALE_AFTER": "500ms", "OSHIGOODS_WEBHOOK_RETRY": "100ms"}, nil, nil},
		{"production services", map[string]string{
			"OSHIGOODS_REDIS_URL":    "rediss://:pw@redis:6379/0",
			"OSHIGOODS_DATABASE_URL": "postgresql://oshigoods@db:5432/oshigoods",
			"OSHIGOODS_S3_ENDPOINT":  "https://minio:9000", "OSHIGOODS_S3_BUCKET": "goods.2026",
			"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "s", "OSHIGOODS_SECRET": "0123456789abcdef",
			"OSHIGOODS_CONCURRENCY": "64", "OSHIGOODS_PRINT_PROFILE": "jp-tombo", "OSHIGOODS_MAX_UPLOAD_BYTES": "0",
		}, nil, nil},
		{"SQLite path", map[string]string{"OSHIGOODS_DATABASE_URL": "/var/lib/oshigoods/orders.db"}, nil, nil},
		{"a flag wins over a bad variable", map[string]string{"OSHIGOODS_CONCURRENCY": "eight"}, []string{"--concurrency", "8"}, nil},
		{"embedded S3 ignores half AWS credentials", map[string]string{"AWS_ACCESS_KEY_ID": "a"}, nil, nil},
		{"concurrency not a number", map[string]string{"OSHIGOODS_CONCURRENCY": "eight"}, nil,
			[]string{`OSHIGOODS_CONCURRENCY (--concurrency): "eight" is not a whole number; give 1–64`}},
		{"concurrency zero", map[string]string{"OSHIGOODS_CONCURRENCY": "0"}, nil,
			[]string{`OSHIGOODS_CONCURRENCY (--concurrency): "0" is out of range; give 1–64`}},
		{"concurrency flag too high", nil, []string{"--concurrency", "65"},
			[]string{`OSHIGOODS_CONCURRENCY (--concurrency): "65" is out of range; give 1–64`}},
		{"duration without a unit", map[string]string{"OSHIGOODS_STALE_AFTER": "90"}, nil,
			[]string{`OSHIGOODS_STALE_AFTER (--stale-after): "90" needs a unit, e.g. 90s`}},
		{"duration not a duration", map[string]string{"OSHIGOODS_WEBHOOK_RETRY": "soon"}, nil,
			[]string{`OSHIGOODS_WEBHOOK_RETRY (--webhook-retry): "soon" is not a duration; give 10ms–1h (e.g. 500ms, 30s, 5m)`}},
		{"stuck-item settings", map[string]string{"OSHIGOODS_RECONCILE_BATCH": "500", "OSHIGOODS_RENDER_LEASE": "300ms",
			"OSHIGOODS_RENDER_ATTEMPTS": "3", "OSHIGOODS_RENDER_RETRY": "100ms"}, nil, nil},
		{"stuck-item settings out of range", map[string]string{"OSHIGOODS_RECONCILE_BATCH": "0", "OSHIGOODS_RENDER_LEASE": "1h",
			"OSHIGOODS_RENDER_ATTEMPTS": "many", "OSHIGOODS_RENDER_RETRY": "1h"}, nil, []string{
			`OSHIGOODS_RECONCILE_BATCH (--reconcile-batch): "0" is out of range; give 1–10000`,
			`OSHIGOODS_RENDER_LEASE (--render-lease): "1h" is out of range; give 100ms–10m`,
			`OSHIGOODS_RENDER_ATTEMPTS (--render-attempts): "many" is not a whole number; give 1–100`,
			`OSHIGOODS_RENDER_RETRY (--render-retry): "1h" is out of range; give 10ms–10m`,
		}},
		{"negative reconcile interval", map[string]string{"OSHIGOODS_RECONCILE_INTERVAL": "-5s"}, nil,
			[]string{`OSHIGOODS_RECONCILE_INTERVAL (--reconcile-interval): "-5s" is out of range; give 10ms–1h`}},
		{"redis URL with another scheme", map[string]string{"OSHIGOODS_REDIS_URL": "http://redis:6379"}, nil,
			[]string{`OSHIGOODS_REDIS_URL (--redis-url): "http://redis:6379" has scheme http://; ` + worker.RedisURLForms}},
		{"redis address without a scheme", map[string]string{"OSHIGOODS_REDIS_URL": "redis:6379"}, nil,
			[]string{`OSHIGOODS_REDIS_URL (--redis-url): "redis:6379" is not a URL; ` + worker.RedisURLForms}},
		{"redis password not shown", map[string]string{"OSHIGOODS_REDIS_URL": "http://:hunter2@redis:6379"}, nil,
			[]string{`OSHIGOODS_REDIS_URL (--redis-url): "http://:…@redis:6379" has scheme http://; ` + worker.RedisURLForms}},
		{"redis sentinel", map[string]string{"OSHIGOODS_REDIS_URL": "redis-sentinel://:pw@10.0.0.1:26379,10.0.0.2:26379,[fd00::3]:26379/2?master=oshigoods"}, nil, nil},
		{"redis cluster", map[string]string{"OSHIGOODS_REDIS_URL": "redis-cluster://:pw@redis-1:7000,redis-2:7000,redis-3:7000"}, nil, nil},
		{"redis sentinel without a master", map[string]string{"OSHIGOODS_REDIS_URL": "redis-sentinel://:hunter2@10.0.0.1:26379,10.0.0.2:26379"}, nil,
			[]string{`OSHIGOODS_REDIS_URL (--redis-url): "redis-sentinel://:…@10.0.0.1:26379,10.0.0.2:26379" names no master; add ?master=NAME, the name the Sentinels monitor; ` + worker.RedisURLForms}},
		{"redis sentinel of IPv6 hosts, password not shown", map[string]string{"OSHIGOODS_REDIS_URL": "redis-sentinel://:hunter2@[fd00::1]:26379,[fd00::2]/0?master=m&sentinel_password=hunter3"}, nil,
			[]string{`OSHIGOODS_REDIS_URL (--redis-url): "redis-sentinel://:…@[fd00::1]:26379,[fd00::2]/0" has "[fd00::2]" where host:port belongs; ` + worker.RedisURLForms}},
		{"redis cluster with a database", map[string]string{"OSHIGOODS_REDIS_URL": "redis-cluster://redis-1:7000,redis-2:7000/3"}, nil,
			[]string{`OSHIGOODS_REDIS_URL (--redis-url): "redis-cluster://redis-1:7000,redis-2:7000/3" names database 3; a cluster has only database 0; ` + worker.RedisURLForms}},
		{"database URL with another scheme", map[string]string{"OSHIGOODS_DATABASE_URL": "mysql://db/oshigoods"}, nil,
			[]string{`OSHIGOODS_DATABASE_URL (--database-url): "mysql://db/oshigoods" has scheme mysql://; give postgres://…, postgresql://… or a SQLite file path`}},
		{"database pool", map[string]string{"OSHIGOODS_DB_MAX_CONNS": "20", "OSHIGOODS_DB_MAX_IDLE": "5", "OSHIGOODS_DB_MAX_LIFETIME": "1h", "OSHIGOODS_DB_MAX_IDLE_TIME": "30s"}, nil, nil},
		{"database pool too large", nil, []string{"--db-max-conns", "2000"},
			[]string{`OSHIGOODS_DB_MAX_CONNS (--db-max-conns): "2000" is out of range; give 1–1000`}},
		{"database idle above the pool", map[string]string{"OSHIGOODS_DB_MAX_CONNS": "4", "OSHIGOODS_DB_MAX_IDLE": "8"}, nil,
			[]string{`OSHIGOODS_DB_MAX_IDLE (--db-max-idle): "8" is out of range; give 1 up to the most open connections (4)`}},
		{"database lifetimes out of range", map[string]string{"OSHIGOODS_DB_MAX_LIFETIME": "100ms", "OSHIGOODS_DB_MAX_IDLE_TIME": "2d"}, nil, []string{
			`OSHIGOODS_DB_MAX_LIFETIME (--db-max-lifetime): "100ms" is out of range; give 1s–24h`,
			`OSHIGOODS_DB_MAX_IDLE_TIME (--db-max-idle-time): "2d" is not a duration; give 1s–24h (e.g. 500ms, 30s, 5m)`,
		}},
		{"S3 endpoint with another scheme", map[string]string{"OSHIGOODS_S3_ENDPOINT": "s3://minio:9000"}, nil,
			[]string{`OSHIGOODS_S3_ENDPOINT (--s3-endpoint): "s3://minio:9000" has scheme s3://; give http:// or https://, e.g. http://minio:9000`}},
		{"S3 bucket upper-case", map[string]string{"OSHIGOODS_S3_BUCKET": "Goods"}, nil,
			[]string{`OSHIGOODS_S3_BUCKET (--s3-bucket): "Goods" is not a bucket name; give 1–63 lower-case letters, digits, dots and hyphens, beginning and ending with a letter or digit, not an IP address`}},
		{"S3 region", map[string]string{"OSHIGOODS_S3_REGION": "Tokyo"}, nil,
			[]string{`OSHIGOODS_S3_REGION (--s3-region): "Tokyo" is not a region; give lower-case letters, digits and hyphens, e.g. us-east-1`}},
		{"half AWS credentials", map[string]string{"OSHIGOODS_S3_ENDPOINT": "http://minio:9000", "AWS_SECRET_ACCESS_KEY": "s"}, nil,
			[]string{`AWS_SECRET_ACCESS_KEY: (value not shown) is set without the access key; set both, or neither for the SDK's default chain`}},
		{"short secret not shown", map[string]string{"OSHIGOODS_SECRET": "hunter2"}, nil,
			[]string{`OSHIGOODS_SECRET: (value not shown) is 7 bytes; give at least 16 (e.g. 32 random bytes, base64)`}},
		{"unknown print profile", map[string]string{"OSHIGOODS_PRINT_PROFILE": "a5"}, nil,
			[]string{`OSHIGOODS_PRINT_PROFILE (--print-profile): "a5" is not a print profile; give one of bleed4, bleed4-pdf, digital, jp-standard, jp-tombo`}},
		{"output ICC not a profile", map[string]string{"OSHIGOODS_OUTPUT_ICC": icc}, nil, []string{`OSHIGOODS_OUTPUT_ICC (--output-icc): "` + icc + `" is not usable (`}},
		{"upload limit with a unit", map[string]string{"OSHIGOODS_MAX_UPLOAD_BYTES": "30MB"}, nil,
			[]string{`OSHIGOODS_MAX_UPLOAD_BYTES (--max-upload-bytes): "30MB" is not a whole number of bytes; give 65536 (64 KiB) to 1073741824 (1 GiB), or 0 for the default 30 MiB`}},
		{"upload limit too small", nil, []string{"--max-upload-bytes", "100"},
			[]string{`OSHIGOODS_MAX_UPLOAD_BYTES (--max-upload-bytes): "100" is out of range; give 65536 (64 KiB) to 1073741824 (1 GiB), or 0 for the default 30 MiB`}},
		{"decode budget with a unit", map[string]string{"OSHIGOODS_DECODE_BUDGET": "256MiB"}, nil,
			[]string{`OSHIGOODS_DECODE_BUDGET (--decode-budget): "256MiB" is not a whole number of bytes; give 16777216 (16 MiB) to 68719476736 (64 GiB), or 0 for the default 256 MiB`}},
		{"decode budget too small", nil, []string{"--decode-budget", "1048576"},
			[]string{`OSHIGOODS_DECODE_BUDGET (--decode-budget): "1048576" is out of range; give 16777216 (16 MiB) to 68719476736 (64 GiB) bytes, or 0 for the default 256 MiB`}},
		{"decode wait too long", map[string]string{"OSHIGOODS_DECODE_WAIT": "1h"}, nil,
			[]string{`OSHIGOODS_DECODE_WAIT (--decode-wait): "1h" is out of range; give 0s–1m, or 0 for the default 2s`}},
		{"stripe in test mode against stripe-mock", map[string]string{
			"OSHIGOODS_PAYMENT": "stripe", "OSHIGOODS_STRIPE_SECRET_KEY": "sk_test_51Hoshigoods", "OSHIGOODS_STRIPE_WEBHOOK_SECRET": "whsec_oshigoods",
			"OSHIGOODS_STRIPE_API_BASE": "http://127.0.0.1:12111", "OSHIGOODS_STRIPE_METHODS": "card, konbini",
		}, nil, nil},
		{"stripe variables without stripe mode", map[string]string{"OSHIGOODS_STRIPE_METHODS": "paypay"}, nil, nil},
		{"stripe without its secrets", map[string]string{"OSHIGOODS_PAYMENT": "stripe"}, nil, []string{
			`OSHIGOODS_STRIPE_SECRET_KEY: (value not shown) is missing; give the account's secret key, sk_test_… or sk_live_…`,
			`OSHIGOODS_STRIPE_WEBHOOK_SECRET: (value not shown) is missing; give the webhook endpoint's signing secret, whsec_…`,
		}},
		{"stripe with a publishable key, plain http elsewhere and paypay", map[string]string{
			"OSHIGOODS_PAYMENT": "stripe", "OSHIGOODS_STRIPE_SECRET_KEY": "pk_live_hunter2", "OSHIGOODS_STRIPE_WEBHOOK_SECRET": "whsec_oshigoods",
			"OSHIGOODS_STRIPE_API_BASE": "http://stripe-mock:12111", "OSHIGOODS_STRIPE_METHODS": "card,paypay",
		}, nil, []string{
			`OSHIGOODS_STRIPE_SECRET_KEY: (value not shown) is a publishable key (pk_…); give the secret key, sk_test_… or sk_live_…`,
			`OSHIGOODS_STRIPE_API_BASE: "http://stripe-mock:12111" is plain http:// to a host that is not loopback; the secret key travels only over https, or to stripe-mock on 127.0.0.1`,
			`OSHIGOODS_STRIPE_METHODS: "card,paypay" has paypay, which Checkout's payment_method_types does not take in Stripe's API; enable PayPay in the Stripe Dashboard and give dashboard`,
		}},
		{"legal pages", map[string]string{"OSHIGOODS_LEGAL_DIR": legal}, nil, nil},
		{"template folder", map[string]string{"OSHIGOODS_TEMPLATES_DIR": legal}, nil, nil},
		{"template folder missing", map[string]string{"OSHIGOODS_TEMPLATES_DIR": noLegal}, nil,
			[]string{`OSHIGOODS_TEMPLATES_DIR (--templates-dir): "` + noLegal + `" is not a folder; give the folder of the shop's templates, or leave it empty for the built-in ones`}},
		{"template folder a file", nil, []string{"--templates-dir", icc},
			[]string{`OSHIGOODS_TEMPLATES_DIR (--templates-dir): "` + icc + `" is not a folder; give the folder of the shop's templates, or leave it empty for the built-in ones`}},
		{"legal folder missing", map[string]string{"OSHIGOODS_LEGAL_DIR": noLegal}, nil,
			[]string{`OSHIGOODS_LEGAL_DIR (--legal-dir): "` + noLegal + `" is not usable (legal pages folder: stat ` + noLegal + `: no such file or directory); give a readable folder with tokushoho.md, terms.md and privacy.md`}},
		{"legal page in HTML", nil, []string{"--legal-dir", htmlLegal},
			[]string{`OSHIGOODS_LEGAL_DIR (--legal-dir): "` + htmlLegal + `" is not usable (legal page terms.html: write it in Markdown as terms.md; HTML files are not rendered)`}},
		{"mail settings", map[string]string{"OSHIGOODS_SMTP_URL": "smtps://shop:pw@mail.example.jp", "OSHIGOODS_MAIL_FROM": "ひかりグッズ <shop@example.jp>",
			"OSHIGOODS_SHOP_NAME": "ひかりグッズ", "OSHIGOODS_MAIL_INTERVAL": "100ms", "OSHIGOODS_MAIL_RETRY": "100ms"}, nil, nil},
		{"SMTP password never shown", map[string]string{"OSHIGOODS_SMTP_URL": "smtp://shop:hunter2@mail.example.jp:25?tls=none"}, nil,
			[]string{`OSHIGOODS_SMTP_URL (--smtp-url): "smtp://shop:…@mail.example.jp:25" has credentials and tls=none to mail.example.jp, which is not loopback`}},
		{"SMTP URL of another scheme", map[string]string{"OSHIGOODS_SMTP_URL": "http://mail.example.jp:25"}, nil,
			[]string{`OSHIGOODS_SMTP_URL (--smtp-url): "http://mail.example.jp:25" has scheme "http"; give smtp://`}},
		{"mail from not an address", nil, []string{"--mail-from", "shop"},
			[]string{`OSHIGOODS_MAIL_FROM (--mail-from): "shop" is not an e-mail address`}},
		{"shop name too long", map[string]string{"OSHIGOODS_SHOP_NAME": strings.Repeat("推", 41)}, nil,
			[]string{`OSHIGOODS_SHOP_NAME (--shop-name): "` + strings.Repeat("推", 41) + `" is 41 characters; give at most 40`}},
		{"mail interval of a day", map[string]string{"OSHIGOODS_MAIL_INTERVAL": "24h"}, nil,
			[]string{`OSHIGOODS_MAIL_INTERVAL (--mail-interval): "24h" is out of range; give 10ms–1h`}},
		{"metrics address", map[string]string{"OSHIGOODS_METRICS_ADDR": "127.0.0.1:9464"}, nil, nil},
		{"metrics address without a port", nil, []string{"--metrics-addr", "localhost"},
			[]string{`OSHIGOODS_METRICS_ADDR (--metrics-addr): "localhost" is not host:port; give e.g. 127.0.0.1:9464, or leave it empty for no metrics`}},
		{"listen address", nil, []string{"--addr", "8080"},
			[]string{`OSHIGOODS_ADDR (--addr): "8080" is not host:port; give e.g. 127.0.0.1:8080 or :8080`}},
		{"several problems, all at once, in the table's order", map[string]string{
			"OSHIGOODS_STALE_AFTER": "90", "OSHIGOODS_CONCURRENCY": "eight", "OSHIGOODS_REDIS_URL": "localhost:6379",
		}, []string{"--reconcile-interval", "0"}, []string{
			`OSHIGOODS_REDIS_URL (--redis-url): "localhost:6379" is not a URL; ` + worker.RedisURLForms,
			`OSHIGOODS_CONCURRENCY (--concurrency): "eight" is not a whole number; give 1–64`,
			`OSHIGOODS_RECONCILE_INTERVAL (--reconcile-interval): "0" is out of range; give 10ms–1h`,
			`OSHIGOODS_STALE_AFTER (--stale-after): "90" needs a unit, e.g. 90s`,
		}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			_, err := parseConfig(tc.env, tc.args...)
			if err != nil && strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("a password is shown: %v", err)
			}
			testenv.ErrorLines(t, err, tc.want)
		})
	}
}

// TestConfigComposes checks that the parsed values reach the package
// Configs cmd composes.
func TestConfigComposes(t *testing.T) {
	cfg, err := parseConfig(map[string]string{"OSHIGOODS_CONCURRENCY": "4", "OSHIGOODS_STALE_AFTER": "2m", "OSHIGOODS_S3_BUCKET": "goods"}, "--webhook-retry", "1s")
	if err != nil {
		t.Fatal(err)
	}
	w := cfg.workerConfig()
	if w.Concurrency != 4 || w.StaleAfter != 2*time.Minute || w.ReconcileInterval != 10*time.Second || w.ReconcileBatch != 100 ||
		w.RenderRetry != 15*time.Second || w.WebhookRetry != time.Second {
		t.Errorf("worker config = %+v", w)
	}
	if cfg.Renders != (orders.Renders{Lease: 15 * time.Second, MaxAttempts: 6}) {
		t.Errorf("render settings = %+v", cfg.Renders)
	}
	if s3 := cfg.s3Config(); s3.Bucket != "goods" || s3.Region != "us-east-1" {
		t.Errorf("s3 config = %+v", s3)
	}
	if b := cfg.budgetConfig(); b.Bytes != 256<<20 || b.Wait != 2*time.Second {
		t.Errorf("budget config = %+v", b)
	}
	if cfg.SMTPURL != "" || cfg.MailFrom != "noreply@localhost" || cfg.Mails.ShopName != "oshigoods" || cfg.Mails.FirstRetry != time.Minute || w.MailInterval != 5*time.Second {
		t.Errorf("mail settings: url %q, from %q, %+v, interval %s", cfg.SMTPURL, cfg.MailFrom, cfg.Mails, w.MailInterval)
	}
	if cfg.MaxUpload != 30<<20 || cfg.Addr != "127.0.0.1:8080" || cfg.Profile != "jp-standard" || !cfg.Worker {
		t.Errorf("config = %+v", cfg)
	}
}

func TestUnknownVariables(t *testing.T) {
	unknown, closest := unknownVariables([]string{
		"PATH=/bin", "OSHIGOODS_CONCURENCY=3", "OSHIGOODS_REDIS_URL=redis://x:1/0", "OSHIGOODS_STALEAFTER=1m",
		"OSHIGOODS_TEST_REQUIRE_SERVICES=1", "OSHIGOODS_SHOP_KEY=shk_x", "OSHIGOODS_S3_BUKET=b",
	})
	if got, want := strings.Join(unknown, ","), "OSHIGOODS_CONCURENCY,OSHIGOODS_STALEAFTER,OSHIGOODS_S3_BUKET"; got != want {
		t.Errorf("unknown = %s, want %s", got, want)
	}
	if got, want := strings.Join(closest, ","), "OSHIGOODS_CONCURRENCY,OSHIGOODS_STALE_AFTER,OSHIGOODS_S3_BUCKET"; got != want {
		t.Errorf("closest = %s, want %s", got, want)
	}
}

// TestBadConfigStopsTheStart runs the real binary with bad values: it must
// exit non-zero within a second, before opening anything, with one line per
// problem naming the variable; an unknown variable only warns.
func TestBadConfigStopsTheStart(t *testing.T) {
	bin := buildBinary(t, t.TempDir())
	var base []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OSHIGOODS_") && !strings.HasPrefix(kv, "AWS_") {
			base = append(base, kv)
		}
	}
	for _, tc := range []struct {
		scenario string
		command  string
		env      []string
		want     []string
	}{
		{"concurrency eight", "serve", []string{"OSHIGOODS_CONCURRENCY=eight"}, []string{
			`oshigoods: OSHIGOODS_CONCURRENCY (--concurrency): "eight" is not a whole number; give 1–64`,
		}},
		{"several bad values and a typo", "serve", []string{"OSHIGOODS_CONCURRENCY=eight", "OSHIGOODS_STALE_AFTER=90", "OSHIGOODS_S3_ENDPOINT=minio", "OSHIGOODS_CONCURENCY=3"}, []string{
			`did you mean OSHIGOODS_CONCURRENCY?`,
			`oshigoods: OSHIGOODS_S3_ENDPOINT (--s3-endpoint): "minio" is not a URL`,
			`oshigoods: OSHIGOODS_CONCURRENCY (--concurrency): "eight" is not a whole number; give 1–64`,
			`oshigoods: OSHIGOODS_STALE_AFTER (--stale-after): "90" needs a unit, e.g. 90s`,
		}},
		{"worker alone", "worker", []string{"OSHIGOODS_REDIS_URL=redis://127.0.0.1:1/0", "OSHIGOODS_CONCURRENCY=0"}, []string{
			`oshigoods: OSHIGOODS_CONCURRENCY (--concurrency): "0" is out of range; give 1–64`,
		}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			dataDir := filepath.Join(t.TempDir(), "data")
			cmd := exec.Command(bin, tc.command)
			cmd.Env = append(append(base, "OSHIGOODS_DATA_DIR="+dataDir), tc.env...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			start := time.Now()
			err := cmd.Run()
			elapsed := time.Since(start)
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() == 0 {
				t.Fatalf("%s: %v, want a non-zero exit\n%s", tc.command, err, stderr.String())
			}
			if elapsed > time.Second {
				t.Errorf("%s took %s to refuse its configuration; want under a second", tc.command, elapsed)
			}
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			if len(lines) != len(tc.want) {
				t.Fatalf("stderr has %d lines, want %d:\n%s", len(lines), len(tc.want), stderr.String())
			}
			for i, w := range tc.want {
				if !strings.Contains(lines[i], w) {
					t.Errorf("stderr line %d:\n got %s\nwant %s", i, lines[i], w)
				}
			}
			if _, err := os.Stat(dataDir); err == nil {
				t.Errorf("the data folder was created: the start went on past the configuration")
			}
		})
	}
}
