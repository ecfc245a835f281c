package templates

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"

	"oshigoods/render/photo"
)

// starterArt draws the placeholder art of a starting photo template from
// its manifest's geometry, so that the sizes always match the spec: a
// cutout (a simple acrylic-stand figure with a white die-cut rim and soft
// edges on transparency) at its rect's pixel size, and a frame covering
// the canvas with its bleed, with a transparent window over the photo slot
// and a plate under the name box. The same manifest gives the same bytes.
func starterArt(manifest []byte) (cutout, frame []byte, err error) {
	var m struct {
		Photo photo.Spec `json:"photo"`
	}
	if err := json.Unmarshal(manifest, &m); err != nil {
		return nil, nil, fmt.Errorf("starter art: %w", err)
	}
	s := m.Photo
	c := s.Canvas
	px := func(mm float64) float64 { return math.Round(mm / 25.4 * float64(c.DPI)) }
	// A rect in canvas pixels, bleed included, edges rounded as the
	// renderer rounds them.
	rect := func(r photo.Rect) (x0, y0, x1, y1 float64) {
		b := c.BleedMM
		return px(r.XMM + b), px(r.YMM + b), px(r.XMM + r.WidthMM + b), px(r.YMM + r.HeightMM + b)
	}
	cx0, cy0, cx1, cy1 := rect(s.Cutout.Rect)
	cutout, err = encodeArt(drawFigure(int(cx1-cx0), int(cy1-cy0)))
	if err != nil {
		return nil, nil, err
	}
	w, h := int(px(c.WidthMM+2*c.BleedMM)), int(px(c.HeightMM+2*c.BleedMM))
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	wx0, wy0, wx1, wy1 := rect(s.Slot.Rect)
	radius := px(4)
	var plate [4]float64
	if s.Name != nil {
		x0, y0, x1, y1 := rect(s.Name.Rect)
		plate = [4]float64{x0, y0, x1, y1}
	}
	pink, white := color.NRGBA{0xf7, 0xb6, 0xcf, 0xff}, color.NRGBA{0xff, 0xff, 0xff, 0xff}
	for y := range h {
		for x := range w {
			fx, fy := float64(x)+0.5, float64(y)+0.5
			// Distance outside the window (negative inside it).
			d := roundedRect(fx, fy, wx0, wy0, wx1, wy1, radius)
			col := pink
			if d < px(1) { // a white line round the window
				col = white
			}
			if s.Name != nil && roundedRect(fx, fy, plate[0], plate[1], plate[2], plate[3], px(2)) < 0 {
				col = white
			}
			col.A = uint8(255 * clamp01(0.5+d))
			img.SetNRGBA(x, y, col)
		}
	}
	frame, err = encodeArt(img)
	return cutout, frame, err
}

// drawFigure draws a w×h placeholder figure: a round head over a rounded
// body, lavender with a white rim, on transparency with soft edges.
func drawFigure(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	fw, fh := float64(w), float64(h)
	rim := fw * 0.03
	head := func(x, y float64) float64 { return math.Hypot(x-fw*0.5, y-fh*0.25) - fw*0.3 }
	body := func(x, y float64) float64 {
		return roundedRect(x, y, fw*0.12, fh*0.45, fw*0.88, fh*0.97, fw*0.2)
	}
	for y := range h {
		for x := range w {
			fx, fy := float64(x)+0.5, float64(y)+0.5
			d := math.Min(head(fx, fy), body(fx, fy)) // inside the figure's ink when < 0
			col := color.NRGBA{0xb8, 0x9c, 0xe8, 0xff}
			if d > -rim { // the die-cut rim
				col = color.NRGBA{0xff, 0xff, 0xff, 0xff}
			}
			if dh := head(fx, fy); dh < -rim && math.Hypot(fx-fw*0.5, fy-fh*0.25) < fw*0.24 {
				col = color.NRGBA{0xff, 0xe6, 0xd5, 0xff} // a face
			}
			col.A = uint8(255 * clamp01(0.5-(d-rim)))
			img.SetNRGBA(x, y, col)
		}
	}
	return img
}

// roundedRect is the signed distance from (x, y) to the rectangle x0..x1,
// y0..y1 with corners of radius r: negative inside.
func roundedRect(x, y, x0, y0, x1, y1, r float64) float64 {
	cx, cy := (x0+x1)/2, (y0+y1)/2
	hx, hy := (x1-x0)/2-r, (y1-y0)/2-r
	dx, dy := math.Abs(x-cx)-hx, math.Abs(y-cy)-hy
	outside := math.Hypot(math.Max(dx, 0), math.Max(dy, 0))
	return outside + math.Min(math.Max(dx, dy), 0) - r
}

func clamp01(v float64) float64 { return math.Min(1, math.Max(0, v)) }

func encodeArt(img image.Image) ([]byte, error) {
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&b, img); err != nil {
		return nil, fmt.Errorf("starter art: %w", err)
	}
	return b.Bytes(), nil
}
