package photo

import (
	"context"
	"image"
	"sync"

	"oshigoods/render"
)

// state is what the steps of one render share.
type state struct {
	ctx   context.Context
	t     *Template
	in    render.Inputs
	photo image.Image // decoded and upright: *image.NRGBA or *image.YCbCr (decodePhoto)
	// rating is the upload's resolution in the slot, upright, as
	// RateImage gives it.
	rating render.ImageRating
	canvas *image.RGBA
	// texts are the text fields laid out ahead (withBlankCanvas); nil
	// for drawTexts to lay them out.
	texts    []textLayer
	files    []render.File
	warnings []string
	// release gives back the decode budget decodePhoto took; nil when it
	// took none.
	release func()
}

// step is one stage of a render. Render checks the context between steps.
type step func(*state) error

// pipeline is a photo render, in order.
var pipeline = []step{
	// The decode's Huffman stage runs on one core: the other fills the
	// canvas and lays out the text meanwhile.
	withBlankCanvas(decodePhoto), // decode.go
	placePhoto,                   // place.go
	overlayCutout,                // overlay.go
	overlayFrame,                 // overlay.go
	drawTexts,                    // name.go
	// Both only read the canvas, and each encoder runs on one core.
	concurrently(encodeOutput, encodePreview), // encode.go
}

// concurrently runs steps that only read the shared state (but for their
// own files and warnings) at the same time, and keeps their files and
// warnings in the order of steps. It returns the first step's error.
func concurrently(steps ...step) step {
	return func(s *state) error {
		subs := make([]state, len(steps))
		errs := make([]error, len(steps))
		var wg sync.WaitGroup
		for i, st := range steps {
			subs[i] = *s
			subs[i].files, subs[i].warnings = nil, nil
			wg.Go(func() { errs[i] = st(&subs[i]) })
		}
		wg.Wait()
		for i := range steps {
			if errs[i] != nil {
				return errs[i]
			}
			s.files = append(s.files, subs[i].files...)
			s.warnings = append(s.warnings, subs[i].warnings...)
		}
		return nil
	}
}

// withBlankCanvas runs st while another goroutine makes the canvas and
// fills it with the background (blankCanvas) and lays out the text fields
// (layOutTexts), and sets s.canvas and s.texts when both are done, for
// placePhoto and drawTexts. It returns st's error.
func withBlankCanvas(st step) step {
	return func(s *state) error {
		type prepared struct {
			canvas *image.RGBA
			texts  []textLayer
		}
		done := make(chan prepared, 1)
		t, in := s.t, s.in
		go func() { done <- prepared{t.blankCanvas(), layOutTexts(t, in)} }()
		err := st(s)
		p := <-done
		s.canvas, s.texts = p.canvas, p.texts
		return err
	}
}
