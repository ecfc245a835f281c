package photo

import (
	"fmt"
	"image"
	"image/color"
	"math/rand/v2"
	"testing"

	"github.com/disintegration/imaging"
	"github.com/muesli/smartcrop"
)

// imagingBox is the prescaler interestingCrop's placement was first made
// with: imaging's Box filter.
type imagingBox struct{}

func (imagingBox) Resize(img image.Image, width, height uint) image.Image {
	return imaging.Resize(img, int(width), int(height), imaging.Box)
}

// blobs is a w×h photo at off of soft discs in random colours (some skin
// tones, some saturated, some dark) over a gradient, with noise: edges,
// skin and saturation in different places, so crops score apart.
func blobs(rng *rand.Rand, off image.Point, w, h int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h).Add(off))
	for y := range h {
		for x := range w {
			i := m.PixOffset(off.X+x, off.Y+y)
			m.Pix[i], m.Pix[i+1], m.Pix[i+2], m.Pix[i+3] = uint8(x*200/w), uint8(y*180/h), 90, 255
		}
	}
	palette := []color.NRGBA{{199, 145, 112, 255}, {230, 180, 150, 255}, {250, 20, 60, 255}, {20, 200, 240, 255}, {10, 10, 10, 255}, {240, 240, 240, 255}}
	for range 12 {
		c := palette[rng.IntN(len(palette))]
		cx, cy, r := rng.IntN(w), rng.IntN(h), 10+rng.IntN(max(w, h)/5)
		for y := max(0, cy-r); y < min(h, cy+r); y++ {
			for x := max(0, cx-r); x < min(w, cx+r); x++ {
				if (x-cx)*(x-cx)+(y-cy)*(y-cy) < r*r {
					i := m.PixOffset(off.X+x, off.Y+y)
					m.Pix[i], m.Pix[i+1], m.Pix[i+2] = c.R, c.G, c.B
				}
			}
		}
	}
	for i := 0; i < len(m.Pix); i += 4 {
		for c := range 3 {
			m.Pix[i+c] = uint8(min(255, max(0, int(m.Pix[i+c])+rng.IntN(31)-15)))
		}
	}
	return m
}

// asYCbCr is m as a JPEG decoder gives it: 4:2:0 (or ratio) at m's bounds.
func asYCbCr(m *image.NRGBA, ratio image.YCbCrSubsampleRatio) *image.YCbCr {
	out := image.NewYCbCr(m.Rect, ratio)
	for y := m.Rect.Min.Y; y < m.Rect.Max.Y; y++ {
		for x := m.Rect.Min.X; x < m.Rect.Max.X; x++ {
			c := m.NRGBAAt(x, y)
			yy, cb, cr := color.RGBToYCbCr(c.R, c.G, c.B)
			out.Y[out.YOffset(x, y)] = yy
			// Each chroma sample from the last pixel it serves.
			out.Cb[out.COffset(x, y)], out.Cr[out.COffset(x, y)] = cb, cr
		}
	}
	return out
}

// TestInterestingCropIsSmartcrops checks interestingCrop against smartcrop
// itself (with imaging's Box prescaler, which placement used to give it): the
// same crop, from YCbCr and NRGBA photos (with alpha, off the origin),
// portrait and landscape, above and below smartcrop's 400 px prescale, for
// crops that cover the photo one way (as cropFor asks), smaller ones (two
// scales tried) and larger ones.
func TestInterestingCropIsSmartcrops(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	sizes := []image.Point{{1512, 2016}, {2016, 1512}, {1000, 1400}, {640, 480}, {401, 900}, {350, 500}, {120, 90}, {30, 700}}
	for _, size := range sizes {
		photo := blobs(rng, image.Pt(rng.IntN(5), rng.IntN(5)), size.X, size.Y)
		// The slot's aspect ratio at the photo's size (cropFor's crop),
		// a smaller crop, a larger one and a thin one.
		cw := min(size.X, size.Y*933/1157)
		crops := []image.Point{{cw, cw * 1157 / 933}, {size.X / 2, size.Y / 3}, {size.X * 2, size.Y}, {max(1, size.X/9), size.Y}}
		photos := map[string]image.Image{
			"NRGBA":     photo,
			"YCbCr 420": asYCbCr(photo, image.YCbCrSubsampleRatio420),
			"YCbCr 444": asYCbCr(photo, image.YCbCrSubsampleRatio444),
			"NRGBA, see-through": func() image.Image {
				m := imaging.Clone(photo)
				for i := 3; i < len(m.Pix); i += 4 {
					m.Pix[i] = uint8(rng.IntN(256))
				}
				return m
			}(),
		}
		for name, img := range photos {
			for _, c := range crops {
				t.Run(fmt.Sprintf("%v %s %v", size, name, c), func(t *testing.T) {
					want, err := smartcrop.NewAnalyzer(imagingBox{}).FindBestCrop(img, c.X, c.Y)
					if err != nil {
						t.Fatal(err)
					}
					got, ok := interestingCrop(img, c.X, c.Y)
					if ok != !want.Empty() || (ok && got != want) {
						t.Errorf("interestingCrop = %v, %v; smartcrop's %v", got, ok, want)
					}
				})
			}
		}
	}
}
