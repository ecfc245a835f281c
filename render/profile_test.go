package render

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"oshigoods/render/pdfx"
)

func TestProfileFinish(t *testing.T) {
	print := Output{WidthMM: 89, HeightMM: 127, DPI: 300, Format: "jpeg"}
	cases := []struct {
		scenario string
		profile  string
		kind     Kind
		in       Output
		bleed    float64
		format   string
	}{
		{"photo, standard", "jp-standard", KindPhoto, print, 3, "jpeg"},
		{"photo, tombo PDF", "jp-tombo", KindPhoto, print, 3, "pdf"},
		{"photo, 4 mm", "bleed4", KindPhoto, print, 4, "jpeg"},
		{"card keeps its PDF", "bleed4", KindCard, Output{WidthMM: 100, HeightMM: 148, Format: "pdf"}, 4, "pdf"},
		{"voice has no bleed", "bleed4", KindVoice, Output{Format: "wav"}, 0, "wav"},
	}
	for _, tc := range cases {
		t.Run(tc.scenario, func(t *testing.T) {
			p, err := LookupProfile(tc.profile)
			if err != nil {
				t.Fatal(err)
			}
			got := p.Finish(tc.kind, tc.in)
			if got.BleedMM != tc.bleed || got.Format != tc.format {
				t.Fatalf("got bleed %v format %s, want %v %s", got.BleedMM, got.Format, tc.bleed, tc.format)
			}
		})
	}
	if _, err := LookupProfile("nope"); err == nil {
		t.Fatal("unknown profile accepted")
	}
}

func TestLoadOutputICC(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	srgb := pdfx.SRGB()
	cmyk := append([]byte(nil), srgb...)
	copy(cmyk[12:20], "prtrCMYK")
	lab := append([]byte(nil), srgb...)
	copy(lab[16:20], "Lab ")
	for _, tc := range []struct {
		scenario string
		path     string
		name     string // the name returned, or
		err      string // the error's text
	}{
		{"sRGB", write("srgb.icc", srgb), "sRGB", ""},
		{"a CMYK printer profile", write("press.icc", cmyk), "sRGB", ""},
		{"missing", filepath.Join(dir, "none.icc"), "", "none.icc"},
		{"not a profile", write("text.icc", []byte(strings.Repeat("x", 300))), "", "text.icc: no ICC signature acsp"},
		{"truncated", write("short.icc", srgb[:len(srgb)-10]), "", "short.icc: ICC size field"},
		{"Lab", write("lab.icc", lab), "", "lab.icc: ICC colour space \"Lab\""},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			b, name, err := LoadOutputICC(tc.path)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil || len(b) == 0 || !strings.Contains(name, tc.name) {
				t.Fatalf("LoadOutputICC = %d bytes, %q, %v", len(b), name, err)
			}
		})
	}
}

func TestProfileValidate(t *testing.T) {
	for _, name := range ProfileNames() {
		p, _ := LookupProfile(name)
		if err := p.Validate(); err != nil {
			t.Errorf("built-in profile %s: %v", name, err)
		}
	}
	for _, tc := range []struct {
		scenario string
		p        Profile
		want     string // "" means valid
	}{
		{"zero is digital", Profile{}, ""},
		{"pdf photos", Profile{PhotoFormat: "pdf", BleedMM: 3}, ""},
		{"tiff photos", Profile{PhotoFormat: "tiff"}, `PhotoFormat "tiff" is not a photo format`},
		{"negative bleed", Profile{BleedMM: -1}, "BleedMM -1 is out of range"},
		{"bleed in inches", Profile{BleedMM: 30}, "BleedMM 30 is out of range"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			err := tc.p.Validate()
			if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("Validate() = %v; want %q", err, tc.want)
			}
		})
	}
}
