#!/usr/bin/env bash
# make-samples.sh regenerates the sample audio of voice-alarm-morning.
#
# Every sound here is made by the project: the voice is espeak-ng's own
# Japanese voice (it reads kana only), the chime and the background music
# are synthesised by sox. No third-party recording is used. Sources are
# kept small: 22.05 kHz, mono, 16-bit PCM.
#
# Usage: ./make-samples.sh   (needs espeak-ng and sox; run from anywhere)
set -euo pipefail
cd "$(dirname "$0")"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# speak FILE KANA: a bright, quick voice, trimmed of leading and trailing
# silence, peak-normalised to -3 dBFS.
speak() {
	espeak-ng -v ja -p 70 -s 150 -w "$tmp/raw.wav" "$2"
	sox "$tmp/raw.wav" -r 22050 -c 1 -b 16 "$1" \
		silence 1 0.02 0.5% reverse silence 1 0.02 0.5% reverse \
		gain -n -3
}

# Name calls: the idol calls the fan by one of these names.
speak name-taro.wav   "たろうくん"
speak name-hanako.wav "はなこちゃん"
speak name-yui.wav    "ゆいちゃん"
speak name-sakura.wav "さくらちゃん"
speak name-kenta.wav  "けんたくん"
speak name-mai.wav    "まいちゃん"

# Lines.
speak line-ohayou.wav    "おはよう"
speak line-asadayo.wav   "あさだよ"
speak line-okite.wav     "おきて"
speak line-chikoku.wav   "ちこくしちゃうよ"
speak line-ganbatte.wav  "きょうもがんばってね"
speak line-mattetayo.wav "ずっとまってたよ"
speak line-daisuki.wav   "だいすき"

# Chime: two soft bell tones (E6 then C6) with a quick attack and a decay.
sox -n -r 22050 -c 1 -b 16 "$tmp/c1.wav" synth 0.45 sine 1318.5 sine 2637 remix 1,2 fade q 0.005 0.45 0.4 gain -n -6
sox -n -r 22050 -c 1 -b 16 "$tmp/c2.wav" synth 0.9 sine 1046.5 sine 2093 remix 1,2 fade q 0.005 0.9 0.85 gain -n -6
sox "$tmp/c1.wav" "$tmp/c2.wav" chime.wav gain -n -3

# Background music: an 8 s soft pad (C major chord with a slow tremolo),
# faded at both ends so the renderer can loop it with a short crossfade.
sox -n -r 22050 -c 1 -b 16 bgm.wav \
	synth 8 sine 261.63 sine 329.63 sine 392.00 sine 523.25 remix 1-4 \
	tremolo 0.5 40 lowpass 1500 fade q 0.3 8 0.3 gain -n -6
