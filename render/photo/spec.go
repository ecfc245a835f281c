package photo

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strconv"
	"strings"
)

// Spec is the "photo" section of a template manifest. Geometry is in
// millimetres of the trimmed product; pixels are derived in one place
// (Canvas.px) from the resolution and the bleed. One template serves every
// print profile: the art reaches Canvas.BleedMM past the trim and each
// render keeps as much of it as its profile's bleed asks for.
type Spec struct {
	// Canvas is the product's trim size, resolution and bleed.
	Canvas Canvas `json:"canvas"`
	// Background is the colour under everything, as "#rrggbb". Default is
	// white.
	Background string `json:"background"`
	// Slot is where the fan's photo goes; the photo is cover-cropped into
	// it around its centre.
	Slot Slot `json:"slot"`
	// Cutout is an image drawn over the photo, scaled to its rect.
	Cutout Layer `json:"cutout"`
	// Frame is a full-canvas image with transparency drawn over the photo
	// and the cutout. Its aspect ratio must match the canvas.
	Frame Layer `json:"frame"`
	// Name is the optional text box for the field "name". Nil means the
	// template has no name field.
	Name *TextBox `json:"name,omitempty"`
	// Date is the optional text box for the field "date", drawn the same
	// way as the name. Nil means the template has no date field.
	Date *TextBox `json:"date,omitempty"`
	// PreviewLongEdgePx is the long edge of the preview in pixels. Zero
	// means 480.
	PreviewLongEdgePx int `json:"preview_long_edge_px"`
	// JPEGQuality is the quality of both JPEGs, from 1 to 100 inclusive,
	// higher is better. Zero means 92.
	JPEGQuality int `json:"jpeg_quality"`
}

// Canvas is the product's size.
type Canvas struct {
	WidthMM  float64 `json:"width_mm"`
	HeightMM float64 `json:"height_mm"`
	// DPI is the print resolution. Zero means 300.
	DPI int `json:"dpi"`
	// BleedMM is how far the background and frame art reach past the
	// trim on every side: the most bleed a print profile may ask for (the
	// built-in profiles ask for up to 4 mm). Zero means none.
	BleedMM float64 `json:"bleed_mm"`
	// SafeMM is the margin inside the trim that text and the idol's face
	// keep clear of, so a cut that wanders does not touch them. Zero means
	// 3.
	SafeMM float64 `json:"safe_mm"`
}

// Rect is a rectangle on the canvas in millimetres from the top-left
// corner of the trim box.
type Rect struct {
	XMM      float64 `json:"x_mm"`
	YMM      float64 `json:"y_mm"`
	WidthMM  float64 `json:"width_mm"`
	HeightMM float64 `json:"height_mm"`
}

// Slot is where the fan's photo goes.
type Slot struct {
	// Label is the photo field's label shown to a fan.
	Label string `json:"label"`
	Rect  Rect   `json:"rect"`
	// MinDPI is the effective resolution (the photo's pixels per inch in
	// the slot after the cover crop) under which an order is refused; a
	// render still warns. Zero means 150.
	MinDPI int `json:"min_dpi"`
	// GoodDPI is the effective resolution under which a fan is warned that
	// the photo may print soft. Zero means 300.
	GoodDPI int `json:"good_dpi"`
	// FaceBox is where the fan's face should land, inside Rect: the crop
	// moves so that a detected face (else smartcrop's choice) sits at its
	// centre as far as the photo reaches. Nil means a centred crop.
	FaceBox *Rect `json:"face_box,omitempty"`
}

// Layer is an image asset placed on the canvas.
type Layer struct {
	// Asset is the PNG's path relative to the catalogue root.
	Asset string `json:"asset"`
	// Rect is where the asset goes. A frame ignores it: it covers the
	// whole canvas.
	Rect Rect `json:"rect"`
}

// TextBox is where a text field ("name", "date") is drawn, auto-fitted.
type TextBox struct {
	// Label is the field's label shown to a fan.
	Label string `json:"label"`
	// MaxLength is the most characters the field takes. Zero means 20.
	MaxLength int `json:"max_length"`
	// Default is drawn when the fan leaves the field empty. Empty means
	// nothing is drawn. It must fit the box at compile time.
	Default string `json:"default"`
	// Font is the path of a TrueType or OpenType font relative to the
	// catalogue root.
	Font string `json:"font"`
	// Color is the text colour as "#rrggbb".
	Color string `json:"color"`
	// OutlineColor and OutlineMM draw a rim around the letters. Zero width
	// means no rim.
	OutlineColor string  `json:"outline_color"`
	OutlineMM    float64 `json:"outline_mm"`
	// BoldMM thickens the letters' strokes by this much on each side, for
	// a light font that should print heavier. Zero means the font's own
	// weight.
	BoldMM float64 `json:"bold_mm"`
	// MaxSizePt is the size tried first, MinSizePt the smallest the text
	// may shrink to before it is refused as too long.
	MaxSizePt float64 `json:"max_size_pt"`
	MinSizePt float64 `json:"min_size_pt"`
	// Align is "left", "center" or "right". Empty means "center".
	Align string `json:"align"`
	Rect  Rect   `json:"rect"`
}

const (
	defaultDPI         = 300
	defaultPreviewEdge = 480
	defaultQuality     = 92
	defaultMinDPI      = 150
	defaultGoodDPI     = 300
	defaultSafeMM      = 3
	defaultMaxLength   = 20
	sizeStepPt         = 0.5
)

// applyDefaults fills zero values with their documented defaults.
func (s *Spec) applyDefaults() {
	if s.Canvas.DPI == 0 {
		s.Canvas.DPI = defaultDPI
	}
	if s.Background == "" {
		s.Background = "#ffffff"
	}
	if s.PreviewLongEdgePx == 0 {
		s.PreviewLongEdgePx = defaultPreviewEdge
	}
	if s.JPEGQuality == 0 {
		s.JPEGQuality = defaultQuality
	}
	if s.Slot.MinDPI == 0 {
		s.Slot.MinDPI = defaultMinDPI
	}
	if s.Slot.GoodDPI == 0 {
		s.Slot.GoodDPI = defaultGoodDPI
	}
	if s.Canvas.SafeMM == 0 {
		s.Canvas.SafeMM = defaultSafeMM
	}
	if s.Slot.Label == "" {
		s.Slot.Label = "Photo"
	}
	for _, fb := range s.texts() {
		n := fb.box
		if n.MaxLength == 0 {
			n.MaxLength = defaultMaxLength
		}
		if n.Align == "" {
			n.Align = "center"
		}
		if n.Label == "" {
			n.Label = fb.defaultLabel
		}
	}
}

// fieldBox is a text box with the field it draws.
type fieldBox struct {
	field        string
	defaultLabel string
	box          *TextBox
}

// texts returns the spec's text boxes in drawing order, each with its
// field: every text field goes through this one list.
func (s *Spec) texts() []fieldBox {
	var out []fieldBox
	for _, fb := range []fieldBox{
		{FieldName, "Name", s.Name},
		{FieldDate, "Date", s.Date},
	} {
		if fb.box != nil {
			out = append(out, fb)
		}
	}
	return out
}

// clone returns s with its text boxes copied, so that the copy's boxes
// can change without touching s's.
func (s Spec) clone() Spec {
	for _, p := range []**TextBox{&s.Name, &s.Date} {
		if *p != nil {
			b := **p
			*p = &b
		}
	}
	return s
}

// Validate checks the spec after defaults are applied. It names the first
// bad key.
func (s *Spec) Validate() error {
	c := s.Canvas
	if !(c.WidthMM > 0 && c.WidthMM <= 1000 && c.HeightMM > 0 && c.HeightMM <= 1000) {
		return fmt.Errorf("canvas: width_mm and height_mm must be in (0, 1000]; got %g×%g", c.WidthMM, c.HeightMM)
	}
	if c.DPI < 72 || c.DPI > 1200 {
		return fmt.Errorf("canvas: dpi must be between 72 and 1200; got %d", c.DPI)
	}
	if c.BleedMM < 0 || c.BleedMM > 10 {
		return fmt.Errorf("canvas: bleed_mm must be between 0 and 10; got %g", c.BleedMM)
	}
	if c.SafeMM < 0 || 2*c.SafeMM >= min(c.WidthMM, c.HeightMM) {
		return fmt.Errorf("canvas: safe_mm must be at least 0 and leave room inside the trim; got %g", c.SafeMM)
	}
	if _, err := parseColor(s.Background); err != nil {
		return fmt.Errorf("background: %w", err)
	}
	if err := c.checkRect(s.Slot.Rect); err != nil {
		return fmt.Errorf("slot: %w", err)
	}
	if s.Slot.MinDPI < 0 || s.Slot.GoodDPI < s.Slot.MinDPI {
		return fmt.Errorf("slot: want 0 <= min_dpi <= good_dpi; got %d and %d", s.Slot.MinDPI, s.Slot.GoodDPI)
	}
	if fb, r := s.Slot.FaceBox, s.Slot.Rect; fb != nil && !(fb.WidthMM > 0 && fb.HeightMM > 0 && fb.XMM >= r.XMM && fb.YMM >= r.YMM && fb.XMM+fb.WidthMM <= r.XMM+r.WidthMM && fb.YMM+fb.HeightMM <= r.YMM+r.HeightMM) {
		return fmt.Errorf("slot: face_box must be a non-empty rect inside the slot's rect")
	}
	if fb := s.Slot.FaceBox; fb != nil {
		if err := c.checkSafe(*fb); err != nil {
			return fmt.Errorf("slot: face_box: %w", err)
		}
	}
	if s.Cutout.Asset == "" {
		return fmt.Errorf("cutout: asset is required")
	}
	if err := c.checkRect(s.Cutout.Rect); err != nil {
		return fmt.Errorf("cutout: %w", err)
	}
	if err := c.checkSafe(s.Cutout.Rect); err != nil {
		return fmt.Errorf("cutout: %w", err)
	}
	if s.Frame.Asset == "" {
		return fmt.Errorf("frame: asset is required")
	}
	for _, fb := range s.texts() {
		if err := fb.box.validate(c); err != nil {
			return fmt.Errorf("%s: %w", fb.field, err)
		}
	}
	if s.PreviewLongEdgePx < 64 || s.PreviewLongEdgePx > 4096 {
		return fmt.Errorf("preview_long_edge_px must be between 64 and 4096; got %d", s.PreviewLongEdgePx)
	}
	if s.JPEGQuality < 1 || s.JPEGQuality > 100 {
		return fmt.Errorf("jpeg_quality must be between 1 and 100; got %d", s.JPEGQuality)
	}
	return nil
}

func (n *TextBox) validate(c Canvas) error {
	if n.Font == "" {
		return fmt.Errorf("font is required")
	}
	if _, err := parseColor(n.Color); err != nil {
		return fmt.Errorf("color: %w", err)
	}
	if n.OutlineMM < 0 || n.OutlineMM > 3 {
		return fmt.Errorf("outline_mm must be between 0 and 3; got %g", n.OutlineMM)
	}
	if n.BoldMM < 0 || n.BoldMM > 1 {
		return fmt.Errorf("bold_mm must be between 0 and 1; got %g", n.BoldMM)
	}
	if n.OutlineMM > 0 {
		if _, err := parseColor(n.OutlineColor); err != nil {
			return fmt.Errorf("outline_color: %w", err)
		}
	}
	if !(n.MinSizePt >= 4 && n.MinSizePt <= n.MaxSizePt && n.MaxSizePt <= 200) {
		return fmt.Errorf("want 4 <= min_size_pt <= max_size_pt <= 200; got %g and %g", n.MinSizePt, n.MaxSizePt)
	}
	if n.MaxLength < 1 || n.MaxLength > 200 {
		return fmt.Errorf("max_length must be between 1 and 200; got %d", n.MaxLength)
	}
	switch n.Align {
	case "left", "center", "right":
	default:
		return fmt.Errorf("align must be left, center or right; got %q", n.Align)
	}
	if err := c.checkRect(n.Rect); err != nil {
		return err
	}
	if err := c.checkSafe(n.Rect); err != nil {
		return err
	}
	if maxMM := n.MaxSizePt / 72 * 25.4; maxMM > n.Rect.HeightMM*1.5 {
		return fmt.Errorf("max_size_pt %g (%.1f mm) is too tall for a %.1f mm box", n.MaxSizePt, maxMM, n.Rect.HeightMM)
	}
	return nil
}

// checkRect reports a rect that is empty or lies outside the trim box.
func (c Canvas) checkRect(r Rect) error {
	const eps = 1e-9
	if !(r.WidthMM > 0 && r.HeightMM > 0) {
		return fmt.Errorf("rect must have a positive width_mm and height_mm; got %g×%g", r.WidthMM, r.HeightMM)
	}
	if r.XMM < -eps || r.YMM < -eps || r.XMM+r.WidthMM > c.WidthMM+eps || r.YMM+r.HeightMM > c.HeightMM+eps {
		return fmt.Errorf("rect (%g, %g, %g×%g mm) lies outside the %g×%g mm canvas", r.XMM, r.YMM, r.WidthMM, r.HeightMM, c.WidthMM, c.HeightMM)
	}
	if c.rect(r).Empty() {
		return fmt.Errorf("rect (%g×%g mm) is smaller than a pixel", r.WidthMM, r.HeightMM)
	}
	return nil
}

// checkSafe reports a rect that reaches into the safe margin inside the
// trim: text and the idol's face must stay clear of where the cut may fall.
func (c Canvas) checkSafe(r Rect) error {
	const eps = 1e-9
	m := c.SafeMM
	if r.XMM < m-eps || r.YMM < m-eps || r.XMM+r.WidthMM > c.WidthMM-m+eps || r.YMM+r.HeightMM > c.HeightMM-m+eps {
		return fmt.Errorf("rect (%g, %g, %g×%g mm) reaches into the %g mm safe margin inside the trim", r.XMM, r.YMM, r.WidthMM, r.HeightMM, m)
	}
	return nil
}

// crop is the part of the canvas (drawn with the art's full bleed) that a
// print file with the given bleed keeps: the trim plus bleed on every side,
// (trim + 2×bleed) × dpi pixels. bleed must not exceed c.BleedMM.
func (c Canvas) crop(bleed float64) image.Rectangle {
	off := c.px(c.BleedMM - bleed)
	r := image.Rect(off, off, off+c.px(c.WidthMM+2*bleed), off+c.px(c.HeightMM+2*bleed))
	// Rounding each part may overshoot the canvas by a pixel; shift back.
	full := c.size()
	return r.Sub(image.Pt(max(0, r.Max.X-full.X), max(0, r.Max.Y-full.Y)))
}

// px converts millimetres to pixels at the canvas resolution. It is the
// one place where geometry becomes pixels.
func (c Canvas) px(mm float64) int {
	return int(math.Round(mm / 25.4 * float64(c.DPI)))
}

// size is the canvas in pixels, bleed included.
func (c Canvas) size() image.Point {
	return image.Pt(c.px(c.WidthMM+2*c.BleedMM), c.px(c.HeightMM+2*c.BleedMM))
}

// rect converts a trim-box rect to pixels on the canvas, bleed included.
// Edges are rounded, not the size, so adjacent rects share their edges.
func (c Canvas) rect(r Rect) image.Rectangle {
	b := c.BleedMM
	return image.Rect(c.px(r.XMM+b), c.px(r.YMM+b), c.px(r.XMM+r.WidthMM+b), c.px(r.YMM+r.HeightMM+b))
}

// parseColor parses "#rrggbb".
func parseColor(s string) (color.NRGBA, error) {
	if len(s) != 7 || s[0] != '#' {
		return color.NRGBA{}, fmt.Errorf("want #rrggbb; got %q", s)
	}
	v, err := strconv.ParseUint(strings.ToLower(s[1:]), 16, 32)
	if err != nil {
		return color.NRGBA{}, fmt.Errorf("want #rrggbb; got %q", s)
	}
	return color.NRGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 0xff}, nil
}
