package photo_test

import (
	"bytes"
	"context"
	"image"
	"strings"
	"testing"

	"oshigoods"
	"oshigoods/render"
	"oshigoods/render/photo"
)

// dateInputs is a render's inputs with a fixed photo, the name みゆ and,
// when date is not nil, the date field.
func dateInputs(t testing.TB, date *string) render.Inputs {
	t.Helper()
	fields := map[string]string{"name": "みゆ"}
	if date != nil {
		fields["date"] = *date
	}
	return render.Inputs{Fields: fields, Images: map[string][]byte{"photo": encodeJPEG(t, scene(900, 1200))}}
}

func ptr(s string) *string { return &s }

// lumaChanged counts the pixels of r (trim-box pixels of the print file)
// whose luma differs by more than 40 between a and b.
func lumaChanged(a, b image.Image, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if lumaDiff(a.At(x, y), b.At(x, y)) > 40 {
				n++
			}
		}
	}
	return n
}

// dateBox is the date box of the shipped template in print-file pixels.
func dateBox(t *testing.T, tmpl *photo.Template) image.Rectangle {
	t.Helper()
	d := tmpl.Spec().Date
	if d == nil {
		t.Fatal("the shipped template has no date box")
	}
	r := d.Rect
	return image.Rectangle{Min: mm(r.XMM, r.YMM), Max: mm(r.XMM+r.WidthMM, r.YMM+r.HeightMM)}
}

func TestDateField(t *testing.T) {
	tmpl := builtin(t)
	f := tmpl.Fields()
	if len(f) != 3 {
		t.Fatalf("Fields = %+v, want photo, name and date", f)
	}
	want := render.Field{Name: "date", Type: render.FieldText, Label: "日付（任意）", MaxLength: 16, Default: ""}
	if got := f[2]; got.Name != want.Name || got.Type != want.Type || got.Label != want.Label || got.MaxLength != want.MaxLength || got.Default != want.Default || got.Required {
		t.Errorf("field 2 = %+v, want an optional %+v", got, want)
	}
	// The date box keeps out of the name plate and inside the safe area
	// (Compile checks the latter; the plate is the template's choice).
	s := tmpl.Spec()
	if d, n := s.Date.Rect, s.Name.Rect; d.YMM+d.HeightMM > n.YMM && n.YMM+n.HeightMM > d.YMM && d.XMM+d.WidthMM > n.XMM && n.XMM+n.WidthMM > d.XMM {
		t.Errorf("date box %+v overlaps the name box %+v", d, n)
	}
}

func TestDateRender(t *testing.T) {
	tmpl := builtin(t)
	ctx := context.Background()
	base, err := tmpl.Render(ctx, dateInputs(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	basePrint := decode(t, base.Files[0].Data)
	box := dateBox(t, tmpl)
	tests := []struct {
		scenario    string
		date        string
		wantDrawn   bool   // pixels in the date box differ from the no-date render
		wantWarning string // substring; "" means none
	}{
		{scenario: "dotted date", date: "2026.11.23", wantDrawn: true},
		{scenario: "japanese date", date: "2026年11月23日", wantDrawn: true},
		{scenario: "date with an event shrinks", date: "2026/11/23 東京ドーム", wantDrawn: true, wantWarning: "The date was set at"},
		{scenario: "empty date draws nothing", date: ""},
		{scenario: "blank date draws nothing", date: "   "},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			res, err := tmpl.Render(ctx, dateInputs(t, ptr(tc.date)))
			if err != nil {
				t.Fatal(err)
			}
			dump(t, res)
			got := decode(t, res.Files[0].Data)
			changed := lumaChanged(basePrint, got, box)
			if tc.wantDrawn && changed < 200 {
				t.Errorf("%d pixels of the date box changed, want the date drawn there", changed)
			}
			if !tc.wantDrawn && !bytes.Equal(res.Files[0].Data, base.Files[0].Data) {
				t.Errorf("photo.jpg differs from the render without a date field (%d pixels in the date box)", changed)
			}
			// Away from the date box (the name plate), nothing moves.
			plate := image.Rectangle{Min: mm(20, 111), Max: mm(69, 119)}
			if n := lumaChanged(basePrint, got, plate); n != 0 {
				t.Errorf("%d pixels of the name plate changed", n)
			}
			var dateWarnings []string
			for _, w := range res.Warnings {
				if strings.Contains(w, "date") {
					dateWarnings = append(dateWarnings, w)
				}
			}
			if tc.wantWarning == "" && len(dateWarnings) > 0 {
				t.Errorf("warnings = %q, want none about the date", res.Warnings)
			}
			if tc.wantWarning != "" && (len(dateWarnings) != 1 || !strings.Contains(dateWarnings[0], tc.wantWarning)) {
				t.Errorf("warnings = %q, want one containing %q", res.Warnings, tc.wantWarning)
			}

			// The preview shows the date too.
			pv, err := tmpl.Preview(ctx, dateInputs(t, ptr(tc.date)))
			if err != nil {
				t.Fatal(err)
			}
			pv0, err := tmpl.Preview(ctx, dateInputs(t, nil))
			if err != nil {
				t.Fatal(err)
			}
			if same := bytes.Equal(pv.Data, pv0.Data); same == tc.wantDrawn {
				t.Errorf("preview equal to the no-date preview = %v, want %v", same, !tc.wantDrawn)
			}
		})
	}
}

func TestDateRefused(t *testing.T) {
	tmpl := builtin(t)
	tests := []struct {
		scenario string
		date     string
		wantMsg  string
	}{
		{scenario: "too long", date: strings.Repeat("1", 17), wantMsg: "date is 17 characters; the limit is 16"},
		{scenario: "unsupported character", date: "2026.11.23 \U0001F600", wantMsg: "which this design's font cannot print"},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			in := dateInputs(t, ptr(tc.date))
			_, checkErr := tmpl.Check(context.Background(), render.Inputs{Fields: in.Fields})
			_, renderErr := tmpl.Render(context.Background(), in)
			for _, err := range []error{checkErr, renderErr} {
				if f := oshigoods.ErrorField(err); f != "date" {
					t.Errorf("err = %v (field %q), want an error on field \"date\"", err, f)
				}
				if oshigoods.ErrorCode(err) != oshigoods.EUNPROCESSABLE || !strings.Contains(oshigoods.ErrorMessage(err), tc.wantMsg) {
					t.Errorf("err = %v, want EUNPROCESSABLE containing %q", err, tc.wantMsg)
				}
			}
		})
	}
}

// TestDateCheck fits dates with Check. The box takes 16 full-width
// characters at the smallest size, so any date within max_length fits.
func TestDateCheck(t *testing.T) {
	tmpl := builtin(t)
	tests := []struct {
		scenario    string
		fields      map[string]string
		wantWarning string // substring; "" means none
	}{
		{scenario: "date fits", fields: map[string]string{"date": "2026.11.23"}},
		{scenario: "date and name fit", fields: map[string]string{"name": "みゆ", "date": "2026年11月23日"}},
		{scenario: "long date shrinks", fields: map[string]string{"date": "2026/11/23 東京ドーム"}, wantWarning: "The date was set at"},
		{scenario: "sixteen full-width characters fit", fields: map[string]string{"date": strings.Repeat("Ｗ", 16)}, wantWarning: "The date was set at"},
		{scenario: "no date", fields: map[string]string{"name": "みゆ"}},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			warnings, err := tmpl.Check(context.Background(), render.Inputs{Fields: tc.fields})
			if err != nil {
				t.Fatal(err)
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

func TestDateDeterministic(t *testing.T) {
	tmpl := builtin(t)
	in := dateInputs(t, ptr("2026.11.23"))
	var first [2]string
	for i := range 3 {
		res, err := tmpl.Render(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		pv, err := tmpl.Preview(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		got := [2]string{res.Files[0].SHA256(), pv.SHA256()}
		if i == 0 {
			first = got
		} else if got != first {
			t.Errorf("render %d: sha256 %v, render 0: %v", i, got, first)
		}
	}
}
