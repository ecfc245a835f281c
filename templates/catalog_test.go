package templates_test

import (
	"context"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"oshigoods"
	"oshigoods/render"
	"oshigoods/templates"
)

func TestBuiltin(t *testing.T) {
	c, err := templates.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, tmpl := range c.List() {
		ids = append(ids, tmpl.ID)
	}
	tmpl, err := c.Get("photo-2shot-l")
	if err != nil {
		t.Fatalf("Get: %v (listed: %v)", err, ids)
	}
	if tmpl.Kind != render.KindPhoto || tmpl.Title == "" || tmpl.Description == "" {
		t.Errorf("template = %s %q %q, want a titled and described photo", tmpl.Kind, tmpl.Title, tmpl.Description)
	}
	var fields []string
	for _, f := range tmpl.Fields() {
		fields = append(fields, string(f.Type)+" "+f.Name)
	}
	if got, want := strings.Join(fields, ", "), "image photo, text name, text date"; got != want {
		t.Errorf("fields = %s, want %s", got, want)
	}
	if out := tmpl.Output(); out.WidthMM != 89 || out.HeightMM != 127 || out.DPI != 300 || out.Format != "jpeg" {
		t.Errorf("output = %+v, want 89×127 mm at 300 dpi, jpeg", out)
	}
	if _, err := c.Get("no-such-template"); oshigoods.ErrorCode(err) != oshigoods.ENOTFOUND {
		t.Errorf("Get unknown: %v, want ENOTFOUND", err)
	}
}

func TestBuiltinValidate(t *testing.T) {
	c, err := templates.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := c.Get("photo-2shot-l")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		scenario  string
		fields    map[string]string
		wantField string // "" means valid
	}{
		{"photo and name", map[string]string{"photo": "upload-1", "name": "みゆ"}, ""},
		{"photo only", map[string]string{"photo": "upload-1"}, ""},
		{"no photo", map[string]string{"name": "みゆ"}, "photo"},
		{"name too long", map[string]string{"photo": "upload-1", "name": strings.Repeat("あ", 21)}, "name"},
		{"name too wide", map[string]string{"photo": "upload-1", "name": strings.Repeat("Ｗ", 20)}, "name"},
		{"photo, name and date", map[string]string{"photo": "upload-1", "name": "みゆ", "date": "2026.11.23"}, ""},
		{"date too long", map[string]string{"photo": "upload-1", "date": strings.Repeat("1", 17)}, "date"},
		{"date unsupported character", map[string]string{"photo": "upload-1", "date": "2026.11.23 \U0001F600"}, "date"},
		{"unknown field", map[string]string{"photo": "upload-1", "colour": "pink"}, "colour"},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			_, err := tmpl.Validate(context.Background(), render.Inputs{Fields: tc.fields})
			if got := oshigoods.ErrorField(err); got != tc.wantField || (err == nil) != (tc.wantField == "") {
				t.Errorf("err = %v, want field %q", err, tc.wantField)
			}
		})
	}
}

// TestEmbedsAssetsOnly checks that the art generator's source is not
// shipped inside the binary's template assets.
func TestEmbedsAssetsOnly(t *testing.T) {
	err := fs.WalkDir(templates.FS(), "photo-2shot-l", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasSuffix(p, ".go") {
			t.Errorf("embedded %s", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestLoadRefusesUnknownSpecKeys checks that a template whose spec has a
// key its kind does not know fails to load, naming the template and the
// key, for every kind.
func TestLoadRefusesUnknownSpecKeys(t *testing.T) {
	for _, tc := range []struct {
		scenario, kind, spec string
	}{
		{"photo", "photo", `{"colour": "#fff"}`},
		{"card", "card", `{"colour": "red"}`},
		{"voice", "voice", `{"colour": "blue", "names": [{"id": "a", "file": "a.wav"}], "lines": [{"id": "b", "file": "b.wav"}]}`},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			manifest := `{"id": "bad", "kind": "` + tc.kind + `", "title": "Bad", "price": 500, "` + tc.kind + `": ` + tc.spec + `}`
			fsys := fstest.MapFS{"bad/template.json": {Data: []byte(manifest)}}
			_, err := templates.Load(fsys, templates.Compilers())
			if err == nil || !strings.Contains(err.Error(), "bad/template.json") || !strings.Contains(err.Error(), `unknown field "colour"`) {
				t.Fatalf("Load: %v; want an error naming bad/template.json and the key colour", err)
			}
		})
	}
}
