package impose

import (
	"bytes"
	"fmt"
	"io/fs"
	"math"
	"strings"
	"sync"

	"github.com/jung-kurt/gofpdf"
	"rsc.io/qr"

	"oshigoods/render/printpdf"
	"oshigoods/templates"
)

// Slug constants. Each copy's slug, below its bleed and starting at its
// trim's left edge, holds its label (order id / item id copy/copies) as
// text and as a QR code, so a packing station can scan a cut piece back to
// its order.
const (
	// QRModuleMM is the side of one QR module: 0.3 mm, over three dots at
	// 300 dpi and well within what a phone reads at arm's length, and small
	// enough that L-size photos still gang 8-up on SRA3.
	QRModuleMM = 0.3
	// QRQuietModules is the clear space kept round a QR code, in modules.
	// Above it lies blank slug between the code and the bleed; below, the
	// gap and the blank middle of the next cell's top pad (crop marks stand
	// only at the trim's corners), so the cell reserves the upper one only.
	QRQuietModules = 4
	// qrMinModules is the QR side reserved for every piece: version 3
	// (29 modules) holds a label of two 20-character ids at level L, so
	// pieces of one size share a cell whatever their ids.
	qrMinModules = 29
	// SlugFontPt is the slug text's size; a label too wide for its piece
	// is set smaller, down to slugMinFontPt, then on two lines.
	SlugFontPt    = 6
	slugMinFontPt = 4
	// slugFontFile is the embedded font of every slug, from the shipped
	// templates.
	slugFontFile = "fonts/KleeOne-Regular.ttf"
	slugPSName   = "KleeOne-Regular"
)

// slugFamily is the slug font's gofpdf family, renamed to its PostScript
// name with a subset tag once the sheet is written (printpdf.TagSubset).
var slugFamily = printpdf.SubsetFamily(0, slugPSName)

// Label is the slug text of one copy: "ord_… / itm_… 2/3".
func Label(orderID, itemID string, copy, copies int) string {
	return fmt.Sprintf("%s / %s %d/%d", orderID, itemID, copy, copies)
}

var slugFont = sync.OnceValues(func() ([]byte, error) { return fs.ReadFile(templates.FS(), slugFontFile) })

// addSlugFont adds the slug font to doc; gofpdf embeds the subset drawn.
func addSlugFont(doc *gofpdf.Fpdf) error {
	b, err := slugFont()
	if err != nil {
		return fmt.Errorf("read slug font: %w", err)
	}
	// A copy per sheet: gofpdf pads the font's tables by appending to
	// slices of the bytes it is given, which would write into the bytes
	// other impositions read at the same time.
	doc.AddUTF8FontFromBytes(slugFamily, "", bytes.Clone(b))
	return doc.Error()
}

// qrCode encodes a label at level L (the slug is printed on clean paper).
func qrCode(label string) (*qr.Code, error) {
	c, err := qr.Encode(label, qr.L)
	if err != nil {
		return nil, fmt.Errorf("encode QR code of %q: %w", label, err)
	}
	return c, nil
}

// slugBand is the height below the bleed that the slugs of labels take:
// the largest QR code among them (at least qrMinModules) with its quiet
// zone above it. The quiet zone below falls in the gap and the next cell's
// blank top pad, or the sheet's margin.
func slugBand(labels []string) (float64, error) {
	n := qrMinModules
	for _, l := range labels {
		c, err := qrCode(l)
		if err != nil {
			return 0, err
		}
		n = max(n, c.Size)
	}
	return float64(n+QRQuietModules) * QRModuleMM, nil
}

// drawSlug draws a copy's slug below the bleed of the trim whose
// bottom-left corner is (tx, y1): the QR code inside its quiet zone from
// the trim's left edge, then the label, which ends 1 mm short of the trim's
// right edge where the crop mark runs.
func drawSlug(doc *gofpdf.Fpdf, label string, tx, y1, trimW, bleed float64) error {
	c, err := qrCode(label)
	if err != nil {
		return err
	}
	q := QRQuietModules * QRModuleMM
	qx, qy := tx+q, y1+bleed+q
	printpdf.QRCode(doc, c, qx, qy, QRModuleMM)

	side := float64(c.Size) * QRModuleMM
	textX := qx + side + q
	room := tx + trimW - 1 - textX
	lines := []string{label}
	size := float64(SlugFontPt)
	doc.SetTextColor(0, 0, 0)
	for {
		doc.SetFont(slugFamily, "", size)
		if widest(doc, lines) <= room {
			break
		}
		if size > slugMinFontPt {
			size = math.Max(slugMinFontPt, size-0.5)
			continue
		}
		if len(lines) > 1 {
			return fmt.Errorf("slug %q does not fit beside its %.0f mm piece", label, trimW)
		}
		order, rest, _ := strings.Cut(label, " / ")
		lines, size = []string{order + " /", rest}, SlugFontPt
	}
	pitch := size * 25.4 / 72 * 1.25
	for i, l := range lines {
		doc.Text(textX, qy+pitch*float64(i+1), l)
	}
	return doc.Error()
}

func widest(doc *gofpdf.Fpdf, lines []string) float64 {
	w := 0.0
	for _, l := range lines {
		w = math.Max(w, doc.GetStringWidth(l))
	}
	return w
}
