package card

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf16"

	"oshigoods/render"
	"oshigoods/render/printpdf"
)

// maxBleedMM is the largest bleed a print profile may ask for.
const maxBleedMM = 10

// pdf writes the print file as the profile finishes it (see
// printpdf.Page): paper into the bleed, the fonts embedded and subset,
// PDF/X-4 with the profile's output intent.
// Glyphs are placed one by one with Text; gofpdf's MultiCell and SplitText
// are never used, as they drop characters at Japanese line breaks. Each line is a marked-content span whose ActualText is the
// line's text, so extraction gives the real characters in reading order
// even where a private use code point draws a vertical form or 𠮷.
func (t *Template) pdf(pg *page, sizePt float64, prof render.Profile) ([]byte, error) {
	c := t.c
	bleed := prof.BleedMM
	sheet := printpdf.Page{TrimW: c.WidthMM, TrimH: c.HeightMM, BleedMM: bleed, CropMarks: prof.CropMarks,
		OutputICC: prof.OutputICC, OutputICCName: prof.OutputICCName, Title: "Letter card"}
	off := sheet.Off()
	p := sheet.New()
	// The fonts drawn on this page, the primary first, each given to
	// gofpdf as a cut holding only the glyphs drawn; a font not drawn is
	// not added, as gofpdf embeds every font added.
	var fonts []*pdfFont
	byFace := map[*Face]*pdfFont{}
	for _, ln := range pg.lines {
		for _, g := range ln.glyphs {
			pf := byFace[g.face]
			if pf == nil {
				// The family name is as long as the subset name given below.
				pf = &pdfFont{face: g.face, used: map[rune]bool{}}
				byFace[g.face] = pf
				fonts = append(fonts, pf)
			}
			r := g.face.pdfRune(g.r, g.gid)
			if r == 0 {
				return nil, fmt.Errorf("no glyph for %q", g.r)
			}
			pf.used[r] = true
		}
	}
	if byFace[t.fonts.primary] == nil {
		pf := &pdfFont{face: t.fonts.primary, used: map[rune]bool{}}
		byFace[pf.face], fonts = pf, append([]*pdfFont{pf}, fonts...)
	}
	sort.SliceStable(fonts, func(i, j int) bool { return fonts[i].face == t.fonts.primary && fonts[j].face != t.fonts.primary })
	for i, pf := range fonts {
		pf.family = printpdf.SubsetFamily(i, pf.face.psName)
		cut, err := pf.face.cut(sortedRunes(pf.used))
		if err != nil {
			return nil, fmt.Errorf("cut font %s: %w", pf.face.psName, err)
		}
		p.AddUTF8FontFromBytes(pf.family, "", cut)
		if err := p.Error(); err != nil {
			return nil, fmt.Errorf("add font %s: %w", pf.face.psName, err)
		}
	}

	p.SetFillColor(int(c.paper.R), int(c.paper.G), int(c.paper.B))
	p.Rect(off-bleed, off-bleed, c.WidthMM+2*bleed, c.HeightMM+2*bleed, "F")
	if len(pg.rules) > 0 {
		p.SetDrawColor(int(c.rule.R), int(c.rule.G), int(c.rule.B))
		p.SetLineWidth(0.2)
		for _, r := range pg.rules {
			p.Line(off+r[0], off+r[1], off+r[2], off+r[3])
		}
	}
	p.SetTextColor(int(c.ink.R), int(c.ink.G), int(c.ink.B))
	var cur *pdfFont
	for _, ln := range pg.lines {
		if len(ln.glyphs) == 0 {
			continue
		}
		p.RawWriteStr(fmt.Sprintf("/Span <</ActualText <FEFF%s>>> BDC", utf16Hex(ln.text)))
		for _, g := range ln.glyphs {
			if pf := byFace[g.face]; pf != cur {
				p.SetFont(pf.family, "", sizePt)
				cur = pf
			}
			r := g.face.pdfRune(g.r, g.gid)
			x, y := off+g.x, off+g.y
			if g.rotate || g.scaleX != 0 && g.scaleX != 1 {
				p.TransformBegin()
				if g.rotate {
					p.TransformRotate(-90, x, y)
				}
				if g.scaleX != 0 && g.scaleX != 1 {
					p.TransformScale(g.scaleX*100, 100, x, y)
				}
				p.Text(x, y, string(r))
				p.TransformEnd()
			} else {
				p.Text(x, y, string(r))
			}
		}
		p.RawWriteStr("EMC")
	}
	if r := pg.sig; r != nil {
		p.RegisterImageInfo("signature", t.sig.pdf)
		p.ImageOptions("signature", off+r[0], off+r[1], r[2], r[3], false, sigImageOptions, 0, "")
		if err := p.Error(); err != nil {
			return nil, fmt.Errorf("signature image: %w", err)
		}
	}
	out, err := sheet.Output(p)
	if err != nil {
		return nil, err
	}
	// Each font's PostScript name with a subset tag, before the file is
	// finalised as PDF/X-4.
	for _, pf := range fonts {
		out = printpdf.TagSubset(out, pf.family, pf.face.psName, string(sortedRunes(pf.used)))
	}
	return sheet.Finalize(out)
}

// pdfFont is a face added to a gofpdf document and the code points drawn
// with it.
type pdfFont struct {
	face   *Face
	family string
	used   map[rune]bool
}

func utf16Hex(s string) string {
	var b strings.Builder
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, "%04X", u)
	}
	return b.String()
}

func sortedRunes(set map[rune]bool) []rune {
	rs := make([]rune, 0, len(set))
	for r := range set {
		rs = append(rs, r)
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i] < rs[j] })
	return rs
}
