package photo

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/jpeg"

	"github.com/disintegration/imaging"

	"oshigoods/render"
)

// encodeOutput encodes the canvas at full size as photo.jpg, its JFIF
// header carrying the print resolution.
func encodeOutput(s *state) error {
	data, err := encodeJPEG(s.canvas, s.t.spec.JPEGQuality, s.t.spec.Canvas.DPI)
	if err != nil {
		return err
	}
	s.files = append(s.files, render.File{Name: FileOutput, Role: render.RoleOutput, ContentType: "image/jpeg", Data: data})
	return nil
}

// encodePreview scales the canvas to the preview's long edge and encodes it
// as preview.jpg.
func encodePreview(s *state) error {
	b := s.canvas.Bounds()
	edge := s.t.spec.PreviewLongEdgePx
	w, h := edge, 0
	if b.Dy() > b.Dx() {
		w, h = 0, edge
	}
	small := imaging.Resize(s.canvas, w, h, imaging.Lanczos)
	data, err := encodeJPEG(small, s.t.spec.JPEGQuality, 0)
	if err != nil {
		return err
	}
	s.files = append(s.files, render.File{Name: FilePreview, Role: render.RolePreview, ContentType: "image/jpeg", Data: data})
	return nil
}

// encodeJPEG encodes img as a baseline JPEG. A positive dpi is written
// into a JFIF APP0 segment so that print software sizes the file right.
func encodeJPEG(img image.Image, quality, dpi int) ([]byte, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		return nil, fmt.Errorf("encode jpeg: %w", err)
	}
	data := buf.Bytes()
	if dpi <= 0 {
		return data, nil
	}
	return withJFIF(data, dpi), nil
}

// withJFIF inserts a JFIF APP0 segment with the given density right after
// the JPEG's SOI marker. The standard encoder writes none.
func withJFIF(data []byte, dpi int) []byte {
	app0 := []byte{
		0xff, 0xe0, // APP0
		0x00, 0x10, // length 16
		'J', 'F', 'I', 'F', 0x00,
		0x01, 0x01, // version 1.01
		0x01,       // density unit: dots per inch
		0, 0, 0, 0, // X and Y density, set below
		0x00, 0x00, // no thumbnail
	}
	binary.BigEndian.PutUint16(app0[12:], uint16(dpi))
	binary.BigEndian.PutUint16(app0[14:], uint16(dpi))
	out := make([]byte, 0, len(data)+len(app0))
	out = append(out, data[:2]...) // SOI
	out = append(out, app0...)
	return append(out, data[2:]...)
}
