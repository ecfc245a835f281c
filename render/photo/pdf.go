package photo

import (
	"bytes"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/jung-kurt/gofpdf"
)

// pdfTime is the creation date of every PDF, so the same inputs give the
// same bytes.
var pdfTime = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// slugMM is the paper added around the bleed to hold the crop marks.
const slugMM = 10

// printPDF puts the print JPEG (trim + bleed) on a page: the page is the
// trim plus the bleed, plus a slug holding トンボ when marks is set. The
// TrimBox is the finished size, the BleedBox the image's edge.
func printPDF(jpegData []byte, c Canvas, bleed float64, marks bool) ([]byte, error) {
	off := bleed // trim's distance from the page edge
	if marks {
		off += slugMM
	}
	W, H := c.WidthMM, c.HeightMM
	p := gofpdf.NewCustom(&gofpdf.InitType{UnitStr: "mm", Size: gofpdf.SizeType{Wd: W + 2*off, Ht: H + 2*off}})
	p.SetCreationDate(pdfTime)
	p.SetModificationDate(pdfTime)
	p.SetCatalogSort(true)
	p.SetProducer("oshigoods", false)
	p.SetAutoPageBreak(false, 0)
	p.SetMargins(0, 0, 0)
	p.AddPage()
	p.SetPageBox("trim", off, off, W, H)
	p.SetPageBox("bleed", off-bleed, off-bleed, W+2*bleed, H+2*bleed)
	opt := gofpdf.ImageOptions{ImageType: "JPG"}
	p.RegisterImageOptionsReader("photo", opt, bytes.NewReader(jpegData))
	p.ImageOptions("photo", off-bleed, off-bleed, W+2*bleed, H+2*bleed, false, opt, 0, "")
	if marks {
		cropMarks(p, off, bleed, W, H)
	}
	var buf bytes.Buffer
	if err := p.Output(&buf); err != nil {
		return nil, err
	}
	return sortPageBoxes(buf.Bytes()), nil
}

// cropMarks draws Japanese トンボ in registration colour, 0.1 mm lines:
// at each corner a double mark, one pair of lines on the trim (内トンボ)
// and one on the bleed edge (外トンボ), each starting where the other
// pair's line lies so that the corner itself stays clear; and a centre
// mark (センタートンボ), a cross, outside the bleed in the middle of every
// side.
func cropMarks(p *gofpdf.Fpdf, off, bleed, w, h float64) {
	p.AddSpotColor("All", 100, 100, 100, 100)
	p.SetDrawSpotColor("All", 100)
	p.SetLineWidth(0.1)
	const l = slugMM - 1 // how far the marks reach from the bleed edge
	x0, y0, x1, y1 := off, off, off+w, off+h
	for _, c := range [][4]float64{{x0, y0, -1, -1}, {x1, y0, 1, -1}, {x0, y1, -1, 1}, {x1, y1, 1, 1}} {
		x, y, dx, dy := c[0], c[1], c[2], c[3]
		bx, by := x+dx*bleed, y+dy*bleed // the bleed edge at this corner
		p.Line(bx, y, bx+dx*l, y)        // trim line, across
		p.Line(x, by, x, by+dy*l)        // trim line, down
		p.Line(x, by, bx+dx*l, by)       // bleed line, across
		p.Line(bx, y, bx, by+dy*l)       // bleed line, down
	}
	cx, cy := off+w/2, off+h/2
	for _, s := range []float64{-1, 1} {
		ey := cy + s*(h/2+bleed) // top or bottom bleed edge
		p.Line(cx, ey+s*1, cx, ey+s*l)
		p.Line(cx-5, ey+s*(1+l)/2, cx+5, ey+s*(1+l)/2)
		ex := cx + s*(w/2+bleed) // left or right bleed edge
		p.Line(ex+s*1, cy, ex+s*l, cy)
		p.Line(ex+s*(1+l)/2, cy-5, ex+s*(1+l)/2, cy+5)
	}
}

// pageBoxes matches the page boxes gofpdf writes from a map, in random
// order.
var pageBoxes = regexp.MustCompile(`(?:/(?:Trim|Bleed)Box \[[^\]]*\]\n){2}`)

// sortPageBoxes sorts the page box entries so the same inputs give the
// same bytes. The entries keep their total length, so no offset moves.
func sortPageBoxes(pdf []byte) []byte {
	return pageBoxes.ReplaceAllFunc(pdf, func(m []byte) []byte {
		lines := strings.SplitAfter(string(m), "\n")
		sort.Strings(lines)
		return []byte(strings.Join(lines, ""))
	})
}
