package photo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"io/fs"
	"sync"

	"github.com/disintegration/imaging"
	"golang.org/x/image/font/opentype"

	"oshigoods/render"
)

// Field names a photo template offers.
const (
	FieldPhoto = "photo" // the fan's photo: JPEG, PNG, HEIC or WebP
	FieldName  = "name"  // optional text drawn in the name box
	FieldDate  = "date"  // optional text drawn in the date box
)

// Output file names, in the order Render returns them.
const (
	FileOutput    = "photo.jpg"   // the print file: trim + the profile's bleed at full resolution
	FileOutputPDF = "photo.pdf"   // the print file instead, for a profile whose photo format is "pdf"
	FilePreview   = "preview.jpg" // a small copy of the trimmed product for a fan to look at
)

// Template is a compiled photo template. It is immutable (but for the
// preview design, made on the first preview, and a small cache of photos
// placed for previews) and safe for concurrent use.
type Template struct {
	spec   Spec
	fields []render.Field

	size       image.Point     // canvas in pixels
	background color.NRGBA     // under everything
	slot       image.Rectangle // where the photo goes, in canvas pixels
	cutout     *image.NRGBA    // pre-scaled to cutoutAt
	cutoutAt   image.Rectangle
	frame      *image.NRGBA // pre-scaled to the canvas
	texts      []*textBox   // the text fields' boxes, in drawing order
	src        sourceArt    // the art as read, for Lint (lint.go)

	// preview makes the same design at the preview's resolution, with
	// the watermark; nil inside a preview template itself.
	preview *previewer
}

var _ render.Renderer = (*Template)(nil)

// Compile decodes and validates a photo spec and loads its assets from
// fsys (paths relative to the catalogue root): the cutout and frame PNGs
// are decoded and scaled to their place once, the font read and parsed
// once (the preview design shares them). It returns the *Template as a
// render.Renderer.
func Compile(spec json.RawMessage, fsys fs.FS) (render.Renderer, error) {
	t, err := compile(spec, fsys)
	if err != nil {
		return nil, fmt.Errorf("photo: %w", err)
	}
	return t, nil
}

func compile(raw json.RawMessage, fsys fs.FS) (*Template, error) {
	var s Spec
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("decode spec: %w", err)
	}
	s.applyDefaults()
	if err := s.Validate(); err != nil {
		return nil, err
	}
	a, err := loadAssets(s, fsys)
	if err != nil {
		return nil, err
	}
	t, err := build(s, a)
	if err != nil {
		return nil, err
	}
	t.src = describeArt(a)
	if t.preview, err = newPreviewer(s, t); err != nil {
		return nil, fmt.Errorf("preview: %w", err)
	}
	return t, nil
}

// assets are a template's decoded art and parsed font, at the size the
// files have.
type assets struct {
	cutout, frame image.Image
	fonts         map[string]*opentype.Font // by asset path; one per font the text boxes use
}

// loadAssets reads, decodes and parses the files a validated spec names,
// the two PNGs at once (each decode runs on one core).
func loadAssets(s Spec, fsys fs.FS) (assets, error) {
	var a assets
	var cutoutErr, frameErr, fontErr error
	var wg sync.WaitGroup
	wg.Go(func() { a.cutout, cutoutErr = readPNG(fsys, s.Cutout.Asset) })
	wg.Go(func() { a.frame, frameErr = readPNG(fsys, s.Frame.Asset) })
	var fontField string
	for _, fb := range s.texts() {
		if _, ok := a.fonts[fb.box.Font]; ok || fontErr != nil {
			continue
		}
		if a.fonts == nil {
			a.fonts = make(map[string]*opentype.Font)
		}
		a.fonts[fb.box.Font], fontErr = readFont(fsys, fb.box.Font)
		fontField = fb.field
	}
	wg.Wait()
	switch {
	case cutoutErr != nil:
		return a, fmt.Errorf("cutout: %w", cutoutErr)
	case frameErr != nil:
		return a, fmt.Errorf("frame: %w", frameErr)
	case fontErr != nil:
		return a, fmt.Errorf("%s: %w", fontField, fontErr)
	}
	return a, nil
}

// build makes the template of a validated spec at its canvas resolution
// from its assets.
func build(s Spec, a assets) (*Template, error) {
	c := s.Canvas
	t := &Template{
		spec:     s,
		size:     c.size(),
		slot:     c.rect(s.Slot.Rect),
		cutoutAt: c.rect(s.Cutout.Rect),
	}
	t.background, _ = parseColor(s.Background)

	var err error
	if t.cutout, err = fitLayer(a.cutout, s.Cutout.Asset, t.cutoutAt.Size()); err != nil {
		return nil, fmt.Errorf("cutout: %w", err)
	}
	if t.frame, err = fitLayer(a.frame, s.Frame.Asset, t.size); err != nil {
		return nil, fmt.Errorf("frame: %w", err)
	}

	t.fields = []render.Field{{Name: FieldPhoto, Type: render.FieldImage, Label: s.Slot.Label, Required: true}}
	for _, fb := range s.texts() {
		b, err := compileTextBox(a.fonts[fb.box.Font], c, fb)
		if err != nil {
			return nil, err
		}
		t.texts = append(t.texts, b)
		n := fb.box
		t.fields = append(t.fields, render.Field{Name: fb.field, Type: render.FieldText, Label: n.Label, MaxLength: n.MaxLength, Default: n.Default})
	}
	return t, nil
}

// readPNG reads and decodes a PNG asset.
func readPNG(fsys fs.FS, name string) (image.Image, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	img, format, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", name, err)
	}
	if format != "png" {
		return nil, fmt.Errorf("%s: want a PNG, got %s", name, format)
	}
	return img, nil
}

// fitLayer scales the decoded asset name to size. The asset's aspect ratio
// must match within 1% so that art is never visibly stretched. Art drawn
// at its place's size (the shipped templates') that decoded as an
// *image.NRGBA at the origin is returned as it is, not copied: a template
// only reads its layers, and the copy cost the CLI, which compiles the
// template on every run, about 9 MB of fresh memory. Otherwise the result
// is a new image.
func fitLayer(img image.Image, name string, size image.Point) (*image.NRGBA, error) {
	b := img.Bounds()
	want := float64(size.X) / float64(size.Y)
	got := float64(b.Dx()) / float64(b.Dy())
	if got/want > 1.01 || want/got > 1.01 {
		return nil, fmt.Errorf("%s is %d×%d px; its aspect ratio must match its place of %d×%d px", name, b.Dx(), b.Dy(), size.X, size.Y)
	}
	if b.Size() == size {
		if m, ok := img.(*image.NRGBA); ok && b.Min == (image.Point{}) {
			return m, nil
		}
		return imaging.Clone(img), nil
	}
	return imaging.Resize(img, size.X, size.Y, imaging.Lanczos), nil
}

// Kind returns render.KindPhoto.
func (t *Template) Kind() render.Kind { return render.KindPhoto }

// Fields returns photo (required) and, for each text box the template
// has, its text field (optional): name, then date.
func (t *Template) Fields() []render.Field {
	return append([]render.Field(nil), t.fields...)
}

// Output gives the trim size and resolution of the print file. Its bleed
// and format come from the print profile of each render (render.Profile),
// so BleedMM is 0 and Format the default "jpeg".
func (t *Template) Output() render.Output {
	c := t.spec.Canvas
	return render.Output{WidthMM: c.WidthMM, HeightMM: c.HeightMM, DPI: c.DPI, Format: "jpeg"}
}

// Spec returns the template's spec with defaults applied.
func (t *Template) Spec() Spec {
	return t.spec.clone()
}

// Check fits each text field (name, date) into its box with the real font
// and, when the photo's bytes are present, reads the photo's header for its
// format and resolution. It does not render. It returns warnings (a shrunk
// name or date, a low-resolution photo) or an *oshigoods.Error naming the
// field.
func (t *Template) Check(ctx context.Context, in render.Inputs) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var warnings []string
	if data := in.Images[FieldPhoto]; len(data) > 0 {
		cfg, err := probePhoto(data)
		if err != nil {
			return nil, err
		}
		// Rated upright, as the upload was (orders.CheckImage) and as the
		// render rates it: one verdict, in the same words.
		if r := t.rate(cfg.Upright()); r.Message != "" {
			warnings = append(warnings, r.Message)
		}
	}
	for _, b := range t.texts {
		_, w, err := b.fit(t.textValue(in, b.field))
		if err != nil {
			return nil, err
		}
		warnings = append(warnings, w...)
	}
	return warnings, nil
}

// Render composes the print file and its preview, and the print file's
// preflight. Files come in the order photo.jpg or photo.pdf
// (render.RoleOutput), preview.jpg (render.RolePreview). The same
// inputs give the same bytes.
func (t *Template) Render(ctx context.Context, in render.Inputs) (*render.Result, error) {
	s := &state{ctx: ctx, t: t, in: in}
	defer s.releaseDecode()
	for _, step := range pipeline {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("render photo: %w", err)
		}
		if err := step(s); err != nil {
			return nil, err
		}
	}
	pf, err := s.preflight()
	if err != nil {
		return nil, err
	}
	return &render.Result{Files: s.files, Warnings: s.warnings, Preflight: pf}, nil
}

// textValue is the text to draw for a text field: the field, else its
// box's default.
func (t *Template) textValue(in render.Inputs, field string) string {
	return render.Value(t.fields, in, field)
}
