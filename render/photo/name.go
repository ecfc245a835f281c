package photo

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"io/fs"
	"math"
	"strings"
	"unicode/utf8"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"

	"oshigoods"
	"oshigoods/render"
)

// textBox is a compiled text box: the field it draws, the parsed font and
// the box in pixels.
type textBox struct {
	field     string // FieldName, FieldDate
	spec      *TextBox
	canvas    Canvas
	font      *opentype.Font
	color     color.NRGBA
	outline   color.NRGBA
	outlinePx float64
	boldPx    float64
	box       image.Rectangle
}

// readFont reads and parses a TrueType or OpenType font asset. A font
// embedded in the binary is parsed in place, through ReadAt: it is in
// memory already, and reading Klee One (21 MB) whole cost a render's
// process 60 ms of copying and page faults for the few tables and glyphs
// it uses. So is a font of a file system that says its files stay in
// memory unchanged (an InMemory method returning true, as the template
// loader's has). Other file systems' fonts are read whole, so that no file
// is left open.
func readFont(fsys fs.FS, name string) (*opentype.Font, error) {
	if ra, _, ok := render.OpenInPlace(fsys, name); ok {
		font, err := opentype.ParseReaderAt(ra)
		if err != nil {
			return nil, fmt.Errorf("parse font %s: %w", name, err)
		}
		return font, nil
	}
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	f, err := opentype.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("parse font %s: %w", name, err)
	}
	return f, nil
}

// compileTextBox compiles fb's box on canvas c, set in the parsed font f,
// and checks that its default fits.
func compileTextBox(f *opentype.Font, c Canvas, fb fieldBox) (*textBox, error) {
	b := newTextBox(f, c, fb.field, fb.box)
	if _, _, err := b.fit(fb.box.Default); err != nil {
		return nil, fmt.Errorf("%s: default %q: %s", fb.field, fb.box.Default, oshigoods.ErrorMessage(err))
	}
	return b, nil
}

// newTextBox compiles the box n of field on canvas c, set in the parsed
// font f.
func newTextBox(f *opentype.Font, c Canvas, field string, n *TextBox) *textBox {
	b := &textBox{field: field, spec: n, canvas: c, font: f, box: c.rect(n.Rect)}
	b.color, _ = parseColor(n.Color)
	if n.OutlineMM > 0 {
		b.outline, _ = parseColor(n.OutlineColor)
		b.outlinePx = n.OutlineMM / 25.4 * float64(c.DPI)
	}
	b.boldPx = n.BoldMM / 25.4 * float64(c.DPI)
	return b
}

// face returns the font at size pt, unhinted so that advances scale
// linearly with the size.
func (b *textBox) face(pt float64) (font.Face, error) {
	return opentype.NewFace(b.font, &opentype.FaceOptions{Size: pt, DPI: float64(b.canvas.DPI), Hinting: font.HintingNone})
}

// fit finds the largest size from MaxSizePt down to MinSizePt, in steps of
// half a point, at which s fits the box's width. It returns 0 for an empty
// s, a warning when the text was shrunk, and an EUNPROCESSABLE error on the
// box's field ("name", "date") when s is too long, has a character the font
// lacks, or does not fit even at MinSizePt.
func (b *textBox) fit(s string) (pt float64, warnings []string, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil, nil
	}
	n := b.spec
	if c := utf8.RuneCountInString(s); c > n.MaxLength {
		return 0, nil, oshigoods.FieldErrorf(b.field, "%s is %d characters; the limit is %d (%d too many).", b.field, c, n.MaxLength, c-n.MaxLength)
	}
	var buf sfnt.Buffer
	for _, r := range s {
		if g, err := b.font.GlyphIndex(&buf, r); err != nil || g == 0 {
			return 0, nil, oshigoods.FieldErrorf(b.field, "%s contains %q (U+%04X), which this design's font cannot print.", b.field, r, r)
		}
	}
	avail := float64(b.box.Dx()) - 2*(b.outlinePx+b.boldPx)
	// Advances scale linearly with an unhinted face, so measure once at
	// the largest size and start from the estimate; then confirm with the
	// real face, stepping down if rounding says otherwise.
	width, err := b.measure(s, n.MaxSizePt)
	if err != nil {
		return 0, nil, err
	}
	pt = n.MaxSizePt
	if width > avail {
		pt = math.Floor(n.MaxSizePt*avail/width/sizeStepPt) * sizeStepPt
	}
	for ; pt >= n.MinSizePt; pt -= sizeStepPt {
		w, err := b.measure(s, pt)
		if err != nil {
			return 0, nil, err
		}
		if w <= avail {
			if pt < n.MaxSizePt {
				warnings = append(warnings, fmt.Sprintf("The %s was set at %.1f pt instead of %.1f pt to fit its box.", b.field, pt, n.MaxSizePt))
			}
			return pt, warnings, nil
		}
	}
	return 0, nil, oshigoods.FieldErrorf(b.field, "%s is too wide for its box even at the smallest size (%.1f pt): shorten it or use narrower characters.", b.field, n.MinSizePt)
}

// measure returns the advance width of s at size pt in pixels.
func (b *textBox) measure(s string, pt float64) (float64, error) {
	face, err := b.face(pt)
	if err != nil {
		return 0, fmt.Errorf("font face: %w", err)
	}
	defer face.Close()
	return fix(font.MeasureString(face, s)), nil
}

func fix(v fixed.Int26_6) float64 { return float64(v) / 64 }

// drawTexts draws each text field (name, then date), fitted, into its box:
// the layers s.texts holds when they were laid out already
// (withBlankCanvas), else laid out now. A field that does not fit returns
// its error once the fields before it are drawn.
func drawTexts(s *state) error {
	layers := s.texts
	if layers == nil {
		layers = layOutTexts(s.t, s.in)
	}
	for _, l := range layers {
		if l.err != nil {
			return l.err
		}
		s.warnings = append(s.warnings, l.warnings...)
		l.paint(s.canvas)
	}
	return nil
}

// textLayer is a text box's field laid out: the alpha masks of its
// letters and of its outline over area, ready to paint on a canvas.
type textLayer struct {
	b             *textBox
	area          image.Rectangle
	mask, outline *image.Alpha // mask nil: nothing to draw; outline nil: none
	warnings      []string
	err           error
}

// layOutTexts lays out each of t's text fields (layOutText) in drawing
// order. It reads only t and in, so it can run alongside the decode.
func layOutTexts(t *Template, in render.Inputs) []textLayer {
	layers := make([]textLayer, 0, len(t.texts))
	for _, b := range t.texts {
		l := layOutText(t, in, b)
		layers = append(layers, l)
		if l.err != nil {
			break
		}
	}
	return layers
}

// layOutText fits b's field into its box and lays the line out on an
// alpha mask covering the box plus the outline, and the outline's mask.
func layOutText(t *Template, in render.Inputs, b *textBox) textLayer {
	l := textLayer{b: b}
	text := strings.TrimSpace(t.textValue(in, b.field))
	pt, warnings, err := b.fit(text)
	if err != nil || pt == 0 {
		l.err = err
		return l
	}
	l.warnings = warnings
	face, err := b.face(pt)
	if err != nil {
		l.err = fmt.Errorf("font face: %w", err)
		return l
	}
	defer face.Close()

	pad := int(math.Ceil(b.outlinePx+b.boldPx)) + 1
	l.area = b.box.Inset(-pad)
	mask := image.NewAlpha(l.area)
	m := face.Metrics()
	width := fix(font.MeasureString(face, text))
	var x float64
	switch b.spec.Align {
	case "left":
		x = float64(b.box.Min.X) + b.outlinePx + b.boldPx
	case "right":
		x = float64(b.box.Max.X) - b.outlinePx - b.boldPx - width
	default:
		x = float64(b.box.Min.X) + (float64(b.box.Dx())-width)/2
	}
	ascent, descent := fix(m.Ascent), fix(m.Descent)
	y := float64(b.box.Min.Y) + (float64(b.box.Dy())-(ascent+descent))/2 + ascent
	d := font.Drawer{Dst: mask, Src: image.Opaque, Face: face, Dot: fixed.Point26_6{X: fixed.Int26_6(math.Round(x * 64)), Y: fixed.Int26_6(math.Round(y * 64))}}
	d.DrawString(text)
	if b.boldPx > 0 {
		mask = dilate(mask, b.boldPx)
	}
	l.mask = mask
	if b.outlinePx > 0 {
		l.outline = dilate(mask, b.outlinePx)
	}
	return l
}

// paint draws the layer on canvas: first its outline, then its letters.
func (l textLayer) paint(canvas *image.RGBA) {
	if l.mask == nil {
		return
	}
	if l.outline != nil {
		draw.DrawMask(canvas, l.area, image.NewUniform(l.b.outline), image.Point{}, l.outline, l.area.Min, draw.Over)
	}
	draw.DrawMask(canvas, l.area, image.NewUniform(l.b.color), image.Point{}, l.mask, l.area.Min, draw.Over)
}

// dilate grows the mask by r pixels in every direction with an
// anti-aliased round edge: each pixel takes the largest neighbour within r,
// weighted down over the last pixel of distance.
func dilate(src *image.Alpha, r float64) *image.Alpha {
	type tap struct {
		dx, dy int
		w      uint32 // weight out of 256
	}
	var taps []tap
	ri := int(math.Ceil(r))
	for dy := -ri; dy <= ri; dy++ {
		for dx := -ri; dx <= ri; dx++ {
			w := r + 0.5 - math.Hypot(float64(dx), float64(dy))
			if w <= 0 {
				continue
			}
			taps = append(taps, tap{dx, dy, uint32(math.Round(min(w, 1) * 256))})
		}
	}
	b := src.Bounds()
	dst := image.NewAlpha(b)
	// Only pixels within ri of ink can change: the letters of a short
	// name cover a small part of their box.
	ink := inkBounds(src)
	if ink.Empty() {
		return dst
	}
	area := ink.Inset(-ri).Intersect(b)
	parallelRows(area.Dy(), func(y0, y1 int) {
		for y := area.Min.Y + y0; y < area.Min.Y+y1; y++ {
			for x := area.Min.X; x < area.Max.X; x++ {
				var best uint32
				for _, t := range taps {
					sx, sy := x+t.dx, y+t.dy
					if sx < b.Min.X || sy < b.Min.Y || sx >= b.Max.X || sy >= b.Max.Y {
						continue
					}
					if v := uint32(src.Pix[src.PixOffset(sx, sy)]) * t.w >> 8; v > best {
						best = v
						if best == 0xff {
							break
						}
					}
				}
				dst.Pix[dst.PixOffset(x, y)] = uint8(best)
			}
		}
	})
	return dst
}

// inkBounds is the smallest rectangle holding every non-zero pixel of m.
func inkBounds(m *image.Alpha) image.Rectangle {
	var r image.Rectangle
	b := m.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := m.Pix[m.PixOffset(b.Min.X, y):][:b.Dx()]
		first := -1
		for i, v := range row {
			if v != 0 {
				first = i
				break
			}
		}
		if first < 0 {
			continue
		}
		last := first
		for i := len(row) - 1; i > first; i-- {
			if row[i] != 0 {
				last = i
				break
			}
		}
		r = r.Union(image.Rect(b.Min.X+first, y, b.Min.X+last+1, y+1))
	}
	return r
}
