package photo

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"runtime"
	"strings"
	"sync"
	"testing"

	"oshigoods"
	"oshigoods/render"
)

// pngHeaderOnly is a PNG that declares w×h at the given depth, colour type
// and interlacing, with an empty image: enough for Probe.
func pngHeaderOnly(w, h uint32, depth, ctype, interlace byte, trns bool) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, depth, ctype, 0, 0, interlace)
	b := append([]byte("\x89PNG\r\n\x1a\n"), pngChunk("IHDR", ihdr)...)
	if trns {
		b = append(b, pngChunk("tRNS", []byte{0, 0, 0, 0, 0, 0})...)
	}
	b = append(b, pngChunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})...)
	return append(b, pngChunk("IEND", nil)...)
}

// TestDecodeBytes checks the cost of a decode at full size, from the
// header: 16-bit samples and alpha count at their real size where the
// decoder holds them, and the row decoder holds only rows and its result.
func TestDecodeBytes(t *testing.T) {
	const side = 7000
	const px = side * side
	const slack = decodeOverhead
	tests := []struct {
		scenario string
		data     []byte
		want     int64
	}{
		// Decoded by rows straight to 8-bit NRGBA: the result and two rows.
		{"16-bit RGBA by rows", pngHeaderOnly(side, side, 16, 6, 0, false), 4*px + 36*side + slack},
		{"8-bit RGBA by rows", pngHeaderOnly(side, side, 8, 6, 0, false), 4*px + 28*side + slack},
		{"16-bit gray by rows", pngHeaderOnly(side, side, 16, 0, 0, false), 4*px + 24*side + slack},
		{"8-bit gray+alpha by rows", pngHeaderOnly(side, side, 8, 4, 0, false), 4*px + 24*side + slack},
		// image/png's whole image (NRGBA64: 4 channels × 2 bytes; twice
		// for the passes when interlaced), then the 8-bit NRGBA.
		{"16-bit RGBA interlaced", pngHeaderOnly(side, side, 16, 6, 1, false), 2*8*px + 4*px + slack},
		{"8-bit RGBA interlaced", pngHeaderOnly(side, side, 8, 6, 1, false), 2*4*px + 4*px + slack},
		{"16-bit gray interlaced", pngHeaderOnly(side, side, 16, 0, 1, false), 2*2*px + 4*px + slack},
		{"8-bit gray interlaced", pngHeaderOnly(side, side, 8, 0, 1, false), 2*1*px + 4*px + slack},
		{"16-bit RGB with a colour key", pngHeaderOnly(side, side, 16, 2, 0, true), 8*px + 4*px + slack},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			info, err := Probe(tc.data)
			if err != nil {
				t.Fatal(err)
			}
			if got := info.DecodeBytes(); got != tc.want {
				t.Errorf("DecodeBytes = %d, want %d", got, tc.want)
			}
		})
	}
	t.Run("shrunk into a slot costs the shrunk result", func(t *testing.T) {
		info, _ := Probe(pngHeaderOnly(side, side, 16, 6, 0, false))
		tpl := decodeTemplate(image.Pt(933, 1157)) // photo-2shot-l's slot
		// k = 6: 1167×1167 NRGBA and two rows.
		if got, want := tpl.DecodeBytes(info), int64(4*1167*1167+36*side+slack); got != want {
			t.Errorf("DecodeBytes = %d, want %d", got, want)
		}
	})
}

// TestDecodeBytesBoundsAllocations decodes real files and checks that
// what the decode allocates stays within what DecodeBytes charged for it.
func TestDecodeBytesBoundsAllocations(t *testing.T) {
	photo := quadrants(640, 480)
	var jpg, gray, png16, pngRGB bytes.Buffer
	jpeg.Encode(&jpg, photo, &jpeg.Options{Quality: 90})
	g := image.NewGray(photo.Rect)
	for i := range g.Pix {
		g.Pix[i] = uint8(i)
	}
	jpeg.Encode(&gray, g, nil)
	n64 := image.NewNRGBA64(photo.Rect)
	for y := range 480 {
		for x := range 640 {
			n64.Set(x, y, color.NRGBA64{uint16(x * 97), uint16(y * 131), 0x8000, 0xc000})
		}
	}
	png.Encode(&png16, n64)
	png.Encode(&pngRGB, photo)
	files := []struct {
		name string
		data []byte
	}{
		{"jpeg 4:2:0", jpg.Bytes()}, {"jpeg gray", gray.Bytes()},
		{"png 16-bit rgba", png16.Bytes()}, {"png rgb", pngRGB.Bytes()},
		{"png 16-bit fixture", readFixture(t, "quad-16.png")}, {"palette", readFixture(t, "quad-palette.png")},
		{"progressive jpeg", readFixture(t, "quad-progressive.jpg")}, {"cmyk jpeg", readFixture(t, "quad-cmyk.jpg")},
		{"lossy webp", readFixture(t, "quad-lossy.webp")}, {"lossless webp", readFixture(t, "quad-lossless.webp")},
	}
	for _, f := range files {
		for _, slot := range []image.Point{{1 << 20, 1 << 20}, {100, 80}, {30, 20}} {
			info, err := Probe(f.data)
			if err != nil {
				t.Fatal(err)
			}
			tpl := decodeTemplate(slot)
			want := tpl.DecodeBytes(info)
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			s := &state{t: tpl, in: render.Inputs{Images: map[string][]byte{FieldPhoto: f.data}}}
			if err := decodePhoto(s); err != nil {
				t.Fatalf("%s: %v", f.name, err)
			}
			runtime.ReadMemStats(&after)
			if got := int64(after.TotalAlloc - before.TotalAlloc); got > want {
				t.Errorf("%s into %v: allocated %d bytes, charged %d", f.name, slot, got, want)
			}
		}
	}
}

// testBudget is a DecodeBudget that records what is held.
type testBudget struct {
	mu         sync.Mutex
	size, held int64
	acquired   int
}

func (b *testBudget) Acquire(ctx context.Context, n int64) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.held+n > b.size {
		return oshigoods.Errorf(oshigoods.EUNAVAILABLE, "busy")
	}
	b.held += n
	b.acquired++
	return nil
}

func (b *testBudget) Release(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.held -= n
}

func (b *testBudget) Size() int64 { return b.size }

// TestDecodeTakesTheBudget checks that a decode acquires its cost before
// decoding and gives it back on success, on a damaged file and on a panic,
// that a full budget is EUNAVAILABLE and that a photo larger than the
// whole budget is refused naming the field and the limit.
func TestDecodeTakesTheBudget(t *testing.T) {
	var buf bytes.Buffer
	jpeg.Encode(&buf, quadrants(640, 480), nil)
	good := buf.Bytes()
	damaged := bytes.Clone(good)
	for i := len(damaged) / 2; i < len(damaged)-2; i++ {
		damaged[i] = 0xff // markers where the scan should be
	}
	tpl := decodeTemplate(image.Pt(100, 80))
	info, _ := Probe(good)
	cost := tpl.DecodeBytes(info)
	run := func(b *testBudget, data []byte, after func(*state)) error {
		s := &state{ctx: context.Background(), t: tpl, in: render.Inputs{Images: map[string][]byte{FieldPhoto: data}, Decodes: b}}
		defer s.releaseDecode()
		err := decodePhoto(s)
		if after != nil {
			after(s)
		}
		return err
	}
	t.Run("held while decoding, released after", func(t *testing.T) {
		b := &testBudget{size: 1 << 30}
		err := run(b, good, func(*state) {
			if b.held != cost {
				t.Errorf("held %d after the decode, want its cost %d", b.held, cost)
			}
		})
		if err != nil || b.held != 0 || b.acquired != 1 {
			t.Fatalf("err %v, held %d, acquired %d", err, b.held, b.acquired)
		}
	})
	t.Run("released on a decode error", func(t *testing.T) {
		b := &testBudget{size: 1 << 30}
		if err := run(b, damaged, nil); err == nil {
			t.Fatal("a damaged file decoded")
		}
		if b.held != 0 || b.acquired != 1 {
			t.Fatalf("held %d, acquired %d", b.held, b.acquired)
		}
	})
	t.Run("released on a panic", func(t *testing.T) {
		b := &testBudget{size: 1 << 30}
		func() {
			defer func() { recover() }()
			run(b, good, func(*state) { panic("boom") })
		}()
		if b.held != 0 || b.acquired != 1 {
			t.Fatalf("held %d, acquired %d", b.held, b.acquired)
		}
	})
	t.Run("full budget", func(t *testing.T) {
		b := &testBudget{size: cost, held: 1}
		if err := run(b, good, nil); oshigoods.ErrorCode(err) != oshigoods.EUNAVAILABLE {
			t.Fatalf("err = %v, want EUNAVAILABLE", err)
		}
		if b.held != 1 {
			t.Fatalf("held %d", b.held)
		}
	})
	t.Run("larger than the whole budget", func(t *testing.T) {
		b := &testBudget{size: cost - 1}
		err := run(b, good, nil)
		if oshigoods.ErrorCode(err) != oshigoods.EUNPROCESSABLE || oshigoods.ErrorField(err) != FieldPhoto || !strings.Contains(oshigoods.ErrorMessage(err), "the limit is") {
			t.Fatalf("err = %v, want EUNPROCESSABLE on photo naming the limit", err)
		}
		if b.acquired != 0 {
			t.Fatal("acquired anyway")
		}
	})
}
