package photo_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"oshigoods/internal/testenv"
	"oshigoods/render"
	"oshigoods/render/pdfx/pdfxtest"
	"oshigoods/render/photo"
	"oshigoods/templates"
)

// printTemplate compiles the shipped photo-2shot-l.
func printTemplate(t testing.TB) *photo.Template {
	t.Helper()
	data, err := fs.ReadFile(templates.FS(), "photo-2shot-l/template.json")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Photo json.RawMessage `json:"photo"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	r, err := photo.Compile(m.Photo, templates.FS())
	if err != nil {
		t.Fatal(err)
	}
	return r.(*photo.Template)
}

// gradientJPEG is a w×h stand-in for a fan's photo: a gradient with a
// checkerboard, so scaling and cropping show.
func gradientJPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.NRGBA{uint8(40 + 150*x/w), uint8(120 + 100*y/h), uint8(200 - 100*y/h), 0xff}
			if (x*8/w+y*8/h)%2 == 0 {
				c.R, c.B = c.R/2, 0xe0
			}
			img.SetNRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func runTool(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// px is (mm at 300 dpi) in whole pixels, as the renderer rounds.
func px(mm float64) int { return int(math.Round(mm / 25.4 * 300)) }

// pt is mm in PDF points.
func pt(mm float64) float64 { return mm / 25.4 * 72 }

// TestPrintProfiles renders photo-2shot-l (89×127 mm at 300 dpi) with every
// built-in print profile and checks the print file as a print shop's tools
// see it: ImageMagick for the JPEGs (pixel size (trim + 2×bleed) × dpi, a
// 300 PixelsPerInch density, the sRGB ICC profile), poppler for the PDFs
// (page size, TrimBox, BleedBox, the embedded image's pixels).
func TestPrintProfiles(t *testing.T) {
	testenv.Tool(t, "identify")
	testenv.Tool(t, "pdfinfo")
	testenv.Tool(t, "pdfimages")
	tmpl := printTemplate(t)
	const W, H = 89.0, 127.0
	tests := []struct {
		scenario string
		profile  string
		bleedMM  float64
		pdf      bool
		marks    bool
	}{
		{scenario: "3 mm bleed jpeg (the Japanese default)", profile: "jp-standard", bleedMM: 3},
		{scenario: "4 mm bleed jpeg", profile: "bleed4", bleedMM: 4},
		{scenario: "no bleed jpeg", profile: "digital", bleedMM: 0},
		{scenario: "3 mm bleed pdf with トンボ", profile: "jp-tombo", bleedMM: 3, pdf: true, marks: true},
		{scenario: "4 mm bleed pdf with トンボ", profile: "bleed4-pdf", bleedMM: 4, pdf: true, marks: true},
	}
	photoData := gradientJPEG(t, 1800, 2400)
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			p, err := render.LookupProfile(tc.profile)
			if err != nil {
				t.Fatal(err)
			}
			in := render.Inputs{Fields: map[string]string{"name": "みゆ"}, Images: map[string][]byte{"photo": photoData}, Profile: p}
			res, err := tmpl.Render(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			out, prev := res.Files[0], res.Files[1]
			if out.Role != render.RoleOutput || prev.Name != "preview.jpg" {
				t.Fatalf("files = %s %s, want the print file then preview.jpg", out.Name, prev.Name)
			}
			checkPreflight(t, tmpl, res, W, H, tc.bleedMM, tc.marks)
			wantPx := image.Pt(px(W+2*tc.bleedMM), px(H+2*tc.bleedMM))
			dir := t.TempDir()
			file := filepath.Join(dir, out.Name)
			if err := os.WriteFile(file, out.Data, 0o644); err != nil {
				t.Fatal(err)
			}

			if !tc.pdf {
				if out.Name != "photo.jpg" || out.ContentType != "image/jpeg" {
					t.Fatalf("print file %s %s, want photo.jpg image/jpeg", out.Name, out.ContentType)
				}
				got := strings.TrimSpace(runTool(t, "identify", "-format", "%w %h %x %y %U", file))
				want := strconv.Itoa(wantPx.X) + " " + strconv.Itoa(wantPx.Y) + " 300 300 PixelsPerInch"
				if got != want {
					t.Errorf("identify = %q, want %q ((%g+2×%g)×(%g+2×%g) mm at 300 dpi)", got, want, W, tc.bleedMM, H, tc.bleedMM)
				}
				verbose := runTool(t, "identify", "-verbose", file)
				if !strings.Contains(verbose, "Profile-icc: 6922 bytes") || !strings.Contains(verbose, "sRGB") {
					t.Errorf("identify -verbose shows no sRGB ICC profile:\n%s", grepLines(verbose, "rofile|icc"))
				}
				// The bleed is the frame's pink pattern, not paper white.
				img, err := jpeg.Decode(bytes.NewReader(out.Data))
				if err != nil {
					t.Fatal(err)
				}
				if c := color.NRGBAModel.Convert(img.At(1, wantPx.Y/2)).(color.NRGBA); c.G > 0xf0 || c.R < 0xf0 {
					t.Errorf("left edge of the bleed is %v, want the frame's pink", c)
				}
				return
			}

			if out.Name != "photo.pdf" || out.ContentType != "application/pdf" {
				t.Fatalf("print file %s %s, want photo.pdf application/pdf", out.Name, out.ContentType)
			}
			info := runTool(t, "pdfinfo", "-box", file)
			off := tc.bleedMM
			if tc.marks {
				off += 10
			}
			page := box(t, info, "MediaBox")
			if !nearPt(page[2], pt(W+2*off)) || !nearPt(page[3], pt(H+2*off)) {
				t.Errorf("page is %.2f×%.2f pt, want %.2f×%.2f (trim + bleed + 10 mm for marks)", page[2], page[3], pt(W+2*off), pt(H+2*off))
			}
			trim := box(t, info, "TrimBox")
			wantTrim := [4]float64{pt(off), pt(off), pt(off + W), pt(off + H)}
			bleed := box(t, info, "BleedBox")
			wantBleed := [4]float64{pt(off - tc.bleedMM), pt(off - tc.bleedMM), pt(off + W + tc.bleedMM), pt(off + H + tc.bleedMM)}
			for i := range 4 {
				if !nearPt(trim[i], wantTrim[i]) || !nearPt(bleed[i], wantBleed[i]) {
					t.Fatalf("TrimBox %v BleedBox %v, want %v and %v", trim, bleed, wantTrim, wantBleed)
				}
			}
			// The image is the bleed's size at 300 dpi.
			list := runTool(t, "pdfimages", "-list", file)
			f := strings.Fields(grepLines(list, `^\s*1\s`))
			if len(f) < 5 || f[3] != strconv.Itoa(wantPx.X) || f[4] != strconv.Itoa(wantPx.Y) || !strings.Contains(list, "jpeg") {
				t.Errorf("pdfimages -list:\n%s\nwant one %d×%d jpeg", list, wantPx.X, wantPx.Y)
			}
			if f := grepLines(list, `^\s*1\s`); !strings.Contains(f, " 300 ") {
				t.Errorf("image resolution: %q, want 300 ppi on the page", f)
			}
			pdfxtest.Check(t, file)
		})
	}
}

// TestPrintDeterministic renders each format twice: the same bytes.
func TestPrintDeterministic(t *testing.T) {
	tmpl := printTemplate(t)
	data := gradientJPEG(t, 900, 1200)
	for _, name := range []string{"jp-standard", "jp-tombo"} {
		t.Run(name, func(t *testing.T) {
			p, _ := render.LookupProfile(name)
			in := render.Inputs{Fields: map[string]string{"name": "みゆ"}, Images: map[string][]byte{"photo": data}, Profile: p}
			a, err := tmpl.Render(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			b, err := tmpl.Render(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			for i := range a.Files {
				if !bytes.Equal(a.Files[i].Data, b.Files[i].Data) {
					t.Errorf("%s differs between two renders", a.Files[i].Name)
				}
			}
		})
	}
}

// TestPrintProfileTooMuchBleed refuses a profile whose bleed is beyond the
// art's.
func TestPrintProfileTooMuchBleed(t *testing.T) {
	tmpl := printTemplate(t)
	in := render.Inputs{Images: map[string][]byte{"photo": gradientJPEG(t, 900, 1200)}, Profile: render.Profile{Name: "wide", BleedMM: 5, PhotoFormat: "jpeg"}}
	if _, err := tmpl.Render(context.Background(), in); err == nil || !strings.Contains(err.Error(), "covers 4 mm") {
		t.Fatalf("err = %v, want the art's 4 mm named", err)
	}
}

// TestCompileRefusesUnsafe refuses text and faces in the safe margin.
func TestCompileRefusesUnsafe(t *testing.T) {
	data, err := fs.ReadFile(templates.FS(), "photo-2shot-l/template.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		scenario string
		edit     func(m map[string]any)
		wantErr  string
	}{
		{"name box in the margin", func(m map[string]any) { obj(m, "name", "rect")["y_mm"] = 115.0 }, "safe margin"},
		{"cutout in the margin", func(m map[string]any) { obj(m, "cutout", "rect")["x_mm"] = 42.0 }, "safe margin"},
		{"face box in the margin", func(m map[string]any) {
			obj(m, "slot")["face_box"] = map[string]any{"x_mm": 5.0, "y_mm": 8.0, "width_mm": 10.0, "height_mm": 10.0}
			obj(m, "canvas")["safe_mm"] = 6.0
		}, "safe margin"},
		{"min above good", func(m map[string]any) { obj(m, "slot")["min_dpi"] = 400.0 }, "min_dpi <= good_dpi"},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			var man struct {
				Photo map[string]any `json:"photo"`
			}
			if err := json.Unmarshal(data, &man); err != nil {
				t.Fatal(err)
			}
			tc.edit(man.Photo)
			raw, _ := json.Marshal(man.Photo)
			if _, err := photo.Compile(raw, templates.FS()); err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func obj(m map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		m = m[k].(map[string]any)
	}
	return m
}

// box parses a "Name: x0 y0 x1 y1" line of pdfinfo -box.
func box(t *testing.T, info, name string) [4]float64 {
	t.Helper()
	f := strings.Fields(grepLines(info, "^"+name+":"))
	if len(f) != 5 {
		t.Fatalf("no %s in pdfinfo:\n%s", name, info)
	}
	var b [4]float64
	for i := range b {
		b[i], _ = strconv.ParseFloat(f[i+1], 64)
	}
	if name == "MediaBox" {
		b[2], b[3] = b[2]-b[0], b[3]-b[1]
	}
	return b
}

func nearPt(a, b float64) bool { return math.Abs(a-b) < 0.02 }

func grepLines(s, pattern string) string {
	re := regexp.MustCompile(pattern)
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if re.MatchString(l) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestArtResolution: the art's PNGs say in a pHYs chunk that they are
// drawn at the template's 300 dpi (11811 pixels per metre), and the frame
// covers the trim plus the 4 mm the most generous profile bleeds.
func TestArtResolution(t *testing.T) {
	for _, name := range []string{"photo-2shot-l/frame.png", "photo-2shot-l/cutout.png"} {
		data, err := fs.ReadFile(templates.FS(), name)
		if err != nil {
			t.Fatal(err)
		}
		i := bytes.Index(data, []byte("pHYs"))
		if i < 0 || len(data) < i+13 {
			t.Errorf("%s has no pHYs chunk", name)
			continue
		}
		x, y := binary.BigEndian.Uint32(data[i+4:]), binary.BigEndian.Uint32(data[i+8:])
		if x != 11811 || y != 11811 || data[i+12] != 1 {
			t.Errorf("%s pHYs = %d×%d unit %d, want 11811 pixels per metre (300 dpi)", name, x, y, data[i+12])
		}
	}
	data, _ := fs.ReadFile(templates.FS(), "photo-2shot-l/frame.png")
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Width != px(89+8) || cfg.Height != px(127+8) {
		t.Errorf("frame.png is %d×%d, want %d×%d ((89+2×4)×(127+2×4) mm at 300 dpi)", cfg.Width, cfg.Height, px(89+8), px(127+8))
	}
}

// checkPreflight checks the print file's preflight record: its size, the
// photo rated as RateImage rates it, and for a PDF its intent and no font.
func checkPreflight(t *testing.T, tmpl *photo.Template, res *render.Result, w, h, bleed float64, marks bool) {
	t.Helper()
	pf := res.Preflight
	if pf == nil {
		t.Fatal("no Preflight")
	}
	page := [2]float64{w + 2*bleed, h + 2*bleed}
	if marks {
		page[0], page[1] = page[0]+20, page[1]+20
	}
	near := func(a, b float64) bool { return a > b-0.05 && a < b+0.05 }
	if pf.File != res.Files[0].Name || !near(pf.PageMM[0], page[0]) || !near(pf.PageMM[1], page[1]) ||
		!near(pf.TrimMM[0], w) || !near(pf.TrimMM[1], h) || !near(pf.BleedMM, bleed) {
		t.Errorf("Preflight %+v, want page %v", pf, page)
	}
	if pdf := strings.HasSuffix(pf.File, ".pdf"); pdf != (pf.Format == "pdf") || pdf != (pf.PDFX == "PDF/X-4") || len(pf.Fonts) != 0 {
		t.Errorf("Preflight format %q PDF/X %q fonts %v", pf.Format, pf.PDFX, pf.Fonts)
	}
	want := tmpl.RateImage(1800, 2400)[0]
	if len(pf.Images) != 1 || pf.Images[0] != (render.PlacedImage{Field: want.Field, EffectiveDPI: want.EffectiveDPI, Verdict: want.Verdict}) {
		t.Errorf("Preflight images %+v, want %+v", pf.Images, want)
	}
}
