package card

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"oshigoods"
	"oshigoods/internal/testenv"
	"oshigoods/render"
	"oshigoods/render/pdfx/pdfxtest"
	"oshigoods/render/printpdf"
)

var update = flag.Bool("update", false, "rewrite the golden previews in testdata/")

// templatesDir holds the shipped templates and fonts.
const templatesDir = "../../templates"

// shippedSpec returns the card spec of a shipped template, edited by edit.
func shippedSpec(t testing.TB, id string, edit func(map[string]any)) json.RawMessage {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(templatesDir, id, "template.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Card map[string]any `json:"card"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(m.Card)
	}
	spec, _ := json.Marshal(m.Card)
	return spec
}

func compileSpec(t testing.TB, spec json.RawMessage) *Template {
	t.Helper()
	r, err := Compile(spec, os.DirFS(templatesDir))
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return r.(*Template)
}

func compileShipped(t testing.TB, id string) *Template {
	t.Helper()
	return compileSpec(t, shippedSpec(t, id, nil))
}

func renderFiles(t testing.TB, tpl *Template, fields map[string]string) *render.Result {
	t.Helper()
	res, err := tpl.Render(context.Background(), render.Inputs{Fields: fields, OrderedAt: ordered})
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	return res
}

var ids = []string{"card-letter-tate", "card-letter-yoko"}

// ordered is when the test cards were ordered: 7 December 2026, 0:00 in
// Japan.
var ordered = time.Date(2026, 12, 6, 15, 0, 0, 0, time.UTC)

// goldenPreviews are the letters of the previews in testdata/, each
// named by its file.
var goldenPreviews = []struct {
	scenario string
	id       string
	fields   map[string]string
}{
	{"tate-default", "card-letter-tate", map[string]string{"to": "さくら"}},
	{"tate-rules", "card-letter-tate", map[string]string{"to": "さくら", "message": probeMsg["card-letter-tate"]}},
	{"yoko-default", "card-letter-yoko", map[string]string{"to": "さくら"}},
	{"yoko-rules", "card-letter-yoko", map[string]string{"to": "さくら", "message": probeMsg["card-letter-yoko"]}},
}

// TestGoldenPreviews compares the previews of letters covering the layout
// rules with testdata/*.png. Run with -update to rewrite them, and look at
// them: a fan will.
func TestGoldenPreviews(t *testing.T) {
	for _, tc := range goldenPreviews {
		t.Run(tc.scenario, func(t *testing.T) {
			res := renderFiles(t, compileShipped(t, tc.id), tc.fields)
			if len(res.Files) != 2 || res.Files[0].Name != "card.pdf" || res.Files[0].Role != render.RoleOutput ||
				res.Files[1].Name != "preview.png" || res.Files[1].Role != render.RolePreview {
				t.Fatalf("files %v", res.Files)
			}
			golden := filepath.Join("testdata", tc.scenario+".png")
			want := testenv.Golden(t, golden, res.Files[1].Data, *update)
			if want == nil {
				return
			}
			if diff := pngDiff(t, res.Files[1].Data, want); diff > 0.002 {
				t.Errorf("preview differs from %s in %.2f%% of pixels", golden, 100*diff)
			}
		})
	}
}

// TestGoldenPDFs compares the print files of the golden letters with
// testdata/*.pdf byte for byte: a card renders to the same bytes every
// time, and a change to how the PDF is written (such as the changes kept
// in third_party/gofpdf) must not change them by accident. Run with
// -update to rewrite them on purpose, and check them (qpdf --check,
// pdffonts, pdftotext, a look at the page).
func TestGoldenPDFs(t *testing.T) {
	for _, tc := range goldenPreviews {
		t.Run(tc.scenario, func(t *testing.T) {
			res := renderFiles(t, compileShipped(t, tc.id), tc.fields)
			if len(res.Files) == 0 || res.Files[0].Name != "card.pdf" {
				t.Fatalf("files %v", res.Files)
			}
			got := res.Files[0].Data
			golden := filepath.Join("testdata", tc.scenario+".pdf")
			want := testenv.Golden(t, golden, got, *update)
			if want != nil && !bytes.Equal(got, want) {
				at := 0
				for at < len(got) && at < len(want) && got[at] == want[at] {
					at++
				}
				t.Errorf("card.pdf differs from %s from byte %d on (%d bytes, want %d)", golden, at, len(got), len(want))
			}
		})
	}
}

// TestSharedSignature renders cards at once from one template, which
// gives every print file the signature image gofpdf read once: each file
// must still be the golden one (the race detector, on in CI, sees a
// document writing to the shared image).
func TestSharedSignature(t *testing.T) {
	tc := goldenPreviews[0]
	want, err := os.ReadFile(filepath.Join("testdata", tc.scenario+".pdf"))
	if err != nil {
		t.Fatal(err)
	}
	tpl := compileShipped(t, tc.id)
	if tpl.sig == nil || tpl.sig.pdf == nil {
		t.Fatalf("%s has no signature image read for the PDF", tc.id)
	}
	const n = 6
	got := make([][]byte, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			res, err := tpl.Render(context.Background(), render.Inputs{Fields: tc.fields, OrderedAt: ordered})
			if err != nil {
				t.Errorf("card %d: %v", i+1, err)
				return
			}
			got[i] = res.Files[0].Data
		})
	}
	wg.Wait()
	for i, b := range got {
		if !bytes.Equal(b, want) {
			t.Errorf("card %d of %d rendered at once differs from %s.pdf", i+1, n, tc.scenario)
		}
	}
}

// pngDiff is the fraction of pixels that differ by more than a little.
func pngDiff(t *testing.T, a, b []byte) float64 {
	t.Helper()
	ia, ib := decodePNG(t, a), decodePNG(t, b)
	if ia.Bounds() != ib.Bounds() {
		return 1
	}
	return imageDiff(ia, ib, ia.Bounds())
}

// blockDiff averages the grey level of n×n blocks of the area both images
// cover and returns the block that differs most and by how many levels.
func blockDiff(t *testing.T, a, b []byte, n int) (x, y, diff int) {
	t.Helper()
	ia, ib := decodePNG(t, a), decodePNG(t, b)
	r := ia.Bounds().Intersect(ib.Bounds())
	grey := func(img image.Image, x0, y0 int) int {
		sum := 0
		for y := y0; y < y0+n; y++ {
			for x := x0; x < x0+n; x++ {
				r, g, b, _ := img.At(x, y).RGBA()
				sum += int(r>>8+g>>8+b>>8) / 3
			}
		}
		return sum / (n * n)
	}
	for y0 := r.Min.Y; y0+n <= r.Max.Y; y0 += n {
		for x0 := r.Min.X; x0+n <= r.Max.X; x0 += n {
			d := grey(ia, x0, y0) - grey(ib, x0, y0)
			if d < 0 {
				d = -d
			}
			if d > diff {
				x, y, diff = x0, y0, d
			}
		}
	}
	return x, y, diff
}

func decodePNG(t *testing.T, data []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func imageDiff(ia, ib image.Image, r image.Rectangle) float64 {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if colorDist(ia, ib, x, y) > 48 {
				n++
			}
		}
	}
	return float64(n) / float64(r.Dx()*r.Dy())
}

func colorDist(a, b image.Image, x, y int) int {
	r1, g1, b1, _ := a.At(x, y).RGBA()
	r2, g2, b2, _ := b.At(x, y).RGBA()
	d := 0
	for _, p := range [][2]uint32{{r1, r2}, {g1, g2}, {b1, b2}} {
		v := int(p[0]>>8) - int(p[1]>>8)
		d = max(d, v, -v)
	}
	return d
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// TestPDF checks the print file with poppler and qpdf: what a print shop
// and a reader see, not bytes.
func TestPDF(t *testing.T) {
	for _, tool := range []string{"pdffonts", "pdfimages", "pdfinfo", "pdftotext", "pdftoppm", "qpdf"} {
		testenv.Tool(t, tool)
	}
	for _, tc := range []struct {
		scenario string
		id       string
		profile  string // a built-in print profile
		message  string
		fonts    string // the PostScript names pdffonts lists, sorted
	}{
		{"tate default letter, jp-standard", "card-letter-tate", "jp-standard", "", "KleeOne-Regular"},
		{"tate every rule, bleed4", "card-letter-tate", "bleed4", probeMsg["card-letter-tate"], "KleeOne-Regular,Symbola"},
		{"tate with crop marks, jp-tombo", "card-letter-tate", "jp-tombo", probeMsg["card-letter-tate"], "KleeOne-Regular,Symbola"},
		{"yoko every rule, digital", "card-letter-yoko", "digital", probeMsg["card-letter-yoko"], "KleeOne-Regular,Symbola"},
		{"yoko with crop marks, bleed4-pdf", "card-letter-yoko", "bleed4-pdf", "", "KleeOne-Regular"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			prof, err := render.LookupProfile(tc.profile)
			if err != nil {
				t.Fatal(err)
			}
			tpl := compileShipped(t, tc.id)
			in := render.Inputs{Fields: map[string]string{"to": "さくら", "message": tc.message}, Profile: prof, OrderedAt: ordered}
			res, err := tpl.Render(context.Background(), in)
			if err != nil {
				t.Fatalf("render: %v", err)
			}
			file := filepath.Join(t.TempDir(), "card.pdf")
			if err := os.WriteFile(file, res.Files[0].Data, 0o644); err != nil {
				t.Fatal(err)
			}

			fonts := strings.Split(strings.TrimSpace(run(t, "pdffonts", file)), "\n")[2:]
			if len(fonts) == 0 {
				t.Error("pdffonts lists no font")
			}
			for _, f := range fonts {
				cols := strings.Fields(f)
				// name type… encoding emb sub uni object ID
				if n := len(cols); n < 6 || cols[n-5] != "yes" || cols[n-4] != "yes" || !regexp.MustCompile(`^[A-Z]{6}\+`).MatchString(cols[0]) {
					t.Errorf("font not embedded and subset: %s", f)
				}
			}
			var names []string
			for _, f := range fonts {
				names = append(names, strings.SplitN(strings.Fields(f)[0], "+", 2)[1])
			}
			sort.Strings(names)
			if want := tc.fonts; strings.Join(names, ",") != want {
				t.Errorf("fonts %v, want %s", names, want)
			}

			// The signature image, with its transparency as a soft mask.
			images := strings.Split(strings.TrimSpace(run(t, "pdfimages", "-list", file)), "\n")[2:]
			var kinds []string
			for _, im := range images {
				kinds = append(kinds, strings.Fields(im)[2])
			}
			want := ""
			if tpl.sig != nil {
				want = "image,smask"
			}
			if got := strings.Join(kinds, ","); got != want {
				t.Errorf("pdfimages lists %q, want %q", got, want)
			}

			info := run(t, "pdfinfo", "-box", file)
			// Page = trim + 2×bleed, and the slug for crop marks.
			slug := 0.0
			if prof.CropMarks {
				slug = printpdf.SlugMM
			}
			b := prof.BleedMM
			wantW, wantH := 100+2*b+2*slug, 148+2*b+2*slug
			if w, h := box(t, info, `Page size:\s+([\d.]+) x ([\d.]+)`); !near(w, wantW) || !near(h, wantH) {
				t.Errorf("page %.2fx%.2f mm, want %gx%g", w, h, wantW, wantH)
			}
			if w, h := boxSize(t, info, "TrimBox"); !near(w, 100) || !near(h, 148) {
				t.Errorf("TrimBox %.2fx%.2f mm, want 100x148", w, h)
			}
			if w, h := boxSize(t, info, "BleedBox"); !near(w, 100+2*b) || !near(h, 148+2*b) {
				t.Errorf("BleedBox %.2fx%.2f mm, want %gx%g", w, h, 100+2*b, 148+2*b)
			}

			if out := run(t, "qpdf", "--check", file); !strings.Contains(out, "No syntax or stream encoding errors") {
				t.Errorf("qpdf --check:\n%s", out)
			}
			pdfxtest.Check(t, file)
			checkPreflight(t, res, b, slug)

			text := strip(run(t, "pdftotext", "-enc", "UTF-8", file, "-"))
			txt := tpl.text(in)
			for _, p := range tpl.letter(txt) {
				for _, line := range strings.Split(p.Text, "\n") {
					if !strings.Contains(text, strip(line)) {
						// A paragraph may wrap: every character must still be there.
						for _, r := range strip(line) {
							if strings.Count(text, string(r)) < strings.Count(strip(line), string(r)) {
								t.Errorf("pdftotext lost %q of %q", r, line)
							}
						}
					}
				}
			}
			for _, r := range strip(txt.msg) {
				if !strings.ContainsRune(text, r) {
					t.Errorf("pdftotext lost %q", r)
				}
			}

			page := filepath.Join(t.TempDir(), "page")
			run(t, "pdftoppm", "-r", "300", "-png", "-singlefile", file, page)
			if prof.CropMarks {
				checkCropMarks(t, page+".png", b)
			}
		})
	}
}

// checkCropMarks looks for ink where the トンボ are, in the slug outside
// the bleed of a page rendered at 300 dpi: at each corner the two lines
// continuing the trim edges, and the centre mark on each side.
func checkCropMarks(t *testing.T, file string, bleed float64) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	const w, h = 100.0, 148.0
	off := bleed + printpdf.SlugMM
	out := bleed + 2 // into the slug, past the bleed
	for _, m := range []struct {
		name           string
		x0, y0, x1, y1 float64 // mm; a window 1 mm across the mark's line
	}{
		{"top-left, across", off - out - 5, off - 0.5, off - out, off + 0.5},
		{"top-left, down", off - 0.5, off - out - 5, off + 0.5, off - out},
		{"top-right, across", off + w + out, off - 0.5, off + w + out + 5, off + 0.5},
		{"bottom-left, down", off - 0.5, off + h + out, off + 0.5, off + h + out + 5},
		{"bottom-right, across", off + w + out, off + h - 0.5, off + w + out + 5, off + h + 0.5},
		{"top centre", off + w/2 - 0.5, off - out - 5, off + w/2 + 0.5, off - out},
		{"bottom centre", off + w/2 - 0.5, off + h + out, off + w/2 + 0.5, off + h + out + 5},
		{"left centre", off - out - 5, off + h/2 - 0.5, off - out, off + h/2 + 0.5},
		{"right centre", off + w + out, off + h/2 - 0.5, off + w + out + 5, off + h/2 + 0.5},
	} {
		px := func(mm float64) int { return int(mm * 300 / 25.4) }
		ink := false
		for y := px(m.y0); y < px(m.y1) && !ink; y++ {
			for x := px(m.x0); x < px(m.x1) && !ink; x++ {
				r, g, b, _ := img.At(x, y).RGBA()
				ink = r>>8 < 160 && g>>8 < 160 && b>>8 < 160
			}
		}
		if !ink {
			t.Errorf("no crop mark %s", m.name)
		}
	}
}

func strip(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

func near(a, b float64) bool { return a > b-0.1 && a < b+0.1 }

const ptMM = 25.4 / 72

func box(t *testing.T, info, pattern string) (w, h float64) {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(info)
	if m == nil {
		t.Fatalf("pdfinfo: no %s in\n%s", pattern, info)
	}
	w, _ = strconv.ParseFloat(m[1], 64)
	h, _ = strconv.ParseFloat(m[2], 64)
	return w * ptMM, h * ptMM
}

func boxSize(t *testing.T, info, name string) (w, h float64) {
	t.Helper()
	m := regexp.MustCompile(name + `:\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)`).FindStringSubmatch(info)
	if m == nil {
		t.Fatalf("pdfinfo: no %s in\n%s", name, info)
	}
	var v [4]float64
	for i := range v {
		v[i], _ = strconv.ParseFloat(m[i+1], 64)
	}
	return (v[2] - v[0]) * ptMM, (v[3] - v[1]) * ptMM
}

// TestCheck is the order-time check: what is refused with a 422 and why.
func TestCheck(t *testing.T) {
	long := strings.Repeat("ずっと応援しています。", 60)
	for _, tc := range []struct {
		scenario string
		id       string
		fields   map[string]string
		field    string // "" means accepted
		message  string // part of the refusal
	}{
		{"default letter", "card-letter-tate", map[string]string{"to": "さくら"}, "", ""},
		{"𠮷 in the name", "card-letter-tate", map[string]string{"to": "𠮷田"}, "", ""},
		{"emoji in the message", "card-letter-tate", map[string]string{"to": "さくら", "message": "大好き😀です"}, "", ""},
		{"emoji in the name", "card-letter-yoko", map[string]string{"to": "さくら🌸"}, "", ""},
		{"emoji with a variation selector", "card-letter-yoko", map[string]string{"to": "さくら", "message": "大好き❤️"}, "", ""},
		{"emoji with a skin tone and a joined emoji", "card-letter-tate", map[string]string{"to": "さくら", "message": "いいね👍🏻 家族で👨‍👩‍👧"}, "", ""},
		{"rare symbol", "card-letter-yoko", map[string]string{"to": "さくら", "message": "ありがとう♫"}, "", ""},
		{"emoji neither font has in the message", "card-letter-tate", map[string]string{"to": "さくら", "message": "大好き🥰です🫶"}, "message", "「🥰」(U+1F970), 「🫶」(U+1FAF6)"},
		{"emoji neither font has in the name", "card-letter-yoko", map[string]string{"to": "さくら🥰"}, "to", "「🥰」(U+1F970)"},
		{"too long tate", "card-letter-tate", map[string]string{"to": "さくら", "message": long}, "message", "characters too many"},
		{"too long yoko", "card-letter-yoko", map[string]string{"to": "さくら", "message": long}, "message", "characters too many"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			_, err := compileShipped(t, tc.id).Check(context.Background(), render.Inputs{Fields: tc.fields})
			if tc.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if oshigoods.ErrorCode(err) != oshigoods.EUNPROCESSABLE || oshigoods.ErrorField(err) != tc.field ||
				!strings.Contains(oshigoods.ErrorMessage(err), tc.message) {
				t.Fatalf("got %v; want a 422 on %s saying %q", err, tc.field, tc.message)
			}
		})
	}
}

// TestTooManyIsExact checks the count in the refusal: dropping that many
// characters from the end fits, dropping one fewer does not.
func TestTooManyIsExact(t *testing.T) {
	tpl := compileShipped(t, "card-letter-tate")
	msg := []rune(strings.Repeat("応援してくれて本当にありがとう。", 30))
	_, err := tpl.Check(context.Background(), render.Inputs{Fields: map[string]string{"to": "さくら", "message": string(msg)}})
	m := regexp.MustCompile(`(\d+) characters too many`).FindStringSubmatch(oshigoods.ErrorMessage(err))
	if m == nil {
		t.Fatalf("got %v", err)
	}
	n, _ := strconv.Atoi(m[1])
	check := func(k int) error {
		_, err := tpl.Check(context.Background(), render.Inputs{Fields: map[string]string{"to": "さくら", "message": string(msg[:len(msg)-k])}})
		return err
	}
	if err := check(n); err != nil {
		t.Errorf("dropping %d characters still refused: %v", n, err)
	}
	if err := check(n - 1); err == nil {
		t.Errorf("dropping %d characters fits: the count %d is too high", n-1, n)
	}
}

// TestShrink checks that text a little too long shrinks, with a warning.
func TestShrink(t *testing.T) {
	tpl := compileShipped(t, "card-letter-yoko")
	msg := strings.Repeat("応援してくれて本当にありがとう。", 20)
	w, err := tpl.Check(context.Background(), render.Inputs{Fields: map[string]string{"to": "さくら", "message": msg}})
	if err != nil || len(w) != 1 || !strings.Contains(w[0], "pt instead of 11.0 pt") {
		t.Fatalf("warnings %q, err %v; want a shrink warning", w, err)
	}
}

// TestSafeArea checks every glyph's em box stays 3 mm inside the trim.
func TestSafeArea(t *testing.T) {
	for _, id := range ids {
		t.Run(id, func(t *testing.T) {
			tpl := compileShipped(t, id)
			s, _, err := tpl.fit(tpl.text(render.Inputs{Fields: map[string]string{"to": "ながいなまえのファンのみなさまへとどけ", "honorific": "ちゃん", "message": probeMsg[id]}, OrderedAt: ordered}))
			if err != nil {
				t.Fatal(err)
			}
			pg := tpl.compose(s)
			em := pg.sizeMM
			for _, ln := range pg.lines {
				for _, g := range ln.glyphs {
					asc := g.face.ascent
					x0, x1, y0, y1 := g.x, g.x+em, g.y-asc*em, g.y+(1-asc)*em
					if g.rotate {
						x0, x1, y0, y1 = g.x-(1-asc)*em, g.x+asc*em, g.y, g.y+em
					}
					if x0 < safeMM || y0 < safeMM || x1 > tpl.c.WidthMM-safeMM || y1 > tpl.c.HeightMM-safeMM {
						t.Errorf("%q at %.1f,%.1f..%.1f,%.1f mm is within 3 mm of the trim", g.r, x0, y0, x1, y1)
					}
				}
			}
			if r := pg.sig; r != nil && (r[0] < safeMM || r[1] < safeMM || r[0]+r[2] > tpl.c.WidthMM-safeMM || r[1]+r[3] > tpl.c.HeightMM-safeMM) {
				t.Errorf("signature image at %.1f,%.1f %.1fx%.1f mm is within 3 mm of the trim", r[0], r[1], r[2], r[3])
			}
		})
	}
}

// TestRenderPDF checks the print file alone is Render's card.pdf.
func TestRenderPDF(t *testing.T) {
	tpl := compileShipped(t, "card-letter-tate")
	in := render.Inputs{Fields: map[string]string{"to": "さくら", "message": probeMsg["card-letter-tate"]}, Profile: jpStandard(t)}
	res, err := tpl.Render(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := tpl.RenderPDF(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(pdf, res.Files[0].Data) {
		t.Error("RenderPDF differs from Render's card.pdf")
	}
}

// TestEmojiModifiers checks what a colour emoji font alone can show is
// left out of the set text: the emoji stay, the selectors, skin tones and
// joiners go.
func TestEmojiModifiers(t *testing.T) {
	to, msg := inputs(render.Inputs{Fields: map[string]string{"to": "さくら❤️", "message": "いいね👍🏻\r\n家族で👨‍👩‍👧"}})
	if to != "さくら❤" || msg != "いいね👍\n家族で👨👩👧" {
		t.Errorf("got %q and %q", to, msg)
	}
}

func TestDeterministic(t *testing.T) {
	for _, id := range ids {
		t.Run(id, func(t *testing.T) {
			tpl := compileShipped(t, id)
			in := map[string]string{"to": "𠮷田", "message": probeMsg[id]}
			a, b := renderFiles(t, tpl, in), renderFiles(t, tpl, in)
			for i := range a.Files {
				if a.Files[i].SHA256() != b.Files[i].SHA256() {
					t.Errorf("%s differs between renders", a.Files[i].Name)
				}
			}
		})
	}
}

// TestSignatureImageAcross checks a signature image wider across than a
// line is refused: the vertical strip of card-letter-tate in a horizontal
// letter.
func TestSignatureImageAcross(t *testing.T) {
	_, err := Compile(shippedSpec(t, "card-letter-yoko", func(m map[string]any) {
		m["signature_image"], m["signature_length_mm"] = "card-letter-tate/signature.png", 10.0
	}), os.DirFS(templatesDir))
	if err == nil || !strings.Contains(err.Error(), "at most the line pitch") {
		t.Fatalf("got %v, want a refusal of the image's width across the line", err)
	}
}

func TestCompileRefuses(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		edit     func(map[string]any)
		want     string
	}{
		{"box too close to the trim", func(m map[string]any) { m["lines"] = 15.0 }, "leaves"},
		{"unknown direction", func(m map[string]any) { m["direction"] = "diagonal" }, "direction"},
		{"unknown key", func(m map[string]any) { m["colour"] = "red" }, "unknown field"},
		{"bleed is the print profile's", func(m map[string]any) { m["bleed_mm"] = 3.0 }, "unknown field \"bleed_mm\""},
		{"body does not fit", func(m map[string]any) { m["body"] = strings.Repeat("あ", 400) }, "does not fit"},
		{"no signature", func(m map[string]any) { m["signature"] = ""; delete(m, "signature_image") }, "signature or signature_image is required"},
		{"signature image longer than a line", func(m map[string]any) { m["signature_length_mm"] = 90.0 }, "cells: want at most chars_per_line"},
		{"signature image not there", func(m map[string]any) { m["signature_image"] = "card-letter-tate/none.png" }, "none.png"},
		{"signature image not a PNG", func(m map[string]any) { m["signature_image"] = "card-letter-tate/template.json" }, "signature_image card-letter-tate/template.json"},
		{"fonts lack a character", func(m map[string]any) { m["signature"] = "ひかり🥰" }, "lacks 「🥰」(U+1F970)"},
		{"no fallback font", func(m map[string]any) { delete(m, "fallback_font"); m["signature"] = "ひかり😀" }, "lacks 「😀」(U+1F600)"},
		{"fallback font not there", func(m map[string]any) { m["fallback_font"] = "fonts/none.ttf" }, "fonts/none.ttf"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			_, err := Compile(shippedSpec(t, "card-letter-tate", tc.edit), os.DirFS(templatesDir))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error about %q", err, tc.want)
			}
		})
	}
}

// BenchmarkRenderCard is the warm path: the template and its fonts are
// compiled once, each iteration sets one vertical letter (with an emoji
// from the fallback font) and writes its print file and preview.
func BenchmarkRenderCard(b *testing.B) {
	tpl := compileShipped(b, "card-letter-tate")
	in := render.Inputs{Fields: map[string]string{"to": "さくら", "message": probeMsg["card-letter-tate"]}, Profile: jpStandard(b)}
	for b.Loop() {
		if _, err := tpl.Render(context.Background(), in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderCardPDF is the warm path of the print file alone
// (RenderPDF), what an HTML-to-PDF service is compared with in
// bench/card.sh.
func BenchmarkRenderCardPDF(b *testing.B) {
	tpl := compileShipped(b, "card-letter-tate")
	in := render.Inputs{Fields: map[string]string{"to": "さくら", "message": probeMsg["card-letter-tate"]}, Profile: jpStandard(b)}
	for b.Loop() {
		if _, err := tpl.RenderPDF(context.Background(), in); err != nil {
			b.Fatal(err)
		}
	}
}

func jpStandard(t testing.TB) render.Profile {
	t.Helper()
	p, err := render.LookupProfile("jp-standard")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestProfileBleedRefused checks a print profile with an impossible bleed
// fails the render rather than making a wrong print file.
func TestProfileBleedRefused(t *testing.T) {
	tpl := compileShipped(t, "card-letter-tate")
	if b := tpl.Output().BleedMM; b != 0 {
		t.Errorf("Output().BleedMM = %g; the bleed is the profile's, want 0", b)
	}
	for _, b := range []float64{-1, 11} {
		_, err := tpl.Render(context.Background(), render.Inputs{Fields: map[string]string{"to": "さくら"}, Profile: render.Profile{Name: "odd", BleedMM: b}})
		if err == nil || !strings.Contains(err.Error(), "bleed") {
			t.Errorf("bleed %g mm: got %v, want an error about the bleed", b, err)
		}
	}
}

// TestPDFMatchesPreview renders the print file with poppler and compares
// it with the preview: the same glyphs (the PDF's from the cut fonts given
// to gofpdf, the preview's from the fonts' outlines) in the same places.
func TestPDFMatchesPreview(t *testing.T) {
	testenv.Tool(t, "pdftoppm")
	for _, id := range ids {
		t.Run(id, func(t *testing.T) {
			tpl := compileShipped(t, id)
			res := renderFiles(t, tpl, map[string]string{"to": "𠮷田", "message": probeMsg[id]}) // digital: the trim alone
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "card.pdf"), res.Files[0].Data, 0o644); err != nil {
				t.Fatal(err)
			}
			run(t, "pdftoppm", "-r", strconv.Itoa(tpl.c.PreviewDPI), "-png", "-singlefile", filepath.Join(dir, "card.pdf"), filepath.Join(dir, "page"))
			page, err := os.ReadFile(filepath.Join(dir, "page.png"))
			if err != nil {
				t.Fatal(err)
			}
			// The rasterisers differ at glyph edges by a fraction of a pixel;
			// a glyph missing or misplaced changes whole blocks.
			// (Seen: 28 levels at most; a glyph left out: 180.)
			if x, y, d := blockDiff(t, page, res.Files[1].Data, 6); d > 48 {
				t.Errorf("the PDF differs from the preview around pixel %d,%d by %d levels", x, y, d)
			}
		})
	}
}

// checkPreflight checks the card's preflight record against the page it
// describes: a 100×148 mm trim, the profile's bleed, the slug for marks.
func checkPreflight(t *testing.T, res *render.Result, bleed, slug float64) {
	t.Helper()
	pf := res.Preflight
	if pf == nil {
		t.Fatal("no Preflight")
	}
	if pf.File != "card.pdf" || pf.Format != "pdf" || pf.PDFX != "PDF/X-4" || pf.OutputIntent != "sRGB IEC61966-2.1" {
		t.Errorf("Preflight %+v", pf)
	}
	if !near(pf.TrimMM[0], 100) || !near(pf.TrimMM[1], 148) || !near(pf.BleedMM, bleed) ||
		!near(pf.PageMM[0], 100+2*bleed+2*slug) || !near(pf.PageMM[1], 148+2*bleed+2*slug) {
		t.Errorf("Preflight page %v trim %v bleed %v", pf.PageMM, pf.TrimMM, pf.BleedMM)
	}
	if len(pf.Fonts) == 0 {
		t.Error("Preflight lists no font")
	}
	for _, f := range pf.Fonts {
		if !f.Embedded {
			t.Errorf("Preflight: font %s not embedded", f.Name)
		}
	}
	if len(pf.Warnings) != len(res.Warnings) {
		t.Errorf("Preflight warnings %q, render's %q", pf.Warnings, res.Warnings)
	}
}

// TestFitStepAgreesWithLayout checks that counting lines (fitStep, what
// Check uses) picks the size that setting the letter at each size and
// asking its layout whether it fits picks, for names and messages around
// what fits.
func TestFitStepAgreesWithLayout(t *testing.T) {
	ordered := time.Date(2026, 12, 24, 9, 0, 0, 0, time.UTC)
	for _, id := range []string{"card-letter-tate", "card-letter-yoko"} {
		tpl := compileShipped(t, id)
		long := []rune(strings.Repeat(probeMsg[id]+"\n", 3))
		for _, tc := range []struct {
			scenario string
			in       render.Inputs
		}{
			{"short name", render.Inputs{Fields: map[string]string{"to": "さくら"}, OrderedAt: ordered}},
			{"longest name", render.Inputs{Fields: map[string]string{"to": strings.Repeat("あ", tpl.c.ToMaxLength), "honorific": "ちゃん"}}},
			{"Latin name", render.Inputs{Fields: map[string]string{"to": "Sakura Tanaka", "honorific": "none"}, OrderedAt: ordered}},
			{"probe message", render.Inputs{Fields: map[string]string{"to": "さくら", "message": probeMsg[id]}, OrderedAt: ordered}},
		} {
			t.Run(id+"/"+tc.scenario, func(t *testing.T) { checkFitAgrees(t, tpl, tpl.text(tc.in)) })
		}
		for n := 0; n <= len(long); n += 7 {
			txt := tpl.text(render.Inputs{Fields: map[string]string{"to": "さくら", "message": string(long[:n])}, OrderedAt: ordered})
			t.Run(fmt.Sprintf("%s/message of %d", id, n), func(t *testing.T) { checkFitAgrees(t, tpl, txt) })
		}
	}
}

func checkFitAgrees(t *testing.T, tpl *Template, txt letterText) {
	t.Helper()
	want := -1
	for i, s := range tpl.steps {
		l, err := tpl.set(txt, s.size)
		if err != nil {
			t.Fatal(err)
		}
		if l.Fits() {
			want = i
			break
		}
		// The prefix search counts at the smallest size too.
		if ok, _ := s.fits(tpl.letter(txt), tpl.fonts); ok {
			t.Fatalf("counted as fitting at %.1f pt; its layout does not fit", s.size)
		}
	}
	got, _, err := tpl.fitStep(txt)
	if err != nil {
		got = -1
	}
	if got != want {
		t.Errorf("fitStep picks step %d (err %v), the layouts step %d", got, err, want)
	}
}

// BenchmarkCheckCard is the check an order makes of each card item: the
// fan's name set into the template's letter.
func BenchmarkCheckCard(b *testing.B) {
	tpl := compileShipped(b, "card-letter-tate")
	in := render.Inputs{Fields: map[string]string{"to": "さくら", "honorific": "ちゃん"}, OrderedAt: time.Date(2026, 12, 24, 9, 0, 0, 0, time.UTC)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tpl.Check(context.Background(), in); err != nil {
			b.Fatal(err)
		}
	}
}

// TestFill checks the placeholders are filled as the one-pass
// strings.Replacer of them fills them.
func TestFill(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		s        string
		txt      letterText
	}{
		{"no placeholder", "いつもありがとう。", letterText{name: "さくら", to: "さくらちゃん"}},
		{"each placeholder", "{to}へ {name}さん {date}", letterText{name: "さくら", to: "さくらちゃん", date: "十二月"}},
		{"placeholder in the value stays", "{to}と{date}", letterText{name: "{date}", to: "{date}様", date: "十二月"}},
		{"braces that are no placeholder", "{{to}} {nam {date", letterText{name: "a", to: "b", date: "c"}},
		{"empty values", "{to}{name}{date}", letterText{}},
		{"brace at the end", "あ{", letterText{name: "a"}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			want := strings.NewReplacer("{to}", tc.txt.to, "{name}", tc.txt.name, "{date}", tc.txt.date).Replace(tc.s)
			if got := tc.txt.fill(tc.s); got != want {
				t.Errorf("fill(%q) = %q, want %q", tc.s, got, want)
			}
		})
	}
}
