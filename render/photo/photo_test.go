package photo_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"oshigoods"
	"oshigoods/internal/testenv"
	"oshigoods/render"
	"oshigoods/render/photo"
	"oshigoods/templates"
)

var (
	update = flag.Bool("update", false, "rewrite the golden previews in testdata")
	outDir = flag.String("out", "", "write each scenario's rendered files to this folder, to look at")
)

const templateID = "photo-2shot-l"

// builtinSpec returns the shipped template's photo spec.
func builtinSpec(t testing.TB) json.RawMessage {
	t.Helper()
	data, err := fs.ReadFile(templates.FS(), templateID+"/template.json")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Photo json.RawMessage `json:"photo"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m.Photo
}

var (
	compileOnce sync.Once
	compiled    *photo.Template
	compileErr  error
)

// builtin compiles the shipped template once for all tests.
func builtin(t testing.TB) *photo.Template {
	t.Helper()
	spec := builtinSpec(t)
	compileOnce.Do(func() {
		var r render.Renderer
		r, compileErr = photo.Compile(spec, templates.FS())
		if compileErr == nil {
			compiled = r.(*photo.Template)
		}
	})
	if compileErr != nil {
		t.Fatal(compileErr)
	}
	return compiled
}

// scene draws a deterministic stand-in for a fan's photo: sky, a path and
// a figure on the left, with fine stripes so that scaling shows.
func scene(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	fx, fy := float64(w), float64(h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			u, v := float64(x)/fx, float64(y)/fy
			c := color.NRGBA{uint8(150 + 80*v), uint8(200 + 40*v), 255, 255} // sky
			if v > 0.62 {                                                    // grass with a light path
				c = color.NRGBA{uint8(110 + 40*u), uint8(180 - 30*v), 110, 255}
				if math.Abs(u-0.5) < (v-0.62)*0.9 {
					c = color.NRGBA{235, 215, 180, 255}
				}
			}
			// A person on the left third: head and shoulders.
			hx, hy := (u-0.3)*fx/fy, v-0.38
			if hx*hx+hy*hy < 0.075*0.075 {
				c = color.NRGBA{250, 220, 200, 255}
			}
			if bx, by := (u-0.3)*fx/fy, v-0.62; by > -0.15 && bx*bx/(0.16*0.16)+by*by/(0.17*0.17) < 1 {
				c = color.NRGBA{90, 120, 200, 255}
			}
			if (x/6)%2 == 0 && v < 0.1 { // fine stripes at the top
				c.R, c.G = c.R-30, c.G-30
			}
			img.Pix[img.PixOffset(x, y)+0] = c.R
			img.Pix[img.PixOffset(x, y)+1] = c.G
			img.Pix[img.PixOffset(x, y)+2] = c.B
			img.Pix[img.PixOffset(x, y)+3] = c.A
		}
	}
	return img
}

func encodeJPEG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// withOrientation inserts an EXIF APP1 segment carrying the given
// orientation tag right after the JPEG's SOI marker.
func withOrientation(jpg []byte, orientation uint16) []byte {
	tiff := []byte{'M', 'M', 0, 42, 0, 0, 0, 8, // big-endian header, IFD at 8
		0, 1, // one entry
		0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0, // Orientation, SHORT, 1 value
		0, 0, 0, 0} // no next IFD
	binary.BigEndian.PutUint16(tiff[18:], orientation)
	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := []byte{0xff, 0xe1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	out = append(out, payload...)
	return append(out, jpg[2:]...)
}

// halves is a landscape image, red on top and blue below, as stored.
func halves(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		c := color.NRGBA{220, 30, 40, 255}
		if y >= h/2 {
			c = color.NRGBA{30, 60, 220, 255}
		}
		for x := 0; x < w; x++ {
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

func decode(t testing.TB, data []byte) image.Image {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("decode output: %v", err)
	}
	return img
}

func dump(t *testing.T, res *render.Result) {
	if *outDir == "" {
		return
	}
	name := strings.NewReplacer(" ", "-", "/", "-").Replace(t.Name())
	for _, f := range res.Files {
		p := filepath.Join(*outDir, name+"-"+f.Name)
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRender(t *testing.T) {
	tmpl := builtin(t)
	tests := []struct {
		scenario     string
		photo        []byte
		name         string
		wantWarnings []string // substrings, in order
	}{
		{scenario: "portrait jpeg with a name", photo: encodeJPEG(t, scene(1200, 1600)), name: "みゆ"},
		// 1000 px over the window's 98 mm: about 259 dpi, under the
		// template's good 300, so a warning, as the upload's rating says.
		{scenario: "landscape png without a name", photo: encodePNG(t, scene(1600, 1000)),
			wantWarnings: []string{"about 259 dpi"}},
		{scenario: "long name shrinks", photo: encodeJPEG(t, scene(1200, 1600)), name: "ゆめかわちゃん推し・みゆ♡",
			wantWarnings: []string{"set at"}},
		{scenario: "small photo warns", photo: encodeJPEG(t, scene(300, 400)), name: "みゆ",
			wantWarnings: []string{"prints at about"}},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			in := render.Inputs{Fields: map[string]string{"name": tc.name}, Images: map[string][]byte{"photo": tc.photo}}
			res, err := tmpl.Render(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			dump(t, res)
			want := []render.File{
				{Name: "photo.jpg", Role: render.RoleOutput, ContentType: "image/jpeg"},
				{Name: "preview.jpg", Role: render.RolePreview, ContentType: "image/jpeg"},
			}
			if len(res.Files) != len(want) {
				t.Fatalf("got %d files, want %d", len(res.Files), len(want))
			}
			for i, w := range want {
				f := res.Files[i]
				if f.Name != w.Name || f.Role != w.Role || f.ContentType != w.ContentType {
					t.Errorf("file %d = %s %s %s, want %s %s %s", i, f.Name, f.Role, f.ContentType, w.Name, w.Role, w.ContentType)
				}
			}
			if got := decode(t, res.Files[0].Data).Bounds().Size(); got != image.Pt(1051, 1500) {
				t.Errorf("photo.jpg is %v px, want 1051×1500 (89×127 mm at 300 dpi)", got)
			}
			if got := decode(t, res.Files[1].Data).Bounds().Size(); got != image.Pt(336, 480) {
				t.Errorf("preview.jpg is %v px, want 336×480", got)
			}
			if d := jfifDensity(res.Files[0].Data); d != 300 {
				t.Errorf("photo.jpg JFIF density = %d dpi, want 300", d)
			}
			if len(res.Warnings) != len(tc.wantWarnings) {
				t.Fatalf("warnings = %q, want %d matching %q", res.Warnings, len(tc.wantWarnings), tc.wantWarnings)
			}
			for i, w := range tc.wantWarnings {
				if !strings.Contains(res.Warnings[i], w) {
					t.Errorf("warning %d = %q, want it to contain %q", i, res.Warnings[i], w)
				}
			}
		})
	}
}

// jfifDensity returns the dots-per-inch X density of a JFIF APP0 segment
// right after SOI, or 0.
func jfifDensity(data []byte) int {
	if len(data) < 20 || data[2] != 0xff || data[3] != 0xe0 || string(data[6:11]) != "JFIF\x00" || data[13] != 1 {
		return 0
	}
	return int(binary.BigEndian.Uint16(data[14:]))
}

func TestRenderDeterministic(t *testing.T) {
	tmpl := builtin(t)
	in := render.Inputs{Fields: map[string]string{"name": "みゆ"}, Images: map[string][]byte{"photo": encodeJPEG(t, scene(900, 1200))}}
	sums := make([][2]string, 3)
	var wg sync.WaitGroup
	for i := range sums {
		wg.Add(1)
		go func() { // concurrently, as workers do
			defer wg.Done()
			res, err := tmpl.Render(context.Background(), in)
			if err != nil {
				t.Error(err)
				return
			}
			sums[i] = [2]string{res.Files[0].SHA256(), res.Files[1].SHA256()}
		}()
	}
	wg.Wait()
	for i := 1; i < len(sums); i++ {
		if sums[i] != sums[0] {
			t.Errorf("render %d: sha256 %v, render 0: %v", i, sums[i], sums[0])
		}
	}
}

// TestRenderGolden compares previews with testdata/*.png. Run with -update
// to rewrite them after an intended change, and look at them.
func TestRenderGolden(t *testing.T) {
	tmpl := builtin(t)
	tests := []struct {
		scenario string
		file     string
		in       render.Inputs
	}{
		{"name", "name.png", render.Inputs{Fields: map[string]string{"name": "推し活中のみゆ"}, Images: map[string][]byte{"photo": encodeJPEG(t, scene(1200, 1600))}}},
		{"default name", "default-name.png", render.Inputs{Images: map[string][]byte{"photo": encodePNG(t, scene(1600, 1000))}}},
	}
	const tolerance = 3 // per channel, out of 255
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			res, err := tmpl.Render(context.Background(), tc.in)
			if err != nil {
				t.Fatal(err)
			}
			got := decode(t, res.Files[1].Data)
			golden := filepath.Join("testdata", tc.file)
			data := testenv.Golden(t, golden, encodePNG(t, got), *update)
			if data == nil {
				return
			}
			want, err := png.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if err := compareImages(got, want, tolerance); err != nil {
				t.Errorf("preview differs from %s: %v", golden, err)
			}
		})
	}
}

// compareImages reports the first pixel whose channels differ by more than
// tolerance.
func compareImages(got, want image.Image, tolerance int) error {
	if got.Bounds().Size() != want.Bounds().Size() {
		return fmt.Errorf("size %v, want %v", got.Bounds().Size(), want.Bounds().Size())
	}
	gb, wb := got.Bounds(), want.Bounds()
	for y := 0; y < gb.Dy(); y++ {
		for x := 0; x < gb.Dx(); x++ {
			g := color.NRGBAModel.Convert(got.At(gb.Min.X+x, gb.Min.Y+y)).(color.NRGBA)
			w := color.NRGBAModel.Convert(want.At(wb.Min.X+x, wb.Min.Y+y)).(color.NRGBA)
			for _, d := range []int{int(g.R) - int(w.R), int(g.G) - int(w.G), int(g.B) - int(w.B), int(g.A) - int(w.A)} {
				if d > tolerance || d < -tolerance {
					return fmt.Errorf("pixel (%d, %d) is %v, want %v (tolerance %d)", x, y, g, w, tolerance)
				}
			}
		}
	}
	return nil
}

// TestRenderOrientation renders a landscape photo, red above blue as
// stored, under EXIF orientations and samples the photo slot left and
// right of the top, clear of the cutout and the stickers.
func TestRenderOrientation(t *testing.T) {
	tmpl := builtin(t)
	red, blue := color.NRGBA{220, 30, 40, 255}, color.NRGBA{30, 60, 220, 255}
	stored := encodeJPEG(t, halves(400, 200))
	tests := []struct {
		scenario    string
		orientation uint16
		left, right color.NRGBA
	}{
		{"none: centre crop keeps the top", 0, red, red},
		{"6: turned clockwise, the top goes right", 6, blue, red},
		{"8: turned anticlockwise, the top goes left", 8, red, blue},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			data := stored
			if tc.orientation != 0 {
				data = withOrientation(stored, tc.orientation)
			}
			res, err := tmpl.Render(context.Background(), render.Inputs{Images: map[string][]byte{"photo": data}})
			if err != nil {
				t.Fatal(err)
			}
			img := decode(t, res.Files[0].Data)
			for _, p := range []struct {
				side string
				at   image.Point
				want color.NRGBA
			}{
				{"left", mm(15, 40), tc.left},
				{"right", mm(66, 20), tc.right},
			} {
				got := color.NRGBAModel.Convert(img.At(p.at.X, p.at.Y)).(color.NRGBA)
				if !near(got, p.want, 40) {
					t.Errorf("%s at %v = %v, want about %v", p.side, p.at, got, p.want)
				}
			}
		})
	}
}

func mm(x, y float64) image.Point {
	return image.Pt(int(math.Round(x/25.4*300)), int(math.Round(y/25.4*300)))
}

func near(a, b color.NRGBA, tol int) bool {
	d := func(x, y uint8) bool { return int(x)-int(y) <= tol && int(y)-int(x) <= tol }
	return d(a.R, b.R) && d(a.G, b.G) && d(a.B, b.B)
}

func TestRenderRefuses(t *testing.T) {
	tmpl := builtin(t)
	good := encodeJPEG(t, scene(600, 800))
	tests := []struct {
		scenario  string
		photo     []byte
		name      string
		wantField string
	}{
		{scenario: "undecodable bytes", photo: []byte("this is not a picture"), wantField: "photo"},
		{scenario: "truncated jpeg", photo: good[:len(good)/3], wantField: "photo"},
		{scenario: "no photo", photo: nil, wantField: "photo"},
		{scenario: "gif", photo: gifBytes(), wantField: "photo"},
		{scenario: "name too wide to fit", photo: good, name: strings.Repeat("Ｗ", 20), wantField: "name"},
		{scenario: "name over its length", photo: good, name: strings.Repeat("あ", 21), wantField: "name"},
		{scenario: "name the font lacks", photo: good, name: "みゆ🎤", wantField: "name"},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			in := render.Inputs{Fields: map[string]string{"name": tc.name}, Images: map[string][]byte{"photo": tc.photo}}
			_, err := tmpl.Render(context.Background(), in)
			if code := oshigoods.ErrorCode(err); code != oshigoods.EUNPROCESSABLE {
				t.Fatalf("error %v: code %q, want %q", err, code, oshigoods.EUNPROCESSABLE)
			}
			if f := oshigoods.ErrorField(err); f != tc.wantField {
				t.Errorf("error %v: field %q, want %q", err, f, tc.wantField)
			}
			if oshigoods.ErrorMessage(err) == "" {
				t.Error("empty public message")
			}
		})
	}
}

// gifBytes is a valid 1×1 GIF, a format the template does not take.
func gifBytes() []byte {
	return []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
}

func TestRenderCancelled(t *testing.T) {
	tmpl := builtin(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := tmpl.Render(ctx, render.Inputs{Images: map[string][]byte{"photo": encodeJPEG(t, scene(300, 400))}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if _, err := tmpl.Check(ctx, render.Inputs{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Check err = %v, want context.Canceled", err)
	}
}

func TestCheck(t *testing.T) {
	tmpl := builtin(t)
	tests := []struct {
		scenario    string
		in          render.Inputs
		wantWarning string // substring; "" means none
		wantField   string // "" means no error
	}{
		{scenario: "short name", in: render.Inputs{Fields: map[string]string{"name": "みゆ"}}},
		{scenario: "no name uses the default", in: render.Inputs{}},
		{scenario: "long name shrinks", in: render.Inputs{Fields: map[string]string{"name": "ゆめかわちゃん推し・みゆ♡"}}, wantWarning: "set at"},
		{scenario: "too wide", in: render.Inputs{Fields: map[string]string{"name": strings.Repeat("Ｗ", 20)}}, wantField: "name"},
		{scenario: "small photo", in: render.Inputs{Images: map[string][]byte{"photo": encodeJPEG(t, scene(300, 400))}}, wantWarning: "prints at about"},
		{scenario: "bad photo", in: render.Inputs{Images: map[string][]byte{"photo": []byte("nope")}}, wantField: "photo"},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			warnings, err := tmpl.Check(context.Background(), tc.in)
			if f := oshigoods.ErrorField(err); f != tc.wantField || (err == nil) != (tc.wantField == "") {
				t.Fatalf("err = %v, want an error on field %q", err, tc.wantField)
			}
			if tc.wantWarning == "" && len(warnings) > 0 {
				t.Errorf("warnings = %q, want none", warnings)
			}
			if tc.wantWarning != "" && (len(warnings) != 1 || !strings.Contains(warnings[0], tc.wantWarning)) {
				t.Errorf("warnings = %q, want one containing %q", warnings, tc.wantWarning)
			}
		})
	}
}

func TestTemplateDescribes(t *testing.T) {
	tmpl := builtin(t)
	if k := tmpl.Kind(); k != render.KindPhoto {
		t.Errorf("Kind = %q", k)
	}
	want := render.Output{WidthMM: 89, HeightMM: 127, DPI: 300, BleedMM: 0, Format: "jpeg"}
	if got := tmpl.Output(); got != want {
		t.Errorf("Output = %+v, want %+v", got, want)
	}
	fields := tmpl.Fields()
	if len(fields) != 3 {
		t.Fatalf("Fields = %+v, want photo, name and date", fields)
	}
	if f := fields[0]; f.Name != "photo" || f.Type != render.FieldImage || !f.Required {
		t.Errorf("field 0 = %+v, want a required image field photo", f)
	}
	if f := fields[1]; f.Name != "name" || f.Type != render.FieldText || f.Required || f.MaxLength != 20 {
		t.Errorf("field 1 = %+v, want an optional text field name of at most 20", f)
	}
	fields[0].Name = "changed"
	if tmpl.Fields()[0].Name != "photo" {
		t.Error("Fields shares its slice with the template")
	}
}

func TestCompileRefuses(t *testing.T) {
	base := builtinSpec(t)
	tests := []struct {
		scenario string
		edit     func(m map[string]any)
		raw      string // used instead of edit when set
		wantErr  string
	}{
		{scenario: "not json", raw: "{", wantErr: "decode spec"},
		{scenario: "unknown key", edit: func(m map[string]any) { m["colour"] = "#fff" }, wantErr: "unknown field"},
		{scenario: "no canvas size", edit: func(m map[string]any) { delete(m, "canvas") }, wantErr: "canvas"},
		{scenario: "bad background", edit: func(m map[string]any) { m["background"] = "pink" }, wantErr: "background"},
		{scenario: "slot off the canvas", edit: func(m map[string]any) { sub(m, "slot", "rect")["x_mm"] = 50.0 }, wantErr: "slot: rect"},
		{scenario: "missing cutout asset", edit: func(m map[string]any) { sub(m, "cutout")["asset"] = "photo-2shot-l/nope.png" }, wantErr: "cutout"},
		{scenario: "cutout stretched", edit: func(m map[string]any) { sub(m, "cutout", "rect")["width_mm"] = 20.0 }, wantErr: "aspect ratio"},
		{scenario: "font is not a font", edit: func(m map[string]any) { sub(m, "name")["font"] = "photo-2shot-l/template.json" }, wantErr: "parse font"},
		{scenario: "sizes reversed", edit: func(m map[string]any) { sub(m, "name")["min_size_pt"] = 30.0 }, wantErr: "min_size_pt"},
		{scenario: "default too wide", edit: func(m map[string]any) { sub(m, "name")["default"] = strings.Repeat("Ｗ", 20) }, wantErr: "default"},
		{scenario: "quality", edit: func(m map[string]any) { m["jpeg_quality"] = 101 }, wantErr: "jpeg_quality"},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			raw := []byte(tc.raw)
			if tc.raw == "" {
				var m map[string]any
				if err := json.Unmarshal(base, &m); err != nil {
					t.Fatal(err)
				}
				tc.edit(m)
				var err error
				if raw, err = json.Marshal(m); err != nil {
					t.Fatal(err)
				}
			}
			_, err := photo.Compile(raw, templates.FS())
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

// sub walks nested JSON objects.
func sub(m map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		m = m[k].(map[string]any)
	}
	return m
}

// BenchmarkRender renders a 12-megapixel JPEG, a phone camera's photo.
func BenchmarkRender(b *testing.B) {
	tmpl := builtin(b)
	in := render.Inputs{Fields: map[string]string{"name": "みゆ"}, Images: map[string][]byte{"photo": encodeJPEG(b, scene(3000, 4000))}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tmpl.Render(context.Background(), in); err != nil {
			b.Fatal(err)
		}
	}
}
