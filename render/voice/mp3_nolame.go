//go:build !lame

package voice

import "errors"

// mp3Available is false: this build has no MP3 encoder. Build with
// -tags lame (and libmp3lame installed) to get alarm.mp3 and preview.mp3.
const mp3Available = false

func encodeMP3Data(pcm []int16, channels, rate, kbps, quality int) ([]byte, error) {
	return nil, errors.New("no MP3 encoder in this build: build with -tags lame")
}
