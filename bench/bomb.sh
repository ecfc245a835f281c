#!/usr/bin/env bash
# bomb.sh checks that decodes are memory-bounded: it builds oshigoods,
# serves it on a free loopback port with a temporary data dir (embedded
# Redis, S3 and SQLite, the worker in the same process), uploads a
# decompression bomb four times — a ~600 KB PNG of 7000×7000 16-bit RGBA
# pixels (bench/bombpng; 392 MB as image/png's NRGBA64), each copy with a
# different trailing byte so no preview finds another's in the cache —
# then fires four previews of photo-2shot-l at once, one per upload, while
# it samples the server's memory (/proc/PID/status: VmRSS every 20 ms,
# and VmHWM, the peak the kernel saw). It prints the idle RSS, the peak
# and each preview's status and time. Target: peak < 400 MB.
#
# Usage: bench/bomb.sh [side]   (default 7000; previews at once: N=4)
set -euo pipefail
cd "$(dirname "$0")/.."
side=${1:-7000}
n=${N:-4}
work=$(mktemp -d)
server=""
sampler=""
cleanup() {
	if [[ -n $sampler ]]; then kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true; fi
	if [[ -n $server ]]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/oshigoods" ./cmd/oshigoods
go build -o "$work/bombpng" ./bench/bombpng
"$work/bombpng" -size "$side" -out "$work/bomb.png"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port

OSHIGOODS_DATA_DIR=$work/data "$work/oshigoods" serve --addr "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do
	curl -sf --max-time 1 "$base/healthz" >/dev/null 2>&1 && break
	kill -0 "$server" 2>/dev/null || { cat "$work/server.log"; exit 1; }
	sleep 0.2
done
curl -sf --max-time 1 "$base/healthz" >/dev/null || { echo "server did not start" >&2; cat "$work/server.log" >&2; exit 1; }

kib() { awk -v f="$1" '$1 == f":" { print $2 }' "/proc/$server/status"; }
ids=()
for ((i = 0; i < n; i++)); do
	{ cat "$work/bomb.png"; printf '%*s' "$i" ''; } >"$work/bomb-$i.png"
	status=$(curl -s --max-time 60 -o "$work/upload-$i.json" -w '%{http_code}' -F "file=@$work/bomb-$i.png;type=image/png" "$base/v1/uploads")
	[[ $status == 201 ]] || { echo "upload $i: $status $(cat "$work/upload-$i.json")" >&2; exit 1; }
	ids+=("$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["id"])' "$work/upload-$i.json")")
done
echo "upload: $(python3 -c 'import json, sys; u = json.load(open(sys.argv[1])); print(u["width"], "x", u["height"], u["size"] // 1024, "KB,", u["slots"][0]["verdict"])' "$work/upload-0.json") ×$n"
idle=$(kib VmRSS)

# Sample RSS while the previews run.
(while :; do kib VmRSS >>"$work/rss"; sleep 0.02; done) 2>/dev/null &
sampler=$!
start=$(date +%s%N)
curls=()
for ((i = 0; i < n; i++)); do
	curl -s --max-time 120 -o "$work/preview-$i.out" -D "$work/preview-$i.hdr" -w "%{http_code} %{time_total}\n" \
		-H 'Content-Type: application/json' "$base/v1/previews" \
		-d "{\"template\":\"photo-2shot-l\",\"fields\":{\"photo\":\"${ids[i]}\",\"name\":\"はなこ\"}}" >"$work/preview-$i.txt" &
	curls+=($!)
done
wait "${curls[@]}" || true
end=$(date +%s%N)
kill "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true
sampler=""
hwm=$(kib VmHWM)
after=$(kib VmRSS)
peak=$(sort -n "$work/rss" | tail -1)

echo "previews: $n at once, $(( (end - start) / 1000000 )) ms in all; $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
for ((i = 0; i < n; i++)); do
	read -r status t <"$work/preview-$i.txt"
	extra=""
	if [[ $status != 200 ]]; then
		extra=" $(tr -d '\r' <"$work/preview-$i.hdr" | awk -F': ' 'tolower($1) == "retry-after" { printf "Retry-After: %s ", $2 }')$(head -c 200 "$work/preview-$i.out")"
	fi
	printf '  preview %d: %s in %.0f ms%s\n' "$i" "$status" "$(awk -v t="$t" 'BEGIN { print t * 1000 }')" "$extra"
done
awk -v idle="$idle" -v peak="$peak" -v hwm="$hwm" -v after="$after" 'BEGIN {
	mb = 1024 / 1e6 # kB (KiB) to MB
	printf "server RSS: idle %.0f MB, sampled peak %.0f MB, VmHWM (peak) %.0f MB, after %.0f MB\n", idle * mb, peak * mb, hwm * mb, after * mb
	printf "target peak < 400 MB: %s\n", (hwm * mb < 400 ? "met" : "MISSED")
}'
