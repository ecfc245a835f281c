package photo

import (
	"image"
	"math"
	"slices"
)

// Fixed-point Lanczos resampling of an opaque photo straight into the
// canvas. It uses imaging's Lanczos weights (the same kernel, support and
// normalisation) in 14-bit fixed point, so a pixel differs from
// imaging.Resize's by at most a rounding step or two, and it skips what an
// opaque photo does not need: the alpha weighting, the float arithmetic, the
// NRGBA result and drawing it onto the canvas. The output rows are split
// between GOMAXPROCS goroutines, each making its share in bands.

const resizeBits = 14

// resizeBand is how many output rows resizeOpaqueInto makes from one
// buffer of horizontally resampled source rows: for the 2-shot slot, about
// 115 source rows, 320 KB, which a core's cache holds.
const resizeBand = 64

// lanczosTaps are the fixed-point weights that make each of dstSize
// samples from srcSize: sample v reads n[v] sources from start[v] with
// weights w[v*width:].
type lanczosTaps struct {
	start, n []int
	w        []int32
	width    int
}

func lanczosKernel(x float64) float64 {
	x = math.Abs(x)
	if x >= 3 {
		return 0
	}
	return sinc(x) * sinc(x/3)
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

// newLanczosTaps computes the weights as imaging's precomputeWeights does
// and rounds them to fixed point so that each sample's weights sum to
// exactly 1 (a flat area stays exactly flat).
func newLanczosTaps(dstSize, srcSize int) lanczosTaps {
	du := float64(srcSize) / float64(dstSize)
	scale := max(du, 1)
	ru := math.Ceil(scale * 3)
	width := int(2*ru) + 2
	t := lanczosTaps{start: make([]int, dstSize), n: make([]int, dstSize), w: make([]int32, dstSize*width), width: width}
	fw := make([]float64, width)
	for v := range dstSize {
		fu := (float64(v)+0.5)*du - 0.5
		begin := max(int(math.Ceil(fu-ru)), 0)
		end := min(int(math.Floor(fu+ru)), srcSize-1)
		var sum float64
		first, n := -1, 0
		for u := begin; u <= end; u++ {
			w := lanczosKernel((float64(u) - fu) / scale)
			if w == 0 {
				continue
			}
			if first < 0 {
				first = u
			}
			// Zero weights inside the span (none for Lanczos at
			// these offsets but in theory) stay as zero taps.
			for first+n < u {
				fw[n] = 0
				n++
			}
			fw[n] = w
			n++
			sum += w
		}
		if first < 0 { // no taps: imaging writes zeros; keep the nearest
			first, n, fw[0], sum = min(max(int(math.Round(fu)), 0), srcSize-1), 1, 1, 1
		}
		ws := t.w[v*width : v*width+n]
		var isum int32
		big := 0
		for i := range n {
			ws[i] = int32(math.Round(fw[i] / sum * (1 << resizeBits)))
			isum += ws[i]
			if ws[i] > ws[big] {
				big = i
			}
		}
		ws[big] += 1<<resizeBits - isum
		t.start[v], t.n[v] = first, n
	}
	return t
}

func clampFixed(v int32) uint8 {
	v = (v + 1<<(resizeBits-1)) >> resizeBits
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// opaquePixels returns the pixels of an *image.NRGBA or *image.RGBA whose
// every pixel is opaque (then both hold the same bytes), or ok = false.
func opaquePixels(img image.Image) (pix []uint8, stride int, rect image.Rectangle, ok bool) {
	switch m := img.(type) {
	case *image.NRGBA:
		if m.Opaque() {
			return m.Pix, m.Stride, m.Rect, true
		}
	case *image.RGBA:
		if m.Opaque() {
			return m.Pix, m.Stride, m.Rect, true
		}
	}
	return nil, 0, image.Rectangle{}, false
}

// resizeOpaque resamples img to w×h as resizeOpaqueInto does, into a new
// RGBA, when img is an opaque *image.NRGBA or *image.RGBA; else ok = false.
func resizeOpaque(img image.Image, w, h int) (*image.RGBA, bool) {
	pix, stride, rect, ok := opaquePixels(img)
	if !ok || w <= 0 || h <= 0 {
		return nil, false
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	resizeOpaqueInto(dst, dst.Rect, &image.NRGBA{Pix: pix, Stride: stride, Rect: rect})
	return dst, true
}

// resizeOpaqueInto resamples src (every pixel opaque: an opaque
// *image.NRGBA, or an *image.YCbCr, whose rows are converted to RGB as
// they are read, as pixelRows gives them) to the size of r and writes it
// into dst at r, which must lie inside dst's bounds.
func resizeOpaqueInto(dst *image.RGBA, r image.Rectangle, src image.Image) {
	sb := src.Bounds()
	sw, sh := sb.Dx(), sb.Dy()
	dw, dh := r.Dx(), r.Dy()
	hx := newLanczosTaps(dw, sw)
	vy := newLanczosTaps(dh, sh)
	rows := pixelRows(src)

	// Each goroutine makes its share of the output rows in bands of
	// resizeBand: first the source rows the band reads, resampled
	// horizontally into a small buffer of packed RGB (it stays in cache,
	// and no sh×dw buffer, 5 MB for the 2-shot slot, is faulted in), then
	// each output row as a weighted sum of those. A source row two bands
	// read is resampled twice, the same bytes each time.
	n := dw * 3
	parallelRows(dh, func(y0, y1 int) {
		var buf []uint8
		if _, ok := src.(*image.NRGBA); !ok {
			buf = make([]uint8, sw*4)
		}
		var tmp []uint8
		acc := make([]int32, n)
		for b0 := y0; b0 < y1; b0 += resizeBand {
			b1 := min(b0+resizeBand, y1)
			lo, hi := sh, 0 // the source rows [lo, hi) the band reads
			for y := b0; y < b1; y++ {
				lo, hi = min(lo, vy.start[y]), max(hi, vy.start[y]+vy.n[y])
			}
			tmp = slices.Grow(tmp[:0], (hi-lo)*n)[:(hi-lo)*n]
			for y := lo; y < hi; y++ {
				row := rows(y, buf)
				out := tmp[(y-lo)*n : (y-lo+1)*n]
				for x := range dw {
					ws := hx.w[x*hx.width : x*hx.width+hx.n[x]]
					s := row[hx.start[x]*4:]
					s = s[:len(ws)*4]
					// Red and blue share one 64-bit sum, blue in the high
					// half: a multiply fewer a tap. Each half's sum fits
					// in 32 bits (255 × the weights' absolute sum), so
					// both come back exactly.
					var rb int64
					var cg int32
					for k, w := range ws {
						p := s[k*4 : k*4+3 : k*4+3]
						rb += (int64(p[0]) | int64(p[2])<<32) * int64(w)
						cg += int32(p[1]) * w
					}
					cr := int32(rb)
					cb := int32((rb - int64(cr)) >> 32)
					o := out[x*3 : x*3+3 : x*3+3]
					o[0], o[1], o[2] = clampFixed(cr), clampFixed(cg), clampFixed(cb)
				}
			}
			for y := b0; y < b1; y++ {
				clear(acc)
				ws := vy.w[y*vy.width : y*vy.width+vy.n[y]]
				for k, w := range ws {
					sy := vy.start[y] + k - lo
					in := tmp[sy*n : sy*n+n]
					a := acc[:len(in)]
					for i, c := range in {
						a[i] += int32(c) * w
					}
				}
				out := dst.Pix[dst.PixOffset(r.Min.X, r.Min.Y+y):][:dw*4]
				for x := range dw {
					a := acc[x*3 : x*3+3 : x*3+3]
					o := out[x*4 : x*4+4 : x*4+4]
					o[0], o[1], o[2], o[3] = clampFixed(a[0]), clampFixed(a[1]), clampFixed(a[2]), 0xff
				}
			}
		}
	})
}
