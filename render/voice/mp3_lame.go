//go:build lame

package voice

/*
#cgo LDFLAGS: -lmp3lame
#include <stdlib.h>
#include <lame/lame.h>
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// mp3Available is true: this build encodes MP3 with LAME (libmp3lame)
// through cgo.
const mp3Available = true

// encodeMP3Data encodes interleaved 16-bit PCM as constant-bit-rate MP3
// with LAME at the given algorithm quality (0 best … 9 fastest). No Xing/LAME tag is written, so the bytes depend
// on the input alone. Each call has its own encoder, so calls may run
// concurrently.
func encodeMP3Data(pcm []int16, channels, rate, kbps, quality int) ([]byte, error) {
	if channels != 1 && channels != 2 {
		return nil, fmt.Errorf("lame: %d channels", channels)
	}
	frames := len(pcm) / channels
	gfp := C.lame_init()
	if gfp == nil {
		return nil, fmt.Errorf("lame: init failed")
	}
	defer C.lame_close(gfp)
	C.lame_set_num_channels(gfp, C.int(channels))
	C.lame_set_in_samplerate(gfp, C.int(rate))
	C.lame_set_out_samplerate(gfp, C.int(rate))
	C.lame_set_brate(gfp, C.int(kbps))
	C.lame_set_VBR(gfp, C.vbr_off)
	C.lame_set_quality(gfp, C.int(quality))
	C.lame_set_bWriteVbrTag(gfp, 0)
	if channels == 1 {
		C.lame_set_mode(gfp, C.MONO)
	} else {
		C.lame_set_mode(gfp, C.JOINT_STEREO)
	}
	if rc := C.lame_init_params(gfp); rc < 0 {
		return nil, fmt.Errorf("lame: init params: %d", int(rc))
	}
	out := make([]byte, 0, frames/4+16384)
	buf := make([]byte, 2*1152*4+7200)
	const chunk = 1152 * 4
	for off := 0; off < frames; off += chunk {
		n := min(chunk, frames-off)
		var rc C.int
		if channels == 2 {
			rc = C.lame_encode_buffer_interleaved(gfp, (*C.short)(unsafe.Pointer(&pcm[off*2])), C.int(n),
				(*C.uchar)(unsafe.Pointer(&buf[0])), C.int(len(buf)))
		} else {
			p := (*C.short)(unsafe.Pointer(&pcm[off]))
			rc = C.lame_encode_buffer(gfp, p, p, C.int(n), (*C.uchar)(unsafe.Pointer(&buf[0])), C.int(len(buf)))
		}
		if rc < 0 {
			return nil, fmt.Errorf("lame: encode: %d", int(rc))
		}
		out = append(out, buf[:rc]...)
	}
	rc := C.lame_encode_flush(gfp, (*C.uchar)(unsafe.Pointer(&buf[0])), C.int(len(buf)))
	if rc < 0 {
		return nil, fmt.Errorf("lame: flush: %d", int(rc))
	}
	return append(out, buf[:rc]...), nil
}
