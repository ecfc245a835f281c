package card

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"strings"
	"testing"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/vector"

	"oshigoods/render"
)

// TestRasterMatchesVector checks that raster fills glyphs with the same
// pixels as vector.Rasterizer drawing over the whole page, the way
// previews were drawn before raster: for both shipped templates, letters
// at the nominal and a shrunk size, with the fallback font's glyphs, and
// a page filled twice with the same raster (its samples cleared between).
func TestRasterMatchesVector(t *testing.T) {
	long := strings.Repeat("応援してくれて本当にありがとう。", 20)
	for _, tc := range []struct {
		scenario string
		id       string
		fields   map[string]string
	}{
		{"tate default", "card-letter-tate", map[string]string{"to": "さくら"}},
		{"tate every rule", "card-letter-tate", map[string]string{"to": "さくら", "message": probeMsg["card-letter-tate"]}},
		{"yoko every rule", "card-letter-yoko", map[string]string{"to": "さくら", "message": probeMsg["card-letter-yoko"]}},
		{"yoko shrunk", "card-letter-yoko", map[string]string{"to": "ながいなまえのファンのみなさまへとどけ", "message": long}},
		{"tate shrunk", "card-letter-tate", map[string]string{"to": "さくら", "message": long[:len(long)*9/10]}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			tpl := compileShipped(t, tc.id)
			_, pg, _, err := tpl.layout(context.Background(), render.Inputs{Fields: tc.fields, OrderedAt: ordered})
			if err != nil {
				t.Fatal(err)
			}
			if shrunk := pg.sizeMM < tpl.c.FontSizePt*ptToMM; shrunk != strings.HasSuffix(tc.scenario, "shrunk") {
				t.Fatalf("text at %.2f mm: shrunk %v", pg.sizeMM, shrunk)
			}
			w, h, k := tpl.previewSize()
			if !useRaster(w, h) {
				t.Fatalf("%d×%d px: raster is not used", w, h)
			}
			paper := tpl.paper(pg)
			want := image.NewRGBA(paper.Rect)
			copy(want.Pix, paper.Pix)
			z := vector.NewRasterizer(w, h)
			r := newRaster(w, h)
			var buf sfnt.Buffer
			for _, ln := range pg.lines {
				for _, g := range ln.glyphs {
					for _, p := range []pather{z, r} {
						if err := drawGlyph(p, &buf, g, pg.sizeMM*k, k); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
			z.Draw(want, want.Bounds(), image.NewUniform(tpl.c.ink), image.Point{})
			for pass := range 2 {
				got := image.NewRGBA(paper.Rect)
				copy(got.Pix, paper.Pix)
				r.fill(got, tpl.c.ink)
				if pass == 1 {
					// The first fill cleared the samples: this one draws
					// the same glyphs again.
					for _, v := range r.buf {
						if v != 0 {
							t.Fatal("fill left samples behind")
						}
					}
					for _, ln := range pg.lines {
						for _, g := range ln.glyphs {
							drawGlyph(r, &buf, g, pg.sizeMM*k, k)
						}
					}
					copy(got.Pix, paper.Pix)
					r.fill(got, tpl.c.ink)
				}
				if i := firstDiff(got.Pix, want.Pix); i >= 0 {
					t.Fatalf("pass %d: pixel (%d, %d) is %v, vector draws %v", pass, i/4%w, i/4/w, got.Pix[i&^3:i&^3+4], want.Pix[i&^3:i&^3+4])
				}
			}
		})
	}
}

func firstDiff(a, b []byte) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}

// TestEncodePNG checks that a preview's PNG of an opaque page (written
// as RGB with the Up filter) decodes to the pixels drawn, and that a page
// with a translucent pixel is left to image/png.
func TestEncodePNG(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 37, 23))
	for i := range img.Pix {
		img.Pix[i] = byte(i*7 + i/97)
	}
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = 0xff
	}
	translucent := image.NewRGBA(img.Rect)
	copy(translucent.Pix, img.Pix)
	translucent.SetRGBA(5, 7, color.RGBA{10, 20, 30, 40})
	t.Run("opaque", func(t *testing.T) {
		data, err := encodePNG(img)
		if err != nil {
			t.Fatal(err)
		}
		m, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		got := image.NewRGBA(m.Bounds())
		draw.Draw(got, got.Rect, m, image.Point{}, draw.Src)
		if m.Bounds() != img.Rect || !bytes.Equal(got.Pix, img.Pix) {
			t.Fatal("decoded pixels differ from the image encoded")
		}
	})
	t.Run("translucent", func(t *testing.T) {
		data, err := encodePNG(translucent)
		if err != nil {
			t.Fatal(err)
		}
		var want bytes.Buffer
		if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&want, translucent); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(data, want.Bytes()) {
			t.Fatal("a translucent page is not image/png's encoding")
		}
	})
}
