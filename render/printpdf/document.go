package printpdf

import (
	"github.com/jung-kurt/gofpdf"
	"rsc.io/qr"
)

// Unit is the unit of NewDocument's documents, as gofpdf names it: every
// length is in mm. gofpdf.ParseImage takes it.
const Unit = "mm"

// NewDocument returns an empty gofpdf document in millimetres whose pages
// default to w × h, set up so that the same drawing gives the same bytes:
// creation and modification dates fixed at CreationTime, the catalog
// sorted, "oshigoods" as producer, streams compressed, and no margins or
// automatic page breaks (everything is drawn at absolute positions).
// creator and title go in the document information when not empty.
func NewDocument(w, h float64, creator, title string) *gofpdf.Fpdf {
	p := gofpdf.NewCustom(&gofpdf.InitType{UnitStr: Unit, Size: gofpdf.SizeType{Wd: w, Ht: h}})
	p.SetCompression(true)
	if creator != "" {
		p.SetCreator(creator, true)
	}
	if title != "" {
		p.SetTitle(title, true)
	}
	p.SetProducer("oshigoods", false)
	p.SetCreationDate(CreationTime)
	p.SetModificationDate(CreationTime)
	p.SetCatalogSort(true)
	p.SetAutoPageBreak(false, 0)
	p.SetMargins(0, 0, 0)
	return p
}

// QRCode draws c's dark modules in black, each module mm square, its
// top-left module's corner at (x, y); runs of dark modules in a row are
// one rectangle each. The quiet zone round the code is the caller's.
func QRCode(p *gofpdf.Fpdf, c *qr.Code, x, y, module float64) {
	p.SetFillColor(0, 0, 0)
	for row := 0; row < c.Size; row++ {
		for col := 0; col < c.Size; {
			if !c.Black(col, row) {
				col++
				continue
			}
			run := 1
			for c.Black(col+run, row) {
				run++
			}
			p.Rect(x+float64(col)*module, y+float64(row)*module, float64(run)*module, module, "F")
			col += run
		}
	}
}
