package photo_test

import (
	"encoding/json"
	"image"
	"image/color"
	"math"
	"strings"
	"testing"
	"testing/fstest"

	"oshigoods/render"
	"oshigoods/render/photo"
	"oshigoods/templates"
)

// mmPx converts millimetres on the shipped template's canvas (300 dpi, 4 mm
// bleed) to pixels from the canvas corner.
func mmPx(mm float64) int { return int(math.Round((mm + 4) / 25.4 * 300)) }

// figure draws a w×h cutout: an ellipse filling it on a transparent
// background, with an anti-aliased edge unless hard. opaqueBG fills the
// background white instead.
func figure(w, h int, hard, opaqueBG bool) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			u, v := (float64(x)+0.5)/float64(w)*2-1, (float64(y)+0.5)/float64(h)*2-1
			// Distance past the edge in pixels, roughly.
			d := (math.Sqrt(u*u+v*v) - 0.95) * float64(min(w, h)) / 2
			a := math.Min(1, math.Max(0, 0.5-d))
			if hard {
				a = math.Round(a)
			}
			c := color.NRGBA{0xb0, 0x90, 0xe0, uint8(255 * a)}
			if opaqueBG && c.A < 255 {
				c = color.NRGBA{0xff, 0xff, 0xff, 0xff}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

// frameArt draws the shipped canvas's frame (1146×1594 px, bleed
// included): pink where covered is true.
func frameArt(covered func(x, y int) bool) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, 1146, 1594))
	for y := 0; y < 1594; y++ {
		for x := 0; x < 1146; x++ {
			if covered(x, y) {
				img.SetNRGBA(x, y, color.NRGBA{0xff, 0xb0, 0xd0, 0xff})
			}
		}
	}
	return img
}

// inSlot reports whether a canvas pixel is in the shipped slot.
func inSlot(x, y int) bool {
	return x >= mmPx(5) && x < mmPx(84) && y >= mmPx(8) && y < mmPx(106)
}

func TestLint(t *testing.T) {
	rgb := func(img *image.NRGBA) image.Image {
		out := image.NewRGBA(img.Bounds())
		for i := 0; i < len(img.Pix); i += 4 {
			copy(out.Pix[i:i+3], img.Pix[i:i+3])
			out.Pix[i+3] = 0xff
		}
		return out
	}
	for _, tc := range []struct {
		scenario string
		edit     func(spec map[string]any)
		assets   map[string]image.Image // replacing the shipped art, by path
		want     []string               // "field|file|error or warning|text" of each problem, in order
	}{
		{scenario: "as shipped"},
		{scenario: "cutout without alpha channel",
			assets: map[string]image.Image{"photo-2shot-l/cutout.png": rgb(figure(543, 939, false, false))},
			want:   []string{"photo.cutout.asset|photo-2shot-l/cutout.png|error|cutout.png has no transparent pixel (it has no alpha channel"}},
		{scenario: "cutout transparent everywhere",
			assets: map[string]image.Image{"photo-2shot-l/cutout.png": image.NewNRGBA(image.Rect(0, 0, 543, 939))},
			want:   []string{"photo.cutout.asset|photo-2shot-l/cutout.png|error|cutout.png is transparent everywhere"}},
		{scenario: "cutout with hard edges",
			assets: map[string]image.Image{"photo-2shot-l/cutout.png": figure(543, 939, true, false)},
			want:   []string{"photo.cutout.asset|photo-2shot-l/cutout.png|warning|cutout.png has hard edges"}},
		{scenario: "cutout too small to print sharply",
			assets: map[string]image.Image{"photo-2shot-l/cutout.png": figure(400, 692, false, false)},
			want:   []string{"photo.cutout.asset|photo-2shot-l/cutout.png|warning|cutout.png is 400×692 px; its rect, 46×79.5 mm at 300 dpi, needs 543×939 px: enlarged, it prints at about 221 dpi"}},
		{scenario: "cutout far too small",
			assets: map[string]image.Image{"photo-2shot-l/cutout.png": figure(200, 346, false, false)},
			want:   []string{"photo.cutout.asset|photo-2shot-l/cutout.png|error|needs 543×939 px"}},
		{scenario: "frame without a window",
			assets: map[string]image.Image{"photo-2shot-l/frame.png": rgb(frameArt(func(x, y int) bool { return true }))},
			want:   []string{"photo.frame.asset|photo-2shot-l/frame.png|error|frame.png covers 100% of the photo slot (slot.rect) (it has no alpha channel"}},
		{scenario: "frame with too small a window",
			assets: map[string]image.Image{"photo-2shot-l/frame.png": frameArt(func(x, y int) bool { return !inSlot(x, y) || y > mmPx(30) })},
			want:   []string{"photo.frame.asset|photo-2shot-l/frame.png|error|frame.png covers 77% of the photo slot (slot.rect): cut"}},
		{scenario: "frame over the face box",
			assets: map[string]image.Image{"photo-2shot-l/frame.png": frameArt(func(x, y int) bool {
				return !inSlot(x, y) || x < mmPx(20) && y < mmPx(40)
			})},
			want: []string{"photo.frame.asset|photo-2shot-l/frame.png|warning|frame.png covers 27% of the face box"}},
		{scenario: "frame that stops at the trim",
			assets: map[string]image.Image{"photo-2shot-l/frame.png": frameArt(func(x, y int) bool {
				inTrim := x >= mmPx(0) && x < mmPx(89) && y >= mmPx(0) && y < mmPx(127)
				return inTrim && !inSlot(x, y)
			})},
			want: []string{"photo.frame.asset|photo-2shot-l/frame.png|warning|frame.png stops at the trim"}},
		{scenario: "frame drawn at half size",
			assets: map[string]image.Image{"photo-2shot-l/frame.png": image.NewNRGBA(image.Rect(0, 0, 560, 779))},
			want:   []string{"photo.frame.asset|photo-2shot-l/frame.png|error|frame.png is 560×779 px; the canvas with its bleed, 97×135 mm at 300 dpi, needs 1146×1594 px"}},
		{scenario: "less bleed than a profile asks for",
			edit: func(s map[string]any) { s["canvas"].(map[string]any)["bleed_mm"] = 3.0 },
			want: []string{"photo.canvas.bleed_mm||warning|the print profile bleed4 asks for 4 mm"}},
		{scenario: "name font without kana",
			edit: func(s map[string]any) { s["name"].(map[string]any)["font"] = "fonts/Symbola_hint.ttf" },
			want: []string{"photo.name.font|fonts/Symbola_hint.ttf|warning|fonts/Symbola_hint.ttf lacks characters fans often type: 「ぁ」(U+3041)"}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			var spec map[string]any
			if err := json.Unmarshal(builtinSpec(t), &spec); err != nil {
				t.Fatal(err)
			}
			if tc.edit != nil {
				tc.edit(spec)
			}
			raw, _ := json.Marshal(spec)
			top := fstest.MapFS{}
			for p, img := range tc.assets {
				top[p] = &fstest.MapFile{Data: encodePNG(t, img)}
			}
			r, err := photo.Compile(raw, templates.Overlay(top, templates.FS()))
			if err != nil {
				t.Fatalf("compile: %v", err)
			}
			got := r.(*photo.Template).Lint()
			if len(got) != len(tc.want) {
				t.Fatalf("Lint() = %d problems, want %d:\n%s", len(got), len(tc.want), problemLines(got))
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

func problemLines(ps []render.Problem) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.File + ": " + p.Field + ": " + p.Message + "\n")
	}
	return b.String()
}
