package voice

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync"
)

// WAV reading.
//
// This is our own RIFF/WAVE parser rather than github.com/go-audio/wav.
// That decoder (v1.1.0) treats every 32-bit file as integer PCM, so 32-bit
// float WAVs decode to noise; it ignores the sub-format of
// WAVE_FORMAT_EXTENSIBLE; it reads one sample per io.Reader call, which is
// slow; and it sizes buffers from the declared chunk sizes, which a lying
// header can make huge. Here the whole file is in memory, every size is
// checked against the bytes actually present before anything is
// allocated, and each supported form is decoded in one tight loop.

// Limits on what readWAV accepts.
const (
	wavMaxChannels = 2
	wavMinRate     = 8000
	wavMaxRate     = 192000
	wavMaxSeconds  = 600 // a template asset longer than 10 minutes is a mistake
)

// Format tags of the fmt chunk.
const (
	wavFormatPCM        = 0x0001
	wavFormatFloat      = 0x0003
	wavFormatExtensible = 0xFFFE
)

// ksdataformatSuffix is bytes 2..16 of the KSDATAFORMAT_SUBTYPE_* GUIDs in
// a WAVE_FORMAT_EXTENSIBLE fmt chunk; bytes 0..1 hold the format tag.
var ksdataformatSuffix = []byte{0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71}

// errWAV is wrapped by every error readWAV returns.
var errWAV = errors.New("bad WAV")

// recording is a template's WAV file, checked (parseWAV) and decoded on
// first use: a template with many name calls decodes only those ordered.
// A float file is decoded when it is read, as its samples may be out of
// range (an error); integer samples always decode. It is safe for
// concurrent use.
type recording struct {
	f    wavFmt
	body []byte // the data chunk, whole frames
	n    int    // frames
	once sync.Once
	p    *pcm
	err  error
}

// newRecording checks a WAV file held in memory, which it keeps, with
// readWAV's errors.
func newRecording(data []byte) (*recording, error) {
	f, body, n, err := parseWAV(data)
	if err != nil {
		return nil, err
	}
	r := &recording{f: f, body: body, n: n}
	if f.tag == wavFormatFloat {
		if r.pcm(); r.err != nil {
			return nil, r.err
		}
	}
	return r, nil
}

// decoded returns p as a recording.
func decoded(p *pcm) *recording {
	r := &recording{f: wavFmt{rate: p.rate, channels: len(p.ch)}, n: p.frames()}
	r.once.Do(func() { r.p = p })
	return r
}

// pcm returns the samples, decoding them the first time. Only a float
// file can fail, and newRecording has decoded it.
func (r *recording) pcm() *pcm {
	r.once.Do(func() { r.p, r.err = decodeBody(r.body, r.n, r.f); r.body = nil })
	return r.p
}

// pcm is decoded audio: one float32 slice per channel, full scale ±1.
type pcm struct {
	rate int
	ch   [][]float32
}

// frames returns the number of samples per channel.
func (p *pcm) frames() int {
	if len(p.ch) == 0 {
		return 0
	}
	return len(p.ch[0])
}

func wavErrorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errWAV, fmt.Sprintf(format, args...))
}

// readWAV decodes a RIFF/WAVE file held in memory: integer PCM of 8
// (unsigned), 16, 24 or 32 bits, or IEEE float of 32 or 64 bits, plain or
// WAVE_FORMAT_EXTENSIBLE, mono or stereo, 8–192 kHz. Chunks other than fmt
// and data (LIST, bext, fact, ...) are skipped. The RIFF size is not
// trusted; every chunk must fit in the bytes present, except a data chunk
// declaring 0xFFFFFFFF bytes (a streamed file of unknown length), which
// runs to the end. A trailing partial frame is dropped. Any violation is an
// error wrapping errWAV; readWAV never panics and never allocates more than
// a fixed multiple of len(data).
func readWAV(data []byte) (*pcm, error) {
	p, _, err := decodeWAV(data)
	return p, err
}

// decodeWAV is readWAV that also returns the file's format, for Lint.
func decodeWAV(data []byte) (*pcm, wavFmt, error) {
	f, body, n, err := parseWAV(data)
	if err != nil {
		return nil, wavFmt{}, err
	}
	p, err := decodeBody(body, n, f)
	if err != nil {
		return nil, wavFmt{}, err
	}
	return p, f, nil
}

// decodeBody decodes n frames of a data chunk in format f.
func decodeBody(body []byte, n int, f wavFmt) (*pcm, error) {
	p := &pcm{rate: f.rate, ch: make([][]float32, f.channels)}
	for c := range p.ch {
		p.ch[c] = make([]float32, n)
	}
	if err := decodeSamples(p.ch, body, f); err != nil {
		return nil, err
	}
	return p, nil
}

// parseWAV makes every check readWAV makes but those of the samples
// themselves, and returns the format, the data chunk cut to whole frames,
// and the number of frames.
func parseWAV(data []byte) (wavFmt, []byte, int, error) {
	if len(data) < 12 || string(data[0:4]) != "RIFF" || string(data[8:12]) != "WAVE" {
		return wavFmt{}, nil, 0, wavErrorf("not a RIFF/WAVE file")
	}
	var (
		fmtChunk, dataChunk []byte
		haveFmt, haveData   bool
	)
	for off := 12; off < len(data); {
		if len(data)-off < 8 {
			// A few stray bytes after the last chunk: tolerated, as most
			// readers do, but only if we already have what we need.
			break
		}
		id := string(data[off : off+4])
		size := uint64(binary.LittleEndian.Uint32(data[off+4 : off+8]))
		body := off + 8
		remain := uint64(len(data) - body)
		if id == "data" && size == 0xFFFFFFFF {
			size = remain
		}
		if size > remain {
			return wavFmt{}, nil, 0, wavErrorf("%q chunk at byte %d declares %d bytes but only %d remain (truncated file or lying size)", id, off, size, remain)
		}
		chunk := data[body : body+int(size)]
		switch id {
		case "fmt ":
			if haveFmt {
				return wavFmt{}, nil, 0, wavErrorf("two fmt chunks")
			}
			fmtChunk, haveFmt = chunk, true
		case "data":
			if haveData {
				return wavFmt{}, nil, 0, wavErrorf("two data chunks")
			}
			dataChunk, haveData = chunk, true
		}
		next := uint64(body) + size + size&1 // chunks are padded to even sizes
		if next > uint64(len(data)) {
			break // a missing final pad byte is common and harmless
		}
		off = int(next)
	}
	if !haveFmt {
		return wavFmt{}, nil, 0, wavErrorf("no fmt chunk")
	}
	if !haveData {
		return wavFmt{}, nil, 0, wavErrorf("no data chunk")
	}
	f, err := parseFmt(fmtChunk)
	if err != nil {
		return wavFmt{}, nil, 0, err
	}
	n := len(dataChunk) / f.blockAlign
	if n == 0 {
		return wavFmt{}, nil, 0, wavErrorf("no samples")
	}
	if n > wavMaxSeconds*f.rate {
		return wavFmt{}, nil, 0, wavErrorf("%.0f s long; the limit is %d s", float64(n)/float64(f.rate), wavMaxSeconds)
	}
	return f, dataChunk[:n*f.blockAlign], n, nil
}

type wavFmt struct {
	tag        int // wavFormatPCM or wavFormatFloat, after resolving EXTENSIBLE
	channels   int
	rate       int
	bits       int // container bits per sample
	blockAlign int
}

func parseFmt(b []byte) (wavFmt, error) {
	if len(b) < 16 {
		return wavFmt{}, wavErrorf("fmt chunk is %d bytes; want at least 16", len(b))
	}
	le := binary.LittleEndian
	f := wavFmt{
		tag:        int(le.Uint16(b[0:2])),
		channels:   int(le.Uint16(b[2:4])),
		rate:       int(le.Uint32(b[4:8])),
		blockAlign: int(le.Uint16(b[12:14])),
		bits:       int(le.Uint16(b[14:16])),
	}
	if f.tag == wavFormatExtensible {
		if len(b) < 40 {
			return wavFmt{}, wavErrorf("WAVE_FORMAT_EXTENSIBLE fmt chunk is %d bytes; want 40", len(b))
		}
		if valid := int(le.Uint16(b[18:20])); valid > f.bits {
			return wavFmt{}, wavErrorf("%d valid bits in a %d-bit container", valid, f.bits)
		}
		if !bytes.Equal(b[26:40], ksdataformatSuffix) {
			return wavFmt{}, wavErrorf("unknown WAVE_FORMAT_EXTENSIBLE sub-format")
		}
		f.tag = int(le.Uint16(b[24:26]))
	}
	switch {
	case f.channels == 0:
		return wavFmt{}, wavErrorf("zero channels")
	case f.channels > wavMaxChannels:
		return wavFmt{}, wavErrorf("%d channels; want mono or stereo", f.channels)
	case f.rate < wavMinRate || f.rate > wavMaxRate:
		return wavFmt{}, wavErrorf("sample rate %d Hz; want %d to %d", f.rate, wavMinRate, wavMaxRate)
	}
	switch {
	case f.tag == wavFormatPCM && (f.bits == 8 || f.bits == 16 || f.bits == 24 || f.bits == 32):
	case f.tag == wavFormatFloat && (f.bits == 32 || f.bits == 64):
	case f.tag == wavFormatPCM || f.tag == wavFormatFloat:
		return wavFmt{}, wavErrorf("%d bits per sample is not supported for format %d", f.bits, f.tag)
	default:
		return wavFmt{}, wavErrorf("format tag 0x%04x is not PCM or IEEE float", f.tag)
	}
	if want := f.channels * f.bits / 8; f.blockAlign != want {
		return wavFmt{}, wavErrorf("block align %d; want %d for %d channels of %d bits", f.blockAlign, want, f.channels, f.bits)
	}
	return f, nil
}

// decodeSamples converts interleaved frames in b to planar float32.
func decodeSamples(out [][]float32, b []byte, f wavFmt) error {
	nch := len(out)
	n := len(out[0])
	bps := f.bits / 8
	le := binary.LittleEndian
	for i := 0; i < n; i++ {
		for c := 0; c < nch; c++ {
			s := b[(i*nch+c)*bps:]
			var v float32
			switch {
			case f.tag == wavFormatFloat && bps == 4:
				v = math.Float32frombits(le.Uint32(s))
			case f.tag == wavFormatFloat:
				v = float32(math.Float64frombits(le.Uint64(s)))
			case bps == 1:
				v = float32(int(s[0])-128) / 128
			case bps == 2:
				v = float32(int16(le.Uint16(s))) / 32768
			case bps == 3:
				x := int32(uint32(s[0])<<8|uint32(s[1])<<16|uint32(s[2])<<24) >> 8
				v = float32(x) / 8388608
			default:
				v = float32(float64(int32(le.Uint32(s))) / 2147483648)
			}
			if v != v || v > 16 || v < -16 { // NaN, Inf or wildly out of range
				return wavErrorf("sample %d of channel %d is not a finite number in range", i, c)
			}
			out[c][i] = v
		}
	}
	return nil
}

// writeWAV16 encodes planar float32 samples as a 16-bit PCM WAV, rounding
// to nearest and clipping at full scale. No dither: the result depends on
// the input alone. Channels that share one slice (a mono mix spread to
// stereo) are converted once; the two halves of the frames at once
// (halves).
func writeWAV16(ch [][]float32, rate int) []byte {
	nch := len(ch)
	n := 0
	if nch > 0 {
		n = len(ch[0])
	}
	dataLen := n * nch * 2
	b := make([]byte, 44+dataLen)
	le := binary.LittleEndian
	copy(b[0:], "RIFF")
	le.PutUint32(b[4:], uint32(36+dataLen))
	copy(b[8:], "WAVEfmt ")
	le.PutUint32(b[16:], 16)
	le.PutUint16(b[20:], wavFormatPCM)
	le.PutUint16(b[22:], uint16(nch))
	le.PutUint32(b[24:], uint32(rate))
	le.PutUint32(b[28:], uint32(rate*nch*2))
	le.PutUint16(b[32:], uint16(nch*2))
	le.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	le.PutUint32(b[40:], uint32(dataLen))
	data := b[44:]
	dup := nch == 2 && n > 0 && &ch[0][0] == &ch[1][0]
	halves(n, 1, func(lo, hi int) {
		if dup {
			for i, v := range ch[0][lo:hi] {
				u := uint32(uint16(sample16(v)))
				le.PutUint32(data[4*(lo+i):], u|u<<16)
			}
			return
		}
		for c, x := range ch {
			for i, v := range x[lo:hi] {
				le.PutUint16(data[2*((lo+i)*nch+c):], uint16(sample16(v)))
			}
		}
	})
	return b
}

// toInt16 interleaves planar float32 samples into 16-bit integers.
func toInt16(ch [][]float32) []int16 {
	nch := len(ch)
	if nch == 0 {
		return nil
	}
	n := len(ch[0])
	out := make([]int16, n*nch)
	for c, s := range ch {
		for i, v := range s {
			out[i*nch+c] = sample16(v)
		}
	}
	return out
}

// sample16 is v (full scale ±1) as a 16-bit sample, rounded to nearest
// (halves away from zero, as math.Round) and clipped. x = v·32768 is
// exact and has v's 24 significant bits, so x ± 0.5 is exact unless
// |x| < 2⁻³⁰, where it stays short of 1 anyway: truncating it rounds as
// math.Round does, without math.Round's bit handling
// (TestSample16Rounds).
func sample16(v float32) int16 {
	x := float64(v) * 32768
	switch {
	case x > 32767:
		return 32767
	case x < -32768:
		return -32768
	case x >= 0:
		return int16(int64(x + 0.5))
	default:
		return int16(int64(x - 0.5))
	}
}

// WAVInfo is what InspectWAV reads of a WAV file.
type WAVInfo struct {
	// Float is true for IEEE float samples, false for integer PCM.
	Float bool
	// Rate is the sample rate in Hz; Channels and Bits (a sample's
	// container) are as the fmt chunk says.
	Rate, Channels, Bits int
	// Seconds is the length; Peak the largest sample, full scale 1.
	Seconds, Peak float64
}

// InspectWAV decodes a WAV file as the renderer reads its recordings (see
// readWAV for what it accepts) and returns its format, length and peak.
// The errors are readWAV's.
func InspectWAV(data []byte) (WAVInfo, error) {
	p, f, err := decodeWAV(data)
	if err != nil {
		return WAVInfo{}, err
	}
	info := WAVInfo{Float: f.tag == wavFormatFloat, Rate: f.rate, Channels: f.channels, Bits: f.bits}
	info.Seconds = float64(p.frames()) / float64(p.rate)
	for _, ch := range p.ch {
		for _, v := range ch {
			info.Peak = max(info.Peak, float64(v), -float64(v))
		}
	}
	return info, nil
}
