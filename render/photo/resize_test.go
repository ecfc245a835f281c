package photo

import (
	"image"
	"math/rand/v2"
	"testing"
)

// TestResizeOpaqueIntoIsTwoPasses checks resizeOpaqueInto (bands, rows
// split between goroutines, red and blue summed in one 64-bit word)
// against the plain two passes it stands for: each source row resampled
// with the horizontal taps and rounded to bytes, then each column with the
// vertical ones. The photo alternates black and white pixels in runs, so
// the kernel's negative lobes meet full-range values, and shrinks, keeps
// and enlarges each side.
func TestResizeOpaqueIntoIsTwoPasses(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	src := image.NewNRGBA(image.Rect(0, 0, 301, 257))
	for i := range src.Pix {
		if i%4 == 3 || rng.IntN(3) > 0 == (i/4/7%2 == 0) {
			src.Pix[i] = 255
		}
	}
	for _, size := range []image.Point{{97, 131}, {301, 257}, {450, 90}, {40, 600}} {
		dst := image.NewRGBA(image.Rect(0, 0, size.X+3, size.Y+2))
		r := image.Rectangle{Min: image.Pt(2, 1), Max: image.Pt(2+size.X, 1+size.Y)}
		resizeOpaqueInto(dst, r, src)

		hx, vy := newLanczosTaps(size.X, src.Rect.Dx()), newLanczosTaps(size.Y, src.Rect.Dy())
		mid := make([]uint8, src.Rect.Dy()*size.X*3)
		for y := range src.Rect.Dy() {
			for x := range size.X {
				for c := range 3 {
					var sum int32
					for k := range hx.n[x] {
						sum += int32(src.Pix[y*src.Stride+(hx.start[x]+k)*4+c]) * hx.w[x*hx.width+k]
					}
					mid[(y*size.X+x)*3+c] = clampFixed(sum)
				}
			}
		}
		for y := range size.Y {
			for x := range size.X {
				for c := range 3 {
					var sum int32
					for k := range vy.n[y] {
						sum += int32(mid[((vy.start[y]+k)*size.X+x)*3+c]) * vy.w[y*vy.width+k]
					}
					if got, want := dst.Pix[dst.PixOffset(r.Min.X+x, r.Min.Y+y)+c], clampFixed(sum); got != want {
						t.Fatalf("%v: pixel (%d, %d) channel %d = %d, want %d", size, x, y, c, got, want)
					}
				}
			}
		}
	}
}
