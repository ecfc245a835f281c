package photo

import (
	"fmt"
	"image"
	"image/color"
	"math/rand/v2"
	"testing"

	"github.com/disintegration/imaging"
)

// TestShrinkAtIsImagings checks that shrinkAt gives imaging.Resize's Box
// bytes exactly at the pixels asked for (so interestingCrop rates what
// smartcrop rates), from a YCbCr of every chroma subsampling and from an
// NRGBA with alpha, off the origin, with channels that clip, at the
// 2-shot's size and at odd ones, and where a side does not change.
func TestShrinkAtIsImagings(t *testing.T) {
	ratios := []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
		image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410}
	tests := []struct {
		name string
		rect image.Rectangle
		w, h int
	}{
		{"2-shot prescale", image.Rect(0, 0, 1512, 2016), 400, 533},
		{"odd, off the origin", image.Rect(3, 5, 3+301, 5+203), 97, 65},
		{"by almost nothing", image.Rect(0, 0, 401, 402), 400, 401},
		{"as wide", image.Rect(0, 0, 300, 200), 300, 100},
		{"as tall", image.Rect(1, 2, 1+300, 2+200), 150, 200},
		{"the same size", image.Rect(0, 0, 120, 90), 120, 90},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	check := func(name string, img image.Image, w, h int) {
		t.Helper()
		want := imaging.Resize(img, w, h, imaging.Box)
		// Every pixel in some columns and rows, and every one in a corner.
		var cols, rows []int
		for x := range w {
			if x%5 != 2 || x < 12 {
				cols = append(cols, x)
			}
		}
		for y := range h {
			if y%3 == 0 || y > h-9 {
				rows = append(rows, y)
			}
		}
		got := shrinkAt(img, w, h, cols, rows)
		for i, y := range rows {
			for j, x := range cols {
				if g, w := [4]uint8(got[(i*len(cols)+j)*4:]), [4]uint8(want.Pix[want.PixOffset(x, y):]); g != w {
					t.Fatalf("%s: pixel (%d, %d) = %v, imaging's %v", name, x, y, g, w)
				}
			}
		}
	}
	for _, tc := range tests {
		for _, ratio := range ratios {
			m := image.NewYCbCr(tc.rect, ratio)
			for i := range m.Y {
				m.Y[i] = uint8(rng.IntN(256))
			}
			for i := range m.Cb {
				m.Cb[i], m.Cr[i] = uint8(rng.IntN(256)), uint8(rng.IntN(256))
			}
			check(fmt.Sprintf("%s %v", tc.name, ratio), m, tc.w, tc.h)
		}
		n := image.NewNRGBA(tc.rect)
		for i := range n.Pix {
			n.Pix[i] = uint8(rng.IntN(256))
		}
		for i := 3; i < len(n.Pix); i += 64 {
			n.Pix[i] = 0 // some fully transparent pixels
		}
		check(tc.name+" NRGBA", n, tc.w, tc.h)
	}
}

// TestYCbCrRowIsStandard checks rowReader's YCbCr rows against
// color.YCbCrToRGB pixel by pixel, on every subsampling, at even and odd
// offsets and widths, whole and in spans: shrinkAt relies on it to match
// imaging.
func TestYCbCrRowIsStandard(t *testing.T) {
	ratios := []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
		image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, ratio := range ratios {
		m := image.NewYCbCr(image.Rect(0, 0, 64, 9), ratio)
		for i := range m.Y {
			m.Y[i] = uint8(rng.IntN(256))
		}
		for i := range m.Cb {
			m.Cb[i], m.Cr[i] = uint8(rng.IntN(256)), uint8(rng.IntN(256))
		}
		for _, r := range []image.Rectangle{m.Rect, image.Rect(2, 1, 33, 8), image.Rect(1, 2, 40, 9), image.Rect(3, 0, 4, 1)} {
			sub := m.SubImage(r).(*image.YCbCr)
			read := rowReader(sub)
			row := make([]uint8, r.Dx()*4)
			span := spanReader(sub)
			spanned := make([]uint8, r.Dx()*4)
			for y := range r.Dy() {
				read(y, row)
				for x0 := 0; x0 < r.Dx(); x0 += 3 {
					x1 := min(x0+3, r.Dx())
					span(y, x0, x1, spanned[x0*4:])
				}
				for x := range r.Dx() {
					c := sub.YCbCrAt(r.Min.X+x, r.Min.Y+y)
					cr, cg, cb := color.YCbCrToRGB(c.Y, c.Cb, c.Cr)
					want := [4]uint8{cr, cg, cb, 0xff}
					if got := [4]uint8(row[x*4 : x*4+4]); got != want {
						t.Fatalf("%v %v: pixel (%d, %d) = %v, want %v", ratio, r, x, y, got, want)
					}
					if got := [4]uint8(spanned[x*4 : x*4+4]); got != want {
						t.Fatalf("%v %v: span pixel (%d, %d) = %v, want %v", ratio, r, x, y, got, want)
					}
				}
			}
		}
	}
}
