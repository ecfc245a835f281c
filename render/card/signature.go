package card

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"io/fs"

	"github.com/jung-kurt/gofpdf"

	"oshigoods/render/printpdf"
)

// signature is a template's signature image.
type signature struct {
	png []byte
	img image.Image
	// pdf is png as gofpdf reads it, read once for every print file.
	pdf *gofpdf.ImageInfoType
	// along and across are its size in mm along the line and across it.
	along, across float64
}

// loadSignature reads and decodes the PNG at p and sizes it: lengthMM
// along the line, the other side from its aspect ratio.
func loadSignature(fsys fs.FS, p string, lengthMM float64, vertical bool) (*signature, error) {
	data, err := readAsset(fsys, p)
	if err != nil {
		return nil, err
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("signature_image %s: %w", p, err)
	}
	b := img.Bounds()
	if b.Dx() < 8 || b.Dy() < 8 {
		return nil, fmt.Errorf("signature_image %s: %dx%d px: want at least 8x8", p, b.Dx(), b.Dy())
	}
	info, err := gofpdf.ParseImage(printpdf.Unit, sigImageOptions, bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("signature_image %s: %w", p, err)
	}
	s := &signature{png: data, img: img, pdf: info, along: lengthMM}
	if vertical {
		s.across = lengthMM * float64(b.Dx()) / float64(b.Dy())
	} else {
		s.across = lengthMM * float64(b.Dy()) / float64(b.Dx())
	}
	return s, nil
}

// sigImageOptions are how gofpdf reads a signature image.
var sigImageOptions = gofpdf.ImageOptions{ImageType: "PNG"}

// rect is where the image goes on the page, in mm from the top-left of the
// trim: x, y, width, height; centred across the line at centre, ending
// along it at end, at scale times its size.
func (s *signature) rect(vertical bool, centre, end, scale float64) (x, y, w, h float64) {
	along, across := s.along*scale, s.across*scale
	if vertical {
		return centre - across/2, end - along, across, along
	}
	return end - along, centre - across/2, along, across
}
