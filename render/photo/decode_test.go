package photo

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"oshigoods"
	"oshigoods/render"
	"oshigoods/render/photo/internal/jpegscale"
)

var (
	red    = color.NRGBA{255, 0, 0, 255}
	green  = color.NRGBA{0, 255, 0, 255}
	blue   = color.NRGBA{0, 0, 255, 255}
	yellow = color.NRGBA{255, 255, 0, 255}
)

// quadrants draws an upright w×h picture: red, green, blue and yellow
// quadrants from the top-left, reading order.
func quadrants(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := [2][2]color.NRGBA{{red, green}, {blue, yellow}}[2*y/h][2*x/w]
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

// stored lays out the upright picture as a camera stores it under the
// EXIF orientation o: display(x, y) comes from the stored pixel given by
// the TIFF 6.0 definition of tag 0x0112, written out here rather than
// taken from the code under test.
func stored(up *image.NRGBA, o int) *image.NRGBA {
	w, h := up.Bounds().Dx(), up.Bounds().Dy()
	sw, sh := w, h
	if o >= 5 {
		sw, sh = h, w
	}
	img := image.NewNRGBA(image.Rect(0, 0, sw, sh))
	for y := range h {
		for x := range w {
			var sx, sy int
			switch o {
			case 1:
				sx, sy = x, y
			case 2: // mirrored left-right
				sx, sy = w-1-x, y
			case 3: // turned 180°
				sx, sy = w-1-x, h-1-y
			case 4: // mirrored top-bottom
				sx, sy = x, h-1-y
			case 5: // transposed
				sx, sy = y, x
			case 6: // stored turned 90° anticlockwise; displayed turned clockwise
				sx, sy = y, w-1-x
			case 7: // transversed
				sx, sy = h-1-y, w-1-x
			case 8: // stored turned 90° clockwise
				sx, sy = h-1-y, x
			}
			img.SetNRGBA(sx, sy, up.NRGBAAt(x, y))
		}
	}
	return img
}

// exifTIFF is a TIFF block with one IFD0 entry, Orientation = o, in the
// given byte order ("II" or "MM").
func exifTIFF(o int, order string) []byte {
	var bo binary.AppendByteOrder = binary.BigEndian
	if order == "II" {
		bo = binary.LittleEndian
	}
	b := []byte(order)
	b = bo.AppendUint16(b, 42)
	b = bo.AppendUint32(b, 8)
	b = bo.AppendUint16(b, 1)      // one entry
	b = bo.AppendUint16(b, 0x0112) // Orientation
	b = bo.AppendUint16(b, 3)      // SHORT
	b = bo.AppendUint32(b, 1)
	b = bo.AppendUint16(b, uint16(o))
	b = bo.AppendUint16(b, 0)
	return bo.AppendUint32(b, 0) // no next IFD
}

// jpegWithExif encodes img and inserts an APP1 Exif segment after SOI.
func jpegWithExif(t testing.TB, img image.Image, o int, order string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	payload := append([]byte("Exif\x00\x00"), exifTIFF(o, order)...)
	seg := binary.BigEndian.AppendUint16([]byte{0xff, 0xe1}, uint16(len(payload)+2))
	data := buf.Bytes()
	out := append(append(append([]byte{}, data[:2]...), seg...), payload...)
	return append(out, data[2:]...)
}

// pngWithExif encodes img and inserts an eXIf chunk after IHDR.
func pngWithExif(t testing.TB, img image.Image, o int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	const afterIHDR = 8 + 8 + 13 + 4
	return append(append(append([]byte{}, data[:afterIHDR]...), pngChunk("eXIf", exifTIFF(o, "MM"))...), data[afterIHDR:]...)
}

func pngChunk(typ string, body []byte) []byte {
	c := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
	c = append(append(c, typ...), body...)
	return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
}

// decodeTemplate has only what decodePhoto reads: a slot of the given
// size at 300 dpi.
func decodeTemplate(slot image.Point) *Template {
	return &Template{spec: Spec{Canvas: Canvas{DPI: 300}, Slot: Slot{MinDPI: 1}}, slot: image.Rectangle{Max: slot}}
}

func decodeFor(t *testing.T, data []byte, slot image.Point) (*image.NRGBA, error) {
	t.Helper()
	s := &state{t: decodeTemplate(slot), in: render.Inputs{Images: map[string][]byte{FieldPhoto: data}}}
	if err := decodePhoto(s); err != nil {
		return nil, err
	}
	// A YCbCr left as decoded is read by placePhoto as shrink converts it.
	return shrink(s.photo, 1), nil
}

// checkQuadrants samples the centre of each quadrant.
func checkQuadrants(t *testing.T, img *image.NRGBA, tol int, want [4]color.NRGBA) {
	t.Helper()
	b := img.Bounds()
	for i, p := range []image.Point{{1, 1}, {3, 1}, {1, 3}, {3, 3}} {
		at := image.Pt(b.Min.X+b.Dx()*p.X/4, b.Min.Y+b.Dy()*p.Y/4)
		if got := img.NRGBAAt(at.X, at.Y); !closeTo(got, want[i], tol) {
			t.Errorf("quadrant %d at %v = %v, want %v ± %d", i, at, got, want[i], tol)
		}
	}
}

func closeTo(a, b color.NRGBA, tol int) bool {
	d := func(x, y uint8) bool { return abs(int(x)-int(y)) <= tol }
	return d(a.R, b.R) && d(a.G, b.G) && d(a.B, b.B) && d(a.A, b.A)
}

var rgby = [4]color.NRGBA{red, green, blue, yellow}

// TestOrientations stores an upright picture under each EXIF orientation
// 1–8, in both TIFF byte orders, and checks every quadrant comes back
// where it belongs, at full size and shrunk on load.
func TestOrientations(t *testing.T) {
	up := quadrants(120, 80)
	for o := 1; o <= 8; o++ {
		for _, order := range []string{"II", "MM"} {
			for _, slot := range []image.Point{{120, 80}, {40, 40}} {
				name := strings.Join([]string{string(rune('0' + o)), order, map[bool]string{true: "full", false: "shrunk"}[slot.X == 120]}, "-")
				t.Run(name, func(t *testing.T) {
					data := jpegWithExif(t, stored(up, o), o, order)
					info, err := Probe(data)
					if err != nil || info.Orientation != o {
						t.Fatalf("Probe = %+v, %v; want orientation %d", info, err, o)
					}
					img, err := decodeFor(t, data, slot)
					if err != nil {
						t.Fatal(err)
					}
					k := shrinkFactor(120, 80, slot)
					if got, want := img.Bounds().Size(), image.Pt(120/k, 80/k); got != want {
						t.Fatalf("size %v, want %v (upright, shrunk %d×)", got, want, k)
					}
					checkQuadrants(t, img, 12, rgby)
				})
			}
		}
	}
	t.Run("png eXIf 6", func(t *testing.T) {
		img, err := decodeFor(t, pngWithExif(t, stored(up, 6), 6), image.Pt(120, 80))
		if err != nil {
			t.Fatal(err)
		}
		checkQuadrants(t, img, 0, rgby)
	})
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "formats", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestFormats decodes testdata/formats (made by make.sh there) and
// compares each with quad.png, the golden, within a tolerance that the
// format's loss allows.
func TestFormats(t *testing.T) {
	golden, err := png.Decode(bytes.NewReader(readFixture(t, "quad.png")))
	if err != nil {
		t.Fatal(err)
	}
	want := shrink(golden, 1)
	gray := func(c color.NRGBA) color.NRGBA { // Rec. 709 luma, as ImageMagick's Gray
		y := uint8(0.2126*float64(c.R) + 0.7152*float64(c.G) + 0.0722*float64(c.B) + 0.5)
		return color.NRGBA{y, y, y, 255}
	}
	tests := []struct {
		file      string
		format    string
		tol       int // per channel at the quadrants' centres
		goldenTol int // every pixel; -1 skips the whole-image comparison
		grayscale bool
	}{
		{file: "quad.png", format: FormatPNG, tol: 0, goldenTol: 0},
		{file: "quad-palette.png", format: FormatPNG, tol: 0, goldenTol: 0},
		{file: "quad-16.png", format: FormatPNG, tol: 0, goldenTol: 0},
		{file: "quad-420.jpg", format: FormatJPEG, tol: 16, goldenTol: -1},
		{file: "quad-progressive.jpg", format: FormatJPEG, tol: 16, goldenTol: -1},
		{file: "quad-cmyk.jpg", format: FormatJPEG, tol: 24, goldenTol: -1},
		{file: "quad-gray.jpg", format: FormatJPEG, tol: 24, goldenTol: -1, grayscale: true},
		{file: "quad-lossless.webp", format: FormatWebP, tol: 0, goldenTol: 0},
		{file: "quad-lossy.webp", format: FormatWebP, tol: 24, goldenTol: -1},
		{file: "quad.heic", format: FormatHEIC, tol: 24, goldenTol: -1},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			data := readFixture(t, tc.file)
			info, err := Probe(data)
			if err != nil {
				t.Fatal(err)
			}
			if info.Format != tc.format || info.Width != 128 || info.Height != 64 || info.Orientation != 1 {
				t.Errorf("Probe = %+v, want %s 128×64 orientation 1", info, tc.format)
			}
			img, err := decodeFor(t, data, image.Pt(128, 64))
			if err != nil {
				t.Fatal(err)
			}
			w := rgby
			if tc.grayscale {
				for i := range w {
					w[i] = gray(w[i])
				}
			}
			checkQuadrants(t, img, tc.tol, w)
			// The first pixels too: a decoder that hands back a buffer it
			// has freed loses them (see decodeHEIC).
			if got := img.NRGBAAt(0, 0); !closeTo(got, w[0], tc.tol+16) {
				t.Errorf("pixel (0, 0) = %v, want %v", got, w[0])
			}
			if tc.goldenTol >= 0 {
				for i := range img.Pix {
					if abs(int(img.Pix[i])-int(want.Pix[i])) > tc.goldenTol {
						t.Fatalf("byte %d = %d, golden %d (tolerance %d)", i, img.Pix[i], want.Pix[i], tc.goldenTol)
					}
				}
			}
		})
	}
}

// TestTruncated cuts every fixture short: the header check or the decode
// refuses it with a message on field photo, never a panic or a picture.
func TestTruncated(t *testing.T) {
	entries, err := os.ReadDir(filepath.Join("testdata", "formats"))
	if err != nil {
		t.Fatal(err)
	}
	phone := jpegWithExif(t, quadrants(600, 400), 6, "II")
	cases := map[string][]byte{"phone.jpg": phone}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".sh") {
			cases[e.Name()] = readFixture(t, e.Name())
		}
	}
	for name, data := range cases {
		for _, frac := range []int{2, 4, 10} {
			cut := data[:len(data)*(frac-1)/frac]
			t.Run(name+"/"+string(rune('0'+frac-1))+"of"+string(rune('0'+frac%10)), func(t *testing.T) {
				_, err := decodeFor(t, cut, image.Pt(96, 64))
				if oshigoods.ErrorCode(err) != oshigoods.EUNPROCESSABLE || oshigoods.ErrorField(err) != FieldPhoto {
					t.Fatalf("err = %v, want EUNPROCESSABLE on photo", err)
				}
			})
		}
	}
}

// TestBombs gives headers that claim far more pixels than the file holds,
// in every format: Probe reads the size and probePhoto refuses it before a
// pixel is decoded.
func TestBombs(t *testing.T) {
	const side = 20000 // 400 megapixels
	pngBomb := func() []byte {
		ihdr := binary.BigEndian.AppendUint32(nil, side)
		ihdr = binary.BigEndian.AppendUint32(ihdr, side)
		ihdr = append(ihdr, 8, 2, 0, 0, 0)
		b := append([]byte("\x89PNG\r\n\x1a\n"), pngChunk("IHDR", ihdr)...)
		b = append(b, pngChunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})...)
		return append(b, pngChunk("IEND", nil)...)
	}
	jpegBomb := func() []byte {
		b := bytes.Clone(readFixture(t, "quad-420.jpg"))
		i := bytes.Index(b, []byte{0xff, 0xc0}) // baseline SOF
		binary.BigEndian.PutUint16(b[i+5:], side)
		binary.BigEndian.PutUint16(b[i+7:], side)
		return b
	}
	webpBomb := func() []byte {
		b := bytes.Clone(readFixture(t, "quad-lossless.webp"))
		// VP8L: signature 0x2f, then 14 bits width-1, 14 bits height-1.
		i := bytes.Index(b, []byte("VP8L")) + 8
		v := binary.LittleEndian.Uint32(b[i+1:])
		v = v&^(1<<28-1) | (16383) | (16383)<<14
		binary.LittleEndian.PutUint32(b[i+1:], v)
		return b
	}
	heicBomb := func() []byte {
		b := bytes.Clone(readFixture(t, "quad.heic"))
		for i := bytes.Index(b, []byte("ispe")); i >= 0; {
			binary.BigEndian.PutUint32(b[i+8:], side)
			binary.BigEndian.PutUint32(b[i+12:], side)
			j := bytes.Index(b[i+4:], []byte("ispe"))
			if j < 0 {
				break
			}
			i += 4 + j
		}
		return b
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{{"png", pngBomb()}, {"jpeg", jpegBomb()}, {"webp", webpBomb()}, {"heic", heicBomb()}} {
		t.Run(tc.name, func(t *testing.T) {
			info, err := Probe(tc.data)
			if err != nil {
				t.Fatalf("Probe: %v", err)
			}
			if info.Pixels() <= MaxPixels {
				t.Fatalf("Probe = %+v, want the header's huge size", info)
			}
			_, err = decodeFor(t, tc.data, image.Pt(96, 64))
			if oshigoods.ErrorCode(err) != oshigoods.EUNPROCESSABLE || !strings.Contains(oshigoods.ErrorMessage(err), "megapixels") {
				t.Fatalf("err = %v, want a refusal naming the megapixel limit", err)
			}
		})
	}
}

func TestProbeRefusesOtherFormats(t *testing.T) {
	gif := []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
	avif := append(binary.BigEndian.AppendUint32(nil, 20), []byte("ftypavif\x00\x00\x00\x00mif1")...)
	for name, data := range map[string][]byte{"gif": gif, "avif": avif, "text": []byte("hello"), "empty": nil} {
		if _, err := Probe(data); err == nil {
			t.Errorf("%s: Probe accepted it", name)
		}
	}
}

func TestShrinkMatchesBoxAverage(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 5, 3))
	for i := range src.Pix {
		src.Pix[i] = uint8(i * 7)
	}
	for i := 3; i < len(src.Pix); i += 4 {
		src.Pix[i] = 255
	}
	got := shrink(src, 2)
	if got.Bounds().Size() != image.Pt(3, 2) {
		t.Fatalf("size %v, want 3×2 (edges keep their partial blocks)", got.Bounds().Size())
	}
	// Bottom-right block holds the single pixel (4, 2).
	if c, want := got.NRGBAAt(2, 1), src.NRGBAAt(4, 2); c != want {
		t.Errorf("corner = %v, want %v", c, want)
	}
	// Top-left: the mean of four pixels.
	var sum int
	for _, p := range []image.Point{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
		sum += int(src.NRGBAAt(p.X, p.Y).R)
	}
	if r := int(got.NRGBAAt(0, 0).R); abs(r-sum/4) > 1 {
		t.Errorf("top-left R = %d, want %d", r, sum/4)
	}
}

// TestShrinkYCbCr checks the plane-averaging path against converting
// first and averaging after, on every chroma subsampling.
func TestShrinkYCbCr(t *testing.T) {
	ratios := []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
		image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410}
	for _, ratio := range ratios {
		m := image.NewYCbCr(image.Rect(3, 5, 3+301, 5+203), ratio) // odd size, off the origin
		for i := range m.Y {
			m.Y[i] = uint8(60 + (i*7)%140) // no channel clips
		}
		for i := range m.Cb {
			m.Cb[i], m.Cr[i] = uint8(100+(i/3)%50), uint8(110+(i/5)%40)
		}
		for _, k := range []int{2, 3, 4} {
			got, want := shrinkYCbCr(m, k), shrink(shrink(m, 1), k)
			if got.Bounds() != want.Bounds() {
				t.Fatalf("%v k=%d: bounds %v, want %v", ratio, k, got.Bounds(), want.Bounds())
			}
			const tol = 3
			for i := range got.Pix {
				if abs(int(got.Pix[i])-int(want.Pix[i])) > tol {
					t.Fatalf("%v k=%d: byte %d = %d, want %d ± %d", ratio, k, i, got.Pix[i], want.Pix[i], tol)
				}
			}
		}
	}
}

// TestDecodeScaled checks jpegscale's DCT-domain scaling against a full
// decode shrunk by the box filter: the same means, but for rounding and
// (at 1/8, which clips the mean rather than each pixel) a block that
// clips. The last row and column, where blocks overhang the edge, are
// left out.
func TestDecodeScaled(t *testing.T) {
	var buf bytes.Buffer
	big := image.NewYCbCr(image.Rect(0, 0, 333, 250), image.YCbCrSubsampleRatio420)
	for i := range big.Y {
		big.Y[i] = uint8(60 + (i*37)%130)
	}
	// Chroma flat over each 8×8 block of its plane: a scaled 4:2:0 decode
	// keeps 4:2:0, so its chroma is averaged over twice the area a full
	// decode's box filter uses; equal within a block, the two agree.
	for cy := 0; cy < 125; cy++ {
		for cx := 0; cx < 167; cx++ {
			i := big.COffset(2*cx, 2*cy)
			big.Cb[i], big.Cr[i] = uint8(100+(cx/8*13+cy/8*7)%50), uint8(110+(cx/8*5+cy/8*11)%40)
		}
	}
	if err := jpeg.Encode(&buf, big, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	inputs := map[string][]byte{"noisy 333×250": buf.Bytes()}
	for _, name := range []string{"quad-420.jpg", "quad-progressive.jpg", "quad-cmyk.jpg", "quad-gray.jpg"} {
		inputs[name] = readFixture(t, name)
	}
	for name, data := range inputs {
		full, err := jpegscale.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		for shift := 1; shift <= 3; shift++ {
			t.Run(fmt.Sprintf("%s/1:%d", name, 1<<shift), func(t *testing.T) {
				img, err := jpegscale.DecodeScaled(bytes.NewReader(data), shift)
				if err != nil {
					t.Fatal(err)
				}
				want := shrink(full, 1<<shift)
				got := shrink(img, 1)
				if got.Bounds() != want.Bounds() {
					t.Fatalf("bounds %v, want %v", got.Bounds(), want.Bounds())
				}
				tol := 3
				if shift == 3 {
					tol = 8
				}
				b := got.Bounds()
				for y := 0; y < b.Dy()-1; y++ {
					for x := 0; x < b.Dx()-1; x++ {
						if g, w := got.NRGBAAt(x, y), want.NRGBAAt(x, y); !closeTo(g, w, tol) {
							t.Fatalf("(%d, %d) = %v, want %v ± %d", x, y, g, w, tol)
						}
					}
				}
			})
		}
	}
}

// BenchmarkDecodeScaled decodes a 12-megapixel JPEG at half size, as a
// phone photo bound for the 2-shot slot is.
func BenchmarkDecodeScaled(b *testing.B) {
	big := image.NewYCbCr(image.Rect(0, 0, 3024, 4032), image.YCbCrSubsampleRatio420)
	for i := range big.Y {
		big.Y[i] = uint8(60 + (i*37)%130)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, big, &jpeg.Options{Quality: 92}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	for b.Loop() {
		if _, err := jpegscale.DecodeScaled(bytes.NewReader(buf.Bytes()), 1); err != nil {
			b.Fatal(err)
		}
	}
}

// TestJPEGCutShortReturns decodes a baseline JPEG cut short at many
// lengths, at every scale: each decode must return (with an error), never
// hang. The reconstructing goroutine once read its channel after the
// decoder, failing early, had already stopped it, and blocked for ever.
func TestJPEGCutShortReturns(t *testing.T) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, quadrants(640, 480), &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	for shift := range 4 {
		for cut := len(data) / 20; cut < len(data)-2; cut += len(data) / 40 {
			for range 10 { // the goroutines' order varies
				if _, err := jpegscale.DecodeScaled(bytes.NewReader(data[:cut]), shift); err == nil {
					t.Fatalf("shift %d, cut at %d of %d bytes: decoded", shift, cut, len(data))
				}
			}
		}
	}
}
