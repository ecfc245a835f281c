#!/usr/bin/env bash
# make-samples.sh regenerates the sample audio of voice-alarm-morning.
#
# Every sound here is made by the project: the voice is espeak-ng's own
# Japanese voice (it reads kana only), the chime and the background music
# are synthesised by sox. No third-party recording is used. Sources are
# kept small: 22.05 kHz, mono, 16-bit PCM.
#
# The name calls are the rows of names.tsv (one per name: id, label,
# reading, file); each is spoken from its reading (else its label). To offer
# another name, add a row and run this script: it makes only the files that
# are missing, so the recordings already in the repository keep their bytes.
# With -f it remakes every file (sox runs in repeatable mode, -R, so the
# same tools give the same bytes).
#
# Usage: ./make-samples.sh [-f]   (needs espeak-ng and sox; run from anywhere)
set -euo pipefail
cd "$(dirname "$0")"

force=
if [ "${1:-}" = -f ]; then
	force=1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# wanted FILE: true when FILE should be made now.
wanted() { [ -n "$force" ] || [ ! -e "$1" ]; }

# speak FILE KANA: a bright, quick voice, trimmed of leading and trailing
# silence, peak-normalised to -3 dBFS.
speak() {
	wanted "$1" || return 0
	espeak-ng -v ja -p 70 -s 150 -w "$tmp/raw.wav" "$2"
	sox -R "$tmp/raw.wav" -r 22050 -c 1 -b 16 "$1" \
		silence 1 0.02 0.5% reverse silence 1 0.02 0.5% reverse \
		gain -n -3
}

# Name calls: the idol calls the fan by one of these names (names.tsv,
# skipping comments and the header line).
awk -F'\t' '{ sub(/\r$/, "") } /^#/ || NF == 0 { next } !h { h = 1; next } { print $4 "|" ($3 != "" ? $3 : $2) }' names.tsv |
	while IFS='|' read -r file kana; do
		speak "$file" "$kana"
	done

# Lines.
speak line-ohayou.wav    "おはよう"
speak line-asadayo.wav   "あさだよ"
speak line-okite.wav     "おきて"
speak line-chikoku.wav   "ちこくしちゃうよ"
speak line-ganbatte.wav  "きょうもがんばってね"
speak line-mattetayo.wav "ずっとまってたよ"
speak line-daisuki.wav   "だいすき"

# Chime: two soft bell tones (E6 then C6) with a quick attack and a decay.
if wanted chime.wav; then
	sox -R -n -r 22050 -c 1 -b 16 "$tmp/c1.wav" synth 0.45 sine 1318.5 sine 2637 remix 1,2 fade q 0.005 0.45 0.4 gain -n -6
	sox -R -n -r 22050 -c 1 -b 16 "$tmp/c2.wav" synth 0.9 sine 1046.5 sine 2093 remix 1,2 fade q 0.005 0.9 0.85 gain -n -6
	sox -R "$tmp/c1.wav" "$tmp/c2.wav" chime.wav gain -n -3
fi

# Background music: an 8 s soft pad (C major chord with a slow tremolo),
# faded at both ends so the renderer can loop it with a short crossfade.
if wanted bgm.wav; then
	sox -R -n -r 22050 -c 1 -b 16 bgm.wav \
		synth 8 sine 261.63 sine 329.63 sine 392.00 sine 523.25 remix 1-4 \
		tremolo 0.5 40 lowpass 1500 fade q 0.3 8 0.3 gain -n -6
fi
