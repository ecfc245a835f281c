package card

import (
	"fmt"
	"image"
	"math"
	"strings"
	"unicode"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"

	"oshigoods/render"
)

var _ render.Linter = (*Template)(nil)

// Lint checks the compiled template beyond what Compile refuses:
//
//   - every character of the template's own text (recipient, body, date,
//     signature) has a glyph that draws something (spaces and invisible
//     format characters aside), in the font or the fallback font (an error
//     naming the character otherwise), and a
//     character only the fallback font draws is a warning, since it prints
//     in that font's style;
//   - the fonts draw the characters fans commonly type (render.CommonRunes;
//     a warning: orders with a missing one are refused);
//   - the signature image has ink, is transparent around it, is sharp at
//     its printed size (signature_length_mm) and is not mostly margin.
//
// A problem in the manifest's text has an empty File (the caller knows
// the template's template.json); one about an asset names the asset.
// Field is the manifest field, e.g. "card.body".
func (t *Template) Lint() []render.Problem {
	var ps []render.Problem
	for _, tx := range []struct{ key, text string }{
		{"recipient", strings.ReplaceAll(t.c.Recipient, "{to}", "")},
		{"body", strings.ReplaceAll(t.c.Body, "{to}", "")},
		{"date", t.c.Date},
		{"signature", t.c.Signature},
	} {
		ps = append(ps, t.lintText(tx.key, tx.text)...)
	}
	if missing := t.lacking(render.CommonRunes()); missing != "" {
		ps = append(ps, render.Problem{File: t.c.Font, Field: "card.font", Warning: true,
			Message: fmt.Sprintf("%s lacks characters fans often type: %s; an order with one is refused.", t.fontNames(), missing)})
	}
	if t.sig != nil {
		ps = append(ps, t.lintSignature()...)
	}
	return ps
}

// lintText checks the glyphs of one of the template's texts, the manifest
// field card.<key>.
func (t *Template) lintText(key, text string) []render.Problem {
	var none, fallback, blank []rune
	seen := map[rune]bool{}
	for _, r := range dropSelectors(text) {
		if r == '\n' || seen[r] {
			continue
		}
		seen[r] = true
		f := t.fonts.face(r)
		switch {
		case f == nil:
			none = append(none, r)
			continue
		case f == t.fonts.fallback:
			fallback = append(fallback, r)
		}
		if !unicode.IsSpace(r) && !unicode.Is(unicode.Cf, r) && f.blank(r, t.c.vertical) {
			blank = append(blank, r)
		}
	}
	field := "card." + key
	var ps []render.Problem
	if len(none) > 0 {
		ps = append(ps, render.Problem{Field: field,
			Message: fmt.Sprintf("%s has no glyph for %s: the card cannot print it; write it another way or choose a font that has it (font, fallback_font).", t.fontNames(), runeList(none))})
	}
	if len(blank) > 0 {
		ps = append(ps, render.Problem{Field: field,
			Message: fmt.Sprintf("the glyph of %s in %s is empty: it prints nothing; choose a font that draws it.", runeList(blank), t.fontNames())})
	}
	if len(fallback) > 0 {
		ps = append(ps, render.Problem{Field: field, Warning: true,
			Message: fmt.Sprintf("%s is drawn by the fallback font %s, in its style rather than %s's.", runeList(fallback), t.c.FallbackFont, t.c.Font)})
	}
	return ps
}

// lacking lists the runes of rs that neither font has, or "".
func (t *Template) lacking(rs []rune) string {
	var out []rune
	for _, r := range rs {
		if !t.fonts.Has(r) {
			out = append(out, r)
		}
	}
	return runeList(out)
}

// fontNames is the font's path, and the fallback font's when there is one.
func (t *Template) fontNames() string {
	if t.c.FallbackFont != "" {
		return t.c.Font + " and " + t.c.FallbackFont
	}
	return t.c.Font
}

// blank reports whether the glyph that draws r (its vertical form in
// vertical text) has no outline.
func (f *Face) blank(r rune, vertical bool) bool {
	gid := f.cmap.glyph(r)
	if vertical {
		if g, ok := f.vert[gid]; ok {
			gid = g
		}
	}
	var buf sfnt.Buffer
	segs, err := f.sf.LoadGlyph(&buf, sfnt.GlyphIndex(gid), fixed.I(int(f.upem)), nil)
	return err == nil && len(segs) == 0
}

// runeList names runes as 「あ」(U+3042), at most 12 of them.
func runeList(rs []rune) string {
	const most = 12
	var parts []string
	for i, r := range rs {
		if i == most {
			parts = append(parts, fmt.Sprintf("and %d more", len(rs)-most))
			break
		}
		parts = append(parts, fmt.Sprintf("「%c」(U+%04X)", r, r))
	}
	return strings.Join(parts, ", ")
}

// Signature image limits: under minSignatureDPI at its printed size it
// prints soft; over maxSignatureDPI it only makes every PDF bigger.
const (
	minSignatureDPI  = 150
	goodSignatureDPI = 300
	maxSignatureDPI  = 1200
)

// lintSignature checks the signature image's transparency, resolution and
// margin.
func (t *Template) lintSignature() []render.Problem {
	img, c := t.sig.img, t.c
	problem := func(warning bool, format string, args ...any) render.Problem {
		return render.Problem{File: c.SignatureImage, Field: "card.signature_image", Warning: warning, Message: fmt.Sprintf(format, args...)}
	}
	b := img.Bounds()
	var clear, ink int
	var box image.Rectangle
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			_, _, _, a := img.At(x, y).RGBA()
			if a < 0xffff {
				clear++
			}
			if a > 0 {
				ink++
				box = box.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	if ink == 0 {
		return []render.Problem{problem(false, "every pixel is transparent: the signature has no ink.")}
	}
	var ps []render.Problem
	if clear == 0 {
		ps = append(ps, problem(true, "has no transparent pixel: its background prints as a box over the paper; save the signature on a transparent background (an RGBA PNG)."))
	}
	along, inkAlong := b.Dx(), box.Dx()
	if c.vertical {
		along, inkAlong = b.Dy(), box.Dy()
	}
	dpi := float64(along) / (c.SignatureLengthMM / 25.4)
	need := int(math.Ceil(c.SignatureLengthMM / 25.4 * goodSignatureDPI))
	switch {
	case dpi < minSignatureDPI:
		ps = append(ps, problem(true, "is %d px along its line for %g mm (signature_length_mm): %.0f dpi prints soft; export it at least %d px long (%d dpi).", along, c.SignatureLengthMM, dpi, need, goodSignatureDPI))
	case dpi > maxSignatureDPI:
		ps = append(ps, problem(true, "is %d px along its line for %g mm (signature_length_mm): %.0f dpi only makes every card's PDF bigger; %d px (%d dpi) is enough.", along, c.SignatureLengthMM, dpi, need, goodSignatureDPI))
	}
	if 2*inkAlong < along {
		ps = append(ps, problem(true, "the ink takes %d of its %d px along the line: trim the transparent margin, or the signature prints much shorter than signature_length_mm.", inkAlong, along))
	}
	return ps
}
