package photo

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"testing"
)

// TestDecodePNGRows checks that the row-by-row PNG decoder gives exactly
// what image/png and shrink give, for every colour type and depth it
// takes, at several shrink factors (odd sizes leave partial edge blocks).
func TestDecodePNGRows(t *testing.T) {
	const w, h = 37, 23
	rng := rand.New(rand.NewPCG(1, 2))
	byt := func() uint8 { return uint8(rng.IntN(256)) }
	pal := color.Palette{}
	for range 7 {
		pal = append(pal, color.NRGBA{byt(), byt(), byt(), byt()})
	}
	fill := func(img interface{ Set(x, y int, c color.Color) }, c func() color.Color) image.Image {
		for y := range h {
			for x := range w {
				img.Set(x, y, c())
			}
		}
		return img.(image.Image)
	}
	r := image.Rect(0, 0, w, h)
	tests := []struct {
		scenario string
		img      image.Image
	}{
		{"gray 8", fill(image.NewGray(r), func() color.Color { return color.Gray{byt()} })},
		{"gray 16", fill(image.NewGray16(r), func() color.Color { return color.Gray16{uint16(rng.IntN(65536))} })},
		{"rgb 8", fill(image.NewRGBA(r), func() color.Color { return color.RGBA{byt(), byt(), byt(), 0xff} })},
		{"rgba 8", fill(image.NewNRGBA(r), func() color.Color { return color.NRGBA{byt(), byt(), byt(), byt()} })},
		{"rgb 16", fill(image.NewRGBA64(r), func() color.Color { return color.RGBA64{uint16(rng.IntN(65536)), 0x1234, 0xfedc, 0xffff} })},
		{"rgba 16", fill(image.NewNRGBA64(r), func() color.Color {
			return color.NRGBA64{uint16(rng.IntN(65536)), uint16(rng.IntN(65536)), 7, uint16(rng.IntN(65536))}
		})},
		{"palette with alpha", fill(image.NewPaletted(r, pal), func() color.Color { return pal[rng.IntN(len(pal))] })},
		{"palette 2-bit", fill(image.NewPaletted(r, pal[:3]), func() color.Color { return pal[rng.IntN(3)] })},
	}
	for _, tc := range tests {
		for _, level := range []png.CompressionLevel{png.NoCompression, png.BestCompression} {
			var buf bytes.Buffer
			if err := (&png.Encoder{CompressionLevel: level}).Encode(&buf, tc.img); err != nil {
				t.Fatal(err)
			}
			for _, k := range []int{1, 2, 3, 5} {
				t.Run(fmt.Sprintf("%s level %d k %d", tc.scenario, level, k), func(t *testing.T) {
					hdr, err := readPNGHeader(buf.Bytes())
					if err != nil {
						t.Fatal(err)
					}
					if !hdr.streamable() {
						t.Fatalf("not streamable: depth %d type %d", hdr.depth, hdr.ctype)
					}
					got, err := decodePNGRows(hdr, k)
					if err != nil {
						t.Fatal(err)
					}
					std, err := png.Decode(bytes.NewReader(buf.Bytes()))
					if err != nil {
						t.Fatal(err)
					}
					want := shrink(std, k)
					if got.Rect != want.Rect || !bytes.Equal(got.Pix, want.Pix) {
						t.Errorf("rows decode differs from image/png + shrink (%v vs %v)", got.Rect, want.Rect)
					}
				})
			}
		}
	}
	t.Run("damaged", func(t *testing.T) {
		var buf bytes.Buffer
		png.Encode(&buf, tests[3].img)
		data := buf.Bytes()
		data[60] ^= 0xff // inside IDAT: its CRC no longer matches
		if _, err := readPNGHeader(data); err == nil {
			t.Fatal("a damaged chunk was accepted")
		}
	})
}
