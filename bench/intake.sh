#!/usr/bin/env bash
# intake.sh measures order intake as a shop's API takes it: wrk drives
# POST /v1/orders (a letter card with an address, bench/intake.lua) on
# loopback for a fixed time at a fixed concurrency against one
# `oshigoods serve --worker=false` process on this machine's PostgreSQL
# (a schema of its own in the database test) and Redis (database 14), and
# prints orders/s, the latency p50/p99, the answers that were not 201, the
# CPU time one order took in the server and in its PostgreSQL sessions
# (steadier than orders/s on a machine that runs other work), and the
# PostgreSQL sessions the run opened and held at most (the pool's bound:
# OSHIGOODS_DB_MAX_CONNS). Target (issue #17): ≥ 1,000 orders/s at
# concurrency 64 with p99 ≤ 100 ms on a 2-core machine.
#
# Installs wrk from Debian when it is missing and starts Redis and
# PostgreSQL when they are stopped (as root). Traffic stays on 127.0.0.1.
#
# Usage: bench/intake.sh [duration] [connections]   (default 15s and 64)
# Environment: PROFILE=cpu.pprof writes a CPU profile of the server during
# the measured run (see below); KEEP_LOG=serve.log keeps the server's log.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-15s}
conns=${2:-64}
. scripts/services.sh
ensure_debs wrk:wrk psql:postgresql-client
ensure_redis
ensure_postgres

tmp=$(mktemp -d)
schema=bench_intake_$$
# The server's sessions are named after the schema (application_name), so
# that they are told apart from other oshigoods processes on this database.
pg="postgres://postgres@127.0.0.1:5432/test?sslmode=disable&search_path=$schema&application_name=$schema"
psql -qX -h 127.0.0.1 -U postgres -d test -c "CREATE SCHEMA $schema" >/dev/null
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  psql -qX -h 127.0.0.1 -U postgres -d test -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
  redis-cli -h 127.0.0.1 -p 6379 -n 14 FLUSHDB >/dev/null 2>&1 || true
  [ -n "${KEEP_LOG:-}" ] && cp "$tmp/serve.log" "$KEEP_LOG"
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# PROFILE=file.pprof builds the server with net/http/pprof (the build tag
# pprof, cmd/oshigoods/pprof.go; never in a default build) and writes a CPU
# profile of the measured run to that file.
profile=${PROFILE:-}
tags=; pprof_port=
if [ -n "$profile" ]; then
  tags=pprof
  pprof_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
fi
go build -tags "$tags" -o "$tmp/oshigoods" ./cmd/oshigoods
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-cli -h 127.0.0.1 -p 6379 -n 14 FLUSHDB >/dev/null
OSHIGOODS_DATA_DIR="$tmp/data" OSHIGOODS_DATABASE_URL="$pg" OSHIGOODS_REDIS_URL=redis://127.0.0.1:6379/14 \
  OSHIGOODS_SECRET=bench-intake-secret-0123456789 OSHIGOODS_RATE_ORDERS=100000 \
  env ${pprof_port:+PPROF_ADDR=127.0.0.1:$pprof_port} "$tmp/oshigoods" serve --worker=false --addr "127.0.0.1:$port" 2>"$tmp/serve.log" &
server=$!
for _ in $(seq 100); do curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break; sleep 0.2; done

# The server's sessions, by backend pid.
pids() { psql -qtAX -h 127.0.0.1 -U postgres -d test -c "SELECT string_agg(pid::text, ' ') FROM pg_stat_activity WHERE application_name = '$schema'"; }
# cputicks sums the user and system CPU ticks of the processes given.
cputicks() { local n=0 p; for p in "$@"; do [ -r "/proc/$p/stat" ] && n=$((n + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo "$n"; }
# Warm up the pool, then measure, sampling the server's sessions twice a
# second: a pool that churns shows pids that were not there at the start.
wrk -t2 -c"$conns" -d2s -s bench/intake.lua "http://127.0.0.1:$port/v1/orders" >/dev/null
start=$(pids)
before=$(psql -qtAX -h 127.0.0.1 -U postgres -d test -c "SELECT count(*) FROM $schema.orders")
srv0=$(cputicks "$server"); for p in $start; do echo "start $p $(cputicks "$p")"; done >"$tmp/pg0"
( while sleep 0.5; do for p in $(pids); do echo "$p $(cputicks "$p")"; done; echo; done ) >"$tmp/pids" &
sampler=$!
profiler=
if [ -n "$profile" ]; then
  secs=$(( $(echo "$duration" | sed 's/s$//') - 1 ))
  curl -fsS -o "$profile" "http://127.0.0.1:$pprof_port/debug/pprof/profile?seconds=$secs" &
  profiler=$!
fi
wrk -t2 -c"$conns" -d"$duration" --latency -s bench/intake.lua "http://127.0.0.1:$port/v1/orders" >"$tmp/wrk.txt"
kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
srv1=$(cputicks "$server")
# The sampler may have been stopped within a sample: end it before the last.
{ echo; for p in $(pids); do echo "$p $(cputicks "$p")"; done; echo; } >>"$tmp/pids"
[ -n "$profiler" ] && wait "$profiler"
# Each sample is "pid ticks" lines, one per session, then a blank line.
peak=$(awk 'NF {n++} !NF {if (n > m) m = n; n = 0} END {print m + 0}' "$tmp/pids")
opened=$(awk '/^start / {seen[$2]=1; next} NF {all[$1]=1} END {n=0; for (p in all) if (!(p in seen)) n++; print n}' "$tmp/pg0" "$tmp/pids")
# The sessions' CPU over the run: each one's last sample less its ticks at
# the start (0 for one opened during the run).
pgticks=$(awk '/^start / {t0[$2]=$3; next} NF {last[$1]=$2} END {n=0; for (p in last) n += last[p] - t0[p]; print n}' "$tmp/pg0" "$tmp/pids")

rps=$(awk '/^Requests\/sec:/ {print $2}' "$tmp/wrk.txt")
p50=$(awk '/^ +50%/ {print $2}' "$tmp/wrk.txt")
p99=$(awk '/^ +99%/ {print $2}' "$tmp/wrk.txt")
bad=$(awk '/Non-2xx or 3xx responses:/ {print $5}' "$tmp/wrk.txt")
errors=$(awk '/Socket errors:/ {print}' "$tmp/wrk.txt")
orders=$(psql -qtAX -h 127.0.0.1 -U postgres -d test -c "SELECT count(*) FROM $schema.orders")
# CPU time per order of the server and of its PostgreSQL sessions (those
# open at the start), from /proc: less noisy than orders/s on a machine
# that runs other work.
hz=$(getconf CLK_TCK)
per() { awk -v t="$1" -v n="$((orders - before))" -v hz="$hz" 'BEGIN { if (n > 0) printf "%.0f µs", t / hz / n * 1e6; else print "?" }'; }
printf 'intake, %s at concurrency %s on %s cores\n' "$duration" "$conns" "$(nproc)"
printf '  orders/s            %s\n' "$rps"
printf '  latency p50 / p99   %s / %s\n' "$p50" "$p99"
printf '  answers not 2xx     %s\n' "${bad:-0}"
[ -n "$errors" ] && printf '  %s\n' "$errors"
printf '  orders stored       %s\n' "$orders"
printf '  CPU per order       server %s, PostgreSQL sessions %s\n' "$(per $((srv1 - srv0)))" "$(per "$pgticks")"
printf '  PostgreSQL sessions opened during the run: %s; held at most: %s\n' "$opened" "${peak:-?}"
