package printpdf

import (
	"fmt"
	"math"

	"oshigoods/render"
	"oshigoods/render/pdfx"
)

// Preflight describes a print PDF for a print shop (render.Preflight) from
// what pdfx.Inspect reads of it: the first page's size, trim and bleed in
// millimetres, its fonts, output intent and PDF/X version. Images and
// Warnings are left for the renderer.
func Preflight(file string, pdf []byte) (*render.Preflight, error) {
	in, err := pdfx.Inspect(pdf)
	if err != nil {
		return nil, fmt.Errorf("inspect %s: %w", file, err)
	}
	round := func(v float64) float64 { return math.Round(v*100) / 100 }
	p := &render.Preflight{
		File:         file,
		Format:       "pdf",
		PageMM:       [2]float64{round(in.MediaBox.W()), round(in.MediaBox.H())},
		TrimMM:       [2]float64{round(in.TrimBox.W()), round(in.TrimBox.H())},
		BleedMM:      round((in.BleedBox.W() - in.TrimBox.W()) / 2),
		OutputIntent: in.OutputIntent,
		PDFX:         in.PDFX,
		Warnings:     []string{},
	}
	for _, f := range in.Fonts {
		p.Fonts = append(p.Fonts, render.FontUse{Name: f.Name, Embedded: f.Embedded})
	}
	return p, nil
}
