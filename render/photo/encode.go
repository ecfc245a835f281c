package photo

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/jpeg"
	"math"

	"github.com/disintegration/imaging"

	"oshigoods/render"
)

// encodeOutput finishes the canvas for the print profile: it keeps the
// trim plus the profile's bleed ((trim + 2×bleed) × dpi pixels) and
// encodes it as photo.jpg, whose JFIF header carries the print resolution
// and whose APP2 segment the sRGB profile; or, for a PDF profile, as
// photo.pdf: that JPEG on a page with TrimBox, BleedBox and, when the
// profile asks, crop marks. A JPEG never carries crop marks: they need
// paper around the bleed, which only the PDF page has (every built-in
// profile with marks is a PDF one).
func encodeOutput(s *state) error {
	p := s.in.Profile
	c := s.t.spec.Canvas
	if p.BleedMM < 0 || p.BleedMM > c.BleedMM {
		return fmt.Errorf("print profile %q asks for %g mm of bleed; this template's art covers %g mm", p.Name, p.BleedMM, c.BleedMM)
	}
	img := s.canvas.SubImage(c.crop(p.BleedMM))
	data, err := encodePrintJPEG(img, s.t.spec.JPEGQuality, c.DPI)
	if err != nil {
		return err
	}
	switch p.PhotoFormat {
	case "", "jpeg":
		s.files = append(s.files, render.File{Name: FileOutput, Role: render.RoleOutput, ContentType: "image/jpeg", Data: data})
	case "pdf":
		if data, err = printPDF(data, c, p); err != nil {
			return fmt.Errorf("photo pdf: %w", err)
		}
		s.files = append(s.files, render.File{Name: FileOutputPDF, Role: render.RoleOutput, ContentType: "application/pdf", Data: data})
	default:
		return fmt.Errorf("print profile %q: unknown photo format %q", p.Name, p.PhotoFormat)
	}
	return nil
}

// encodePreview scales the trimmed canvas (what the fan gets after the
// cut) to the preview's long edge and encodes it as preview.jpg.
func encodePreview(s *state) error {
	trim := s.canvas.SubImage(s.t.spec.Canvas.crop(0))
	b := trim.Bounds()
	edge := s.t.spec.PreviewLongEdgePx
	w, h := edge, 0
	if b.Dy() > b.Dx() {
		w, h = 0, edge
	}
	var small image.Image
	// The other side as imaging.Resize keeps the aspect ratio.
	if w == 0 {
		w = max(1, int(math.Floor(float64(h)*float64(b.Dx())/float64(b.Dy())+0.5)))
	} else {
		h = max(1, int(math.Floor(float64(w)*float64(b.Dy())/float64(b.Dx())+0.5)))
	}
	if m, ok := resizeOpaque(trim, w, h); ok {
		small = m // the usual case: the canvas is opaque
	} else {
		small = imaging.Resize(trim, w, h, imaging.Lanczos)
	}
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
	var segments []byte
	if dpi > 0 {
		segments = jfifSegment(dpi)
	}
	return encodeJPEGWith(img, quality, segments)
}

// encodePrintJPEG encodes a print file: a baseline JPEG whose JFIF header
// gives dpi and whose APP2 segment carries the sRGB profile (after SOI and
// the APP0, as JFIF asks).
func encodePrintJPEG(img image.Image, quality, dpi int) ([]byte, error) {
	return encodeJPEGWith(img, quality, append(jfifSegment(dpi), iccSegment(srgbICC)...))
}

// encodeJPEGWith encodes img as a baseline JPEG with segments written
// right after the SOI marker, as the encoder writes them (none of its
// own come before): no copy of the file is made to insert them.
func encodeJPEGWith(img image.Image, quality int, segments []byte) ([]byte, error) {
	var buf bytes.Buffer
	// About a bit per pixel at q92; a photo rarely needs more.
	b := img.Bounds()
	buf.Grow(len(segments) + b.Dx()*b.Dy()/4)
	w := &afterSOI{buf: &buf, segments: segments}
	if err := jpeg.Encode(w, img, &jpeg.Options{Quality: quality}); err != nil {
		return nil, fmt.Errorf("encode jpeg: %w", err)
	}
	return buf.Bytes(), nil
}

// afterSOI writes to buf, inserting segments once the first two bytes
// (the SOI marker) are through.
type afterSOI struct {
	buf      *bytes.Buffer
	segments []byte
	n        int // bytes written so far, up to 2
}

func (w *afterSOI) Write(p []byte) (int, error) {
	if w.n >= 2 {
		return w.buf.Write(p)
	}
	k := min(2-w.n, len(p))
	w.buf.Write(p[:k])
	w.n += k
	if w.n == 2 {
		w.buf.Write(w.segments)
	}
	w.buf.Write(p[k:])
	return len(p), nil
}

// jfifSegment is a JFIF APP0 segment with the given density. The standard
// encoder writes none.
func jfifSegment(dpi int) []byte {
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
	return app0
}
