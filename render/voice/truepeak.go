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
