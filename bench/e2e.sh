#!/usr/bin/env bash
# e2e.sh measures the whole way of a letter card, from the order to the
# files ready for the print shop: one `oshigoods serve --worker=false`
# process and WORKERS `oshigoods worker` processes (default 2) on this
# machine's PostgreSQL (a schema of its own in the database test), Redis
# (database 13) and MinIO (scripts/services.sh; a bucket of its own).
# bench/e2eload places ITEMS orders of one card-letter-tate card each
# (bench/intake.lua's order) with at most CONNS in flight, then waits until
# the database has every item ready, and the script prints items/s (items
# over the time from the first order to the last item ready), the time
# from order to ready (p50/p99, from the items' rows), the orders' own
# latency, checks (every item ready with card.pdf and preview.png, render
# attempts) and the CPU each process used during the run. Target (issue
# #17): ≥ 100 items/s with two workers on a 2-core machine.
#
# Environment:
#   PHASED=1       render apart from intake: the render queue is paused
#                  while the orders are placed, and the clock and the CPU
#                  count start when it is resumed, so items/s, the times to
#                  ready and the CPU are the workers' (and what they use of
#                  PostgreSQL, Redis and MinIO) alone.
#   CONCURRENCY=N  renders at once per worker (OSHIGOODS_CONCURRENCY);
#                  unset, the binary's default.
#   PROFILE=DIR    build with -tags pprof and write each worker's CPU
#                  profile of the run (PROFILE_SECONDS, default 10) and the
#                  binary into DIR, for `go tool pprof DIR/oshigoods
#                  DIR/worker1.cpu`.
#
# Installs psql and redis-cli from Debian when they are missing and starts
# Redis, PostgreSQL and MinIO when they are stopped (as root). Traffic
# stays on 127.0.0.1.
#
# Usage: bench/e2e.sh [items] [connections] [workers]   (default 1000, 32, 2)
set -euo pipefail
cd "$(dirname "$0")/.."
items=${1:-1000}
conns=${2:-32}
workers=${3:-2}
. scripts/services.sh
ensure_debs psql:postgresql-client redis-cli:redis-tools
ensure_redis
ensure_postgres
ensure_minio
export AWS_ACCESS_KEY_ID=$MINIO_USER AWS_SECRET_ACCESS_KEY=$MINIO_PASSWORD

tmp=$(mktemp -d)
schema=bench_e2e_$$
bucket=bench-e2e-$$
rdb=13
pg="postgres://postgres@127.0.0.1:5432/test?sslmode=disable&search_path=$schema"
psql -qX -h 127.0.0.1 -U postgres -d test -c "CREATE SCHEMA $schema" >/dev/null
procs=()
cleanup() {
  local p
  for p in "${procs[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${procs[@]}"; do wait "$p" 2>/dev/null || true; done
  psql -qX -h 127.0.0.1 -U postgres -d test -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
  redis-cli -h 127.0.0.1 -p 6379 -n $rdb FLUSHDB >/dev/null 2>&1 || true
  [ -x "$tmp/e2eload" ] && "$tmp/e2eload" drop-bucket -endpoint "http://$MINIO_ADDR" -bucket "$bucket" || true
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

tags=()
[ -n "${PROFILE:-}" ] && tags=(-tags pprof) && mkdir -p "$PROFILE"
go build "${tags[@]}" -o "$tmp/oshigoods" ./cmd/oshigoods
go build -o "$tmp/e2eload" ./bench/e2eload
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
redis-cli -h 127.0.0.1 -p 6379 -n $rdb FLUSHDB >/dev/null

common=(OSHIGOODS_DATABASE_URL="$pg" OSHIGOODS_REDIS_URL="redis://127.0.0.1:6379/$rdb"
  OSHIGOODS_S3_ENDPOINT="http://$MINIO_ADDR" OSHIGOODS_S3_BUCKET="$bucket"
  OSHIGOODS_SECRET=bench-e2e-secret-0123456789abcdef OSHIGOODS_RATE_ORDERS=100000)
[ -n "${CONCURRENCY:-}" ] && common+=(OSHIGOODS_CONCURRENCY="$CONCURRENCY")

port=$(freeport)
env "${common[@]}" OSHIGOODS_DATA_DIR="$tmp/api" \
  "$tmp/oshigoods" serve --worker=false --addr "127.0.0.1:$port" 2>"$tmp/api.log" &
api=$!
procs+=("$api")
for _ in $(seq 150); do curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break; sleep 0.2; done
curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" || { echo "the API did not start:"; tail -20 "$tmp/api.log"; exit 1; } >&2

# asynq skips a queue while its paused key exists.
paused="asynq:{render}:paused"
[ -n "${PHASED:-}" ] && redis-cli -h 127.0.0.1 -p 6379 -n $rdb SET "$paused" "$(date +%s)" >/dev/null
wpids=() pprof=()
for i in $(seq "$workers"); do
  extra=()
  if [ -n "${PROFILE:-}" ]; then pprof+=("$(freeport)"); extra=(PPROF_ADDR="127.0.0.1:${pprof[-1]}"); fi
  env "${common[@]}" "${extra[@]}" OSHIGOODS_DATA_DIR="$tmp/worker$i" \
    "$tmp/oshigoods" worker 2>"$tmp/worker$i.log" &
  wpids+=($!)
  procs+=($!)
done
for i in $(seq "$workers"); do
  for _ in $(seq 150); do grep -q 'worker started' "$tmp/worker$i.log" && break; sleep 0.2; done
  grep -q 'worker started' "$tmp/worker$i.log" || { echo "worker $i did not start:"; tail -20 "$tmp/worker$i.log"; exit 1; } >&2
done
concurrency=$(sed -n 's/.*msg="worker started" concurrency=\([0-9]*\).*/\1/p' "$tmp/worker1.log")

if [ -n "${PHASED:-}" ]; then
  "$tmp/e2eload" run -phase place -url "http://127.0.0.1:$port" -db "$pg" -n "$items" -c "$conns" >"$tmp/place.txt"
fi

# CPU seconds a process used so far (user + system), from /proc.
tck=$(getconf CLK_TCK)
cpu() { awk -v t="$tck" '{ printf "%.2f", ($14 + $15) / t }' "/proc/$1/stat" 2>/dev/null || echo 0; }
shared=$(pidof minio redis-server 2>/dev/null || true)
# PostgreSQL's processes, backends included (one that ends during the run
# takes its CPU with it; the pools keep theirs).
# pgcpu lists "pid seconds" of each; pgused sums what the processes alive
# at the end used since the first list.
pgcpu() { local p; for p in $(ps -C postgres -o pid= 2>/dev/null); do echo "$p $(cpu "$p")"; done; }
pgused() { awk 'NR == FNR { b[$1] = $2; next } { s += $2 - b[$1] } END { printf "%.2f", s }' "$1" "$2"; }
declare -A before
for p in "$api" "${wpids[@]}" $shared; do before[$p]=$(cpu "$p"); done
pgcpu >"$tmp/pg.before"

profs=()
if [ -n "${PROFILE:-}" ]; then
  for i in $(seq "$workers"); do
    curl -fsS -o "$PROFILE/worker$i.cpu" "http://127.0.0.1:${pprof[$((i - 1))]}/debug/pprof/profile?seconds=${PROFILE_SECONDS:-10}" &
    profs+=($!)
  done
fi
if [ -n "${PHASED:-}" ]; then
  "$tmp/e2eload" run -phase ready -db "$pg" -n "$items" >"$tmp/run.txt" &
  waiter=$!
  sleep 0.2
  redis-cli -h 127.0.0.1 -p 6379 -n $rdb DEL "$paused" >/dev/null
  wait "$waiter"
  cat "$tmp/place.txt" >>"$tmp/run.txt"
else
  "$tmp/e2eload" run -url "http://127.0.0.1:$port" -db "$pg" -n "$items" -c "$conns" >"$tmp/run.txt"
fi
declare -A after
for p in "$api" "${wpids[@]}" $shared; do after[$p]=$(cpu "$p"); done
pgcpu >"$tmp/pg.after"
for p in "${profs[@]}"; do wait "$p" || true; done
[ -n "${PROFILE:-}" ] && cp "$tmp/oshigoods" "$PROFILE/"

val() { sed -n "s/^$1=//p" "$tmp/run.txt"; }
used() { awk -v a="${after[$1]}" -v b="${before[$1]}" 'BEGIN { printf "%.2f", a - b }'; }
printf 'e2e: %s card orders, %s in flight, 1 API + %s workers (concurrency %s) on %s cores, load %s%s\n' \
  "$items" "$conns" "$workers" "${concurrency:-?}" "$(nproc)" "$(cut -d' ' -f1 /proc/loadavg)" \
  "${PHASED:+; PHASED: placed first, then rendered and timed alone}"
printf '  items/s                      %s   (%s ready in %s s from the first order, or from the resume)\n' "$(val items_per_s)" "$(val ready)" "$(val all_ready_s)"
printf '  order → ready p50 / p99      %s s / %s s   (max %s s)\n' "$(val ready_p50_s)" "$(val ready_p99_s)" "$(val ready_max_s)"
printf '  orders placed in             %s s   (latency p50 %s ms, p99 %s ms; not 201: %s)\n' \
  "$(val place_s)" "$(val place_p50_ms)" "$(val place_p99_ms)" "$(val orders_bad)"
sed -n 's/^orders_bad_detail=/    not 201: /p' "$tmp/run.txt"
printf '  items failed                 %s;  ready without exactly card.pdf + preview.png: %s;  files %s;  render attempts %s\n' \
  "$(val failed)" "$(val items_without_two_files)" "$(val files)" "$(val render_attempts)"
total=0
printf '  CPU during the run (s):      api %s' "$(used "$api")"
total=$(awk -v t="$total" -v u="$(used "$api")" 'BEGIN { print t + u }')
for i in $(seq "$workers"); do
  p=${wpids[$((i - 1))]}
  printf ', worker%s %s' "$i" "$(used "$p")"
  total=$(awk -v t="$total" -v u="$(used "$p")" 'BEGIN { print t + u }')
done
printf '\n'
awk -v t="$total" -v n="$(val ready)" 'BEGIN { if (n > 0) printf "  oshigoods CPU per item       %.1f ms\n", 1000 * t / n }'
for p in $shared; do
  printf '  %-28s %s s (shared with whatever else uses it)\n' "$(cat /proc/$p/comm 2>/dev/null) CPU" "$(used "$p")"
done
printf '  %-28s %s s (all of its processes; shared too)\n' "postgres CPU" "$(pgused "$tmp/pg.before" "$tmp/pg.after")"
warn=$(cat "$tmp"/worker*.log | grep -c 'level=WARN\|level=ERROR' || true)
[ "$warn" -gt 0 ] && printf '  worker log warnings/errors   %s (first: %s)\n' "$warn" "$(grep -h 'level=WARN\|level=ERROR' "$tmp"/worker*.log | head -1 | cut -c1-200)"
[ -n "${PROFILE:-}" ] && printf '  profiles: %s/worker*.cpu (go tool pprof %s/oshigoods %s/worker1.cpu)\n' "$PROFILE" "$PROFILE" "$PROFILE"
exit 0
