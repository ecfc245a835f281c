package card

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"oshigoods/render"
)

// layers reads a path from the first file system that has it.
type layers []fs.FS

func (l layers) Open(name string) (fs.File, error) {
	for _, fsys := range l[:len(l)-1] {
		f, err := fsys.Open(name)
		if !errors.Is(err, fs.ErrNotExist) {
			return f, err
		}
	}
	return l[len(l)-1].Open(name)
}

// signaturePNG draws a w×h signature: bg everywhere, and opaque ink in
// the rectangle ink.
func signaturePNG(t *testing.T, w, h int, bg color.NRGBA, ink image.Rectangle) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := bg
			if image.Pt(x, y).In(ink) {
				c = color.NRGBA{0x3b, 0x2a, 0x26, 0xff}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestLint(t *testing.T) {
	clear, white := color.NRGBA{}, color.NRGBA{0xff, 0xff, 0xff, 0xff}
	// privateUse is a character neither shipped font has: Compile refuses
	// it, so the test puts it into a compiled template's text.
	const privateUse = '\uE000'
	withSig := func(m map[string]any) { m["signature_image"] = "sig.png" }
	for _, tc := range []struct {
		scenario string
		id       string
		edit     func(map[string]any)
		sig      []byte          // the signature image sig.png, when the edit names it
		after    func(*Template) // changes the compiled template
		want     []string        // "field|file|error or warning|text" of each problem, in order
	}{
		{scenario: "vertical letter as shipped", id: "card-letter-tate"},
		{scenario: "horizontal letter as shipped", id: "card-letter-yoko"},
		{scenario: "a character only the fallback font draws", id: "card-letter-yoko",
			edit: func(m map[string]any) { m["body"] = m["body"].(string) + "🌸" },
			want: []string{"card.body||warning|「🌸」(U+1F338) is drawn by the fallback font fonts/Symbola_hint.ttf"}},
		{scenario: "a character whose glyph is empty", id: "card-letter-yoko",
			edit: func(m map[string]any) { m["date"] = "{date}\u2800"; delete(m, "date_style") },
			want: []string{"card.date||error|the glyph of 「\u2800」(U+2800) in fonts/KleeOne-Regular.ttf and fonts/Symbola_hint.ttf is empty", "card.date||warning|「\u2800」(U+2800) is drawn by the fallback font"}},
		{scenario: "a character no font has", id: "card-letter-tate",
			after: func(tpl *Template) { tpl.c.Signature = "ひかり" + string(privateUse) },
			want:  []string{"card.signature||error|has no glyph for 「\uE000」(U+E000)"}},
		{scenario: "a font without kana", id: "card-letter-yoko",
			// Compile refuses a font without あ, which the longest name is
			// tried with: the test swaps the font of a compiled template.
			after: func(tpl *Template) {
				f, err := loadFace(os.DirFS(templatesDir), "fonts/Symbola_hint.ttf")
				if err != nil {
					t.Fatal(err)
				}
				tpl.fonts = &fontSet{primary: f}
				tpl.c.Font, tpl.c.FallbackFont = "fonts/Symbola_hint.ttf", ""
				tpl.c.Recipient, tpl.c.Body, tpl.c.Date, tpl.c.Signature = "{to}", "Thank you!", "", "Hikari"
			},
			want: []string{"card.font|fonts/Symbola_hint.ttf|warning|fonts/Symbola_hint.ttf lacks characters fans often type: 「ぁ」(U+3041)"}},
		{scenario: "signature on a white background", id: "card-letter-tate", edit: withSig,
			sig:  signaturePNG(t, 110, 410, white, image.Rect(20, 10, 90, 400)),
			want: []string{"card.signature_image|sig.png|warning|has no transparent pixel"}},
		{scenario: "signature without ink", id: "card-letter-tate", edit: withSig,
			sig:  signaturePNG(t, 110, 410, clear, image.Rectangle{}),
			want: []string{"card.signature_image|sig.png|error|every pixel is transparent"}},
		{scenario: "signature too small for its length", id: "card-letter-tate", edit: withSig,
			sig:  signaturePNG(t, 22, 82, clear, image.Rect(4, 2, 18, 80)),
			want: []string{"card.signature_image|sig.png|warning|is 82 px along its line for 24 mm (signature_length_mm): 87 dpi prints soft; export it at least 284 px long"}},
		{scenario: "signature mostly margin", id: "card-letter-tate", edit: withSig,
			sig:  signaturePNG(t, 110, 410, clear, image.Rect(20, 150, 90, 250)),
			want: []string{"card.signature_image|sig.png|warning|the ink takes 100 of its 410 px along the line"}},
		{scenario: "a good signature", id: "card-letter-tate", edit: withSig,
			sig: signaturePNG(t, 110, 410, clear, image.Rect(20, 10, 90, 400))},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			spec := shippedSpec(t, tc.id, tc.edit)
			fsys := layers{fstest.MapFS{"sig.png": {Data: tc.sig}}, os.DirFS(templatesDir)}
			if tc.sig == nil {
				fsys = layers{os.DirFS(templatesDir)}
			}
			r, err := Compile(spec, fsys)
			if err != nil {
				t.Fatalf("compile: %v", err)
			}
			tpl := r.(*Template)
			if tpl.fonts.Has(privateUse) {
				t.Fatalf("a shipped font has U+%04X: choose another character", privateUse)
			}
			if tc.after != nil {
				tc.after(tpl)
			}
			got := tpl.Lint()
			if len(got) != len(tc.want) {
				t.Fatalf("Lint() = %d problems, want %d:\n%s", len(got), len(tc.want), problems(got))
			}
			for i, w := range tc.want {
				parts := strings.SplitN(w, "|", 4)
				p := got[i]
				severity := "error"
				if p.Warning {
					severity = "warning"
				}
				if p.Field != parts[0] || p.File != parts[1] || severity != parts[2] || !strings.Contains(p.Message, parts[3]) {
					t.Errorf("problem %d = %s|%s|%s|%s\nwant %s", i, p.Field, p.File, severity, p.Message, w)
				}
			}
		})
	}
}

func problems(ps []render.Problem) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.File + ": " + p.Field + ": " + p.Message + "\n")
	}
	return b.String()
}
