package photo

import (
	"math"
)

// boxTap is one source sample of a box-filtered output sample.
type boxTap struct {
	index  int
	weight float64
}

// boxWeights gives, for each of dstSize samples made from srcSize, the
// source samples it averages and their weights, computed in float64
// exactly as imaging computes its Box filter's (support ½, scaled by the
// shrink factor, normalised by their sum).
func boxWeights(dstSize, srcSize int) [][]boxTap {
	du := float64(srcSize) / float64(dstSize)
	scale := max(du, 1)
	ru := math.Ceil(scale * 0.5)
	out := make([][]boxTap, dstSize)
	for v := range dstSize {
		fu := (float64(v)+0.5)*du - 0.5
		begin := max(int(math.Ceil(fu-ru)), 0)
		end := min(int(math.Floor(fu+ru)), srcSize-1)
		var taps []boxTap
		var sum float64
		for u := begin; u <= end; u++ {
			if math.Abs((float64(u)-fu)/scale) <= 0.5 {
				sum += 1
				taps = append(taps, boxTap{u, 1})
			}
		}
		if sum != 0 {
			for i := range taps {
				taps[i].weight /= sum
			}
		}
		out[v] = taps
	}
	return out
}

// putBoxSample stores alpha-weighted sums as an NRGBA sample. A sample
// whose weights met only transparent sources is left as it is (zero).
func putBoxSample(d []uint8, r, g, b, a float64) {
	if a != 0 {
		aInv := 1 / a
		d[0] = clampFloat(r * aInv)
		d[1] = clampFloat(g * aInv)
		d[2] = clampFloat(b * aInv)
		d[3] = clampFloat(a)
	}
}

// clampFloat rounds v to a byte as imaging does (half up, then clipped).
func clampFloat(v float64) uint8 {
	i := int64(v + 0.5)
	switch {
	case i > 255:
		return 255
	case i > 0:
		return uint8(i)
	}
	return 0
}
