package photo

import (
	"image"
	"image/draw"

	"github.com/disintegration/imaging"
)

// placePhoto fills the canvas with the background and cover-crops the
// photo into the slot around its centre.
func placePhoto(s *state) error {
	t := s.t
	s.canvas = image.NewRGBA(image.Rectangle{Max: t.size})
	draw.Draw(s.canvas, s.canvas.Bounds(), image.NewUniform(t.background), image.Point{}, draw.Src)
	fitted := imaging.Fill(s.photo, t.slot.Dx(), t.slot.Dy(), imaging.Center, imaging.Lanczos)
	draw.Draw(s.canvas, t.slot, fitted, image.Point{}, draw.Over)
	s.photo = nil // let the full-size decode go
	return nil
}
