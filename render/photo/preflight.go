package photo

import (
	"errors"

	"oshigoods/render"
	"oshigoods/render/printpdf"
)

// preflight describes the print file: for a PDF what printpdf.Preflight
// reads of it, for a JPEG its size (trim + 2×bleed) and no fonts; and the
// placed photo's rating, the rule RateImage applies. Warnings are the
// render's.
func (s *state) preflight() (*render.Preflight, error) {
	if len(s.files) == 0 || s.files[0].Role != render.RoleOutput {
		return nil, errors.New("preflight: no print file")
	}
	out := s.files[0]
	var pf *render.Preflight
	if out.ContentType == "application/pdf" {
		var err error
		if pf, err = printpdf.Preflight(out.Name, out.Data); err != nil {
			return nil, err
		}
	} else {
		c, b := s.t.spec.Canvas, s.in.Profile.BleedMM
		pf = &render.Preflight{
			File: out.Name, Format: "jpeg",
			PageMM:  [2]float64{c.WidthMM + 2*b, c.HeightMM + 2*b},
			TrimMM:  [2]float64{c.WidthMM, c.HeightMM},
			BleedMM: b,
		}
	}
	pf.Images = []render.PlacedImage{{Field: s.rating.Field, EffectiveDPI: s.rating.EffectiveDPI, Verdict: s.rating.Verdict}}
	pf.Warnings = append([]string{}, s.warnings...)
	return pf, nil
}
