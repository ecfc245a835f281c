package photo

import (
	"bytes"

	"github.com/jung-kurt/gofpdf"

	"oshigoods/render"
	"oshigoods/render/printpdf"
)

// printPDF puts the print JPEG (trim + bleed) on a print page (see
// printpdf.Page): the TrimBox is the finished size, the BleedBox the
// image's edge, a slug holds トンボ when the profile asks for crop marks,
// and the file is PDF/X-4 with the profile's output intent.
func printPDF(jpegData []byte, c Canvas, prof render.Profile) ([]byte, error) {
	bleed := prof.BleedMM
	pg := printpdf.Page{TrimW: c.WidthMM, TrimH: c.HeightMM, BleedMM: bleed, CropMarks: prof.CropMarks,
		OutputICC: prof.OutputICC, OutputICCName: prof.OutputICCName, Title: "Composite photo"}
	p := pg.New()
	x := pg.Off() - bleed
	opt := gofpdf.ImageOptions{ImageType: "JPG"}
	p.RegisterImageOptionsReader("photo", opt, bytes.NewReader(jpegData))
	p.ImageOptions("photo", x, x, c.WidthMM+2*bleed, c.HeightMM+2*bleed, false, opt, 0, "")
	return pg.Finish(p)
}
