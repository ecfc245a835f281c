# Sourced by scripts/test and .ci/run: installs and starts what the tests
# need on a Debian machine (run as root): Debian tools, Redis, PostgreSQL,
# MinIO, mailpit and stripe-mock. Each step does nothing when its part is
# already there.

OSHIGOODS_CACHE=${OSHIGOODS_CACHE:-$HOME/.cache/oshigoods}
# MinIO, pinned; built once with `go install` and kept in the cache.
MINIO_MODULE=github.com/minio/minio@v0.0.0-20260212201848-7aac2a2c5b7c
MINIO_ADDR=${OSHIGOODS_MINIO_ADDR:-127.0.0.1:9123}
MINIO_USER=oshigoods
MINIO_PASSWORD=oshigoods-test-secret
# Mailpit, pinned: an SMTP server that keeps what it receives, with an HTTP
# API that tests read it through. Built once like MinIO.
MAILPIT_MODULE=github.com/axllent/mailpit@v1.33.1
MAILPIT_SMTP_ADDR=${OSHIGOODS_MAILPIT_SMTP_ADDR:-127.0.0.1:1025}
MAILPIT_HTTP_ADDR=${OSHIGOODS_MAILPIT_HTTP_ADDR:-127.0.0.1:8025}
# stripe-mock, Stripe's API stand-in that checks requests against Stripe's
# OpenAPI spec; pinned, built once like MinIO. Loopback only, HTTP and
# HTTPS both (it opens HTTPS on every address unless told where).
STRIPE_MOCK_MODULE=github.com/stripe/stripe-mock@v0.203.0
STRIPE_MOCK_ADDR=${OSHIGOODS_STRIPE_MOCK_ADDR:-127.0.0.1:12111}
STRIPE_MOCK_HTTPS_ADDR=${OSHIGOODS_STRIPE_MOCK_HTTPS_ADDR:-127.0.0.1:12112}

log() { printf '[services] %s\n' "$*" >&2; }

# ensure_debs installs the Debian packages whose commands are missing.
# Arguments are command:package pairs.
ensure_debs() {
  local missing=() pair
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_tools() {
  ensure_debs pdffonts:poppler-utils identify:imagemagick ffprobe:ffmpeg sox:sox \
    espeak-ng:espeak-ng qpdf:qpdf zbarimg:zbar-tools vips:libvips-tools redis-cli:redis-tools redis-server:redis-server chromium:chromium
  # LAME for the cgo MP3 encoder (-tags lame).
  [ -f /usr/include/lame/lame.h ] || { log "installing libmp3lame-dev"; apt-get install -y -qq libmp3lame-dev >/dev/null; }
  # A Japanese UI font, so the storefront's screenshots show text, not boxes.
  fc-list :lang=ja 2>/dev/null | grep -q . || { log "installing fonts-noto-cjk"; apt-get install -y -qq fonts-noto-cjk >/dev/null; }
}

ensure_redis() {
  redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && return 0
  log "starting Redis"
  command -v redis-server >/dev/null || ensure_debs redis-server:redis-server
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 50); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && return 0; sleep 0.2; done
  log "Redis did not start"; return 1
}

ensure_postgres() {
  pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null && return 0
  log "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
  for _ in $(seq 50); do pg_isready -h 127.0.0.1 -p 5432 -q && return 0; sleep 0.2; done
  log "PostgreSQL did not start"; return 1
}

minio_live() { curl -fsS -o /dev/null "http://$MINIO_ADDR/minio/health/live" 2>/dev/null; }

# go_install_once builds a pinned Go command (module@version) into
# $OSHIGOODS_CACHE/bin unless it is there: go_install_once NAME MODULE.
go_install_once() {
  [ -x "$OSHIGOODS_CACHE/bin/$1" ] && return 0
  log "building $1 ($2) into $OSHIGOODS_CACHE/bin; this takes a few minutes once"
  GOBIN="$OSHIGOODS_CACHE/bin" GOFLAGS=-buildvcs=false go install "$2"
}

# wait_live waits up to 30 s for a service just started to answer its
# check: wait_live CHECK NAME LOGFILE.
wait_live() {
  for _ in $(seq 100); do "$1" && return 0; sleep 0.3; done
  log "$2 did not start; see $3"; tail -20 "$3" >&2; return 1
}

ensure_minio() {
  go_install_once minio "$MINIO_MODULE"
  minio_live && return 0
  log "starting MinIO on $MINIO_ADDR"
  mkdir -p "$OSHIGOODS_CACHE/minio-data"
  MINIO_ROOT_USER=$MINIO_USER MINIO_ROOT_PASSWORD=$MINIO_PASSWORD MINIO_BROWSER=off \
    nohup "$OSHIGOODS_CACHE/bin/minio" server --quiet --address "$MINIO_ADDR" "$OSHIGOODS_CACHE/minio-data" \
    >"$OSHIGOODS_CACHE/minio.log" 2>&1 &
  wait_live minio_live MinIO "$OSHIGOODS_CACHE/minio.log"
}

# stripe_mock_live: stripe-mock answers any request with a testmode key.
stripe_mock_live() {
  curl -fsS -o /dev/null -H 'Authorization: Bearer sk_test_123' "http://$STRIPE_MOCK_ADDR/v1/balance" 2>/dev/null
}

ensure_stripe_mock() {
  go_install_once stripe-mock "$STRIPE_MOCK_MODULE"
  stripe_mock_live && return 0
  log "starting stripe-mock on $STRIPE_MOCK_ADDR"
  nohup "$OSHIGOODS_CACHE/bin/stripe-mock" -http-addr "$STRIPE_MOCK_ADDR" -https-addr "$STRIPE_MOCK_HTTPS_ADDR" \
    >"$OSHIGOODS_CACHE/stripe-mock.log" 2>&1 &
  wait_live stripe_mock_live stripe-mock "$OSHIGOODS_CACHE/stripe-mock.log"
}

mailpit_live() { curl -fsS -o /dev/null "http://$MAILPIT_HTTP_ADDR/readyz" 2>/dev/null; }

ensure_mailpit() {
  go_install_once mailpit "$MAILPIT_MODULE"
  mailpit_live && return 0
  log "starting mailpit on $MAILPIT_SMTP_ADDR (SMTP) and $MAILPIT_HTTP_ADDR (API)"
  mkdir -p "$OSHIGOODS_CACHE/mailpit"
  # No update check and no reverse DNS: nothing leaves the machine.
  nohup "$OSHIGOODS_CACHE/bin/mailpit" --smtp "$MAILPIT_SMTP_ADDR" --listen "$MAILPIT_HTTP_ADDR" \
    --database "$OSHIGOODS_CACHE/mailpit/mailpit.db" --max 2000 \
    --disable-version-check --smtp-disable-rdns \
    >"$OSHIGOODS_CACHE/mailpit.log" 2>&1 &
  wait_live mailpit_live mailpit "$OSHIGOODS_CACHE/mailpit.log"
}

# export_test_env points the tests at the running services.
export_test_env() {
  export OSHIGOODS_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
  export OSHIGOODS_TEST_REDIS_URL="redis://127.0.0.1:6379"
  export OSHIGOODS_TEST_S3_ENDPOINT="http://$MINIO_ADDR"
  export AWS_ACCESS_KEY_ID=$MINIO_USER AWS_SECRET_ACCESS_KEY=$MINIO_PASSWORD
  export OSHIGOODS_TEST_SMTP_URL="smtp://$MAILPIT_SMTP_ADDR?tls=none"
  export OSHIGOODS_TEST_MAILPIT_API="http://$MAILPIT_HTTP_ADDR"
  export OSHIGOODS_TEST_MAILPIT_BIN="$OSHIGOODS_CACHE/bin/mailpit"
  export OSHIGOODS_TEST_STRIPE_MOCK="http://$STRIPE_MOCK_ADDR"
  export OSHIGOODS_TEST_REQUIRE_SERVICES=1
}
