package fulfil

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	_ "image/png" // thumbnails may be PNG
	"math"

	"github.com/jung-kurt/gofpdf"
	"golang.org/x/image/draw"
)

// thumb is an item's thumbnail as placed on slips: its registered image
// and pixel size, or none.
type thumb struct {
	name string
	w, h int
}

// Thumbnail limits: a preview larger than thumbMaxPixels is refused before
// it is decoded; what is placed is at most thumbPixels on its long side
// (over 250 dpi in the A4 slip's 26 mm box).
const (
	thumbMaxPixels = 50_000_000
	thumbPixels    = 260
)

// thumbnail reads a JPEG or PNG preview and registers it with the
// document as a small RGB JPEG: any colour model (grey, CMYK, 16-bit,
// alpha) becomes sRGB on white, so every image is the same kind and the
// PDF stays small. nil data is no thumbnail.
func (d *slip) thumbnail(data []byte) (thumb, error) {
	if len(data) == 0 {
		return thumb{}, nil
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return thumb{}, err
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > thumbMaxPixels {
		return thumb{}, fmt.Errorf("thumbnail of %d×%d pixels", cfg.Width, cfg.Height)
	}
	src, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return thumb{}, err
	}
	b := src.Bounds()
	k := math.Min(1, float64(thumbPixels)/float64(max(b.Dx(), b.Dy())))
	w, h := max(1, int(math.Round(float64(b.Dx())*k))), max(1, int(math.Round(float64(b.Dy())*k)))
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, b, draw.Over, nil)
	var out bytes.Buffer
	if err := jpeg.Encode(&out, dst, &jpeg.Options{Quality: 88}); err != nil {
		return thumb{}, err
	}
	sum := sha256.Sum256(out.Bytes())
	name := "thumb-" + hex.EncodeToString(sum[:12])
	if !d.images[name] {
		d.images[name] = true
		d.doc.RegisterImageOptionsReader(name, gofpdf.ImageOptions{ImageType: "JPG"}, bytes.NewReader(out.Bytes()))
		if d.doc.Err() {
			err := d.doc.Error()
			d.doc.ClearError()
			return thumb{}, errors.Join(errors.New("register thumbnail"), err)
		}
	}
	return thumb{name: name, w: w, h: h}, nil
}

// drawThumb draws t inside the square box of side mm at (x, y), scaled to
// fit with its aspect kept and centred; without a thumbnail, a grey box
// saying 画像なし (blank when too small for words).
func (d *slip) drawThumb(t thumb, x, y, side float64) {
	if t.name == "" {
		d.doc.SetFillColor(0xF3, 0xF3, 0xF3)
		d.doc.SetDrawColor(0xBB, 0xBB, 0xBB)
		d.doc.Rect(x, y, side, side, "FD")
		d.doc.SetDrawColor(0x99, 0x99, 0x99)
		// Words in a box too small to read them would be a smudge.
		if size := math.Min(d.pt(sizeLabel), side/4/25.4*72); size >= 5 {
			d.doc.SetTextColor(0x88, 0x88, 0x88)
			d.textCenter(x+side/2, y+side/2+em(size)*0.35, size, slipNoImage)
			d.doc.SetTextColor(0x22, 0x22, 0x22)
		}
		return
	}
	k := side / float64(max(t.w, t.h))
	w, h := float64(t.w)*k, float64(t.h)*k
	d.doc.ImageOptions(t.name, x+(side-w)/2, y+(side-h)/2, w, h, false, gofpdf.ImageOptions{ImageType: "JPG"}, 0, "")
	d.doc.SetDrawColor(0xDD, 0xDD, 0xDD)
	d.doc.Rect(x+(side-w)/2, y+(side-h)/2, w, h, "D")
	d.doc.SetDrawColor(0x99, 0x99, 0x99)
}
