package photo

import (
	"image"
	"image/draw"
)

// overlayCutout draws the cutout in its rect over the photo.
func overlayCutout(s *state) error {
	drawOver(s.canvas, s.t.cutoutAt, s.t.cutout)
	return nil
}

// overlayFrame draws the frame over the whole canvas.
func overlayFrame(s *state) error {
	drawOver(s.canvas, s.canvas.Bounds(), s.t.frame)
	return nil
}

// drawOver draws src (from its origin) over r of dst, in bands of rows on
// GOMAXPROCS goroutines: each pixel is blended on its own, so the result
// is draw.Draw's.
func drawOver(dst *image.RGBA, r image.Rectangle, src *image.NRGBA) {
	parallelRows(r.Dy(), func(y0, y1 int) {
		band := image.Rect(r.Min.X, r.Min.Y+y0, r.Max.X, r.Min.Y+y1)
		draw.Draw(dst, band, src, image.Pt(0, y0), draw.Over)
	})
}
