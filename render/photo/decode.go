package photo

import (
	"bytes"
	"fmt"
	"image"
	_ "image/jpeg" // register the formats a fan may upload
	_ "image/png"

	"github.com/disintegration/imaging"

	"oshigoods"
)

// maxPhotoPixels bounds the decoded size of an upload (50 megapixels), so a
// small file that claims a huge image cannot exhaust memory.
const maxPhotoPixels = 50_000_000

// probePhoto reads the photo's header: it must be a JPEG or PNG within
// maxPhotoPixels. It returns an EUNPROCESSABLE error on field "photo".
func probePhoto(data []byte) (image.Config, error) {
	if len(data) == 0 {
		return image.Config{}, oshigoods.FieldErrorf(FieldPhoto, "photo is required: upload a JPEG or PNG image.")
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return cfg, oshigoods.FieldErrorf(FieldPhoto, "photo could not be read: upload a JPEG or PNG image.")
	}
	if format != "jpeg" && format != "png" {
		return cfg, oshigoods.FieldErrorf(FieldPhoto, "photo is a %s image: upload a JPEG or PNG image.", format)
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width*cfg.Height > maxPhotoPixels {
		return cfg, oshigoods.FieldErrorf(FieldPhoto, "photo is %d×%d pixels; the limit is %d megapixels.", cfg.Width, cfg.Height, maxPhotoPixels/1_000_000)
	}
	return cfg, nil
}

// decodePhoto decodes the upload and turns it upright by its EXIF
// orientation.
func decodePhoto(s *state) error {
	data := s.in.Images[FieldPhoto]
	if _, err := probePhoto(data); err != nil {
		return err
	}
	img, err := imaging.Decode(bytes.NewReader(data), imaging.AutoOrientation(true))
	if err != nil {
		return oshigoods.FieldErrorf(FieldPhoto, "photo could not be read: upload a JPEG or PNG image.")
	}
	b := img.Bounds()
	if w := s.t.lowResolution(b.Dx(), b.Dy()); w != "" {
		s.warnings = append(s.warnings, w)
	}
	s.photo = img
	return nil
}

// lowResolution returns a warning when a w×h photo cover-cropped into the
// slot prints under the slot's minimum resolution, else "".
func (t *Template) lowResolution(w, h int) string {
	scale := max(float64(t.slot.Dx())/float64(w), float64(t.slot.Dy())/float64(h))
	dpi := float64(t.spec.Canvas.DPI) / scale
	if dpi >= float64(t.spec.Slot.MinDPI) {
		return ""
	}
	return fmt.Sprintf("The photo is %d×%d pixels and prints at about %.0f dpi; below %d dpi it may look soft.", w, h, dpi, t.spec.Slot.MinDPI)
}
