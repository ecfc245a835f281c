package card

import (
	"context"
	"fmt"

	"oshigoods/render"
	"oshigoods/render/printpdf"
)

// page is what both backends draw, in millimetres from the top-left
// corner of the trim: the paper, its rules and the placed glyphs. The PDF
// adds the bleed and crop marks around it; the preview shows the trim.
type page struct {
	sizeMM float64 // the em, the font size in mm
	rules  [][4]float64
	lines  []pageLine
	// sig is where the signature image goes (x, y, w, h), when there is
	// one.
	sig *[4]float64
}

type pageLine struct {
	text   string
	glyphs []pageGlyph
}

type pageGlyph struct {
	r rune
	// face is the font that draws r; gid, when not zero, is its glyph.
	face   *Face
	gid    uint16
	x, y   float64
	rotate bool
	scaleX float64
}

// compose places a fitted layout in the template's box, aligned to where
// lines start (the right for vertical text, the top for horizontal), and
// draws the rules between lines of a ruled paper. The layout puts every
// baseline where the primary font's em box sits in its cell; a glyph of
// the fallback font moves so that its own em box sits there instead.
func (t *Template) compose(s *setting) *page {
	em := s.sizePt * ptToMM
	l := s.layout
	w, _ := l.Size()
	ox, oy := t.boxX, t.boxY
	if t.c.vertical {
		ox = t.boxX + t.boxW - w*em
	}
	pg := &page{sizeMM: em}
	if t.c.Paper.Rules == "ruled" {
		pitch := t.c.LinePitch * em
		if t.c.vertical {
			right := t.boxX + t.boxW
			for x := right; x >= t.boxX-1e-6; x -= pitch {
				pg.rules = append(pg.rules, [4]float64{x, t.boxY - em/2, x, t.boxY + t.boxH + em})
			}
		} else {
			for y := t.boxY; y <= t.boxY+t.boxH+1e-6; y += pitch {
				pg.rules = append(pg.rules, [4]float64{t.boxX - em/2, y, t.boxX + t.boxW + em, y})
			}
		}
	}
	for _, ln := range l.Lines {
		pl := pageLine{text: ln.Text}
		for _, g := range ln.Glyphs {
			f := t.fonts.face(g.Rune)
			gl := pageGlyph{r: g.Rune, face: f, gid: g.GID, x: ox + g.X*em, y: oy + g.Y*em, rotate: g.Rotate, scaleX: g.ScaleX}
			if d := (f.ascent - t.fonts.primary.ascent) * em; g.Rotate {
				gl.x -= d
			} else {
				gl.y += d
			}
			pl.glyphs = append(pl.glyphs, gl)
		}
		pg.lines = append(pg.lines, pl)
	}
	if t.sig != nil {
		// The image ends the last line, centred across it, scaled with
		// the text.
		centre := l.LineCenter(len(l.Lines)-1) * em
		end := float64(l.Params.CharsPerLine) * em
		if t.c.vertical {
			centre, end = ox+centre, oy+end
		} else {
			centre, end = oy+centre, ox+end
		}
		x, y, w, h := t.sig.rect(t.c.vertical, centre, end, s.sizePt/t.c.FontSizePt)
		pg.sig = &[4]float64{x, y, w, h}
	}
	return pg
}

// Render sets the letter and returns card.pdf (the print file) and
// preview.png, in that order, and the print file's preflight. The print file is finished as in.Profile
// says: its bleed on every side and トンボ when it asks for crop marks; the
// zero profile gives the trim alone. A profile with a bleed outside 0 to
// 10 mm is an error.
func (t *Template) Render(ctx context.Context, in render.Inputs) (*render.Result, error) {
	s, pg, warnings, err := t.layout(ctx, in)
	if err != nil {
		return nil, err
	}
	// The preview is drawn while the print file is written: neither
	// changes the page, and each is most of a render's time.
	type preview struct {
		png []byte
		err error
	}
	done := make(chan preview, 1)
	go func() {
		var p preview
		defer func() {
			if r := recover(); r != nil {
				p.err = fmt.Errorf("panic: %v", r)
			}
			done <- p
		}()
		p.png, p.err = t.png(pg)
	}()
	pdf, err := t.pdf(pg, s.sizePt, in.Profile)
	prev := <-done
	if err != nil {
		return nil, fmt.Errorf("write pdf: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if prev.err != nil {
		return nil, fmt.Errorf("write preview: %w", prev.err)
	}
	pf, err := printpdf.Preflight("card.pdf", pdf)
	if err != nil {
		return nil, err
	}
	pf.Warnings = append(pf.Warnings, warnings...)
	return &render.Result{
		Files: []render.File{
			{Name: "card.pdf", Role: render.RoleOutput, ContentType: "application/pdf", Data: pdf},
			{Name: "preview.png", Role: render.RolePreview, ContentType: "image/png", Data: prev.png},
		},
		Warnings:  warnings,
		Preflight: pf,
	}, nil
}

// RenderPDF returns the print file alone, the same bytes as Render's
// card.pdf, for a caller that needs no preview: a print file re-made for
// another shop's profile, or a comparison with an HTML-to-PDF service.
func (t *Template) RenderPDF(ctx context.Context, in render.Inputs) ([]byte, error) {
	s, pg, _, err := t.layout(ctx, in)
	if err != nil {
		return nil, err
	}
	pdf, err := t.pdf(pg, s.sizePt, in.Profile)
	if err != nil {
		return nil, fmt.Errorf("write pdf: %w", err)
	}
	return pdf, nil
}

// layout checks the profile's bleed, sets the letter and places it on
// the page.
func (t *Template) layout(ctx context.Context, in render.Inputs) (*setting, *page, []string, error) {
	if b := in.Profile.BleedMM; b < 0 || b > maxBleedMM {
		return nil, nil, nil, fmt.Errorf("print profile %q: bleed %g mm: want 0 to %d", in.Profile.Name, b, maxBleedMM)
	}
	s, warnings, err := t.fit(t.text(in))
	if err != nil {
		return nil, nil, nil, err
	}
	pg := t.compose(s)
	if err := ctx.Err(); err != nil {
		return nil, nil, nil, err
	}
	return s, pg, warnings, nil
}
