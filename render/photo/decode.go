package photo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/disintegration/imaging"
	"golang.org/x/image/webp"

	"oshigoods"
	"oshigoods/render/photo/internal/heif"
	"oshigoods/render/photo/internal/jpegscale"
)

// MaxPixels bounds the decoded size of an upload (50 megapixels), so a
// small file that claims a huge image cannot exhaust memory. It is also
// the upload limit (orders.Limits.MaxUploadPixels), so an accepted upload
// always decodes.
const MaxPixels = 50_000_000

// acceptedFormats is what a fan is told to upload.
const acceptedFormats = "a JPEG, PNG, WebP or HEIC image"

// probePhoto reads the photo's header (Probe): it must be a JPEG, PNG, WebP
// or HEIC within MaxPixels. It returns an EUNPROCESSABLE error on
// field "photo".
func probePhoto(data []byte) (Info, error) {
	if len(data) == 0 {
		return Info{}, oshigoods.FieldErrorf(FieldPhoto, "photo is required: upload %s.", acceptedFormats)
	}
	info, err := Probe(data)
	switch {
	case errors.Is(err, ErrFormat):
		return info, oshigoods.FieldErrorf(FieldPhoto, "photo is not %s: upload one of those.", acceptedFormats)
	case err != nil:
		return info, oshigoods.FieldErrorf(FieldPhoto, "photo could not be read: the file is damaged or cut off; upload it again.")
	}
	if info.Format == FormatHEIC && info.Width < minHEICWidth {
		return info, oshigoods.FieldErrorf(FieldPhoto, "photo is only %d×%d pixels: upload a larger photo.", info.Width, info.Height)
	}
	if info.Pixels() > MaxPixels {
		return info, oshigoods.FieldErrorf(FieldPhoto, "photo is %d×%d pixels; the limit is %d megapixels.", info.Width, info.Height, MaxPixels/1_000_000)
	}
	return info, nil
}

// decodePhoto decodes the upload, shrinks it by the largest integer factor
// that still covers the slot (shrink-on-load: a JPEG is decoded scaled by
// the largest power of two in that factor, and the rest is a box filter
// while converting to NRGBA, so no full-size copy is made) and turns it
// upright by its EXIF orientation. s.photo is an *image.NRGBA, or the
// decoder's *image.YCbCr as it is when it needs neither a further shrink
// nor turning (a phone's 12 MP JPEG in the 2-shot slot): placePhoto reads
// its rows converted to RGB on the way, as shrink would have made them,
// and no full-size NRGBA copy (12 MB at 1512×2016) is made.
func decodePhoto(s *state) error {
	data := s.in.Images[FieldPhoto]
	info, err := probePhoto(data)
	if err != nil {
		return err
	}
	w, h := info.Upright()
	s.rating = s.t.rate(w, h)
	if err := s.acquireDecode(s.t.DecodeBytes(info)); err != nil {
		return err
	}
	img, err := decodePixels(data, info.Format, shrinkFactor(w, h, s.t.slot.Size()))
	if err != nil {
		return oshigoods.FieldErrorf(FieldPhoto, "photo could not be decoded: the %s file is damaged; upload it again.", formatName(info.Format))
	}
	b := img.Bounds()
	// The rule and the words the fan was given at upload and order time
	// (RateImage): a render warns where an order would have.
	if warn := s.t.rate(w, h).Message; warn != "" {
		s.warnings = append(s.warnings, warn)
	}
	info.Width, info.Height = b.Dx(), b.Dy() // as decoded: a JPEG comes scaled
	dw, dh := info.Upright()
	k := shrinkFactor(dw, dh, s.t.slot.Size())
	if m, ok := img.(*image.YCbCr); ok && k == 1 && info.Orientation <= 1 {
		s.photo = m
		return nil
	}
	s.photo = orient(shrink(img, k), info.Orientation)
	return nil
}

// acquireDecode takes a decode's cost from the decode budget
// (Inputs.Decodes), if there is one, and sets s.release to give it back:
// Render and Preview release it when done with the pixels, however they
// end. A cost larger than the whole budget is EUNPROCESSABLE on field
// photo, naming the limit; a budget that stays full, EUNAVAILABLE.
func (s *state) acquireDecode(cost int64) error {
	b := s.in.Decodes
	if b == nil {
		return nil
	}
	if cost > b.Size() {
		return oshigoods.FieldErrorf(FieldPhoto, "photo needs %d MiB of memory to decode; the limit is %d MiB: upload a smaller photo.", mib(cost), b.Size()>>20)
	}
	ctx := s.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	if err := b.Acquire(ctx, cost); err != nil {
		return fmt.Errorf("decode photo: %w", err)
	}
	var once sync.Once
	s.release = func() { once.Do(func() { b.Release(cost) }) }
	return nil
}

// releaseDecode gives back what acquireDecode took, if anything.
func (s *state) releaseDecode() {
	if s.release != nil {
		s.release()
	}
}

// mib rounds n bytes up to MiB.
func mib(n int64) int64 { return (n + 1<<20 - 1) >> 20 }

// decodePixels decodes an image Probe accepted, with pure-Go decoders
// (HEIC through libheif compiled to WebAssembly, run by wazero). k is the
// integer factor the photo may shrink by and still cover the slot. A JPEG
// is decoded at 1/2, 1/4 or 1/8 of its size in the DCT domain (jpegscale)
// when it may shrink by that much; a HEIC comes back shrunk by k.
func decodePixels(data []byte, format string, k int) (image.Image, error) {
	r := bytes.NewReader(data)
	switch format {
	case FormatJPEG:
		shift := 0
		for shift < 3 && 2<<shift <= k {
			shift++
		}
		return jpegscale.DecodeScaled(r, shift)
	case FormatPNG:
		hdr, err := readPNGHeader(data)
		if err != nil {
			return nil, err
		}
		if hdr.streamable() {
			return decodePNGRows(hdr, k)
		}
		return png.Decode(r)
	case FormatWebP:
		return webp.Decode(r)
	case FormatHEIC:
		return decodeHEIC(data, k)
	}
	return nil, fmt.Errorf("decode %s: %w", format, ErrFormat)
}

// minHEICWidth is the narrowest HEIC decoded, as displayed. The decoder's
// glue (internal/heif) expects the chroma planes' rows 16-byte aligned,
// but libheif pads planes narrower than 64 pixels to 64, so a HEIC under
// 128 pixels wide (4:2:0) would come out in wrong colours. Such a photo is
// far too small to print anyway.
const minHEICWidth = 128

// heicSlot lets one HEIC decode run at a time in a process. A decode runs
// in its own WebAssembly instance whose memory holds the file, libheif's
// full-size planes and its working buffers, about 200 MB for a 12 MP
// photo, for about 3 s on one core (the first also compiles the module,
// about 1.5 s). Two at once would double that peak, so further HEIC
// renders wait; JPEG, PNG and WebP do not.
var heicSlot = make(chan struct{}, 1)

// decodeHEIC decodes a HEIC with libheif and libde265 compiled to
// WebAssembly (internal/heif: no cgo) and shrinks it by k while its planes
// are still in the decoder's memory, which is unmapped as soon as the
// decode ends: no full-size copy is made outside it.
func decodeHEIC(data []byte, k int) (image.Image, error) {
	heicSlot <- struct{}{}
	defer func() { <-heicSlot }()
	// The decoder's memory is about to take its 100-250 MB: first give the
	// Go heap's garbage back to the system, so the two do not add up. A
	// full collection costs milliseconds; the decode takes seconds.
	debug.FreeOSMemory()
	var out *image.NRGBA
	err := heif.Decode(data, func(img image.Image) error {
		if w := img.Bounds().Dx(); w < minHEICWidth {
			return fmt.Errorf("decode heic: %d px wide, under %d: %w", w, minHEICWidth, ErrDamaged)
		}
		out = shrink(img, k)
		if image.Image(out) == img { // an NRGBA at k = 1: still the decoder's memory
			out = imaging.Clone(img)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// formatName is a format as a fan knows it.
func formatName(format string) string {
	switch format {
	case FormatWebP:
		return "WebP"
	case FormatHEIC:
		return "HEIC"
	}
	return strings.ToUpper(format)
}
