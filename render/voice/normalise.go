package voice

import (
	"errors"
	"math"
)

// Loudness normalisation with a true-peak limiter.
//
// The clip is scaled to the target integrated loudness, and a look-ahead
// limiter pulls down the few frames whose true peak would exceed the
// ceiling. Limiting lowers the loudness a little, so the gain is corrected
// and the limiter recomputed until the loudness is within 0.05 LU of the
// target (a few rounds). The 4× oversampled frame peaks are computed once
// at unit gain and scaled, so each round costs only the gain curve and one
// loudness measurement. A final true-peak measurement of the limited
// signal guards the ceiling against what the smoothing let through.

const (
	limiterLookahead = 0.003 // s: half-width of the window the gain curve anticipates
	limiterRelease   = 0.080 // s: time constant of the gain's recovery
	limiterMargin    = 0.5   // dB kept below the ceiling for other meters' oversampling and 16-bit rounding
	normaliseRounds  = 6
)

// errSilent is returned when a clip has no audible block to measure.
var errSilent = errors.New("clip is silent: nothing to normalise")

// normalise scales ch in place to targetLUFS and limits its true peak to
// ceilingDBTP less limiterMargin. Every channel of ch stands for copies
// identical channels of the file to be written (2 for a mono mix written
// as stereo, else 1); the loudness counts each that many times, the true
// peak is the same. It returns the final loudness.
func normalise(ch [][]float32, copies, rate int, targetLUFS, ceilingDBTP float64) (float64, error) {
	l0 := integratedLoudnessOf(ch, copies, rate)
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
		limiterGain(env, peaks, g, ceiling, rate)
		for c, x := range ch {
			yc := y[c]
			for i, v := range x {
				yc[i] = float32(float64(v) * g * float64(env[i]))
			}
		}
		l = integratedLoudnessOf(y, copies, rate)
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

// limiterGain fills env with the gain curve that keeps g·peaks under
// ceiling: the required gain per frame, spread by a sliding minimum over
// ±lookahead, recovered with a one-pole release, then smoothed by a moving
// average over the same ±lookahead. Every frame's window in the average
// lies within its minimum's reach, so the smoothed curve never exceeds the
// gain any frame requires.
func limiterGain(env []float32, peaks []float32, g, ceiling float64, rate int) {
	n := len(env)
	w := int(limiterLookahead * float64(rate))
	req := make([]float64, n)
	for i, p := range peaks {
		req[i] = 1
		if v := float64(p) * g; v > ceiling {
			req[i] = ceiling / v
		}
	}
	h := slidingMin(req, w)
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

// slidingMin returns m[i] = min(x[i-w .. i+w]) using a monotonic deque.
func slidingMin(x []float64, w int) []float64 {
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
