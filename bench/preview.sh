#!/usr/bin/env bash
# preview.sh measures POST /v1/previews as a page calls it while a fan
# types their name: it builds oshigoods, serves it on a free loopback port
# with a temporary data dir (embedded Redis, S3 and SQLite, no worker),
# uploads one 12-megapixel phone-sized JPEG, then fires N sequential
# previews of photo-2shot-l with a different name each time and prints
# p50, p95 and max. The first preview of an upload decodes it and is timed
# apart ("cold"); the rest are what a fan typing sees. Target: p95 ≤ 150 ms.
#
# Usage: bench/preview.sh [requests]   (default 200; PHOTO=path to use your
# own photo instead of a generated 3000×4000 one)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200}
work=$(mktemp -d)
server=""
cleanup() {
	if [[ -n $server ]]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/oshigoods" ./cmd/oshigoods
photo=${PHOTO:-$work/photo.jpg}
if [[ -z ${PHOTO:-} ]]; then
	convert -size 3000x4000 -seed 7 gradient:'#ffc0d8'-'#4080ff' -attenuate 0.4 +noise Gaussian -quality 90 "$photo"
fi
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port

OSHIGOODS_DATA_DIR=$work/data "$work/oshigoods" serve --addr "127.0.0.1:$port" --worker=false >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do
	curl -sf --max-time 1 "$base/healthz" >/dev/null 2>&1 && break
	kill -0 "$server" 2>/dev/null || { cat "$work/server.log"; exit 1; }
	sleep 0.2
done
curl -sf --max-time 1 "$base/healthz" >/dev/null || { echo "server did not start" >&2; cat "$work/server.log" >&2; exit 1; }

upload=$(curl -sf --max-time 30 -F "file=@$photo" "$base/v1/uploads")
id=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["id"])' "$upload")
echo "upload: $(python3 -c 'import json, sys; u = json.loads(sys.argv[1]); print(u["width"], "x", u["height"], u["size"] // 1024, "KB, slots", json.dumps(u["slots"], ensure_ascii=False))' "$upload")"

# A fan typing: every prefix of a name, over and over.
name=ゆめかわちゃん推しのみゆ
preview() { # name → "seconds status bytes"
	curl -s --max-time 5 -o "$work/preview.jpg" -w '%{time_total} %{http_code} %{size_download}\n' \
		-H 'Content-Type: application/json' "$base/v1/previews" \
		-d "{\"template\":\"photo-2shot-l\",\"fields\":{\"photo\":\"$id\",\"name\":\"$1\"}}"
}
read -r cold status size < <(preview "み")
[[ $status == 200 ]] || { echo "preview failed: $status" >&2; cat "$work/preview.jpg" >&2; exit 1; }
: >"$work/times"
for ((i = 0; i < n; i++)); do
	k=$((i % ${#name} + 1))
	read -r t status size < <(preview "${name:0:k}")
	[[ $status == 200 ]] || { echo "preview $i failed: $status" >&2; cat "$work/preview.jpg" >&2; exit 1; }
	echo "$t" >>"$work/times"
done
sort -n "$work/times" | awk -v cold="$cold" -v size="$size" '
	{ t[NR] = $1 * 1000 }
	END {
		p50 = t[int(NR * 0.50 + 0.999)]; p95 = t[int(NR * 0.95 + 0.999)]
		printf "previews: %d sequential, %d bytes each (last)\n", NR, size
		printf "cold (first preview of the upload): %.1f ms\n", cold * 1000
		printf "p50 %.1f ms   p95 %.1f ms   max %.1f ms   (target p95 ≤ 150 ms: %s)\n", p50, p95, t[NR], (p95 <= 150 ? "met" : "MISSED")
	}'
