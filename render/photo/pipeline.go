package photo

import (
	"image"

	"oshigoods/render"
)

// state is what the steps of one render share.
type state struct {
	t        *Template
	in       render.Inputs
	photo    image.Image // decoded and upright
	canvas   *image.RGBA
	files    []render.File
	warnings []string
}

// step is one stage of a render. Render checks the context between steps.
type step func(*state) error

// pipeline is a photo render, in order.
var pipeline = []step{
	decodePhoto,   // decode.go
	placePhoto,    // place.go
	overlayCutout, // overlay.go
	overlayFrame,  // overlay.go
	drawName,      // name.go
	encodeOutput,  // encode.go
	encodePreview, // encode.go
}
