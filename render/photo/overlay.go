package photo

import (
	"image"
	"image/draw"
)

// overlayCutout draws the cutout in its rect over the photo.
func overlayCutout(s *state) error {
	draw.Draw(s.canvas, s.t.cutoutAt, s.t.cutout, image.Point{}, draw.Over)
	return nil
}

// overlayFrame draws the frame over the whole canvas.
func overlayFrame(s *state) error {
	draw.Draw(s.canvas, s.canvas.Bounds(), s.t.frame, image.Point{}, draw.Over)
	return nil
}
