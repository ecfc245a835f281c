package voice

import (
	"fmt"
	"math"
	"testing"
)

// The loudness normaliser as it was before it measured true peaks only
// where they can matter (peakMeter) and skipped the limiter when nothing
// needs limiting: the reference the faster one must match bit for bit.

// normaliseReference scales ch in place to targetLUFS and limits its true peak to
// ceilingDBTP less limiterMargin. Every channel of ch stands for copies
// identical channels of the file to be written (2 for a mono mix written
// as stereo, else 1); the loudness counts each that many times, the true
// peak is the same. It returns the final loudness.
func normaliseReference(ch [][]float32, copies, rate int, targetLUFS, ceilingDBTP float64) (float64, error) {
	l0 := integratedLoudnessOf(ch, copies, rate, 1, nil)
	if l0 == silence {
		return 0, errSilent
	}
	n := len(ch[0])
	peaks := framePeaks(ch)
	ceiling := dbToGain(ceilingDBTP - limiterMargin)
	g := dbToGain(targetLUFS - l0)
	env := make([]float32, n)
	y := make([][]float32, len(ch))
	for c := range y {
		y[c] = make([]float32, n)
	}
	var l float64
	for round := 0; round < normaliseRounds; round++ {
		limiterGainReference(env, peaks, g, ceiling, rate)
		for c, x := range ch {
			yc := y[c]
			for i, v := range x {
				yc[i] = float32(float64(v) * g * float64(env[i]))
			}
		}
		l = integratedLoudnessOf(y, copies, rate, 1, nil)
		if math.Abs(l-targetLUFS) < 0.05 {
			break
		}
		g *= dbToGain(targetLUFS - l)
	}
	// Final guard. Within one frame's interpolation window (±12 frames)
	// the smoothed gain moves by a few percent at most, so a frame's true
	// peak in y is within that of g·env·peaks; only frames within 3 dB of
	// the ceiling by that estimate can reach it, and only those are
	// measured again.
	var peak float32
	for i, p := range peaks {
		if float64(p)*g*float64(env[i]) > ceiling*0.7 {
			for _, yc := range y {
				peak = max(peak, framePeak(yc, i))
			}
		}
	}
	if tp := float64(peak); tp > ceiling {
		s := float32(ceiling / tp)
		for _, yc := range y {
			for i := range yc {
				yc[i] *= s
			}
		}
		l += gainToDB(float64(s))
	}
	for c := range ch {
		copy(ch[c], y[c])
	}
	return l, nil
}

// limiterGainReference fills env with the gain curve that keeps g·peaks under
// ceiling: the required gain per frame, spread by a sliding minimum over
// ±lookahead, recovered with a one-pole release, then smoothed by a moving
// average over the same ±lookahead. Every frame's window in the average
// lies within its minimum's reach, so the smoothed curve never exceeds the
// gain any frame requires.
func limiterGainReference(env []float32, peaks []float32, g, ceiling float64, rate int) {
	n := len(env)
	w := int(limiterLookahead * float64(rate))
	req := make([]float64, n)
	for i, p := range peaks {
		req[i] = 1
		if v := float64(p) * g; v > ceiling {
			req[i] = ceiling / v
		}
	}
	h := slidingMinReference(req, w)
	a := 1 - math.Exp(-1/(limiterRelease*float64(rate)))
	for i := 1; i < n; i++ {
		if r := h[i-1] + (1-h[i-1])*a; r < h[i] {
			h[i] = r
		}
	}
	prefix := make([]float64, n+1)
	for i, v := range h {
		prefix[i+1] = prefix[i] + v
	}
	for i := range env {
		lo, hi := max(i-w, 0), min(i+w+1, n)
		env[i] = float32((prefix[hi] - prefix[lo]) / float64(hi-lo))
	}
}

// slidingMinReference returns m[i] = min(x[i-w .. i+w]) using a monotonic deque.
func slidingMinReference(x []float64, w int) []float64 {
	n := len(x)
	m := make([]float64, n)
	dq := make([]int, 0, 2*w+2)
	next := 0 // next index to push
	for i := 0; i < n; i++ {
		for ; next < n && next <= i+w; next++ {
			for len(dq) > 0 && x[dq[len(dq)-1]] >= x[next] {
				dq = dq[:len(dq)-1]
			}
			dq = append(dq, next)
		}
		for dq[0] < i-w {
			dq = dq[1:]
		}
		m[i] = x[dq[0]]
	}
	return m
}

// normaliseSignals are signals for the normaliser: some need hard
// limiting, some none.
func normaliseSignals(rate int) []struct {
	scenario string
	channels int
	gen      func(c, i int) float64
} {
	noise := func(i int) float64 {
		x := uint32(i)*1664525 + 1013904223
		x ^= x >> 13
		x *= 1664525
		return float64(x>>8)/float64(1<<24)*2 - 1
	}
	r := float64(rate)
	return []struct {
		scenario string
		channels int
		gen      func(c, i int) float64
	}{
		{"quiet tone with loud clicks", 1, func(_, i int) float64 {
			v := 0.05 * math.Sin(2*math.Pi*300*float64(i)/r)
			if i%(rate/2) < 20 {
				v += 0.9
			}
			return v
		}},
		{"bursts with peaks between samples, channels apart", 2, func(c, i int) float64 {
			v := 0.05 * math.Sin(2*math.Pi*300*float64(i)/r+float64(c))
			if i%(rate/2) < 90 {
				v += 0.9 * math.Sin(math.Pi/2*float64(i)+math.Pi/4)
			}
			return v
		}},
		{"decaying noise hits", 2, func(c, i int) float64 {
			return 0.03*math.Sin(2*math.Pi*220*float64(i)/r) + 0.95*noise(i+c)*math.Exp(-float64(i%(rate/4))/(0.004*r))
		}},
		{"steady speech-like tone, nothing to limit", 1, func(_, i int) float64 {
			return 0.2 * math.Sin(2*math.Pi*180*float64(i)/r) * (0.6 + 0.4*math.Sin(2*math.Pi*3*float64(i)/r))
		}},
		{"near-silent start, then square wave", 1, func(_, i int) float64 {
			if i < rate {
				return 1e-5 * noise(i)
			}
			if (i/50)%2 == 0 {
				return 0.7
			}
			return -0.7
		}},
	}
}

// TestNormaliseMatchesReference checks the normaliser gives, bit for bit,
// what it gave before it skipped unneeded peak measurements and limiter
// curves, for mono and stereo signals, mixes counted once and twice, at
// both output rates.
func TestNormaliseMatchesReference(t *testing.T) {
	for _, rate := range []int{22050, 44100} {
		for _, tc := range normaliseSignals(rate) {
			for _, copies := range []int{1, 2} {
				t.Run(fmt.Sprintf("%s/%d Hz/×%d", tc.scenario, rate, copies), func(t *testing.T) {
					n := 5 * rate
					a, b := make([][]float32, tc.channels), make([][]float32, tc.channels)
					for c := range a {
						a[c], b[c] = make([]float32, n), make([]float32, n)
						for i := range a[c] {
							a[c][i] = float32(tc.gen(c, i))
							b[c][i] = a[c][i]
						}
					}
					la, errA := normalise(a, copies, rate, -16, -1)
					lb, errB := normaliseReference(b, copies, rate, -16, -1)
					if errA != nil || errB != nil {
						t.Fatalf("errors %v, %v", errA, errB)
					}
					if la != lb {
						t.Errorf("loudness %v, reference %v", la, lb)
					}
					for c := range a {
						for i := range a[c] {
							if math.Float32bits(a[c][i]) != math.Float32bits(b[c][i]) {
								t.Fatalf("channel %d frame %d: %v, reference %v", c, i, a[c][i], b[c][i])
							}
						}
					}
				})
			}
		}
	}
}

// TestPeakMeter checks the meter's peaks are framePeaks' and its bounds
// are never under them.
func TestPeakMeter(t *testing.T) {
	const rate = 44100
	for _, tc := range normaliseSignals(rate) {
		t.Run(tc.scenario, func(t *testing.T) {
			n := rate + 17 // a partial last block
			ch := make([][]float32, tc.channels)
			for c := range ch {
				ch[c] = make([]float32, n)
				for i := range ch[c] {
					ch[c][i] = float32(tc.gen(c, i))
				}
			}
			want := framePeaks(ch)
			m := newPeakMeter(ch)
			for i := n - 1; i >= 0; i-- { // backwards: blocks measured out of order
				if got := m.at(i); got != want[i] {
					t.Fatalf("frame %d: peak %v, framePeaks %v", i, got, want[i])
				}
				if b := m.bound[i/peakBlock]; b < want[i] {
					t.Fatalf("frame %d: bound %v under peak %v", i, b, want[i])
				}
			}
		})
	}
}
