#!/usr/bin/env bash
# card.sh renders the same letter card — card-letter-tate's own letter to
# "さくら", vertical, in Klee One from templates/fonts, with its signature
# image — with headless Chromium and with oshigoods, and prints the times,
# the ratios and both PDF sizes:
#   whole process, alternately — one `chromium --headless --print-to-pdf`
#               run per card on an HTML page (writing-mode: vertical-rl, the
#               same trim, paper, rules, font, size, pitch and box; what an
#               HTML-to-PDF service that starts a browser per job does),
#               then one `oshigoods render --template card-letter-tate
#               --field to=さくら --out DIR` (the built-in templates: print
#               file, PNG preview and manifest), the pair repeated; the
#               median of each. Target: oshigoods ≤ 0.05× Chromium;
#   chromium, warm     — one browser kept running, printing the page again
#               and again over the DevTools protocol (bench/cardbench), as a
#               service that keeps its browser does: navigate, load, fonts
#               ready, print;
#   oshigoods, warm    — bench/cardbench: the template and its fonts
#               compiled once, then the print file alone (RenderPDF, the
#               jp-standard profile: 3 mm bleed), and the full render (print
#               file and PNG preview) for reference. Target: ≥ 50× faster
#               than Chromium with the font loaded once.
# And oshigoods's print file must be smaller than Chromium's.
#
# Both commands run once untimed first, so that both binaries are read from
# disk before timing. Installs Debian's chromium when it is missing (as
# root); builds oshigoods and cardbench from this tree (Go needed). No
# network is needed: the page and its font are local files.
#
# Usage: bench/card.sh [pairs] [warm cards]   (default 7 and 20; at least 5
# pairs; oshigoods renders 10× the warm cards)
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-7}
cards=${2:-20}
if (( pairs < 5 )); then
	echo "card.sh: want at least 5 pairs, got $pairs" >&2
	exit 1
fi
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
go build -o "$work/oshigoods" ./cmd/oshigoods
"$work/cardbench" html -out "$work/letter.html"

now() { date +%s%N; }
median_ms() { sort -n | awk '{ a[NR] = $1 } END { printf "%.1f", a[int((NR + 1) / 2)] / 1000 }'; }
# chromium_card prints one card with its own Chromium process, as a
# conversion service runs the CLI, and sets took to its time in µs (the
# fresh profile folder made and removed outside it).
chromium_card() {
	local profile s e
	profile=$(mktemp -d)
	s=$(now)
	"$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$profile" --no-pdf-header-footer \
		--print-to-pdf="$work/chromium.pdf" "file://$work/letter.html" >/dev/null 2>&1
	e=$(now)
	rm -rf "$profile"
	took=$(( (e - s) / 1000 ))
}
# oshigoods_card renders one card with its own oshigoods process, from the
# built-in templates, into a fresh folder, and sets took likewise.
oshigoods_card() {
	local s e
	rm -rf "$work/cli"
	s=$(now)
	OSHIGOODS_TEMPLATES_DIR='' "$work/oshigoods" render --template card-letter-tate \
		--field to=さくら --out "$work/cli" >"$work/cli.json"
	e=$(now)
	took=$(( (e - s) / 1000 ))
}
chromium_card
oshigoods_card
t_chromium=()
t_cli=()
for _ in $(seq "$pairs"); do
	chromium_card
	t_chromium+=("$took")
	oshigoods_card
	t_cli+=("$took")
done
cold_ms=$(printf '%s\n' "${t_chromium[@]}" | median_ms)
cli_ms=$(printf '%s\n' "${t_cli[@]}" | median_ms)
cli_rss=""
if [[ -x /usr/bin/time ]]; then
	cli_rss=$( { OSHIGOODS_TEMPLATES_DIR='' /usr/bin/time -f '%M' "$work/oshigoods" render \
		--template card-letter-tate --field to=さくら --out "$work/cli-rss" >/dev/null; } 2>&1 | tail -1)
fi

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

echo "letter: card-letter-tate's own letter to さくら, vertical, Klee One, signature image; $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
printf '  %-36s %9s\n' "" "ms/card"
printf '  %-36s %9.1f   (median of %d, alternating with the next)\n' "chromium --print-to-pdf, per process" "$cold_ms" "$pairs"
printf '  %-36s %9.1f   (median of %d; print file, preview, manifest%s)\n' "oshigoods render, per process" "$cli_ms" "$pairs" \
	"${cli_rss:+; max RSS $((cli_rss / 1024)) MB}"
printf '  %-36s %9.1f   (mean of %d; launch %.0f ms, first page %.0f ms)\n' "chromium warm, one browser" "$warm_ms" "$cards" "$launch_ms" "$first_ms"
printf '  %-36s %9.2f   (mean of %d; compile once %.0f ms)\n' "oshigoods warm, print file" "$pdf_ms" "$((cards * 10))" "$compile_ms"
printf '  %-36s %9.2f   (print file + PNG preview)\n' "oshigoods warm, full render" "$render_ms"
awk -v c="$cold_ms" -v l="$cli_ms" -v w="$warm_ms" -v o="$pdf_ms" -v r="$render_ms" 'BEGIN {
	printf "whole process: oshigoods render / chromium per card = %.3f× (target ≤ 0.05×: %s; %.0f ms at most here)\n",
		l / c, (l / c <= 0.05) ? "met" : "NOT met", 0.05 * c
	printf "warm ratios: chromium per card / oshigoods %.0f×   chromium warm / oshigoods %.0f×   (full render: %.0f× and %.0f×)\n", c / o, w / o, c / r, w / r
	printf "target ≥ 50× per card with the font loaded once: %s against chromium per card, %s against warm chromium\n",
		(c / o >= 50) ? "met" : "NOT met", (w / o >= 50) ? "met" : "NOT met"
}'
chromium_bytes=$(size "$work/chromium.pdf")
cli_bytes=$(size "$work/cli/card.pdf")
printf 'PDF sizes: chromium %d bytes, oshigoods render %d bytes (%s); chromium warm %d bytes, oshigoods warm %d bytes\n' \
	"$chromium_bytes" "$cli_bytes" "$( (( cli_bytes <= chromium_bytes )) && echo "no larger" || echo LARGER)" \
	"$(size "$work/chromium-warm.pdf")" "$(size "$work/oshigoods.pdf")"
if command -v pdffonts >/dev/null; then
	echo "chromium:  $(pages "$work/chromium.pdf"); $(fonts "$work/chromium.pdf")"
	echo "oshigoods: $(pages "$work/cli/card.pdf"); $(fonts "$work/cli/card.pdf")  (trim + 3 mm bleed)"
fi
if [[ -n "${KEEP:-}" ]]; then
	mkdir -p "$KEEP" && cp "$work"/{letter.html,chromium.pdf,chromium-warm.pdf,oshigoods.pdf} "$KEEP"/ &&
		cp "$work/cli/card.pdf" "$KEEP/oshigoods-render.pdf" && cp "$work/cli/preview.png" "$KEEP/oshigoods-render.png"
	echo "files kept in $KEEP"
fi
