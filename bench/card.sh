#!/usr/bin/env bash
# card.sh renders the same letter card — card-letter-tate's own letter to
# "さくら", vertical, in Klee One from templates/fonts — with headless
# Chromium and with oshigoods, and prints the time per card, the ratios
# and both PDF sizes:
#   chromium, per card — one `chromium --headless --print-to-pdf` run per
#               card on an HTML page (writing-mode: vertical-rl, the same
#               trim, paper, rules, font, size, pitch and box), which is what
#               an HTML-to-PDF service that starts a browser per job does;
#   chromium, warm     — one browser kept running, printing the page again
#               and again over the DevTools protocol (bench/cardbench), as a
#               service that keeps its browser does: navigate, load, fonts
#               ready, print;
#   oshigoods, warm    — bench/cardbench: the template and its fonts
#               compiled once, then the print file alone (RenderPDF, the
#               jp-standard profile: 3 mm bleed), and the full render (print
#               file and PNG preview) for reference.
# Target: oshigoods per card ≥ 50× faster than Chromium with the font
# loaded once, and a smaller PDF.
#
# Installs Debian's chromium when it is missing (as root). No network is
# needed: the page and its font are local files.
#
# Usage: bench/card.sh [chromium runs] [warm cards]   (default 5 and 20;
# oshigoods renders 10× the warm cards)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
cards=${2:-20}
chromium=${CHROMIUM:-/usr/bin/chromium}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [[ ! -x "$chromium" ]]; then
	if [[ $(id -u) -ne 0 ]]; then
		echo "card.sh: $chromium missing; install Debian's chromium (apt-get install chromium) as root" >&2
		exit 1
	fi
	echo "installing chromium…" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y chromium >/dev/null
fi

go build -o "$work/cardbench" ./bench/cardbench
"$work/cardbench" html -out "$work/letter.html"

now() { date +%s%N; }
# Chromium, one process per card, as the CLI is run by a conversion service.
t_cold=()
for i in $(seq "$runs"); do
	profile=$(mktemp -d)
	s=$(now)
	"$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$profile" --no-pdf-header-footer \
		--print-to-pdf="$work/chromium.pdf" "file://$work/letter.html" >/dev/null 2>&1
	e=$(now)
	rm -rf "$profile"
	t_cold+=("$(( (e - s) / 1000 ))") # µs
done
cold_ms=$(printf '%s\n' "${t_cold[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "%.1f", a[int((NR + 1) / 2)] / 1000 }')

val() { sed -n "s/^$1=//p" "$2"; }
"$work/cardbench" chromium -n "$cards" -html "$work/letter.html" -chromium "$chromium" -out "$work/chromium-warm.pdf" >"$work/warm.txt" 2>/dev/null
"$work/cardbench" oshigoods -n "$((cards * 10))" -out "$work/oshigoods.pdf" >"$work/osg.txt"

warm_ms=$(val warm_ms "$work/warm.txt")
first_ms=$(val first_ms "$work/warm.txt")
launch_ms=$(val launch_ms "$work/warm.txt")
pdf_ms=$(val pdf_ms "$work/osg.txt")
render_ms=$(val render_ms "$work/osg.txt")
compile_ms=$(val compile_ms "$work/osg.txt")
size() { stat -c %s "$1"; }

fonts() { pdffonts "$1" 2>/dev/null | awk 'NR > 2 { printf "%s%s (emb %s, sub %s)", sep, $1, $(NF-4), $(NF-3); sep = ", " }'; }
pages() { pdfinfo "$1" 2>/dev/null | awk -F': *' '/^Page size/ { printf "%s", $2 }'; }

echo "letter: card-letter-tate's own letter to さくら, vertical, Klee One; $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
printf '  %-36s %9s\n' "" "ms/card"
printf '  %-36s %9.1f   (median of %d runs)\n' "chromium --print-to-pdf, per card" "$cold_ms" "$runs"
printf '  %-36s %9.1f   (mean of %d; launch %.0f ms, first page %.0f ms)\n' "chromium warm, one browser" "$warm_ms" "$cards" "$launch_ms" "$first_ms"
printf '  %-36s %9.2f   (mean of %d; compile once %.0f ms)\n' "oshigoods warm, print file" "$pdf_ms" "$((cards * 10))" "$compile_ms"
printf '  %-36s %9.2f   (print file + PNG preview)\n' "oshigoods warm, full render" "$render_ms"
awk -v c="$cold_ms" -v w="$warm_ms" -v o="$pdf_ms" -v r="$render_ms" 'BEGIN {
	printf "ratios: chromium per card / oshigoods %.0f×   chromium warm / oshigoods %.0f×   (full render: %.0f× and %.0f×)\n", c / o, w / o, c / r, w / r
	printf "target ≥ 50× per card with the font loaded once: %s against chromium per card, %s against warm chromium\n",
		(c / o >= 50) ? "met" : "NOT met", (w / o >= 50) ? "met" : "NOT met"
}'
printf 'PDF sizes: chromium %d bytes, chromium warm %d bytes, oshigoods %d bytes (%s)\n' \
	"$(size "$work/chromium.pdf")" "$(size "$work/chromium-warm.pdf")" "$(size "$work/oshigoods.pdf")" \
	"$( (( $(size "$work/oshigoods.pdf") < $(size "$work/chromium.pdf") )) && echo smaller || echo NOT smaller)"
if command -v pdffonts >/dev/null; then
	echo "chromium:  $(pages "$work/chromium.pdf"); $(fonts "$work/chromium.pdf")"
	echo "oshigoods: $(pages "$work/oshigoods.pdf"); $(fonts "$work/oshigoods.pdf")  (trim + 3 mm bleed)"
fi
if [[ -n "${KEEP:-}" ]]; then
	mkdir -p "$KEEP" && cp "$work"/{letter.html,chromium.pdf,chromium-warm.pdf,oshigoods.pdf} "$KEEP"/
	echo "files kept in $KEEP"
fi
