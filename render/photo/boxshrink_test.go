package photo

import (
	"bytes"
	"image"
	"image/color"
	"math/rand/v2"
	"testing"

	"github.com/disintegration/imaging"
)

// TestBoxShrinkYCbCrIsImagings checks that smartcrop's prescaler gives
// imaging.Resize's Box bytes exactly (so it finds the same crop), on every
// chroma subsampling, off the origin, with channels that clip, at the
// 2-shot's size and at odd ones; and that it leaves to imaging what does
// not shrink both ways.
func TestBoxShrinkYCbCrIsImagings(t *testing.T) {
	ratios := []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
		image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410}
	tests := []struct {
		name       string
		rect       image.Rectangle
		w, h       int
		wantImaged bool // boxShrinkYCbCr declines
	}{
		{"2-shot prescale", image.Rect(0, 0, 1512, 2016), 400, 0, false},
		{"odd, off the origin", image.Rect(3, 5, 3+301, 5+203), 97, 0, false},
		{"height given", image.Rect(1, 0, 1+250, 330), 0, 111, false},
		{"both given", image.Rect(0, 0, 640, 480), 123, 77, false},
		{"by almost nothing", image.Rect(0, 0, 401, 402), 400, 0, false},
		{"wider", image.Rect(0, 0, 300, 200), 400, 0, true},
		{"as wide", image.Rect(0, 0, 300, 200), 300, 100, true},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range tests {
		for _, ratio := range ratios {
			m := image.NewYCbCr(tc.rect, ratio)
			for i := range m.Y {
				m.Y[i] = uint8(rng.IntN(256))
			}
			for i := range m.Cb {
				m.Cb[i], m.Cr[i] = uint8(rng.IntN(256)), uint8(rng.IntN(256))
			}
			got := boxShrinkYCbCr(m, tc.w, tc.h)
			if tc.wantImaged {
				if got != nil {
					t.Errorf("%s %v: shrank, want nil for imaging", tc.name, ratio)
				}
				continue
			}
			want := imaging.Resize(m, tc.w, tc.h, imaging.Box)
			if got == nil {
				t.Fatalf("%s %v: nil, want %v", tc.name, ratio, want.Bounds())
			}
			if got.Bounds() != want.Bounds() || got.Stride != want.Stride || !bytes.Equal(got.Pix, want.Pix) {
				t.Errorf("%s %v: %v differs from imaging's %v", tc.name, ratio, got.Bounds(), want.Bounds())
			}
		}
	}
}

// TestYCbCrRowIsStandard checks rowReader's YCbCr rows against
// color.YCbCrToRGB pixel by pixel, on every subsampling, at even and odd
// offsets and widths: boxShrinkYCbCr relies on it to match imaging.
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
			for y := range r.Dy() {
				read(y, row)
				for x := range r.Dx() {
					c := sub.YCbCrAt(r.Min.X+x, r.Min.Y+y)
					cr, cg, cb := color.YCbCrToRGB(c.Y, c.Cb, c.Cr)
					if got, want := [4]uint8(row[x*4:x*4+4]), [4]uint8{cr, cg, cb, 0xff}; got != want {
						t.Fatalf("%v %v: pixel (%d, %d) = %v, want %v", ratio, r, x, y, got, want)
					}
				}
			}
		}
	}
}
