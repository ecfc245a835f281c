package pdfx_test

import (
	"bytes"
	"fmt"

	"github.com/jung-kurt/gofpdf"

	"oshigoods/render/pdfx"
)

// A gofpdf page with its TrimBox and BleedBox, finalised as PDF/X-4 with
// the built-in sRGB output intent, then inspected as a preflight would.
func ExampleFinalize() {
	p := gofpdf.New("P", "mm", "A6", "")
	p.AddPage()
	p.SetPageBox("trim", 3, 3, 99, 142)
	p.SetPageBox("bleed", 0, 0, 105, 148)
	p.SetFillColor(255, 240, 245)
	p.Rect(0, 0, 105, 148, "F")
	var raw bytes.Buffer
	if err := p.Output(&raw); err != nil {
		panic(err)
	}
	out, err := pdfx.Finalize(raw.Bytes(), pdfx.Options{Title: "sheet"})
	if err != nil {
		panic(err)
	}
	info, err := pdfx.Inspect(out)
	if err != nil {
		panic(err)
	}
	fmt.Println(info.PDFX, info.OutputIntent, info.TrimBox.W(), info.TrimBox.H())
	// Output: PDF/X-4 sRGB IEC61966-2.1 99 142
}
