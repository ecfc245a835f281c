package voice

import (
	"fmt"
	"math"
	"testing"
)

// resampleReference is the resampler's inner loop as it was before it
// computed four outputs at a time: the reference the faster one must
// match bit for bit.
func (r *resampler) resampleReference(x []float32) []float32 {
	if r.l == r.m {
		return append([]float32(nil), x...)
	}
	n := r.outLen(len(x))
	y := make([]float32, n)
	for j := range y {
		pos := int64(j) * r.m
		base := int(pos / r.l)
		var p int64
		if r.phases == r.l {
			p = pos % r.l
		} else {
			p = (pos%r.l*r.phases + r.l/2) / r.l
			if p == r.phases {
				p, base = 0, base+1
			}
		}
		row := r.taps[int(p)*r.width : int(p+1)*r.width]
		start := base - r.half
		lo, hi := 0, r.width
		if start < 0 {
			lo = -start
		}
		if start+hi > len(x) {
			hi = len(x) - start
		}
		var acc float32
		if lo < hi {
			xs := x[start+lo : start+hi]
			ts := row[lo:hi]
			for i, v := range xs {
				acc += v * ts[i]
			}
		}
		y[j] = acc
	}
	return y
}

// TestResampleMatchesReference checks the resampler gives, bit for bit,
// what it gave one output at a time, for the rate pairs templates use and
// awkward ones (quantised phases, inputs shorter than the filter).
func TestResampleMatchesReference(t *testing.T) {
	pairs := [][2]int{{22050, 44100}, {44100, 22050}, {48000, 44100}, {8000, 44100}, {96000, 22050}, {44101, 48000}, {16000, 22050}}
	for _, pr := range pairs {
		for _, n := range []int{0, 1, 5, 40, 1001, 30000} {
			t.Run(fmt.Sprintf("%d to %d, %d frames", pr[0], pr[1], n), func(t *testing.T) {
				x := make([]float32, n)
				for i := range x {
					x[i] = float32(0.6*math.Sin(float64(i)*0.37) + 0.3*math.Sin(float64(i)*2.9))
				}
				r := newResampler(pr[0], pr[1])
				got, want := r.resample(x), r.resampleReference(x)
				if len(got) != len(want) || len(got) != resampledLen(n, pr[0], pr[1]) {
					t.Fatalf("%d samples, reference %d, resampledLen %d", len(got), len(want), resampledLen(n, pr[0], pr[1]))
				}
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("sample %d: %v, reference %v", i, got[i], want[i])
					}
				}
			})
		}
	}
}
