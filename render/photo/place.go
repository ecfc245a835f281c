package photo

import (
	"image"
	"image/draw"
	"math"

	"github.com/disintegration/imaging"
)

// placePhoto fills the canvas with the background (unless s.canvas is
// such a blank canvas already) and cover-crops the
// photo into the slot. When the template has a face box the crop is moved
// so that the fan's face, else the most interesting part of the photo
// (smartcrop), lands on the box's centre as far as the photo reaches;
// otherwise, and when neither is found, the crop is centred.
func placePhoto(s *state) error {
	t := s.t
	if s.canvas == nil { // made already by withBlankCanvas in a render
		s.canvas = t.blankCanvas()
	}
	photo := s.photo
	if _, ok := photo.(*image.YCbCr); !ok {
		photo = shrink(photo, 1) // an *image.NRGBA already, from decodePhoto
	}
	crop := photo.(subImager).SubImage(t.cropFor(photo))
	if t.slot.In(s.canvas.Bounds()) && crop.(opaquer).Opaque() {
		// The common case (every JPEG): resampled straight into the
		// canvas, a YCbCr's rows converted on the way.
		resizeOpaqueInto(s.canvas, t.slot, crop)
	} else {
		if m, ok := crop.(*image.YCbCr); ok {
			crop = shrink(m, 1) // imaging reads an NRGBA
		}
		fitted := imaging.Resize(crop, t.slot.Dx(), t.slot.Dy(), imaging.Lanczos)
		draw.Draw(s.canvas, t.slot, fitted, image.Point{}, draw.Over)
	}
	s.photo = nil // let the decode go
	return nil
}

// blankCanvas returns a new canvas filled with the background.
func (t *Template) blankCanvas() *image.RGBA {
	c := image.NewRGBA(image.Rectangle{Max: t.size})
	draw.Draw(c, c.Bounds(), image.NewUniform(t.background), image.Point{}, draw.Src)
	return c
}

type subImager interface {
	SubImage(image.Rectangle) image.Image
}

type opaquer interface {
	Opaque() bool
}

// cropFor returns the part of photo (an *image.NRGBA or *image.YCbCr)
// that covers the slot: the slot's aspect ratio, as large as the photo
// allows, placed as placePhoto says.
func (t *Template) cropFor(photo image.Image) image.Rectangle {
	b := photo.Bounds()
	w, h := float64(b.Dx()), float64(b.Dy())
	sw, sh := float64(t.slot.Dx()), float64(t.slot.Dy())
	scale := max(sw/w, sh/h) // slot pixels per photo pixel
	cw := min(b.Dx(), int(math.Round(sw/scale)))
	ch := min(b.Dy(), int(math.Round(sh/scale)))

	// Where in the photo the slot's anchor point should fall, and where
	// that anchor is in the slot.
	anchor := image.Pt(b.Dx()/2, b.Dy()/2)
	target := image.Pt(t.slot.Dx()/2, t.slot.Dy()/2)
	if fb := t.spec.Slot.FaceBox; fb != nil && (cw < b.Dx() || ch < b.Dy()) {
		box := t.spec.Canvas.rect(*fb)
		target = image.Pt((box.Min.X+box.Max.X)/2-t.slot.Min.X, (box.Min.Y+box.Max.Y)/2-t.slot.Min.Y)
		if face, ok := findFace(photo); ok {
			anchor = image.Pt((face.Min.X+face.Max.X)/2, (face.Min.Y+face.Max.Y)/2)
		} else if c, ok := interestingCrop(photo, cw, ch); ok {
			// smartcrop frames a whole crop, so it keeps its own centre.
			anchor = image.Pt((c.Min.X+c.Max.X)/2, (c.Min.Y+c.Max.Y)/2)
			target = image.Pt(t.slot.Dx()/2, t.slot.Dy()/2)
		}
	}
	x := anchor.X - int(math.Round(float64(target.X)/scale))
	y := anchor.Y - int(math.Round(float64(target.Y)/scale))
	x = min(max(x, 0), b.Dx()-cw)
	y = min(max(y, 0), b.Dy()-ch)
	return image.Rect(x, y, x+cw, y+ch).Add(b.Min)
}
