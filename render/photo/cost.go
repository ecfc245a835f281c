package photo

import (
	"image"
	"math"
)

// decodeShape is what a decode's memory depends on, read from the header
// by Probe: how the decoder holds the pixels and how far it can reduce
// them while decoding. The numbers were measured with runtime.MemStats'
// TotalAlloc around decodePixels and shrink on 12-megapixel files (and
// the process's VmHWM for HEIC, whose decoder's memory is not Go's);
// TestDecodeBytes checks the model against the allocations.
type decodeShape struct {
	// perPixel is the bytes per pixel of the image the decoder returns (or
	// holds while decoding), at the size it decodes to: 1.5 for a 4:2:0
	// JPEG or lossy WebP, 3 for 4:4:4, 8 for a CMYK JPEG (its YCbCr, black
	// and CMYK planes), image/png's type (8 for 16-bit RGBA; twice that
	// when interlaced, for the passes), 4 for the NRGBA of a PNG decoded by
	// rows or a HEIC.
	perPixel float64
	// fixed is bytes per stored pixel held whatever the scale: a
	// progressive JPEG's coefficients (2 per sample), a HEIC decoder's
	// WebAssembly memory (its full-size planes and buffers).
	fixed float64
	// row is bytes per column held by a decoder that reads by rows.
	row float64
	// scale is how the decoder reduces while decoding: scaleNone, scalePow2
	// (a JPEG, in the DCT domain, by up to 8) or scaleK (by the whole
	// factor: PNG by rows, HEIC).
	scale int
	// nrgba is true when the decoder returns the *image.NRGBA that shrink
	// passes through at a factor of 1, without a copy.
	nrgba bool
}

const (
	scaleNone = iota
	scalePow2
	scaleK
)

// heicBytesPerPixel is the HEIC decoder's WebAssembly memory per stored
// pixel: a 12-megapixel HEIC raised a process's peak RSS by 106 MB.
const heicBytesPerPixel = 10

// DecodeBytes returns the memory, in bytes, decoding an image with this
// header takes at full size (no shrink): the most any slot's decode of it
// takes. It is what an upload is checked against (orders.Limits).
func (i Info) DecodeBytes() int64 {
	w, h := i.Upright()
	return i.decodeBytes(image.Pt(w, h))
}

// decodeBytes is the memory decodePhoto takes to decode the image into a
// slot of the given size: the decoder's own image and buffers, the shrunk
// NRGBA, and its upright copy when the EXIF orientation turns it. It is
// computed from the header alone, before any pixel is decoded, and is an
// upper bound.
func (i Info) decodeBytes(slot image.Point) int64 {
	sh := i.shape
	if sh.perPixel == 0 { // a hand-made Info: assume image/png's worst
		sh = decodeShape{perPixel: 16}
	}
	uw, uh := i.Upright()
	k := shrinkFactor(uw, uh, slot)
	w, h := i.Width, i.Height
	dw, dh := w, h // as the decoder returns it
	switch sh.scale {
	case scalePow2:
		shift := 0
		for shift < 3 && 2<<shift <= k {
			shift++
		}
		dw, dh = ceilDiv(w, 1<<shift), ceilDiv(h, 1<<shift)
	case scaleK:
		dw, dh = ceilDiv(w, min(k, maxShrink)), ceilDiv(h, min(k, maxShrink))
	}
	decoder := sh.perPixel*float64(dw)*float64(dh) + sh.fixed*float64(w)*float64(h) + sh.row*float64(w)
	// What shrink makes of it (decodePhoto shrinks by the factor left).
	udw, udh := dw, dh
	if i.Orientation >= 5 {
		udw, udh = dh, dw
	}
	rest := shrinkFactor(udw, udh, slot)
	out := 4 * float64(ceilDiv(dw, rest)) * float64(ceilDiv(dh, rest))
	total := decoder + out
	if rest == 1 && sh.nrgba {
		total -= out // passed through, not copied
	}
	if i.Orientation > 1 { // orient makes an upright copy
		total += out
	}
	return int64(math.Ceil(total)) + decodeOverhead
}

// decodeOverhead is what a decode allocates whatever the image's size:
// the JPEG decoder's Huffman tables and buffers (about 240 KiB measured),
// headers and slices.
const decodeOverhead = 320 << 10

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// DecodeBytes returns the memory decoding a photo with this header into
// the template's slot takes (at most info.DecodeBytes()): what a render
// or a preview acquires from the decode budget before it decodes.
func (t *Template) DecodeBytes(info Info) int64 { return info.decodeBytes(t.slot.Size()) }
