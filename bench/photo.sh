#!/usr/bin/env bash
# photo.sh times the same composite photo made three ways and prints time
# ratios and peak memory:
#   oshigoods   — bench/photobench: a whole process that compiles the
#                 photo-2shot-l template, checks the upload's header, renders
#                 (shrink-on-load decode, face detection and placement, cover
#                 crop, cutout, frame, the name text) and writes photo.jpg at
#                 q92 and preview.jpg; and `oshigoods render` when the CLI
#                 builds (it too compiles only the template it renders);
#   libvips     — `vips thumbnail` (cover crop, shrink-on-load) and
#                 `vips embed` onto the pink canvas, then `vips composite2`
#                 twice (cutout, frame) to a q92 JPEG, through .v files in
#                 a tmpfs-like temp dir;
#   ImageMagick — one `convert`: resize ^ and extent (cover crop), composite
#                 onto the canvas, cutout, frame, q92.
# The job: a 12 MP phone JPEG (3024×4032, 4:2:0, q92) into photo-2shot-l
# with the default profile (jp-standard, 3 mm bleed): a 1122×1571 print
# file, the photo cover-cropped into its 933×1157 slot at (94, 130), the
# cutout (543×939) at (484, 348), the frame (drawn with 4 mm of bleed,
# cropped by 12 px). libvips and ImageMagick get the cutout and the frame
# ready-made; they do not draw the name, the preview or find faces. All
# three write 4:2:0 JPEGs (Go's encoder writes only that).
# Runs alternate between the tools; times are medians of wall time, memory
# the largest max RSS (/usr/bin/time). Targets: oshigoods ≤ 0.8× libvips's
# time and ≤ 0.5× ImageMagick's. The machine may be shared: rerun when quiet.
#
# Usage: bench/photo.sh [runs]   (default 7)
# Then the worker's memory: photobench -rss renders 24 MP uploads at
# concurrency 2 and prints the peak RSS (target < 400 MB). For HEIC, make
# one (convert photo.jpg -quality 80 photo.heic: slow, x265) and run
# photobench -rss -in photo.heic -concurrency 2 -jobs 4.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-7}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tpl=templates/photo-2shot-l

go build -o "$work/photobench" ./bench/photobench
cli=""
if go build -o "$work/oshigoods" ./cmd/oshigoods 2>/dev/null; then
	cli="$work/oshigoods"
fi

# The input: a real photo (render/photo/testdata/faces, public domain)
# enlarged to a phone's 12 MP with sensor-like noise, so it decodes like one.
convert render/photo/testdata/faces/astronaut.jpg -resize '3024x4032!' \
	-attenuate 0.4 +noise Gaussian -sampling-factor 4:2:0 -quality 92 "$work/in.jpg"
convert "$tpl/frame.png" -crop 1122x1571+12+12 +repage "$work/frame.png"
cp "$tpl/cutout.png" "$work/cutout.png"
bg="255 220 233" # #ffdce9

run_vips() {
	local d=$work/vips
	mkdir -p "$d"
	vips thumbnail "$work/in.jpg" "$d/p.v" 933 --height 1157 --crop centre
	vips embed "$d/p.v" "$d/c.v" 94 130 1122 1571 --extend background --background "$bg"
	vips composite2 "$d/c.v" "$work/cutout.png" "$d/o.v" over --x 484 --y 348
	vips composite2 "$d/o.v" "$work/frame.png" "$d/out.jpg[Q=92,subsample-mode=on]" over
}
run_im() {
	convert -size 1122x1571 'xc:#ffdce9' \
		\( "$work/in.jpg" -resize '933x1157^' -gravity center -extent 933x1157 \) \
		-gravity northwest -geometry +94+130 -composite \
		"$work/cutout.png" -geometry +484+348 -composite \
		"$work/frame.png" -geometry +0+0 -composite \
		-sampling-factor 4:2:0 -quality 92 "$work/im.jpg"
}
run_osg() { "$work/photobench" -in "$work/in.jpg" -out "$work/osg"; }
run_cli() { "$cli" render --template photo-2shot-l --file "photo=$work/in.jpg" --out "$work/cli" >/dev/null; }
export -f run_vips run_im run_osg run_cli
export work bg cli

tools=(osg vips im)
[[ -n "$cli" ]] && tools+=(cli)
for t in "${tools[@]}"; do : >"$work/$t.times"; done
run_osg && run_vips && run_im # warm the page cache and check each works
for ((i = 0; i < runs; i++)); do
	for t in "${tools[@]}"; do
		/usr/bin/time -f "%e %M" -o "$work/t" bash -c "run_$t" >/dev/null
		cat "$work/t" >>"$work/$t.times"
	done
done

for f in "$work/osg/photo.jpg" "$work/vips/out.jpg" "$work/im.jpg"; do
	identify -format '%f %wx%h %[jpeg:sampling-factor] q%Q\n' "$f"
done
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
declare -A med rss names
names=([osg]="oshigoods (photobench)" [vips]="libvips" [im]="ImageMagick" [cli]="oshigoods render (CLI)")
printf '%-24s %10s %12s\n' tool "median s" "max RSS MB"
for t in "${tools[@]}"; do
	med[$t]=$(cut -d' ' -f1 "$work/$t.times" | median)
	rss[$t]=$(cut -d' ' -f2 "$work/$t.times" | sort -n | tail -1 | awk '{ printf "%.0f", $1 / 1024 }')
	printf '%-24s %10s %12s\n' "${names[$t]}" "${med[$t]}" "${rss[$t]}"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "oshigoods / libvips     = $(ratio "${med[osg]}" "${med[vips]}")× (target ≤ 0.8)"
echo "oshigoods / ImageMagick = $(ratio "${med[osg]}" "${med[im]}")× (target ≤ 0.5)"
if [[ -n "$cli" ]]; then
	echo "oshigoods CLI / libvips = $(ratio "${med[cli]}" "${med[vips]}")×, / ImageMagick = $(ratio "${med[cli]}" "${med[im]}")×"
fi

echo "worker memory, 24 MP uploads at concurrency 2 (target < 400 MB):"
"$work/photobench" -rss -mp 24 -concurrency 2 -jobs 8
