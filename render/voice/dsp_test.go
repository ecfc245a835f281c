package voice

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"oshigoods/internal/testenv"
)

// TestNormaliseLimits checks loudness normalisation where the true-peak
// limiter must work hard: signals whose peaks at −16 LUFS would be far
// over −1 dBTP. ffmpeg's ebur128 filter is the judge, of the result and of
// the project's own meters: on the normalised signals they agree with it
// within meterLU and meterDB.
func TestNormaliseLimits(t *testing.T) {
	testenv.Tool(t, "ffmpeg")
	const rate = 44100
	for _, tc := range []struct {
		scenario string
		gen      func(i int) float64
		channels int
	}{
		{"quiet tone with loud clicks every 0.5 s", func(i int) float64 {
			v := 0.05 * math.Sin(2*math.Pi*300*float64(i)/rate)
			if i%(rate/2) < 20 {
				v += 0.9
			}
			return v
		}, 1},
		{"bursts at a quarter of the rate, peaks between samples", func(i int) float64 {
			v := 0.05 * math.Sin(2*math.Pi*300*float64(i)/rate)
			if i%(rate/2) < 90 {
				v += 0.9 * math.Sin(math.Pi/2*float64(i)+math.Pi/4) // samples at ±0.64, true peak 0.9
			}
			return v
		}, 2},
		{"decaying noise hits, four a second", func(i int) float64 {
			x := uint32(i)*1664525 + 1013904223
			x ^= x >> 13
			x *= 1664525
			noise := float64(x>>8)/float64(1<<24)*2 - 1
			return 0.03*math.Sin(2*math.Pi*220*float64(i)/rate) + 0.95*noise*math.Exp(-float64(i%(rate/4))/(0.004*rate))
		}, 2},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			n := 6 * rate
			ch := make([][]float32, tc.channels)
			for c := range ch {
				ch[c] = make([]float32, n)
				for i := range ch[c] {
					ch[c][i] = float32(tc.gen(i))
				}
			}
			got, err := normalise(ch, 1, rate, -16, -1)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "n.wav")
			if err := os.WriteFile(path, writeWAV16(ch, rate), 0o644); err != nil {
				t.Fatal(err)
			}
			lufs, tp := ebur128(t, path)
			var peak float32
			for _, p := range framePeaks(ch) {
				peak = max(peak, p)
			}
			ownTP := gainToDB(float64(peak))
			t.Logf("own meter %.2f LUFS, %.2f dBTP; ffmpeg %.1f LUFS, %.1f dBTP", got, ownTP, lufs, tp)
			if math.Abs(lufs+16) > 1 || tp > -1 {
				t.Errorf("%.1f LUFS, %.1f dBTP; want −16 ± 1 LUFS and ≤ −1 dBTP", lufs, tp)
			}
			if math.Abs(got-lufs) > meterLU {
				t.Errorf("own meter %.2f LUFS, ffmpeg %.1f LUFS; want within ±%.1f LU", got, lufs, meterLU)
			}
			if math.Abs(ownTP-tp) > meterDB {
				t.Errorf("own true peak %.2f dBTP, ffmpeg %.1f dBTP; want within ±%.1f dB", ownTP, tp, meterDB)
			}
		})
	}
}

// How closely the project's meters must agree with ffmpeg's ebur128 on the
// normalised signals of TestNormaliseLimits. Measured (ffmpeg 5.1): loudness
// within 0.05 LU, which is ffmpeg's rounding to 0.1; true peak within
// 0.3 dB, ffmpeg reading higher: it resamples to 192 kHz, the project
// oversamples 4× (BS.1770's factor) with 24 taps a phase, and the two
// interpolations find a peak between samples a little differently. The margins leave room for other ffmpeg versions,
// not for a meter that drifts.
const (
	meterLU = 0.2 // integrated loudness, LU
	meterDB = 0.5 // true peak, dB
)

// TestResample checks a tone keeps its level through each rate change
// the presets use, and that content above the new Nyquist is removed.
func TestResample(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		in, out  int
		hz       float64
		wantGain float64 // expected output/input RMS ratio
	}{
		{"22.05 → 44.1 kHz, 1 kHz", 22050, 44100, 1000, 1},
		{"48 → 44.1 kHz, 5 kHz", 48000, 44100, 5000, 1},
		{"48 → 22.05 kHz, 3 kHz", 48000, 22050, 3000, 1},
		{"44.1 → 22.05 kHz, 15 kHz is removed", 44100, 22050, 15000, 0},
		{"32 → 44.1 kHz, 440 Hz", 32000, 44100, 440, 1},
		{"odd pair 44056 → 44100 Hz (quantised phase)", 44056, 44100, 2000, 1},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			x := make([]float32, tc.in)
			for i := range x {
				x[i] = float32(0.5 * math.Sin(2*math.Pi*tc.hz*float64(i)/float64(tc.in)))
			}
			r := newResampler(tc.in, tc.out)
			y := r.resample(x)
			if len(y) != r.outLen(len(x)) || len(y) < tc.out-1 || len(y) > tc.out+1 {
				t.Fatalf("%d samples out; want about %d", len(y), tc.out)
			}
			// RMS over the middle, away from the edges.
			rms := func(s []float32) float64 {
				s = s[len(s)/4 : 3*len(s)/4]
				var sum float64
				for _, v := range s {
					sum += float64(v) * float64(v)
				}
				return math.Sqrt(sum / float64(len(s)))
			}
			gain := rms(y) / rms(x)
			if math.Abs(gain-tc.wantGain) > 0.01 {
				t.Errorf("gain %.4f; want %.2f", gain, tc.wantGain)
			}
		})
	}
}

// TestLoudnessReference checks the meter on the EBU Tech 3341 reference
// case: a 1 kHz sine at −18 dBFS peak in both channels measures −18 LUFS
// (±0.1), here at 48 kHz and at the preset rates.
func TestLoudnessReference(t *testing.T) {
	for _, rate := range []int{48000, 44100, 22050} {
		n := 20 * rate
		a := float32(dbToGain(-18))
		ch := [][]float32{make([]float32, n), make([]float32, n)}
		for i := 0; i < n; i++ {
			v := a * float32(math.Sin(2*math.Pi*1000*float64(i)/float64(rate)))
			ch[0][i], ch[1][i] = v, v
		}
		if l := integratedLoudness(ch, rate); math.Abs(l+18) > 0.1 {
			t.Errorf("%d Hz: %.2f LUFS; want −18", rate, l)
		}
	}
}

// TestBGMDucked checks the background music sits at gain_db and drops by
// duck_db while a voice segment plays.
func TestBGMDucked(t *testing.T) {
	const rate = 22050
	tone := &pcm{rate: rate, ch: [][]float32{make([]float32, 2*rate)}}
	for i := range tone.ch[0] {
		tone.ch[0][i] = float32(0.5 * math.Sin(2*math.Pi*440*float64(i)/rate))
	}
	silent := &pcm{rate: rate, ch: [][]float32{make([]float32, rate)}}
	tpl := &Template{spec: Spec{BGM: &BGMSpec{GainDB: -20, DuckDB: -10}}}
	b := &bank{rate: rate, bgm: newSound(decoded(tone), rate)}
	segs := []segment{{clip: newSound(decoded(silent), rate), start: 3 * rate, n: rate, gain: 1, voice: true}}
	out := tpl.mix(segs, 7*rate, 1, b)
	rmsDB := func(from, to float64) float64 {
		var sum float64
		s := out[0][int(from*rate):int(to*rate)]
		for _, v := range s {
			sum += float64(v) * float64(v)
		}
		return 10 * math.Log10(sum/float64(len(s)))
	}
	ref := 20*math.Log10(0.5) - 3 // the tone's RMS level
	free, ducked := rmsDB(1.0, 2.5), rmsDB(3.2, 3.9)
	t.Logf("music %.1f dB, under the voice %.1f dB (tone %.1f dB)", free, ducked, ref)
	if math.Abs(free-ref+20) > 0.5 || math.Abs(ducked-ref+30) > 0.5 {
		t.Errorf("music at %.1f dB and %.1f dB under the voice; want %.1f and %.1f", free, ducked, ref-20, ref-30)
	}
}
