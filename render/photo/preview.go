package photo

import (
	"context"
	"crypto/sha256"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"sync"

	"github.com/disintegration/imaging"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"oshigoods/render"
)

var _ render.Previewer = (*Template)(nil)

const (
	// previewQuality is the JPEG quality of the watermarked preview: small
	// and quick to send, good enough to judge the crop and the name.
	previewQuality = 82
	// previewCacheSize is how many photos a template keeps placed at
	// preview size, most recently used first: a fan typing their name
	// asks for a preview of the same photo again and again.
	previewCacheSize = 16
	// previewOversample is how much larger than the slot a photo is
	// scaled before placement, so that placement may crop closer (to a
	// face) without going soft.
	previewOversample = 2
)

// previewer makes the watermarked previews of POST /v1/previews: the same
// design compiled at the preview's resolution, its photos decoded and
// placed once per upload. The design's layers and watermark are made on
// the first preview, from the full template's decoded art and parsed
// font, so a process that only renders (the worker, the CLI) never pays
// for them.
type previewer struct {
	design func() (previewDesign, error) // made once, on first use

	mu    sync.Mutex
	cache []cachedPhoto // most recently used first
}

// previewDesign is the design at preview resolution, with its watermark.
type previewDesign struct {
	t    *Template    // the design at preview resolution
	mark *image.Alpha // the watermark over the trimmed preview
	rim  *image.Alpha // the watermark grown by a pixel and a half
}

type cachedPhoto struct {
	key    [sha256.Size]byte
	canvas *image.RGBA // the background with the photo placed in its slot
}

// newPreviewer compiles a validated spec at the resolution at which the
// trim's long edge is PreviewLongEdgePx, sharing full's assets. What can
// fail (the default name fitting its box at that resolution) is checked
// now; the scaled layers and the watermark are drawn on first use.
func newPreviewer(s Spec, full *Template) (*previewer, error) {
	long := max(s.Canvas.WidthMM, s.Canvas.HeightMM)
	s.Canvas.DPI = int(math.Ceil(float64(s.PreviewLongEdgePx)/(long/25.4) - 1e-9))
	s = s.clone()
	a := assets{cutout: full.cutout, frame: full.frame}
	for _, b := range full.texts {
		if a.fonts == nil {
			a.fonts = make(map[string]*opentype.Font)
		}
		a.fonts[b.spec.Font] = b.font
	}
	for _, fb := range s.texts() {
		if _, err := compileTextBox(a.fonts[fb.box.Font], s.Canvas, fb); err != nil {
			return nil, err
		}
	}
	design := func() (previewDesign, error) {
		t, err := build(s, a)
		if err != nil {
			return previewDesign{}, err
		}
		var first *textBox
		if len(t.texts) > 0 {
			first = t.texts[0]
		}
		mark, err := watermark(s.Canvas.crop(0).Size(), first)
		if err != nil {
			return previewDesign{}, err
		}
		return previewDesign{t: t, mark: mark, rim: dilate(mark, 1.5)}, nil
	}
	return &previewer{design: sync.OnceValues(design)}, nil
}

// Preview renders the design small with the fan's photo and name, without
// bleed, and lays a visible 見本 SAMPLE watermark over it: a JPEG of
// PreviewLongEdgePx on its long edge, fast enough to ask for as a fan
// types (the photo is decoded and placed once, then kept). Inputs must
// have passed Check. It implements render.Previewer.
func (t *Template) Preview(ctx context.Context, in render.Inputs) (*render.File, error) {
	pv := t.preview
	d, err := pv.design()
	if err != nil {
		return nil, fmt.Errorf("preview photo: %w", err)
	}
	placed, err := pv.placed(ctx, d.t, in)
	if err != nil {
		return nil, err
	}
	s := &state{t: d.t, in: in, canvas: image.NewRGBA(placed.Rect)}
	copy(s.canvas.Pix, placed.Pix)
	for _, step := range []step{overlayCutout, overlayFrame, drawTexts} {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("preview photo: %w", err)
		}
		if err := step(s); err != nil {
			return nil, err
		}
	}
	r := d.t.spec.Canvas.crop(0)
	out := image.NewRGBA(image.Rectangle{Max: r.Size()})
	draw.Draw(out, out.Bounds(), s.canvas, r.Min, draw.Src)
	d.stampWatermark(out)
	data, err := encodeJPEG(out, previewQuality, 0)
	if err != nil {
		return nil, err
	}
	return &render.File{Name: FilePreview, Role: render.RolePreview, ContentType: "image/jpeg", Data: data}, nil
}

// placed returns the preview's canvas with the background and the upload
// placed in the slot (decoded upright, scaled to previewOversample times
// the size that covers the slot, then placed as a render places it), from
// the cache when the same bytes were seen lately. The result is shared:
// callers copy it before drawing.
func (pv *previewer) placed(ctx context.Context, t *Template, in render.Inputs) (*image.RGBA, error) {
	data := in.Images[FieldPhoto]
	key := sha256.Sum256(data)
	pv.mu.Lock()
	for i, c := range pv.cache {
		if c.key == key {
			copy(pv.cache[1:i+1], pv.cache[:i])
			pv.cache[0] = c
			pv.mu.Unlock()
			return c.canvas, nil
		}
	}
	pv.mu.Unlock()

	s := &state{ctx: ctx, t: t, in: in}
	defer s.releaseDecode() // the placed canvas is kept; the decode is done
	if err := decodePhoto(s); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("preview photo: %w", err)
	}
	b, slot := s.photo.Bounds(), t.slot
	scale := previewOversample * max(float64(slot.Dx())/float64(b.Dx()), float64(slot.Dy())/float64(b.Dy()))
	if scale < 1 {
		// imaging reads an NRGBA: convert a YCbCr as shrink does.
		s.photo = imaging.Resize(shrink(s.photo, 1), int(math.Round(float64(b.Dx())*scale)), int(math.Round(float64(b.Dy())*scale)), imaging.Linear)
	}
	if err := placePhoto(s); err != nil {
		return nil, err
	}

	pv.mu.Lock()
	defer pv.mu.Unlock()
	for _, c := range pv.cache {
		if c.key == key { // placed meanwhile by another request
			return c.canvas, nil
		}
	}
	if len(pv.cache) < previewCacheSize {
		pv.cache = append(pv.cache, cachedPhoto{})
	}
	copy(pv.cache[1:], pv.cache[:len(pv.cache)-1])
	pv.cache[0] = cachedPhoto{key: key, canvas: s.canvas}
	return s.canvas, nil
}

// watermarkText is repeated across every preview.
const watermarkText = "見本 SAMPLE"

// watermark draws the watermark's mask for an image of the given size:
// watermarkText in rows rising at 30°, each row shifted by half a repeat.
// It uses the first text box's font, or Go's own when the design has no
// text box.
func watermark(size image.Point, b *textBox) (*image.Alpha, error) {
	const (
		sizePx = 30.0 // letter size in pixels of the preview
		angle  = 30 * math.Pi / 180
		rowGap = 3.0 // rows, in letter sizes apart
	)
	face, text, err := watermarkFace(b, sizePx)
	if err != nil {
		return nil, err
	}
	defer face.Close()
	// One repeat of the text on a strip, with room on either side.
	adv := fix(font.MeasureString(face, text))
	tw := int(math.Ceil(adv + 1.5*sizePx))
	th := int(math.Ceil(rowGap * sizePx))
	strip := image.NewAlpha(image.Rect(0, 0, tw, th))
	drawText(strip, face, text, 0.75*sizePx, float64(th)/2+sizePx*0.35)

	// Sample the strip, tiled and rotated, at every pixel (bilinear).
	mark := image.NewAlpha(image.Rectangle{Max: size})
	sin, cos := math.Sincos(angle)
	at := func(x, y int) float64 {
		x = ((x % tw) + tw) % tw
		y = ((y % th) + th) % th
		return float64(strip.Pix[y*strip.Stride+x])
	}
	for y := 0; y < size.Y; y++ {
		for x := 0; x < size.X; x++ {
			fx, fy := float64(x)+0.5, float64(y)+0.5
			u := fx*cos - fy*sin
			v := fx*sin + fy*cos
			row := math.Floor(v / float64(th))
			u += row * float64(tw) / 2 // stagger alternate rows
			u0, v0 := math.Floor(u-0.5), math.Floor(v-0.5)
			du, dv := u-0.5-u0, v-0.5-v0
			iu, iv := int(u0), int(v0)
			a := at(iu, iv)*(1-du)*(1-dv) + at(iu+1, iv)*du*(1-dv) + at(iu, iv+1)*(1-du)*dv + at(iu+1, iv+1)*du*dv
			mark.Pix[y*mark.Stride+x] = uint8(math.Round(a))
		}
	}
	return mark, nil
}

// stampWatermark lays the watermark over img: a soft dark rim, so it shows
// on white, under white letters, so it shows on dark.
func (d previewDesign) stampWatermark(img *image.RGBA) {
	r := img.Bounds()
	draw.DrawMask(img, r, image.NewUniform(color.NRGBA{0x40, 0x30, 0x38, 0x70}), image.Point{}, d.rim, image.Point{}, draw.Over)
	draw.DrawMask(img, r, image.NewUniform(color.NRGBA{0xff, 0xff, 0xff, 0xb8}), image.Point{}, d.mark, image.Point{}, draw.Over)
}

// watermarkFace returns the face the watermark is set in and its text: the
// first text box's font (Klee One here), or Go's own font and plain SAMPLE
// when the design has no text box.
func watermarkFace(b *textBox, sizePx float64) (font.Face, string, error) {
	f := (*opentype.Font)(nil)
	text := watermarkText
	if b != nil {
		f = b.font
	} else {
		var err error
		if f, err = opentype.Parse(goregular.TTF); err != nil {
			return nil, "", err
		}
		text = "SAMPLE"
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: sizePx, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		return nil, "", fmt.Errorf("watermark face: %w", err)
	}
	return face, text, nil
}

// drawText draws s on dst with its dot at (x, y) in pixels.
func drawText(dst *image.Alpha, face font.Face, s string, x, y float64) {
	d := font.Drawer{Dst: dst, Src: image.Opaque, Face: face, Dot: fixed.Point26_6{X: fixed.Int26_6(math.Round(x * 64)), Y: fixed.Int26_6(math.Round(y * 64))}}
	d.DrawString(s)
}
