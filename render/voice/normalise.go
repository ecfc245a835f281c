package voice

import (
	"errors"
	"math"
	"sync"
)

// Loudness normalisation with a true-peak limiter.
//
// The clip is scaled to the target integrated loudness, and a look-ahead
// limiter pulls down the few frames whose true peak would exceed the
// ceiling. Limiting lowers the loudness a little, so the gain is corrected
// and the limiter recomputed until the loudness is within 0.05 LU of the
// target (a few rounds). Frame peaks are taken at unit gain and scaled, so
// each round costs only the gain curve and one loudness measurement; and
// they are measured (4× oversampled, see truepeak.go) only where a cheap
// bound says they could reach the ceiling (peakMeter). When no frame
// needs limiting, the gain curve is 1 throughout and is not computed. A
// final true-peak measurement of the limited signal guards the ceiling
// against what the smoothing let through.

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
// peak is the same. It returns the final loudness, or errSilent.
//
// Each round measures the scaled signal as it goes (blockPowersOf) rather
// than writing it out; it is written once, over ch, when the gain is
// settled.
func normalise(ch [][]float32, copies, rate int, targetLUFS, ceilingDBTP float64) (float64, error) {
	// The loudness and the peaks' bounds are independent: both at once.
	var (
		peaks *peakMeter
		wg    sync.WaitGroup
	)
	wg.Go(func() { peaks = newPeakMeter(ch) })
	l0 := integratedLoudnessOf(ch, copies, rate, 1, nil)
	wg.Wait()
	if l0 == silence {
		return 0, errSilent
	}
	n := len(ch[0])
	ceiling := dbToGain(ceilingDBTP - limiterMargin)
	g := dbToGain(targetLUFS - l0)
	var env []float32 // nil: 1 throughout
	var l, gy float64 // gy: the gain of the last round measured, which the output takes
	for round := 0; round < normaliseRounds; round++ {
		env = limiterGain(env, peaks, g, ceiling, rate)
		gy = g
		l = integratedLoudnessOf(ch, copies, rate, g, env)
		if math.Abs(l-targetLUFS) < 0.05 {
			break
		}
		g *= dbToGain(targetLUFS - l)
	}
	// Final guard. Within one frame's interpolation window (±12 frames)
	// the smoothed gain moves by a few percent at most, so a frame's true
	// peak in the output is within that of g·env·peaks; only frames within
	// 3 dB of the ceiling by that estimate can reach it, and only those
	// are measured again. Blocks whose bound is under that are passed over
	// (the bound, scaled the same way, is at least the estimate). The
	// frames are chosen before ch is overwritten: peaks measures ch.
	guard := ceiling * 0.7
	var check []int
	for b := range peaks.bound {
		lo, hi := b*peakBlock, min((b+1)*peakBlock, n)
		top := 1.0
		if env != nil {
			top = float64(maxOf(env[lo:hi]))
		}
		if float64(peaks.bound[b])*g*top <= guard {
			continue
		}
		for i := lo; i < hi; i++ {
			e := 1.0
			if env != nil {
				e = float64(env[i])
			}
			if float64(peaks.at(i))*g*e > guard {
				check = append(check, i)
			}
		}
	}
	halves(n, 1, func(lo, hi int) {
		for _, x := range ch {
			x := x[lo:hi]
			if env == nil {
				for i, v := range x {
					x[i] = float32(float64(v) * gy) // × 1 changes nothing
				}
				continue
			}
			e := env[lo:hi]
			e = e[:len(x)]
			for i, v := range x {
				x[i] = float32(float64(v) * gy * float64(e[i]))
			}
		}
	})
	var peak float32
	for _, i := range check {
		for _, x := range ch {
			peak = max(peak, framePeak(x, i))
		}
	}
	if tp := float64(peak); tp > ceiling {
		s := float32(ceiling / tp)
		for _, x := range ch {
			for i := range x {
				x[i] *= s
			}
		}
		l += gainToDB(float64(s))
	}
	return l, nil
}

// limiterGain returns the gain curve that keeps g·peaks under ceiling, in
// env (allocated if nil), or nil when no frame needs less than unit gain,
// which is the curve the steps below would give: the required gain per
// frame, spread by a sliding minimum over ±lookahead, recovered with a
// one-pole release, then smoothed by a moving average over the same
// ±lookahead. Every frame's window in the average lies within its
// minimum's reach, so the smoothed curve never exceeds the gain any frame
// requires.
func limiterGain(env []float32, peaks *peakMeter, g, ceiling float64, rate int) []float32 {
	n := peaks.frames
	var req []float64
	for b, bound := range peaks.bound {
		if float64(bound)*g <= ceiling {
			continue // no frame of the block is over: its peaks need not be known
		}
		for i := b * peakBlock; i < min((b+1)*peakBlock, n); i++ {
			if v := float64(peaks.at(i)) * g; v > ceiling {
				if req == nil {
					req = make([]float64, n)
					for k := range req {
						req[k] = 1
					}
				}
				req[i] = ceiling / v
			}
		}
	}
	if req == nil {
		return nil
	}
	if env == nil {
		env = make([]float32, n)
	}
	w := int(limiterLookahead * float64(rate))
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
	return env
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

func maxOf(x []float32) float32 {
	var m float32
	for _, v := range x {
		m = max(m, v)
	}
	return m
}
