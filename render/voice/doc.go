// Package voice renders voice alarm clips (推しの音声入り目覚まし): the idol's
// recorded name call and lines, assembled behind a chime over ducked
// background music, repeated with rising volume, loudness-normalised per
// EBU R128 / ITU-R BS.1770 with a true-peak limiter, and written as WAV (and
// MP3 when built with -tags lame) for a phone or an alarm-clock sound module.
//
// Everything here is pure Go except the MP3 encoder, which is LAME through
// cgo and only present in builds with the "lame" tag (Debian:
// libmp3lame-dev). Without it the phone preset omits alarm.mp3 and says so
// in Result.Warnings, and the preview is a WAV instead of an MP3.
package voice
