package voice

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"oshigoods/internal/testenv"
)

var updateSeeds = flag.Bool("update-seeds", false, "rewrite the seed corpus in testdata/fuzz/FuzzReadWAV")

// wavSpec describes a WAV for makeWAV to write.
type wavSpec struct {
	tag        int // wavFormatPCM or wavFormatFloat
	bits       int
	channels   int
	rate       int
	extensible bool
	extra      bool // add LIST and bext chunks before and after fmt
	oddChunk   bool // add an odd-sized chunk with its pad byte
	// signal is the value of channel c at frame i; nil means testSignal.
	// Integer forms must get values within ±1.
	signal func(c, i int) float64
}

// testSignal is the value of channel c at frame i: a 440 Hz sine at
// −6 dBFS on the left, 660 Hz at −12 dBFS on the right.
func testSignal(c, i, rate int) float64 {
	if c == 0 {
		return 0.5 * math.Sin(2*math.Pi*440*float64(i)/float64(rate))
	}
	return 0.25 * math.Sin(2*math.Pi*660*float64(i)/float64(rate))
}

// makeWAV writes frames of s.signal (or testSignal) in the form s
// describes.
func makeWAV(s wavSpec, frames int) []byte {
	le := binary.LittleEndian
	chunk := func(id string, body []byte) []byte {
		b := append([]byte(id), 0, 0, 0, 0)
		le.PutUint32(b[4:], uint32(len(body)))
		b = append(b, body...)
		if len(body)%2 == 1 {
			b = append(b, 0)
		}
		return b
	}
	block := s.channels * s.bits / 8
	fmtBody := make([]byte, 16)
	tag := s.tag
	if s.extensible {
		tag = wavFormatExtensible
	}
	le.PutUint16(fmtBody[0:], uint16(tag))
	le.PutUint16(fmtBody[2:], uint16(s.channels))
	le.PutUint32(fmtBody[4:], uint32(s.rate))
	le.PutUint32(fmtBody[8:], uint32(s.rate*block))
	le.PutUint16(fmtBody[12:], uint16(block))
	le.PutUint16(fmtBody[14:], uint16(s.bits))
	if s.extensible {
		ext := make([]byte, 24)
		le.PutUint16(ext[0:], 22)
		le.PutUint16(ext[2:], uint16(s.bits))
		le.PutUint32(ext[4:], uint32(1<<s.channels-1)) // FL (| FR)
		le.PutUint16(ext[8:], uint16(s.tag))
		copy(ext[10:], ksdataformatSuffix)
		fmtBody = append(fmtBody, ext...)
	}
	data := make([]byte, 0, frames*block)
	for i := 0; i < frames; i++ {
		for c := 0; c < s.channels; c++ {
			var v float64
			if s.signal != nil {
				v = s.signal(c, i)
			} else {
				v = testSignal(c, i, s.rate)
			}
			switch {
			case s.tag == wavFormatFloat && s.bits == 32:
				data = le.AppendUint32(data, math.Float32bits(float32(v)))
			case s.tag == wavFormatFloat:
				data = le.AppendUint64(data, math.Float64bits(v))
			case s.bits == 8:
				data = append(data, byte(int(math.Round(v*127))+128))
			case s.bits == 16:
				data = le.AppendUint16(data, uint16(int16(math.Round(v*32767))))
			case s.bits == 24:
				x := uint32(int32(math.Round(v * 8388607)))
				data = append(data, byte(x), byte(x>>8), byte(x>>16))
			default:
				data = le.AppendUint32(data, uint32(int32(math.Round(v*2147483647))))
			}
		}
	}
	var body []byte
	body = append(body, "WAVE"...)
	if s.extra {
		body = append(body, chunk("LIST", append([]byte("INFOINAM"), 6, 0, 0, 0, 'a', 'l', 'a', 'r', 'm', 0))...)
	}
	body = append(body, chunk("fmt ", fmtBody)...)
	if s.extra {
		body = append(body, chunk("bext", make([]byte, 602))...)
		body = append(body, chunk("fact", []byte{byte(frames), byte(frames >> 8), 0, 0})...)
	}
	if s.oddChunk {
		body = append(body, chunk("junk", []byte{1, 2, 3})...)
	}
	body = append(body, chunk("data", data)...)
	out := append([]byte("RIFF"), 0, 0, 0, 0)
	le.PutUint32(out[4:], uint32(len(body)))
	return append(out, body...)
}

// TestReadWAVForms decodes every common WAV form and compares with the
// signal written, within the form's quantisation step.
func TestReadWAVForms(t *testing.T) {
	const frames = 2205
	for _, tc := range []struct {
		scenario string
		spec     wavSpec
	}{
		{"8-bit unsigned mono 22.05 kHz", wavSpec{tag: wavFormatPCM, bits: 8, channels: 1, rate: 22050}},
		{"16-bit mono 22.05 kHz", wavSpec{tag: wavFormatPCM, bits: 16, channels: 1, rate: 22050}},
		{"16-bit stereo 44.1 kHz", wavSpec{tag: wavFormatPCM, bits: 16, channels: 2, rate: 44100}},
		{"24-bit stereo 48 kHz", wavSpec{tag: wavFormatPCM, bits: 24, channels: 2, rate: 48000}},
		{"32-bit integer mono 32 kHz", wavSpec{tag: wavFormatPCM, bits: 32, channels: 1, rate: 32000}},
		{"32-bit float stereo 48 kHz", wavSpec{tag: wavFormatFloat, bits: 32, channels: 2, rate: 48000}},
		{"64-bit float mono 44.1 kHz", wavSpec{tag: wavFormatFloat, bits: 64, channels: 1, rate: 44100}},
		{"extensible 24-bit stereo 48 kHz", wavSpec{tag: wavFormatPCM, bits: 24, channels: 2, rate: 48000, extensible: true}},
		{"extensible float mono 44.1 kHz", wavSpec{tag: wavFormatFloat, bits: 32, channels: 1, rate: 44100, extensible: true}},
		{"16-bit with LIST, bext and fact chunks", wavSpec{tag: wavFormatPCM, bits: 16, channels: 2, rate: 44100, extra: true}},
		{"extensible 16-bit with LIST/bext and an odd chunk", wavSpec{tag: wavFormatPCM, bits: 16, channels: 1, rate: 22050, extensible: true, extra: true, oddChunk: true}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			p, err := readWAV(makeWAV(tc.spec, frames))
			if err != nil {
				t.Fatal(err)
			}
			if p.rate != tc.spec.rate || len(p.ch) != tc.spec.channels || p.frames() != frames {
				t.Fatalf("got %d Hz, %d ch, %d frames; want %d, %d, %d", p.rate, len(p.ch), p.frames(), tc.spec.rate, tc.spec.channels, frames)
			}
			tol := 1.5 / float64(int(1)<<(min(tc.spec.bits, 24)-1))
			if tc.spec.tag == wavFormatFloat {
				tol = 1e-6
			}
			for c, x := range p.ch {
				for i, v := range x {
					if d := math.Abs(float64(v) - testSignal(c, i, p.rate)); d > tol {
						t.Fatalf("channel %d frame %d: %g, want %g (±%g)", c, i, v, testSignal(c, i, p.rate), tol)
					}
				}
			}
		})
	}
}

// TestReadWAVFromTools decodes WAVs written by ffmpeg and sox in forms
// they choose themselves (EXTENSIBLE headers, bext, odd sizes).
func TestReadWAVFromTools(t *testing.T) {
	testenv.Tool(t, "ffmpeg")
	testenv.Tool(t, "sox")
	dir := t.TempDir()
	for _, tc := range []struct {
		scenario string
		cmd      []string
		rate, ch int
	}{
		{"ffmpeg float32 stereo 48 kHz with bext", []string{"ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=f=440:r=48000:d=0.5", "-ac", "2", "-c:a", "pcm_f32le", "-write_bext", "1", "OUT"}, 48000, 2},
		{"ffmpeg 24-bit stereo 44.1 kHz", []string{"ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=f=440:r=44100:d=0.5", "-ac", "2", "-c:a", "pcm_s24le", "OUT"}, 44100, 2},
		{"ffmpeg 8-bit mono 22.05 kHz", []string{"ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=f=440:r=22050:d=0.5", "-c:a", "pcm_u8", "OUT"}, 22050, 1},
		{"sox 24-bit stereo 48 kHz (extensible)", []string{"sox", "-n", "-r", "48000", "-c", "2", "-b", "24", "OUT", "synth", "0.5", "sine", "440"}, 48000, 2},
		{"sox float mono 32 kHz", []string{"sox", "-n", "-r", "32000", "-c", "1", "-e", "floating-point", "-b", "32", "OUT", "synth", "0.5", "sine", "440"}, 32000, 1},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			out := filepath.Join(dir, fmt.Sprintf("%d.wav", len(tc.scenario)*1000+tc.rate+tc.ch))
			args := append([]string(nil), tc.cmd[1:]...)
			for i, a := range args {
				if a == "OUT" {
					args[i] = out
				}
			}
			if b, err := exec.Command(tc.cmd[0], args...).CombinedOutput(); err != nil {
				t.Fatalf("%v: %v\n%s", tc.cmd, err, b)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			p, err := readWAV(data)
			if err != nil {
				t.Fatal(err)
			}
			if p.rate != tc.rate || len(p.ch) != tc.ch || math.Abs(float64(p.frames())/float64(p.rate)-0.5) > 0.01 {
				t.Fatalf("got %d Hz %d ch %d frames", p.rate, len(p.ch), p.frames())
			}
			var peak float32
			for _, v := range p.ch[0] {
				peak = max(peak, abs32(v))
			}
			if peak < 0.05 || peak > 1.01 {
				t.Errorf("peak %g: decoded as noise or silence", peak)
			}
		})
	}
}

// malformedWAVs are files readWAV must refuse with a clear error.
func malformedWAVs() []struct {
	scenario string
	data     []byte
} {
	good := makeWAV(wavSpec{tag: wavFormatPCM, bits: 16, channels: 1, rate: 22050}, 100)
	le := binary.LittleEndian
	edit := func(f func(b []byte) []byte) []byte {
		return f(append([]byte(nil), good...))
	}
	return []struct {
		scenario string
		data     []byte
	}{
		{"empty", nil},
		{"not RIFF", []byte("RIFX\x00\x00\x00\x00WAVE")},
		{"header only", good[:12]},
		{"truncated in fmt", good[:30]},
		{"truncated in data", good[:len(good)-51]},
		{"data size lies (larger than file)", edit(func(b []byte) []byte { le.PutUint32(b[40:], uint32(len(good))); return b })},
		{"fmt size absurd", edit(func(b []byte) []byte { le.PutUint32(b[16:], 0xFFFFFFF0); return b })},
		{"data size absurd", edit(func(b []byte) []byte { le.PutUint32(b[40:], 0x7FFFFFFF); return b })},
		{"zero channels", edit(func(b []byte) []byte { le.PutUint16(b[22:], 0); return b })},
		{"65535 channels", edit(func(b []byte) []byte { le.PutUint16(b[22:], 65535); return b })},
		{"zero rate", edit(func(b []byte) []byte { le.PutUint32(b[24:], 0); return b })},
		{"12-bit samples", edit(func(b []byte) []byte { le.PutUint16(b[34:], 12); return b })},
		{"block align lies", edit(func(b []byte) []byte { le.PutUint16(b[32:], 4000); return b })},
		{"mu-law", edit(func(b []byte) []byte { le.PutUint16(b[20:], 7); return b })},
		{"no data chunk", edit(func(b []byte) []byte { copy(b[36:], "junk"); return b })},
		{"no samples", edit(func(b []byte) []byte { le.PutUint32(b[40:], 1); return b[:45] })},
		{"short fmt", edit(func(b []byte) []byte { le.PutUint32(b[16:], 8); return b })},
		{"float NaN", makeNaN()},
	}
}

func makeNaN() []byte {
	b := makeWAV(wavSpec{tag: wavFormatFloat, bits: 32, channels: 1, rate: 22050}, 4)
	binary.LittleEndian.PutUint32(b[len(b)-4:], 0x7FC00000)
	return b
}

// TestReadWAVMalformed checks every malformed file gives an error wrapping
// errWAV that says what is wrong, and no panic.
func TestReadWAVMalformed(t *testing.T) {
	for _, tc := range malformedWAVs() {
		t.Run(tc.scenario, func(t *testing.T) {
			p, err := readWAV(tc.data)
			if err == nil {
				t.Fatalf("decoded %d frames; want an error", p.frames())
			}
			if !errors.Is(err, errWAV) {
				t.Errorf("error %v does not wrap errWAV", err)
			}
			t.Log(err)
		})
	}
}

// FuzzReadWAV feeds readWAV arbitrary bytes: it must not panic, must
// return errWAV errors only, and what it decodes must fit in the input
// (no allocation beyond a fixed multiple of the file's size). Seeds are in
// testdata/fuzz/FuzzReadWAV (rewrite them with -update-seeds).
func FuzzReadWAV(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := readWAV(data)
		if err != nil {
			if !errors.Is(err, errWAV) {
				t.Fatalf("error %v does not wrap errWAV", err)
			}
			return
		}
		if len(p.ch) < 1 || len(p.ch) > wavMaxChannels || p.frames() < 1 {
			t.Fatalf("decoded %d channels, %d frames", len(p.ch), p.frames())
		}
		if p.frames()*len(p.ch) > len(data) {
			t.Fatalf("%d samples from %d bytes", p.frames()*len(p.ch), len(data))
		}
	})
}

func fuzzSeeds() [][]byte {
	seeds := [][]byte{
		makeWAV(wavSpec{tag: wavFormatPCM, bits: 16, channels: 1, rate: 22050}, 16),
		makeWAV(wavSpec{tag: wavFormatPCM, bits: 8, channels: 2, rate: 22050}, 16),
		makeWAV(wavSpec{tag: wavFormatPCM, bits: 24, channels: 2, rate: 48000, extensible: true}, 16),
		makeWAV(wavSpec{tag: wavFormatFloat, bits: 32, channels: 2, rate: 44100, extra: true}, 16),
		makeWAV(wavSpec{tag: wavFormatFloat, bits: 64, channels: 1, rate: 32000, oddChunk: true}, 16),
	}
	for _, m := range malformedWAVs() {
		seeds = append(seeds, m.data)
	}
	return seeds
}

// TestFuzzSeedCorpus keeps testdata/fuzz/FuzzReadWAV in step with
// fuzzSeeds; run with -update-seeds to rewrite it.
func TestFuzzSeedCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzReadWAV")
	if *updateSeeds {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for i, s := range fuzzSeeds() {
			body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s)
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%02d", i)), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) < len(fuzzSeeds()) {
		t.Fatalf("seed corpus in %s: %d files, %v; run go test -run TestFuzzSeedCorpus -update-seeds", dir, len(entries), err)
	}
}

// TestSample16Rounds checks sample16 rounds and clips as math.Round does,
// on every exact half step of the 16-bit grid, the float32 neighbours of
// each, and a spread of other values.
func TestSample16Rounds(t *testing.T) {
	want := func(v float32) int16 {
		return int16(max(-32768, min(32767, math.Round(float64(v)*32768))))
	}
	check := func(v float32) {
		if got := sample16(v); got != want(v) {
			t.Fatalf("sample16(%v) = %d; math.Round gives %d", v, got, want(v))
		}
	}
	for k := -32780; k <= 32780; k++ {
		for _, v := range []float32{float32(k) / 32768, (float32(k) + 0.5) / 32768} {
			check(v)
			check(math.Nextafter32(v, 2))
			check(math.Nextafter32(v, -2))
		}
	}
	for _, v := range []float32{0, float32(math.Copysign(0, -1)), 1e-30, -1e-30, 1e-45, 3, -3, 16, -16, math.MaxFloat32, -math.MaxFloat32} {
		check(v)
	}
	x := uint32(1)
	for range 1 << 20 {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		if v := math.Float32frombits(x); !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0) {
			check(v)
		}
	}
}
