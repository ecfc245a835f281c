package photo

import (
	"fmt"
	"math"

	"oshigoods/render"
)

var _ render.ImageRater = (*Template)(nil)

// effectiveDPI is the resolution an upright w×h photo prints at when it is
// cover-cropped into the slot: the scale is set by the side that fills the
// slot with the fewest pixels, so that side's pixels per inch.
func (t *Template) effectiveDPI(w, h int) float64 {
	r := t.spec.Slot.Rect
	return min(float64(w)/(r.WidthMM/25.4), float64(h)/(r.HeightMM/25.4))
}

// rate rates an upright w×h photo in the slot: ok at or above GoodDPI, a
// warning from MinDPI, refused below (an order is refused; a render only
// warns). Message is empty when ok.
func (t *Template) rate(w, h int) render.ImageRating {
	dpi := t.effectiveDPI(w, h)
	r := render.ImageRating{Field: FieldPhoto, EffectiveDPI: int(math.Floor(dpi)), Verdict: render.VerdictOK}
	sl := t.spec.Slot
	switch {
	case r.EffectiveDPI < sl.MinDPI:
		r.Verdict = render.VerdictRefused
		r.Message = fmt.Sprintf("The photo is %d×%d pixels and prints at about %d dpi in its %g×%g mm window; below %d dpi it is too soft to print: upload a larger photo.",
			w, h, r.EffectiveDPI, sl.Rect.WidthMM, sl.Rect.HeightMM, sl.MinDPI)
	case r.EffectiveDPI < sl.GoodDPI:
		r.Verdict = render.VerdictWarning
		r.Message = fmt.Sprintf("The photo is %d×%d pixels and prints at about %d dpi in its %g×%g mm window; below %d dpi it may look soft.",
			w, h, r.EffectiveDPI, sl.Rect.WidthMM, sl.Rect.HeightMM, sl.GoodDPI)
	}
	return r
}

// RateImage rates an upright w×h image in the photo slot, the template's
// one image field. It implements render.ImageRater.
func (t *Template) RateImage(w, h int) []render.ImageRating {
	return []render.ImageRating{t.rate(w, h)}
}
