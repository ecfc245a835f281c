package photo_test

import (
	"context"
	"encoding/json"
	"io/fs"
	"slices"
	"strings"
	"testing"

	"oshigoods/render"
	"oshigoods/render/photo"
	"oshigoods/templates"
)

// TestRateImage rates photos in photo-2shot-l's 79×98 mm slot, cover
// cropped: the side that fills the slot with fewer pixels sets the
// resolution (a 3000×4000 photo: min(3000/3.11, 4000/3.86 in) ≈ 964 dpi).
func TestRateImage(t *testing.T) {
	tmpl := printTemplate(t)
	tests := []struct {
		scenario string
		w, h     int
		wantDPI  int
		want     render.Verdict
	}{
		{"12 MP portrait", 3000, 4000, 964, render.VerdictOK},
		{"exactly 300 dpi across", 934, 1158, 300, render.VerdictOK},
		{"landscape in a portrait slot", 1600, 1000, 259, render.VerdictWarning},
		{"just under 300", 930, 1200, 299, render.VerdictWarning},
		{"exactly 150", 467, 580, 150, render.VerdictWarning},
		{"old phone 400×300", 400, 300, 77, render.VerdictRefused},
		{"just under 150", 466, 580, 149, render.VerdictRefused},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			got := tmpl.RateImage(tc.w, tc.h)
			if len(got) != 1 || got[0].Field != "photo" {
				t.Fatalf("RateImage = %+v, want one rating of field photo", got)
			}
			r := got[0]
			if r.EffectiveDPI != tc.wantDPI || r.Verdict != tc.want {
				t.Errorf("%d×%d: %d dpi %s, want %d dpi %s", tc.w, tc.h, r.EffectiveDPI, r.Verdict, tc.wantDPI, tc.want)
			}
			if (r.Message == "") != (tc.want == render.VerdictOK) {
				t.Errorf("message %q with verdict %s", r.Message, r.Verdict)
			}
		})
	}
}

// TestRateImageThresholds reads the thresholds from the template.
func TestRateImageThresholds(t *testing.T) {
	data, err := fs.ReadFile(templates.FS(), "photo-2shot-l/template.json")
	if err != nil {
		t.Fatal(err)
	}
	var man struct {
		Photo map[string]any `json:"photo"`
	}
	if err := json.Unmarshal(data, &man); err != nil {
		t.Fatal(err)
	}
	slot := man.Photo["slot"].(map[string]any)
	slot["min_dpi"], slot["good_dpi"] = 60, 120
	raw, _ := json.Marshal(man.Photo)
	r, err := photo.Compile(raw, templates.FS())
	if err != nil {
		t.Fatal(err)
	}
	rater := r.(render.ImageRater)
	for _, tc := range []struct {
		w, h int
		want render.Verdict
	}{{400, 300, render.VerdictWarning}, {150, 200, render.VerdictRefused}, {600, 800, render.VerdictOK}} {
		if got := rater.RateImage(tc.w, tc.h)[0]; got.Verdict != tc.want {
			t.Errorf("%d×%d at min 60 / good 120 dpi: %+v, want %s", tc.w, tc.h, got, tc.want)
		}
	}
}

// TestCheckRatesPhoto: with the photo's bytes (as a preview has them),
// Check warns with the effective resolution; soft and too small alike,
// since the order, not the preview, is what is refused.
func TestCheckRatesPhoto(t *testing.T) {
	tmpl := printTemplate(t)
	tests := []struct {
		scenario string
		w, h     int
		want     string // substring of the one warning; "" means none
	}{
		{"sharp", 1500, 2000, ""},
		{"soft", 1000, 900, "may look soft"},
		{"too small", 400, 300, "too soft to print"},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			in := render.Inputs{Images: map[string][]byte{"photo": gradientJPEG(t, tc.w, tc.h)}}
			warnings, err := tmpl.Check(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == "" && len(warnings) != 0 || tc.want != "" && (len(warnings) != 1 || !strings.Contains(warnings[0], tc.want)) {
				t.Errorf("warnings = %q, want %q", warnings, tc.want)
			}
		})
	}
}

// TestOneResolutionRule: the upload's rating (RateImage), the preview's
// Check and the render give a photo one verdict in the same words, so a fan
// told "233 dpi" at order time is never told otherwise after the render.
func TestOneResolutionRule(t *testing.T) {
	tmpl := printTemplate(t)
	tests := []struct {
		scenario string
		w, h     int
	}{
		{"sharp", 1500, 2000},
		{"soft landscape", 1000, 900},
		{"soft portrait", 900, 1000},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			var want []string
			if m := tmpl.RateImage(tc.w, tc.h)[0].Message; m != "" {
				want = []string{m}
			}
			in := render.Inputs{Images: map[string][]byte{"photo": gradientJPEG(t, tc.w, tc.h)}}
			checked, err := tmpl.Check(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			res, err := tmpl.Render(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(checked, want) || !slices.Equal(res.Warnings, want) {
				t.Errorf("Check warns %q, Render %q; want RateImage's %q", checked, res.Warnings, want)
			}
		})
	}
}
