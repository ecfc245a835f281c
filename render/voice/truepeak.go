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
	n := len(ch[0])
	peaks := make([]float32, n)
	for _, x := range ch {
		for i := 0; i < n; i++ {
			m := abs32(x[i])
			if i >= tpHalf-1 && i+tpHalf < n {
				w := x[i-tpHalf+1 : i+tpHalf+1]
				for p := range tpTaps {
					t := &tpTaps[p]
					var acc float32
					for k, v := range w {
						acc += v * t[k]
					}
					if a := abs32(acc); a > m {
						m = a
					}
				}
			} else {
				for p := range tpTaps {
					var acc float32
					for k := range tpTaps[p] {
						if j := i - tpHalf + 1 + k; j >= 0 && j < n {
							acc += x[j] * tpTaps[p][k]
						}
					}
					if a := abs32(acc); a > m {
						m = a
					}
				}
			}
			if m > peaks[i] {
				peaks[i] = m
			}
		}
	}
	return peaks
}

// truePeak returns the true peak of ch as a linear value.
func truePeak(ch [][]float32) float32 {
	var m float32
	for _, p := range framePeaks(ch) {
		if p > m {
			m = p
		}
	}
	return m
}

func abs32(v float32) float32 {
	if v < 0 {
		return -v
	}
	return v
}

func dbToGain(db float64) float64 { return math.Pow(10, db/20) }
func gainToDB(g float64) float64  { return 20 * math.Log10(g) }
