package render

import "testing"

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
