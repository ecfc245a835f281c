// Package printpdf lays out print-ready PDF pages with gofpdf, the same way
// for every product: a page of trim + bleed (plus a slug holding トンボ
// when crop marks are asked for), TrimBox and BleedBox set, finished as
// PDF/X-4 (render/pdfx), and output that is the same bytes for the same
// drawing.
package printpdf

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/jung-kurt/gofpdf"

	"oshigoods/render/pdfx"
)

// SlugMM is the paper added around the bleed to hold the crop marks.
const SlugMM = 10

// CreationTime is every PDF's creation and modification date, so the same
// inputs give the same bytes.
var CreationTime = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// Page is one print page: the finished (trim) size and bleed in
// millimetres, whether トンボ are drawn, and the PDF/X output intent and
// title.
type Page struct {
	TrimW, TrimH float64
	BleedMM      float64
	CropMarks    bool
	// OutputICC and OutputICCName are the output intent's profile and
	// condition (render.Profile's); nil is sRGB IEC 61966-2.1.
	OutputICC     []byte
	OutputICCName string
	// Title is the document title. Empty is "oshigoods print file".
	Title string
}

// Off is the trim's distance from the page's edge: the bleed, plus the slug
// when crop marks are drawn.
func (pg Page) Off() float64 {
	if pg.CropMarks {
		return pg.BleedMM + SlugMM
	}
	return pg.BleedMM
}

// New returns a document in millimetres with the page added, its TrimBox
// (the finished size) and BleedBox (the trim plus the bleed) set, no
// margins and no automatic page breaks. Draw with the trim's top-left at
// (Off, Off); fonts may be added before drawing.
func (pg Page) New() *gofpdf.Fpdf {
	off := pg.Off()
	p := NewDocument(pg.TrimW+2*off, pg.TrimH+2*off, "", "")
	p.AddPage()
	p.SetPageBox("trim", off, off, pg.TrimW, pg.TrimH)
	p.SetPageBox("bleed", off-pg.BleedMM, off-pg.BleedMM, pg.TrimW+2*pg.BleedMM, pg.TrimH+2*pg.BleedMM)
	return p
}

// Finish draws the crop marks when the page has them and returns the PDF
// finished as PDF/X-4 (see Finalize). It returns the document's first
// error.
func (pg Page) Finish(p *gofpdf.Fpdf) ([]byte, error) {
	raw, err := pg.Output(p)
	if err != nil {
		return nil, err
	}
	return pg.Finalize(raw)
}

// Output draws the crop marks when the page has them and returns gofpdf's
// PDF, its page boxes in a fixed order, not yet finalised: for a caller
// that edits gofpdf's bytes before Finalize. It returns the document's
// first error.
func (pg Page) Output(p *gofpdf.Fpdf) ([]byte, error) {
	if pg.CropMarks {
		CropMarks(p, pg.Off(), pg.Off(), pg.TrimW, pg.TrimH, pg.BleedMM)
	}
	var buf bytes.Buffer
	if err := p.Output(&buf); err != nil {
		return nil, err
	}
	return SortPageBoxes(buf.Bytes()), nil
}

// Finalize rewrites an Output as PDF/X-4 with the page's output intent
// and title (pdfx.Finalize).
func (pg Page) Finalize(raw []byte) ([]byte, error) {
	out, err := pdfx.Finalize(raw, pdfx.Options{
		OutputICC: pg.OutputICC, OutputCondition: pg.OutputICCName,
		Title: or(pg.Title, "oshigoods print file"), CreatorTool: "oshigoods",
	})
	if err != nil {
		return nil, fmt.Errorf("finalise PDF/X-4: %w", err)
	}
	return out, nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// CropMarks draws Japanese トンボ round the trim whose top-left corner is
// (x, y), in registration colour with 0.1 mm lines: at each corner a double
// mark, one pair of lines on the trim (内トンボ) and one on the bleed edge
// (外トンボ), each starting where the other pair's line lies so that the
// corner itself stays clear; and a centre mark (センタートンボ), a cross
// outside the bleed in the middle of every side. The marks reach SlugMM−1
// from the bleed edge.
func CropMarks(p *gofpdf.Fpdf, x, y, w, h, bleed float64) {
	p.AddSpotColor("All", 100, 100, 100, 100)
	p.SetDrawSpotColor("All", 100)
	p.SetLineWidth(0.1)
	const l = SlugMM - 1
	x0, y0, x1, y1 := x, y, x+w, y+h
	for _, c := range [][4]float64{{x0, y0, -1, -1}, {x1, y0, 1, -1}, {x0, y1, -1, 1}, {x1, y1, 1, 1}} {
		cx, cy, dx, dy := c[0], c[1], c[2], c[3]
		bx, by := cx+dx*bleed, cy+dy*bleed // the bleed edge at this corner
		p.Line(bx, cy, bx+dx*l, cy)        // trim line, across
		p.Line(cx, by, cx, by+dy*l)        // trim line, down
		p.Line(cx, by, bx+dx*l, by)        // bleed line, across
		p.Line(bx, cy, bx, by+dy*l)        // bleed line, down
	}
	mx, my := x+w/2, y+h/2
	for _, s := range []float64{-1, 1} {
		ey := my + s*(h/2+bleed) // top or bottom bleed edge
		p.Line(mx, ey+s*1, mx, ey+s*l)
		p.Line(mx-5, ey+s*(1+l)/2, mx+5, ey+s*(1+l)/2)
		ex := mx + s*(w/2+bleed) // left or right bleed edge
		p.Line(ex+s*1, my, ex+s*l, my)
		p.Line(ex+s*(1+l)/2, my-5, ex+s*(1+l)/2, my+5)
	}
}

// pageBoxes matches the page boxes gofpdf writes from a map, in random
// order.
var pageBoxes = regexp.MustCompile(`(?:/(?:Trim|Bleed)Box \[[^\]]*\]\n){2}`)

// sortPageBoxes sorts the page box entries. They keep their total length,
// so no offset in the file moves.
func SortPageBoxes(pdf []byte) []byte {
	return pageBoxes.ReplaceAllFunc(pdf, func(m []byte) []byte {
		lines := strings.SplitAfter(string(m), "\n")
		sort.Strings(lines)
		return []byte(strings.Join(lines, ""))
	})
}

// SubsetFamily is the family name under which to add a font to gofpdf so
// that TagSubset can rename it in place: "utf8"+family is as long as the
// tagged name. i tells the fonts of one document apart.
func SubsetFamily(i int, psName string) string {
	return "og" + strings.Repeat(string(rune('f'+i)), 1+len(psName))
}

// TagSubset renames the font gofpdf added as family (it names it
// "utf8"+family and marks no subset, though it embeds only the glyphs
// drawn) to its PostScript name with a subset tag: six capitals and a +
// (ISO 32000 9.6.4), derived from key, the text drawn with it, so that
// different subsets of one font get different names. The name keeps its
// length, so no offset in the file moves.
func TagSubset(pdf []byte, family, psName, key string) []byte {
	sum := sha256.Sum256([]byte(key))
	tag := make([]byte, 6)
	for i := range tag {
		tag[i] = 'A' + sum[i]%26
	}
	return bytes.ReplaceAll(pdf, []byte("/utf8"+family), []byte("/"+string(tag)+"+"+psName))
}
