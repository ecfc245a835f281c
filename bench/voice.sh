#!/usr/bin/env bash
# voice.sh times `oshigoods render` making a voice alarm clip against
# ffmpeg making the same clip, and prints the ratio against the target.
#
# The clip: template voice-alarm-morning, phone preset, name "sakura",
# lines ohayou,asadayo,okite, 3 repeats (44.1 kHz stereo 16-bit WAV, about
# 19 s, plus the 試聴 preview).
#   oshigoods — the whole `oshigoods render` command as a fan's order runs
#               it offline: start the process, load and compile the one
#               template, validate, render the clip and its preview, write
#               them and the JSON manifest;
#   ffmpeg    — one filter_complex: per-clip resample and 5 ms fades, gaps,
#               rising volume per repeat, BGM looped and ducked with
#               sidechaincompress, amix, loudnorm (I=-16, TP=-1.5), 44.1 kHz
#               stereo 16-bit WAV (no preview).
# The two run alternately, pair by pair, each pair in alternating order, so
# load from anything else on the machine falls on both alike. It reports
# each one's median over the pairs and the median of the pairs' ratios;
# the target is oshigoods ≤ 0.5× ffmpeg's time.
#
# For reference it then times, fewer runs and not in the ratio:
#   voicebench — bench/voicebench: the same render from a small binary that
#               compiles only the voice template (no CLI start-up);
#   sox        — the nearest sox chain: per-clip rate/fade/pad/vol through
#               pipes, BGM repeated and mixed at a fixed −30 dB (sox has no
#               sidechain ducking) and peak normalisation to −1 dBFS (sox
#               has no R128 loudness normaliser).
# and prints each output's loudness and true peak (ffmpeg's ebur128).
#
# Usage: bench/voice.sh [pairs]   (default 7, at least 5; set TAGS=lame to
# build with the MP3 encoder — oshigoods then also writes alarm.mp3 and an
# MP3 preview, and ffmpeg a 128 kbps MP3 of its WAV)
# Needs Go, ffmpeg and sox (installed from Debian if missing, as root).
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-7}
if ((pairs < 5)); then
	echo "voice.sh: want at least 5 pairs" >&2
	exit 2
fi
. scripts/services.sh
ensure_debs ffmpeg:ffmpeg soxi:sox sox:sox
tags=${TAGS:-}
tpl=templates/voice-alarm-morning
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

name=sakura
lines=(ohayou asadayo okite)
repeats=3
gap=0.35 rgap=1.2 lead=0.1 tail=0.3 fade=0.005
csv=$(IFS=,; echo "${lines[*]}")

go build ${tags:+-tags "$tags"} -o "$work/voicebench" ./bench/voicebench
go build ${tags:+-tags "$tags"} -o "$work/oshigoods" ./cmd/oshigoods

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
	"$work/voicebench" -out "$work/osg" name=$name lines="$csv" repeat=$repeats preset=phone 2>/dev/null
}
cli_run() {
	"$work/oshigoods" render --template voice-alarm-morning --field name=$name --field lines="$csv" \
		--field repeat=$repeats --field preset=phone --out "$work/cli" >/dev/null 2>&1
}

# One timed run of f, in seconds, appended to times[f].
declare -A times
timed() {
	local s e
	s=$(date +%s.%N)
	"$1"
	e=$(date +%s.%N)
	times[$1]+="$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.4f", e - s }') "
}
median() { tr ' ' '\n' | grep . | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# Primary: CLI and ffmpeg alternately.
ffmpeg_run
cli_run # warm-up: page cache, first-run costs
ratios=""
for ((i = 0; i < pairs; i++)); do
	if ((i % 2 == 0)); then timed ffmpeg_run; timed cli_run; else timed cli_run; timed ffmpeg_run; fi
	f=$(awk '{ print $NF }' <<<"${times[ffmpeg_run]}")
	c=$(awk '{ print $NF }' <<<"${times[cli_run]}")
	ratios+="$(awk -v c="$c" -v f="$f" 'BEGIN { printf "%.4f", c / f }') "
done
t_ff=$(median <<<"${times[ffmpeg_run]}")
t_cli=$(median <<<"${times[cli_run]}")
ratio=$(median <<<"$ratios")

# For reference: voicebench and sox, fewer runs.
refruns=$(((pairs + 1) / 2))
osg_run
sox_run
for ((i = 0; i < refruns; i++)); do timed osg_run; timed sox_run; done
t_osg=$(median <<<"${times[osg_run]}")
t_sox=$(median <<<"${times[sox_run]}")

measure() { ffmpeg -hide_banner -nostats -i "$1" -af ebur128=peak=true -f null - 2>&1 |
	awk '/Summary/ { s = 1 } s && /I:/ { i = $2 } s && /Peak:/ { p = $2 } END { printf "%s LUFS, %s dBTP", i, p }'; }

echo "voice alarm clip: phone, $name, ${lines[*]}, ${repeats} repeats (${total} s)${tags:+, -tags $tags}"
echo "oshigoods render (CLI) against ffmpeg, alternately, $pairs pairs:"
printf '  %-28s %7.3f s   %s\n' "ffmpeg (filter_complex)" "$t_ff" "$(measure "$work/ffmpeg.wav")"
printf '  %-28s %7.3f s   %s\n' "oshigoods render (CLI)" "$t_cli" "$(measure "$work/cli/alarm.wav")"
printf '  pair ratios: %s\n' "$ratios"
awk -v r="$ratio" -v c="$t_cli" -v f="$t_ff" 'BEGIN {
	printf "ratio CLI/ffmpeg: %.2f× (median of pairs; of medians %.2f×), target ≤ 0.50×: %s\n", r, c / f, (r <= 0.5) ? "met" : "NOT met"
}'
echo "for reference, median of $refruns runs:"
printf '  %-28s %7.3f s   %s\n' "oshigoods (voicebench)" "$t_osg" "$(measure "$work/osg/alarm.wav")"
printf '  %-28s %7.3f s   %s\n' "sox (nearest chain)" "$t_sox" "$(measure "$work/sox.wav")"
