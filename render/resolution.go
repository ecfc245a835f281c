package render

// Verdict is how well an image prints in its slot.
type Verdict string

const (
	VerdictOK      Verdict = "ok"      // at or above the template's good resolution
	VerdictWarning Verdict = "warning" // printable but may look soft
	VerdictRefused Verdict = "refused" // below the template's minimum: an order is refused
)

// ImageRating is the effective resolution of an image in one image field's
// slot: the image's pixels per inch once it is cropped and scaled to the
// slot's printed size.
type ImageRating struct {
	Field        string  `json:"field"`
	EffectiveDPI int     `json:"effective_dpi"`
	Verdict      Verdict `json:"verdict"`
	// Message explains a warning or a refusal to a fan; empty when ok.
	Message string `json:"message,omitempty"`
}

// ImageRater is implemented by renderers that print image fields at a
// physical size, so that an upload can be rated before any render: by
// POST /v1/uploads for every slot it could fill, by order validation
// (a refused rating is a 422 on the field) and by previews.
type ImageRater interface {
	// RateImage rates an upright w×h pixel image in each of the
	// renderer's image fields, in field order.
	RateImage(w, h int) []ImageRating
}
