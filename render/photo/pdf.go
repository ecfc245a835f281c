package photo

import (
	"bytes"

	"github.com/jung-kurt/gofpdf"

	"oshigoods/render/printpdf"
)

// printPDF puts the print JPEG (trim + bleed) on a print page (see
// printpdf.Page): the TrimBox is the finished size, the BleedBox the
// image's edge, and a slug holds トンボ when marks is set.
func printPDF(jpegData []byte, c Canvas, bleed float64, marks bool) ([]byte, error) {
	pg := printpdf.Page{TrimW: c.WidthMM, TrimH: c.HeightMM, BleedMM: bleed, CropMarks: marks}
	p := pg.New()
	x := pg.Off() - bleed
	opt := gofpdf.ImageOptions{ImageType: "JPG"}
	p.RegisterImageOptionsReader("photo", opt, bytes.NewReader(jpegData))
	p.ImageOptions("photo", x, x, c.WidthMM+2*bleed, c.HeightMM+2*bleed, false, opt, 0, "")
	return pg.Finish(p)
}
