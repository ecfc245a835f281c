package render

import "oshigoods/orders"

// How well an image prints in its slot (orders.Verdict, orders.ImageRating).
type (
	Verdict     = orders.Verdict
	ImageRating = orders.ImageRating
)

const (
	VerdictOK      = orders.VerdictOK
	VerdictWarning = orders.VerdictWarning
	VerdictRefused = orders.VerdictRefused
)

// ImageRater is implemented by renderers that print image fields at a
// physical size, so that an upload can be rated before any render: by
// POST /v1/uploads for every slot it could fill, by order validation
// (a refused rating is a 422 on the field) and by previews.
type ImageRater interface {
	// RateImage rates an upright w×h pixel image in each of the
	// renderer's image fields, in field order.
	RateImage(w, h int) []ImageRating
}
