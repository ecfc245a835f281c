package card

import (
	"bytes"
	"compress/zlib"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/image/vector"

	"oshigoods/render"
)

// TestRegionsMatchVector checks that filling each rule and glyph in a
// rasteriser of its own region draws what one vector.Rasterizer over the
// whole page draws (the way previews were drawn at first), but for float
// rounding at edges: no glyph clipped at its region's border, none left
// out. For both shipped templates, letters at the nominal and a shrunk
// size, with the fallback font's glyphs, each drawn twice on one page
// (its changed pixels restored between), every pixel drawn recorded.
func TestRegionsMatchVector(t *testing.T) {
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
			want := image.NewRGBA(image.Rect(0, 0, w, h))
			draw.Draw(want, want.Rect, image.NewUniform(tpl.c.paper), image.Point{}, draw.Src)
			z := vector.NewRasterizer(w, h)
			for _, p := range rulePaths(pg, k) {
				p.add(z, 0, 0)
			}
			z.Draw(want, want.Rect, image.NewUniform(tpl.c.rule), image.Point{})
			z.Reset(w, h)
			if err := eachGlyph(pg, k, func(p glyphPath) { p.add(z, 0, 0) }); err != nil {
				t.Fatal(err)
			}
			z.Draw(want, want.Rect, image.NewUniform(tpl.c.ink), image.Point{})
			if pg.sig != nil {
				tpl.drawSig(want, sigRect(pg, k))
			}
			pp := newPreviewPage(w, h)
			for pass := range 2 {
				paper, err := tpl.draw(pp, pg)
				if err != nil {
					t.Fatal(err)
				}
				got := pp.img
				n, worst, at := 0, 0, 0
				for i := 0; i < len(got.Pix); i += 4 {
					d := 0
					for j := i; j < i+4; j++ {
						v := int(got.Pix[j]) - int(want.Pix[j])
						d = max(d, v, -v)
					}
					if d > 0 {
						n++
					}
					if d > worst {
						worst, at = d, i/4
					}
				}
				t.Logf("pass %d: %d pixels differ, by %d levels at most", pass, n, worst)
				// Seen: 2–5% of the pixels, by 5 levels at most.
				if worst > maxRegionDiff {
					t.Fatalf("pass %d: %d pixels differ from vector's page, (%d, %d) by %d levels", pass, n, at%w, at/w, worst)
				}
				for i := 0; i < len(got.Pix); i += 4 {
					if x, y := i/4%w, i/4/w; !bytes.Equal(got.Pix[i:i+4], paper.img.Pix[i:i+4]) && (x < pp.changed.lo[y] || x >= pp.changed.hi[y]) {
						t.Fatalf("pixel (%d, %d) drawn but not recorded", x, y)
					}
				}
			}
		})
	}
}

// maxRegionDiff is the levels a pixel filled in its region may differ
// from vector's over the whole page: float rounding, the region's origin
// moving the points by a fraction of a float32's precision, vector's
// fixed point math for canvases up to 512 px against its floating point
// math for larger ones, and the 8-bit mask against vector's 16-bit one.
// A glyph clipped or left out differs by its ink, some 200 levels.
const maxRegionDiff = 12

// TestEncodePNG checks that a preview's PNG decodes to the pixels drawn
// over its paper, the paper's rows reused where nothing was drawn; and
// that a page with a translucent pixel is left to image/png.
func TestEncodePNG(t *testing.T) {
	const w, h = 37, 23
	base := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range base.Pix {
		base.Pix[i] = byte(i*7 + i/97)
		if i%4 == 3 || i/4%w > 20 {
			base.Pix[i] = 0xff // runs of one byte, for rleZlib
		}
	}
	paper := newPaper(base)
	encode := func(t *testing.T, draw func(pp *previewPage)) (*previewPage, []byte) {
		pp := newPreviewPage(w, h)
		copy(pp.img.Pix, base.Pix)
		draw(pp)
		data, err := pp.encode(paper)
		if err != nil {
			t.Fatal(err)
		}
		return pp, data
	}
	t.Run("opaque", func(t *testing.T) {
		pp, data := encode(t, func(pp *previewPage) {
			r := image.Rect(3, 5, 30, 9)
			draw.Draw(pp.img, r, image.NewUniform(color.RGBA{200, 100, 50, 255}), image.Point{}, draw.Src)
			pp.changed.rect(r)
		})
		m, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		got := image.NewRGBA(m.Bounds())
		draw.Draw(got, got.Rect, m, image.Point{}, draw.Src)
		if m.Bounds() != pp.img.Rect || !bytes.Equal(got.Pix, pp.img.Pix) {
			t.Fatal("decoded pixels differ from the page")
		}
	})
	t.Run("translucent", func(t *testing.T) {
		pp, data := encode(t, func(pp *previewPage) {
			pp.img.SetRGBA(5, 7, color.RGBA{10, 20, 30, 40})
			pp.changed.rect(image.Rect(5, 7, 6, 8))
		})
		var want bytes.Buffer
		if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&want, pp.img); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(data, want.Bytes()) {
			t.Fatal("a translucent page is not image/png's encoding")
		}
	})
}

// TestRLEZlib checks rleZlib's streams inflate to what was written:
// runs, short and long, across writes; every byte value; and counts
// skewed enough that an optimal code would be longer than 15 bits.
func TestRLEZlib(t *testing.T) {
	var skewed []byte
	a, b := 1, 1
	for v := range 25 {
		skewed = append(skewed, bytes.Repeat([]byte{byte(v * 9)}, a)...)
		for i := 0; i < a; i++ {
			skewed = append(skewed, byte(v*9), byte(v*9+1)) // no runs
		}
		a, b = b, a+b
	}
	every := make([]byte, 256*3)
	for i := range every {
		every[i] = byte(i * 31 / 3)
	}
	for _, tc := range []struct {
		scenario string
		writes   [][]byte
	}{
		{"empty", nil},
		{"one byte", [][]byte{{7}}},
		{"runs across writes", [][]byte{bytes.Repeat([]byte{0}, 5), bytes.Repeat([]byte{0}, 300), {0, 0, 1, 1, 1}, bytes.Repeat([]byte{1}, 259), bytes.Repeat([]byte{2}, 260)}},
		{"every byte", [][]byte{every, every}},
		{"skewed counts", [][]byte{skewed}},
		{"long literals", [][]byte{bytes.Repeat(every, 40)}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			var z rleZlib
			z.reset()
			var want []byte
			for _, p := range tc.writes {
				z.write(p)
				want = append(want, p...)
			}
			r, err := zlib.NewReader(bytes.NewReader(z.finish(nil)))
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("inflated %d bytes, want %d", len(got), len(want))
			}
		})
	}
}

// TestPreviewReuse checks that what a template keeps between previews
// (papers, signature patches, pooled pages and their rasterisers) changes no
// preview: letters of different lengths and sizes rendered in turn by one
// template give the previews of a template compiled for each.
func TestPreviewReuse(t *testing.T) {
	long := strings.Repeat("応援してくれて本当にありがとう。", 18)
	for _, id := range ids {
		t.Run(id, func(t *testing.T) {
			letters := []map[string]string{
				{"to": "さくら"},
				{"to": "さくら", "message": probeMsg[id]},
				{"to": "ながいなまえのファンのみなさまへとどけ", "message": long},
				{"to": "さくら"},
				{"to": "あ", "message": "ありがとう"},
				{"to": "さくら", "message": probeMsg[id]},
			}
			shared := compileShipped(t, id)
			for i, in := range letters {
				got := renderFiles(t, shared, in).Files[1].Data
				want := renderFiles(t, compileShipped(t, id), in).Files[1].Data
				if !bytes.Equal(got, want) {
					t.Fatalf("letter %d: preview differs from a fresh template's", i)
				}
			}
		})
	}
}

// BenchmarkRenderCardPreview is the preview alone of BenchmarkRenderCard's
// letter, set once: the text filled over the paper and the PNG written.
func BenchmarkRenderCardPreview(b *testing.B) {
	tpl := compileShipped(b, "card-letter-tate")
	_, pg, _, err := tpl.layout(context.Background(), render.Inputs{Fields: map[string]string{"to": "さくら", "message": probeMsg["card-letter-tate"]}})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := tpl.png(pg); err != nil {
			b.Fatal(err)
		}
	}
}

// TestPreviewConcurrent renders letters at once with one template (its
// papers, patches and pools shared) and checks each preview is the one
// rendered alone. Run with -race.
func TestPreviewConcurrent(t *testing.T) {
	tpl := compileShipped(t, "card-letter-tate")
	letters := []map[string]string{
		{"to": "さくら"},
		{"to": "さくら", "message": probeMsg["card-letter-tate"]},
		{"to": "ながいなまえのファンのみなさまへとどけ", "message": strings.Repeat("応援してくれて本当にありがとう。", 18)},
		{"to": "あ", "message": "ありがとう"},
	}
	want := make([][]byte, len(letters))
	for i, in := range letters {
		want[i] = renderFiles(t, compileShipped(t, "card-letter-tate"), in).Files[1].Data
	}
	errs := make(chan error, 4*len(letters))
	for range 4 {
		for i, in := range letters {
			go func() {
				res, err := tpl.Render(context.Background(), render.Inputs{Fields: in, OrderedAt: ordered})
				if err == nil && !bytes.Equal(res.Files[1].Data, want[i]) {
					err = fmt.Errorf("letter %d: preview differs from the one rendered alone", i)
				}
				errs <- err
			}()
		}
	}
	for range 4 * len(letters) {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestGoldenPreviewPixels checks the previews decode to exactly the
// pixels of the golden previews in testdata/ (made on amd64), where
// TestGoldenPreviews allows a few pixels to differ. Other architectures
// may round vector's float32 math otherwise (fusing a multiply and an
// add), and are not compared.
func TestGoldenPreviewPixels(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("the goldens' pixels are amd64's")
	}
	for _, tc := range goldenPreviews {
		t.Run(tc.scenario, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join("testdata", tc.scenario+".png"))
			if err != nil {
				t.Fatal(err)
			}
			got := renderFiles(t, compileShipped(t, tc.id), tc.fields).Files[1].Data
			if a, b := rgba(t, got), rgba(t, want); a.Rect != b.Rect || !bytes.Equal(a.Pix, b.Pix) {
				t.Fatal("preview's pixels differ from the golden's")
			}
		})
	}
}

func rgba(t *testing.T, data []byte) *image.RGBA {
	t.Helper()
	m := decodePNG(t, data)
	img := image.NewRGBA(m.Bounds())
	draw.Draw(img, img.Rect, m, m.Bounds().Min, draw.Src)
	return img
}

// TestSmallPreview checks a preview of another size (72 dpi, its rules
// too short for vector's floating point math): whole rows encoded, the
// same again with the template's pooled page.
func TestSmallPreview(t *testing.T) {
	tpl := compileSpec(t, shippedSpec(t, "card-letter-tate", func(m map[string]any) { m["preview_dpi"] = 72 }))
	w, h, _ := tpl.previewSize()
	in := map[string]string{"to": "さくら", "message": probeMsg["card-letter-tate"]}
	a := renderFiles(t, tpl, in).Files[1].Data
	b := renderFiles(t, tpl, map[string]string{"to": "あ"}).Files[1].Data
	if c := renderFiles(t, tpl, in).Files[1].Data; !bytes.Equal(a, c) {
		t.Fatal("the same letter gave another preview after a second one")
	}
	img := rgba(t, a)
	if img.Rect.Dx() != w || img.Rect.Dy() != h || bytes.Equal(img.Pix, rgba(t, b).Pix) {
		t.Fatalf("preview %v, want %d×%d and two letters to differ", img.Rect, w, h)
	}
}
