#!/usr/bin/env bash
# photo.sh times the same composite photo made three ways, each a whole
# run of its commands, and prints time ratios against the targets and peak
# memory:
#   oshigoods   — `oshigoods render --template photo-2shot-l --file
#                 photo=IN.jpg --out DIR`: the CLI as a shop runs it. It
#                 compiles the one template (decodes the cutout and frame
#                 PNGs, parses the font), checks the upload's header,
#                 validates the fields, renders (shrink-on-load decode, face
#                 detection and placement, else smartcrop, cover crop,
#                 cutout, frame, the default name) and writes photo.jpg at
#                 q92 with its 480 px preview.jpg;
#   libvips     — `vips thumbnail` (cover crop, shrink-on-load) and
#                 `vips embed` onto the pink canvas, then `vips composite2`
#                 twice (cutout, frame) to a q92 JPEG, through .v files;
#   ImageMagick — one `convert`: resize ^ and extent (cover crop), composite
#                 onto the canvas, cutout, frame, q92.
# The job: a 12 MP phone JPEG (3024×4032, 4:2:0, q92) into photo-2shot-l
# with the default profile (jp-standard, 3 mm bleed): a 1122×1571 print
# file, the photo cover-cropped into its 933×1157 slot at (94, 130), the
# cutout (543×939) at (484, 348), the frame (drawn with 4 mm of bleed,
# cropped by 12 px). libvips and ImageMagick get the cutout and the frame
# ready-made; they do not draw the name, the preview or look for faces. All
# three write 4:2:0 JPEGs (Go's encoder writes only that).
# Two inputs: "face" (render/photo/testdata/faces/astronaut.jpg, public
# domain, enlarged with sensor-like noise: pigo finds the face) and "no
# face" (a seeded plasma landscape with the same noise: no face, so
# oshigoods falls back to smartcrop).
# For each input the three tools run in turn, runs times (≥ 5, default 7):
# wall time from bash's EPOCHREALTIME around each run (microseconds; not
# /usr/bin/time's 10 ms steps), peak RSS from /usr/bin/time around the same
# run. Printed: the median wall time of each tool, the largest peak RSS,
# and oshigoods / libvips (target ≤ 0.8) and oshigoods / ImageMagick
# (target ≤ 0.5), with oshigoods' peak RSS against its target (≤ 120 MB).
# The machine may be shared: wall times are then noisy, so rerun when quiet.
#
# Installs libvips-tools and ImageMagick from Debian when they are missing
# (scripts/services.sh's ensure_debs; as root).
#
# Usage: bench/photo.sh [runs]   (default 7)
# Then the worker's memory: photobench -rss renders 24 MP uploads at
# concurrency 2 and prints the peak RSS (target < 400 MB). For HEIC, make
# one (convert photo.jpg -quality 80 photo.heic: slow, x265) and run
# photobench -rss -in photo.heic -concurrency 2 -jobs 4.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-7}
((runs >= 5)) || { echo "photo.sh: runs must be at least 5" >&2; exit 2; }
. scripts/services.sh
ensure_debs vips:libvips-tools convert:imagemagick identify:imagemagick
[[ -x /usr/bin/time ]] || ensure_debs time:time

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tpl=templates/photo-2shot-l
go build -o "$work/oshigoods" ./cmd/oshigoods
go build -o "$work/photobench" ./bench/photobench

# The inputs, as a phone writes them: 3024×4032, 4:2:0, q92, with noise so
# they decode like photos rather than flat art.
noise=(-attenuate 0.4 +noise Gaussian -sampling-factor 4:2:0 -quality 92)
convert render/photo/testdata/faces/astronaut.jpg -resize '3024x4032!' "${noise[@]}" "$work/face.jpg"
convert -seed 7 -size 756x1008 plasma:green-blue -resize '3024x4032!' "${noise[@]}" "$work/noface.jpg"
convert "$tpl/frame.png" -crop 1122x1571+12+12 +repage "$work/frame.png"
cp "$tpl/cutout.png" "$work/cutout.png"
bg="255 220 233" # #ffdce9

run_osg() { "$work/oshigoods" render --template photo-2shot-l --file "photo=$1" --out "$work/osg" >/dev/null; }
run_vips() {
	local d=$work/vips
	mkdir -p "$d"
	vips thumbnail "$1" "$d/p.v" 933 --height 1157 --crop centre
	vips embed "$d/p.v" "$d/c.v" 94 130 1122 1571 --extend background --background "$bg"
	vips composite2 "$d/c.v" "$work/cutout.png" "$d/o.v" over --x 484 --y 348
	vips composite2 "$d/o.v" "$work/frame.png" "$d/out.jpg[Q=92,subsample-mode=on]" over
}
run_im() {
	convert -size 1122x1571 'xc:#ffdce9' \
		\( "$1" -resize '933x1157^' -gravity center -extent 933x1157 \) \
		-gravity northwest -geometry +94+130 -composite \
		"$work/cutout.png" -geometry +484+348 -composite \
		"$work/frame.png" -geometry +0+0 -composite \
		-sampling-factor 4:2:0 -quality 92 "$work/im.jpg"
}
export -f run_osg run_vips run_im
export work bg

# timed TOOL INPUT appends "seconds maxRSSkB" to $work/TOOL.times: wall
# time from EPOCHREALTIME around /usr/bin/time, which gives the peak RSS of
# the same run (its own start adds about a millisecond to every tool).
timed() {
	local t0 t1
	t0=$EPOCHREALTIME
	/usr/bin/time -f "%M" -o "$work/rss" bash -c "run_$1 \"\$1\"" _ "$2"
	t1=$EPOCHREALTIME
	echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }') $(cat "$work/rss")" >>"$work/$1.times"
}
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v <= t) ? "ok" : "MISSED" }'; }

tools=(osg vips im)
declare -A names=([osg]="oshigoods render" [vips]="libvips" [im]="ImageMagick")
status=0
for input in face noface; do
	in=$work/$input.jpg
	for t in "${tools[@]}"; do
		: >"$work/$t.times"
		"run_$t" "$in" # warm the page cache and check each works
	done
	for ((i = 0; i < runs; i++)); do
		for t in "${tools[@]}"; do timed "$t" "$in"; done
	done
	echo "== $input: $(identify -format '%wx%h %[jpeg:sampling-factor] q%Q' "$in"), $runs runs each, alternating"
	for f in "$work/osg/photo.jpg" "$work/vips/out.jpg" "$work/im.jpg"; do
		identify -format '   %f %wx%h %[jpeg:sampling-factor] q%Q\n' "$f"
	done
	declare -A med rss
	printf '%-18s %10s %12s\n' tool "median s" "max RSS MB"
	for t in "${tools[@]}"; do
		med[$t]=$(cut -d' ' -f1 "$work/$t.times" | median)
		rss[$t]=$(cut -d' ' -f2 "$work/$t.times" | sort -n | tail -1 | awk '{ printf "%.0f", $1 / 1024 }')
		printf '%-18s %10.3f %12s\n' "${names[$t]}" "${med[$t]}" "${rss[$t]}"
	done
	rv=$(ratio "${med[osg]}" "${med[vips]}")
	ri=$(ratio "${med[osg]}" "${med[im]}")
	echo "oshigoods / libvips     = ${rv}× (target ≤ 0.8: $(verdict "$rv" 0.8))"
	echo "oshigoods / ImageMagick = ${ri}× (target ≤ 0.5: $(verdict "$ri" 0.5))"
	echo "oshigoods peak RSS      = ${rss[osg]} MB (target ≤ 120: $(verdict "${rss[osg]}" 120))"
	for v in "$(verdict "$rv" 0.8)" "$(verdict "$ri" 0.5)" "$(verdict "${rss[osg]}" 120)"; do
		[[ $v == ok ]] || status=1
	done
done

echo "== worker memory, 24 MP uploads at concurrency 2 (target < 400 MB):"
"$work/photobench" -rss -mp 24 -concurrency 2 -jobs 8
exit $status
