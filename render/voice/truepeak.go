package voice

import "math"

// True peak per ITU-R BS.1770-4 Annex 2: the signal is oversampled 4× with
// an interpolating low-pass filter and the largest absolute value of the
// oversampled signal is the true peak.

const (
	tpFactor = 4
	tpHalf   = 12 // taps on each side of the interpolated point
)

// tpTaps holds, for phases 1..3 (phase 0 is the sample itself), the taps
// applied to x[n-tpHalf+1 .. n+tpHalf] to interpolate x at n + p/4.
var tpTaps = func() [tpFactor - 1][2 * tpHalf]float32 {
	var t [tpFactor - 1][2 * tpHalf]float32
	for p := 1; p < tpFactor; p++ {
		frac := float64(p) / tpFactor
		var vals [2 * tpHalf]float64
		var sum float64
		for i := range vals {
			u := float64(i-tpHalf+1) - frac
			vals[i] = sinc(u) * kaiser(u/(tpHalf+0.5), 7)
			sum += vals[i]
		}
		for i, v := range vals {
			t[p-1][i] = float32(v / sum)
		}
	}
	return t
}()

// peakBlock is the frames per block of a peakMeter: more than tpHalf, so
// a frame's interpolation window lies within its block and the two next
// to it.
const peakBlock = 32

// tpGainBound is at least the largest sum of absolute taps of any phase,
// with room for float32 rounding in framePeak's sums (under 2e-6 of the
// sum for 24 terms): an interpolated value is at most this times the
// largest absolute sample in its window.
var tpGainBound = func() float64 {
	s := 1.0 // the sample itself
	for _, row := range tpTaps {
		var a float64
		for _, t := range row {
			a += math.Abs(float64(t))
		}
		s = max(s, a)
	}
	return s * (1 + 1e-4)
}()

// peakMeter holds the true peak of each frame of a signal, as framePeaks
// returns them, measured on demand: most of a clip is far under the
// ceiling, and there the 4× oversampling is not needed. For each block of
// peakBlock frames it keeps a bound no frame's peak in the block exceeds
// (tpGainBound times the largest absolute sample in the block and the
// blocks beside it), so a caller can pass over a block by its bound and
// ask at for the exact peak of frames in the others.
type peakMeter struct {
	ch     [][]float32
	frames int
	bound  []float32 // per block
	at1    []int32   // per block: 1 + where its frames' peaks start in exact; 0 until measured
	exact  []float32 // the measured blocks' peaks, peakBlock a block
}

// newPeakMeter returns the meter of ch, with its bounds computed.
func newPeakMeter(ch [][]float32) *peakMeter {
	m := &peakMeter{ch: ch}
	if len(ch) == 0 {
		return m
	}
	m.frames = len(ch[0])
	nb := (m.frames + peakBlock - 1) / peakBlock
	m.bound = make([]float32, nb)
	m.at1 = make([]int32, nb)
	top := make([]float32, nb) // largest absolute sample per block
	for _, x := range ch {
		for b := range top {
			top[b] = max(top[b], maxAbs(x[b*peakBlock:min((b+1)*peakBlock, len(x))]))
		}
	}
	for b := range m.bound {
		v := top[b]
		if b > 0 {
			v = max(v, top[b-1])
		}
		if b+1 < nb {
			v = max(v, top[b+1])
		}
		m.bound[b] = float32(float64(v) * tpGainBound)
	}
	return m
}

// at returns the true peak of frame i, measuring its block the first
// time.
func (m *peakMeter) at(i int) float32 {
	b := i / peakBlock
	if m.at1[b] == 0 {
		lo, off := b*peakBlock, len(m.exact)
		m.exact = append(m.exact, make([]float32, peakBlock)...)
		e := m.exact[off:]
		for k := range min(peakBlock, m.frames-lo) {
			for _, x := range m.ch {
				e[k] = max(e[k], framePeak(x, lo+k))
			}
		}
		m.at1[b] = int32(off + 1)
	}
	return m.exact[int(m.at1[b])-1+i%peakBlock]
}

func maxAbs(x []float32) float32 {
	var m float32
	for _, v := range x {
		m = max(m, abs32(v))
	}
	return m
}

// framePeaks returns, for each frame n, the largest absolute value of any
// channel at n or at the three interpolated points between n and n+1.
func framePeaks(ch [][]float32) []float32 {
	if len(ch) == 0 {
		return nil
	}
	peaks := make([]float32, len(ch[0]))
	for _, x := range ch {
		for i := range x {
			peaks[i] = max(peaks[i], framePeak(x, i))
		}
	}
	return peaks
}

// framePeak returns the largest absolute value of x at i and at the three
// points interpolated between i and i+1.
func framePeak(x []float32, i int) float32 {
	const width = 2 * tpHalf
	m := abs32(x[i])
	var a0, a1, a2 float32
	if start := i - tpHalf + 1; start >= 0 && start+width <= len(x) {
		w := (*[width]float32)(x[start : start+width])
		t0, t1, t2 := &tpTaps[0], &tpTaps[1], &tpTaps[2]
		for k := 0; k < width; k++ {
			v := w[k]
			a0 += v * t0[k]
			a1 += v * t1[k]
			a2 += v * t2[k]
		}
	} else {
		for k := 0; k < width; k++ {
			if j := start + k; j >= 0 && j < len(x) {
				v := x[j]
				a0 += v * tpTaps[0][k]
				a1 += v * tpTaps[1][k]
				a2 += v * tpTaps[2][k]
			}
		}
	}
	return max(m, abs32(a0), abs32(a1), abs32(a2))
}

func abs32(v float32) float32 {
	if v < 0 {
		return -v
	}
	return v
}

func dbToGain(db float64) float64 { return math.Pow(10, db/20) }
func gainToDB(g float64) float64  { return 20 * math.Log10(g) }
