package photo

import (
	"image"
	"math"
)

// boxShrinkYCbCr is imaging.Resize(m, width, height, imaging.Box) for an
// opaque *image.YCbCr that shrinks both ways, with the same result byte for
// byte: the same weights, the same float64 sums in the same order and the
// same rounding, so smartcrop (interestingCrop) analyses the same pixels and
// picks the same crop. It is faster because it reads the YCbCr's rows with
// rowReader (imaging's scanner works out each pixel's chroma offset on its
// own), makes the vertical pass row by row rather than down columns, and
// runs each pass on GOMAXPROCS goroutines in contiguous stripes. A zero side keeps the aspect ratio as imaging's does. It returns
// nil when it does not apply (a side that does not shrink), for
// imaging.Resize to do.
func boxShrinkYCbCr(m *image.YCbCr, width, height int) *image.NRGBA {
	srcW, srcH := m.Rect.Dx(), m.Rect.Dy()
	if width < 0 || height < 0 || (width == 0 && height == 0) || srcW <= 0 || srcH <= 0 {
		return nil
	}
	// imaging's rounding of the missing side.
	if width == 0 {
		width = int(math.Max(1, math.Floor(float64(height)*float64(srcW)/float64(srcH)+0.5)))
	}
	if height == 0 {
		height = int(math.Max(1, math.Floor(float64(width)*float64(srcH)/float64(srcW)+0.5)))
	}
	if width >= srcW || height >= srcH {
		return nil
	}

	// Horizontal pass: every source row, converted to RGB, into a
	// width×srcH NRGBA.
	hw := opaqueBoxWeights(boxWeights(width, srcW))
	mid := image.NewNRGBA(image.Rect(0, 0, width, srcH))
	read := rowReader(m)
	parallelRows(srcH, func(y0, y1 int) {
		row := make([]uint8, srcW*4)
		for y := y0; y < y1; y++ {
			read(y, row)
			opaqueBoxRow(mid.Pix[y*mid.Stride:y*mid.Stride+width*4], row, hw)
		}
	})

	// Vertical pass: each result row from the rows of mid its weights
	// name. Each sample's sums are the ones imaging makes down a column.
	vw := boxWeights(height, srcH)
	dst := image.NewNRGBA(image.Rect(0, 0, width, height))
	parallelRows(height, func(y0, y1 int) {
		for y := y0; y < y1; y++ {
			d := dst.Pix[y*dst.Stride : y*dst.Stride+width*4]
			for x := range width {
				var r, g, b, a float64
				for _, w := range vw[y] {
					i := w.index*mid.Stride + x*4
					s := mid.Pix[i : i+4 : i+4]
					aw := float64(s[3]) * w.weight
					r += float64(s[0]) * aw
					g += float64(s[1]) * aw
					b += float64(s[2]) * aw
					a += aw
				}
				putBoxSample(d[x*4:x*4+4:x*4+4], r, g, b, a)
			}
		}
	})
	return dst
}

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

// opaqueBoxSample is a horizontal output sample of an opaque row: every
// source's alpha is 255, so the alpha-weighted weights (aw), their sum and
// its inverse are the same on every row, and are worked out once with
// imaging's float operations.
type opaqueBoxSample struct {
	aw    []float64 // 255 × each tap's weight
	first int       // the first tap's source index; taps are consecutive
	aInv  float64
	alpha uint8
}

func opaqueBoxWeights(taps [][]boxTap) []opaqueBoxSample {
	out := make([]opaqueBoxSample, len(taps))
	for x, ws := range taps {
		o := &out[x]
		var a float64
		for i, w := range ws {
			if w.index != ws[0].index+i {
				panic("photo: box taps are not consecutive") // boxWeights makes them so
			}
			aw := float64(255) * w.weight
			o.aw = append(o.aw, aw)
			a += aw
		}
		if len(ws) > 0 {
			o.first = ws[0].index
		}
		if a != 0 {
			o.aInv, o.alpha = 1/a, clampFloat(a)
		}
	}
	return out
}

// opaqueBoxRow makes len(samples) NRGBA samples in dst from the opaque
// NRGBA row src, as boxRow would.
func opaqueBoxRow(dst, src []uint8, samples []opaqueBoxSample) {
	for x := range samples {
		o := &samples[x]
		if o.alpha == 0 && o.aInv == 0 {
			continue
		}
		var r, g, b float64
		s := src[o.first*4 : (o.first+len(o.aw))*4]
		for i, aw := range o.aw {
			p := s[i*4 : i*4+3 : i*4+3]
			r += float64(p[0]) * aw
			g += float64(p[1]) * aw
			b += float64(p[2]) * aw
		}
		d := dst[x*4 : x*4+4 : x*4+4]
		d[0] = clampFloat(r * o.aInv)
		d[1] = clampFloat(g * o.aInv)
		d[2] = clampFloat(b * o.aInv)
		d[3] = o.alpha
	}
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
