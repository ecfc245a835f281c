package render

import "oshigoods/orders"

// A rendered item's print-file check (orders.Preflight): the renderer fills
// the facts about the file it made; the service adds the item's warnings.
type (
	Preflight   = orders.Preflight
	PlacedImage = orders.PlacedImage
	FontUse     = orders.FontUse
)
