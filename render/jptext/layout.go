package jptext

import (
	"errors"
	"fmt"
	"unicode"
)

// Font gives the layout what it needs of a font. Advances are in em.
type Font interface {
	// Has reports whether the font has a glyph for r.
	Has(r rune) bool
	// Advance is the horizontal advance of r in em.
	Advance(r rune) float64
	// VertGlyph returns the glyph the font's vertical substitution (GSUB
	// feature vert) gives r, and false when there is none.
	VertGlyph(r rune) (gid uint16, ok bool)
}

// Params is the box the text is set in, counted in the font's em.
type Params struct {
	// Vertical sets columns top to bottom, right to left (縦書き); false
	// sets lines left to right, top to bottom (横書き).
	Vertical bool
	// CharsPerLine is the length of a line in full-width cells. Required.
	CharsPerLine int
	// Lines is the number of lines the box holds. The layout sets every
	// line it needs; Fits tells whether they fit. Zero means no limit.
	Lines int
	// Pitch is the distance between the centres of adjacent lines in em,
	// at least 1. Zero means 1.75.
	Pitch float64
	// NoHang forbids hanging 、。 past the end of a line (ぶら下げ), so
	// they are pushed out with the character before them instead.
	NoHang bool
	// Ascent is the height of the top of the ideographic em box above the
	// baseline in em. Zero means 0.88, the usual value for Japanese fonts.
	Ascent float64
}

// Paragraph is one paragraph: text without newlines.
type Paragraph struct {
	Text string
	// Indent is the indent of the first line in cells (字下げ), usually 0
	// or 1.
	Indent int
	// AlignEnd sets each line flush with the end of the line (the bottom
	// of a column, the right of a line), as for a signature.
	AlignEnd bool
}

// Glyph is one glyph placed by the layout. Coordinates are in em from the
// top-left corner of the box, x to the right and y down. X, Y is the
// glyph's origin: the left end of its baseline as the font designs it.
type Glyph struct {
	Rune rune
	// GID, when not zero, is the glyph to draw instead of Rune's: its
	// vertical form from the font's vert feature.
	GID uint16
	X   float64
	Y   float64
	// Rotate turns the glyph 90° clockwise about its origin: its baseline
	// runs down the page and its top faces right.
	Rotate bool
	// ScaleX squeezes the glyph horizontally about its origin (縦中横);
	// 0 means 1.
	ScaleX float64
	// Hanging marks a 、。 hung past the end of its line (ぶら下げ).
	Hanging bool
	// TCY marks a glyph of a horizontal-in-vertical group (縦中横).
	TCY bool
}

// Line is one set line (a column in vertical text).
type Line struct {
	// Text is the line's characters in reading order.
	Text   string
	Glyphs []Glyph
	// Length is the used length along the line in em, hanging excluded.
	Length float64
}

// Layout is set text.
type Layout struct {
	Params Params
	Lines  []Line
	// Missing lists the characters the font has no glyph for, each once,
	// in order of appearance. Their glyphs are not in Lines.
	Missing []rune

	font Font
}

// Fits reports whether every line fits the box and no character is missing.
func (l *Layout) Fits() bool {
	return len(l.Missing) == 0 && (l.Params.Lines == 0 || len(l.Lines) <= l.Params.Lines)
}

// Size is the box in em: width and height.
func (l *Layout) Size() (w, h float64) {
	n := l.Params.Lines
	if n == 0 {
		n = len(l.Lines)
	}
	across, along := float64(n)*l.Params.Pitch, float64(l.Params.CharsPerLine)
	if l.Params.Vertical {
		return across, along
	}
	return along, across
}

// LineCenter is the centre of line i across the lines, in em from the
// left (vertical) or top (horizontal) of the box.
func (l *Layout) LineCenter(i int) float64 {
	w, _ := l.Size()
	if l.Params.Vertical {
		return w - (float64(i)+0.5)*l.Params.Pitch
	}
	return (float64(i) + 0.5) * l.Params.Pitch
}

// ErrBadParams is returned by Set when Params cannot hold text.
var ErrBadParams = errors.New("jptext: CharsPerLine must be positive and Pitch at least 1")

// Set lays out paragraphs in order, each starting a new line.
func Set(paras []Paragraph, p Params, f Font) (*Layout, error) {
	if p.Pitch == 0 {
		p.Pitch = 1.75
	}
	if p.Ascent == 0 {
		p.Ascent = 0.88
	}
	if p.CharsPerLine <= 0 || p.Pitch < 1 {
		return nil, ErrBadParams
	}
	l := &Layout{Params: p, font: f}
	seen := map[rune]bool{}
	for _, para := range paras {
		us := units(para.Text, p.Vertical, f)
		for _, u := range us {
			for _, r := range u.runes {
				if !f.Has(r) && !seen[r] {
					seen[r] = true
					l.Missing = append(l.Missing, r)
				}
			}
		}
		if para.Indent >= p.CharsPerLine {
			return nil, fmt.Errorf("jptext: indent %d is not shorter than the line", para.Indent)
		}
		l.breakLines(us, para)
	}
	if p.Vertical {
		// Columns were placed from the right edge at x = 0.
		w, _ := l.Size()
		for i := range l.Lines {
			for j := range l.Lines[i].Glyphs {
				l.Lines[i].Glyphs[j].X += w
			}
		}
	}
	return l, nil
}

// LineCount returns how many lines Set sets para on with p and f, and
// whether f has every character of para, without placing any glyph: a
// layout's Fits is whether every character is there and the counts of its
// paragraphs add up to at most p.Lines. Its errors are Set's.
func LineCount(para Paragraph, p Params, f Font) (n int, complete bool, err error) {
	if p.Pitch == 0 {
		p.Pitch = 1.75
	}
	if p.CharsPerLine <= 0 || p.Pitch < 1 {
		return 0, false, ErrBadParams
	}
	us := units(para.Text, p.Vertical, f)
	complete = true
	for _, u := range us {
		for _, r := range u.runes {
			if !f.Has(r) {
				complete = false
			}
		}
	}
	if para.Indent >= p.CharsPerLine {
		return 0, false, fmt.Errorf("jptext: indent %d is not shorter than the line", para.Indent)
	}
	if len(us) == 0 {
		return 1, complete, nil
	}
	breaks(us, para.Indent, p, func(int, int, float64, bool) bool {
		n++
		return true
	})
	return n, complete, nil
}

type unitKind int

const (
	kindPlain unitKind = iota // one or more upright cells
	kindLatin                 // proportional run; sideways in vertical text
	kindTCY                   // horizontal-in-vertical group
	kindSpace                 // an ASCII space: a break opportunity
)

// unit is what line breaking never splits: a character, a Latin word, a
// number, a run of ……, ——.
type unit struct {
	kind  unitKind
	runes []rune
	advs  []float64 // along the line, per rune
	adv   float64
}

func (u unit) first() rune { return u.runes[0] }
func (u unit) last() rune  { return u.runes[len(u.runes)-1] }

func units(text string, vert bool, f Font) []unit {
	rs := []rune(text)
	// Few units are longer than a rune; the units' advances share one
	// array, a rune's at the rune's index.
	us := make([]unit, 0, len(rs))
	advs := make([]float64, len(rs))
	for i := 0; i < len(rs); {
		r := rs[i]
		j := i + 1
		var u unit
		switch {
		case r == ' ':
			u = unit{kind: kindSpace}
		case isASCIIDigit(r):
			for j < len(rs) && (isASCIIDigit(rs[j]) || (rs[j] == ',' || rs[j] == '.') && j+1 < len(rs) && isASCIIDigit(rs[j+1])) {
				j++
			}
			u = unit{kind: kindLatin}
			if vert && j-i <= 2 {
				u.kind = kindTCY
			}
		case isLatin(r):
			for j < len(rs) && isLatinInner(rs[j]) && rs[j] != ' ' {
				j++
			}
			for j > i+1 && !isLatin(rs[j-1]) && !isASCIIDigit(rs[j-1]) {
				j-- // trailing punctuation is its own unit
			}
			u = unit{kind: kindLatin}
		case vert && (r == '!' || r == '?') && j < len(rs) && (rs[j] == '!' || rs[j] == '?'):
			j++
			u = unit{kind: kindTCY}
		case Inseparable(r):
			for j < len(rs) && rs[j] == r {
				j++
			}
			u = unit{kind: kindPlain}
		case r < 0x80 && unicode.IsPrint(r):
			u = unit{kind: kindLatin} // lone ASCII punctuation: proportional, sideways in vertical
		default:
			u = unit{kind: kindPlain}
		}
		u.runes = rs[i:j:j]
		u.advs = advs[i:j:j]
		for k, r := range u.runes {
			a := 1.0
			if u.kind != kindPlain || !vert {
				a = f.Advance(r)
			}
			u.advs[k] = a
			u.adv += a
		}
		if u.kind == kindTCY {
			u.adv = 1
		}
		us = append(us, u)
		i = j
	}
	return us
}

const eps = 1e-9

// breakLines sets one paragraph's units on as many lines as they need.
func (l *Layout) breakLines(us []unit, para Paragraph) {
	if len(us) == 0 {
		l.Lines = append(l.Lines, Line{})
		return
	}
	breaks(us, para.Indent, l.Params, func(start, end int, indent float64, hang bool) bool {
		l.Lines = append(l.Lines, l.place(us[start:end], indent, hang, para.AlignEnd))
		return true
	})
}

// breaks finds where one paragraph's units (at least one) break into
// lines, calling line with each line's units us[start:end], its indent and
// whether its last unit hangs, until line returns false.
func breaks(us []unit, firstIndent int, p Params, line func(start, end int, indent float64, hang bool) bool) {
	limit := float64(p.CharsPerLine)
	start := 0
	indent := float64(firstIndent)
	for start < len(us) {
		if start > 0 && us[start].kind == kindSpace {
			start++ // a wrapped line does not start with a space
			continue
		}
		pos := indent
		end := start
		for end < len(us) && pos+us[end].adv <= limit+eps {
			pos += us[end].adv
			end++
		}
		hang := false
		switch {
		case end == len(us):
		case end == start:
			end++ // one unit longer than a line: it gets a line of its own
		case !p.NoHang && len(us[end].runes) == 1 && Hangable(us[end].first()) &&
			(end+1 == len(us) || canBreak(us[end], us[end+1])):
			end++
			hang = true
		default:
			b := end
			for b > start+1 && !canBreak(us[b-1], us[b]) {
				b--
			}
			if b > start+1 || canBreak(us[start], us[start+1]) {
				end = b
			} // else nothing on this line allows a break: break where it overflowed
		}
		if !line(start, end, indent, hang) {
			return
		}
		start, indent = end, 0
	}
}

// canBreak reports whether a line may end after a and the next start with b.
func canBreak(a, b unit) bool {
	return !NoLineEnd(a.last()) && !NoLineStart(b.first())
}

// place positions units on line number len(l.Lines), starting at indent
// cells; the last unit hangs when hang is set.
func (l *Layout) place(us []unit, indent float64, hang, alignEnd bool) Line {
	p := l.Params
	k := len(l.Lines)
	var line Line
	length := indent
	for i, u := range us {
		if !(hang && i == len(us)-1) {
			length += u.adv
		}
	}
	if n := len(us); n > 0 && us[n-1].kind == kindSpace {
		length -= us[n-1].adv
	}
	pos := indent
	if alignEnd {
		pos += float64(p.CharsPerLine) - length
	}
	line.Length = length
	var center float64
	if p.Vertical {
		center = -(float64(k) + 0.5) * p.Pitch // from the right edge; Set shifts
	} else {
		center = (float64(k) + 0.5) * p.Pitch
	}
	asc := p.Ascent
	for i, u := range us {
		line.Text += string(u.runes)
		hanging := hang && i == len(us)-1
		switch {
		case !p.Vertical:
			// The em box is centred on the line: baseline at centre - 0.5 + ascent.
			x := pos
			for j, r := range u.runes {
				line.Glyphs = append(line.Glyphs, Glyph{Rune: r, X: x, Y: center - 0.5 + asc, Hanging: hanging})
				x += u.advs[j]
			}
		case u.kind == kindTCY:
			s := 1.0
			var sum float64
			for _, a := range u.advs {
				sum += a
			}
			if sum > 1 {
				s = 1 / sum
			}
			x := center - sum*s/2
			for j, r := range u.runes {
				line.Glyphs = append(line.Glyphs, Glyph{Rune: r, X: x, Y: pos + asc, ScaleX: s, TCY: true})
				x += u.advs[j] * s
			}
		case u.kind == kindLatin || u.kind == kindSpace:
			// Sideways: the em box [asc-1, asc] above the baseline lands
			// centred across the column.
			y := pos
			for j, r := range u.runes {
				line.Glyphs = append(line.Glyphs, Glyph{Rune: r, X: center - asc + 0.5, Y: y, Rotate: true})
				y += u.advs[j]
			}
		default:
			y := pos
			for _, r := range u.runes {
				line.Glyphs = append(line.Glyphs, l.tateGlyph(r, center, y, hanging))
				y++
			}
		}
		pos += u.adv
	}
	return line
}

// tateGlyph places an upright character in the cell starting at y on the
// column centred at cx: its vertical form when the font has one, else
// turned (brackets, ー, ……) or moved to the upper right (、。, small kana).
func (l *Layout) tateGlyph(r rune, cx, y float64, hanging bool) Glyph {
	asc := l.Params.Ascent
	g := Glyph{Rune: r, X: cx - 0.5, Y: y + asc, Hanging: hanging}
	if gid, ok := l.font.VertGlyph(r); ok {
		g.GID = gid
		return g
	}
	adv := l.font.Advance(r)
	switch {
	case rotateInTate(r):
		g.Rotate = true
		g.X = cx - asc + 0.5
		g.Y = y + (1-adv)/2
	case shiftInTate(r) && !SmallKana(r):
		g.X += 0.55
		g.Y -= 0.55
	case SmallKana(r):
		g.X += 0.08
		g.Y -= 0.08
	default:
		g.X = cx - adv/2
	}
	return g
}
