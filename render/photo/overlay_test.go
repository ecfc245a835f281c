package photo

import (
	"bytes"
	"image"
	"image/draw"
	"math/rand"
	"testing"
)

// TestDrawOverMatchesDraw checks drawOver's clear, solid and blended pixels
// against draw.Draw's Over, byte for byte.
func TestDrawOverMatchesDraw(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	dst := image.NewRGBA(image.Rect(0, 0, 61, 47))
	for i := range dst.Pix {
		dst.Pix[i] = uint8(r.Intn(256))
	}
	for i := 3; i < len(dst.Pix); i += 4 {
		dst.Pix[i] = 0xff // the canvas is opaque
	}
	src := image.NewNRGBA(image.Rect(0, 0, 40, 30))
	for i := range src.Pix {
		src.Pix[i] = uint8(r.Intn(256))
	}
	for i := 3; i < len(src.Pix); i += 4 {
		switch r.Intn(3) {
		case 0:
			src.Pix[i] = 0
		case 1:
			src.Pix[i] = 0xff
		}
	}
	for _, at := range []image.Rectangle{image.Rect(5, 7, 45, 37), image.Rect(0, 0, 40, 30), image.Rect(30, 30, 70, 60)} {
		want := image.NewRGBA(dst.Rect)
		copy(want.Pix, dst.Pix)
		draw.Draw(want, at, src, image.Point{}, draw.Over)
		got := image.NewRGBA(dst.Rect)
		copy(got.Pix, dst.Pix)
		drawOver(got, at, src)
		if !bytes.Equal(got.Pix, want.Pix) {
			t.Errorf("at %v: drawOver differs from draw.Draw", at)
		}
	}
}
