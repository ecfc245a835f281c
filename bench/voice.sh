#!/usr/bin/env bash
# voice.sh times the same voice alarm clip built three ways and prints the
# time ratios:
#   oshigoods — bench/voicebench (load + compile the voice template, render
#               the clip and its preview, write), and `oshigoods render`
#               when the CLI builds (it loads the whole catalogue);
#   ffmpeg    — one filter_complex: per-clip resample and 5 ms fades, gaps,
#               rising volume per repeat, BGM looped and ducked with
#               sidechaincompress, amix, loudnorm (I=-16, TP=-1.5), 44.1 kHz
#               stereo 16-bit WAV;
#   sox       — the nearest sox chain: per-clip rate/fade/pad/vol through
#               pipes, BGM repeated and mixed at a fixed −30 dB (sox has no
#               sidechain ducking) and peak normalisation to −1 dBFS (sox has
#               no R128 loudness normaliser).
# The clip: phone preset, name "sakura", lines ohayou,asadayo,okite,
# 3 repeats. Target: oshigoods ≤ 0.5× ffmpeg's time.
#
# Usage: bench/voice.sh [runs]   (default 5; set TAGS=lame to include MP3 in
# oshigoods' run — ffmpeg then also writes a 128 kbps MP3; sox cannot)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
tags=${TAGS:-}
tpl=templates/voice-alarm-morning
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

name=sakura
lines=(ohayou asadayo okite)
repeats=3
gap=0.35 rgap=1.2 lead=0.1 tail=0.3 fade=0.005

go build ${tags:+-tags "$tags"} -o "$work/voicebench" ./bench/voicebench
cli=""
if go build ${tags:+-tags "$tags"} -o "$work/oshigoods" ./cmd/oshigoods 2>/dev/null; then
	cli="$work/oshigoods"
fi

# The clip sequence, one file per cut, with its gain in dB and the gap
# after it.
files=() gains=() gaps=()
for ((r = 0; r < repeats; r++)); do
	db=$(awk -v r=$r -v n=$repeats 'BEGIN { printf "%.4f", (n > 1) ? -12 + 12 * r / (n - 1) : 0 }')
	seq=("$tpl/chime.wav" "$tpl/name-$name.wav")
	for l in "${lines[@]}"; do seq+=("$tpl/line-$l.wav"); done
	for ((k = 0; k < ${#seq[@]}; k++)); do
		files+=("${seq[k]}")
		gains+=("$db")
		if ((k < ${#seq[@]} - 1)); then gaps+=("$gap"); elif ((r < repeats - 1)); then gaps+=("$rgap"); else gaps+=("$tail"); fi
	done
done
total=$(awk -v lead=$lead 'BEGIN { t = lead } { t += $1 } END { printf "%.3f", t }' < <(
	for ((i = 0; i < ${#files[@]}; i++)); do soxi -D "${files[i]}"; echo "${gaps[i]}"; done))
mp3=false
[[ "$tags" == *lame* ]] && mp3=true

# ffmpeg: one filter graph.
ff_args=()
graph=""
for ((i = 0; i < ${#files[@]}; i++)); do
	ff_args+=(-i "${files[i]}")
	d=$(soxi -D "${files[i]}")
	st=$(awk -v d="$d" -v f=$fade 'BEGIN { printf "%.4f", d - f }')
	graph+="[$i:a]aresample=44100,afade=t=in:d=$fade,afade=t=out:st=$st:d=$fade,volume=${gains[i]}dB,apad=pad_dur=${gaps[i]}[s$i];"
done
b=${#files[@]}
ff_args+=(-i "$tpl/bgm.wav")
for ((i = 0; i < ${#files[@]}; i++)); do graph+="[s$i]"; done
graph+="concat=n=${#files[@]}:v=0:a=1,adelay=$(awk -v l=$lead 'BEGIN { printf "%d", l * 1000 }'):all=1,asplit[v1][v2];"
graph+="[$b:a]aresample=44100,aloop=loop=-1:size=2e9,atrim=duration=$total,volume=-20dB,afade=t=in:d=0.5[bg];"
graph+="[bg][v2]sidechaincompress=threshold=0.02:ratio=6:attack=50:release=300[bgd];"
graph+="[v1][bgd]amix=inputs=2:normalize=0:duration=first,loudnorm=I=-16:TP=-1.5:LRA=11,aresample=44100[out]"
ffmpeg_run() {
	ffmpeg -v error -y "${ff_args[@]}" -filter_complex "$graph" -map "[out]" -ac 2 -ar 44100 -c:a pcm_s16le "$work/ffmpeg.wav"
	if $mp3; then ffmpeg -v error -y -i "$work/ffmpeg.wav" -c:a libmp3lame -b:a 128k "$work/ffmpeg.mp3"; fi
}

# sox: clips through pipes, then mixed with the BGM and normalised.
sox_inputs=()
for ((i = 0; i < ${#files[@]}; i++)); do
	sox_inputs+=("|sox ${files[i]} -p rate 44100 fade h $fade -0 $fade vol ${gains[i]} dB pad 0 ${gaps[i]}")
done
sox_run() {
	sox "${sox_inputs[@]}" -c 2 "$work/sox-voice.wav" pad $lead 0
	sox -m "$work/sox-voice.wav" "|sox $tpl/bgm.wav -p rate 44100 channels 2 repeat 5 trim 0 $total vol -30 dB" \
		-b 16 "$work/sox.wav" gain -n -1
	# This sox has no MP3 writer (Debian's build lacks libmp3lame support),
	# so with TAGS=lame its time stays WAV-only.
}

osg_run() {
	"$work/voicebench" -out "$work/osg" name=$name lines="$(IFS=,; echo "${lines[*]}")" repeat=$repeats preset=phone 2>/dev/null
}
cli_run() {
	"$cli" render --template voice-alarm-morning --field name=$name --field lines="$(IFS=,; echo "${lines[*]}")" \
		--field repeat=$repeats --field preset=phone --out "$work/cli" >/dev/null 2>&1
}

# Runs are interleaved (ffmpeg, sox, oshigoods, CLI, then again) so load
# from anything else on the machine falls on all of them alike; each
# reports the median of its runs.
order=(ffmpeg_run sox_run osg_run)
[[ -n "$cli" ]] && order+=(cli_run)
declare -A times
for f in "${order[@]}"; do "$f"; done # warm-up: page cache, first-run costs
for ((i = 0; i < runs; i++)); do
	for f in "${order[@]}"; do
		s=$(date +%s.%N)
		"$f"
		e=$(date +%s.%N)
		times[$f]+="$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.4f", e - s }') "
	done
done
median() { tr ' ' '\n' <<<"${times[$1]}" | grep . | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
t_ff=$(median ffmpeg_run)
t_sox=$(median sox_run)
t_osg=$(median osg_run)
t_cli=""
[[ -n "$cli" ]] && t_cli=$(median cli_run)

measure() { ffmpeg -hide_banner -nostats -i "$1" -af ebur128=peak=true -f null - 2>&1 |
	awk '/Summary/ { s = 1 } s && /I:/ { i = $2 } s && /Peak:/ { p = $2 } END { printf "%s LUFS, %s dBTP", i, p }'; }

echo "voice alarm clip: phone, $name, ${lines[*]}, ${repeats} repeats (${total} s), median of $runs runs${tags:+, -tags $tags}"
printf '  %-28s %7.3f s   %s\n' "ffmpeg (filter_complex)" "$t_ff" "$(measure "$work/ffmpeg.wav")"
printf '  %-28s %7.3f s   %s\n' "sox (nearest chain)" "$t_sox" "$(measure "$work/sox.wav")"
printf '  %-28s %7.3f s   %s\n' "oshigoods (voicebench)" "$t_osg" "$(measure "$work/osg/alarm.wav")"
[[ -n "$t_cli" ]] && printf '  %-28s %7.3f s   %s\n' "oshigoods render (CLI)" "$t_cli" "$(measure "$work/cli/alarm.wav")"
awk -v o="$t_osg" -v f="$t_ff" -v s="$t_sox" -v c="$t_cli" 'BEGIN {
	printf "ratios: oshigoods/ffmpeg %.2f×  oshigoods/sox %.2f×", o / f, o / s
	if (c != "") printf "  CLI/ffmpeg %.2f×", c / f
	printf "  (target oshigoods/ffmpeg ≤ 0.50×: %s)\n", (o / f <= 0.5) ? "met" : "NOT met"
}'
