package templates_test

import (
	"bytes"
	"context"
	"image"
	_ "image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"oshigoods"
	"oshigoods/render"
	"oshigoods/templates"
)

// TestNewPassesCheck starts a template of each kind: it checks without
// an error (or, but for voice, a warning), renders, and loads into the catalogue the server
// would serve; the same options write the same files.
func TestNewPassesCheck(t *testing.T) {
	for _, tc := range []struct {
		kind    render.Kind
		files   []string
		samples []string
	}{
		{render.KindCard, []string{"README.md", "template.json"}, []string{"card.pdf", "preview.png"}},
		{render.KindPhoto, []string{"README.md", "cutout.png", "frame.png", "template.json"}, []string{"photo.jpg", "preview.jpg"}},
		{render.KindVoice, []string{"README.md", "chime.wav", "line-daisuki.wav", "line-ohayou.wav", "line-okite.wav", "name-sakura.wav", "name-taro.wav", "template.json"}, []string{"alarm.wav"}},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			dir, again := t.TempDir(), t.TempDir()
			id := "my-" + string(tc.kind)
			opts := templates.NewOptions{Kind: tc.kind, ID: id}
			if _, err := templates.New(dir, opts); err != nil {
				t.Fatal(err)
			}
			if _, err := templates.New(again, opts); err != nil {
				t.Fatal(err)
			}
			entries, err := os.ReadDir(filepath.Join(dir, id))
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
				a, _ := os.ReadFile(filepath.Join(dir, id, e.Name()))
				b, _ := os.ReadFile(filepath.Join(again, id, e.Name()))
				if !bytes.Equal(a, b) {
					t.Errorf("%s differs between two runs", e.Name())
				}
			}
			if got, want := strings.Join(names, " "), strings.Join(tc.files, " "); got != want {
				t.Errorf("files = %s, want %s", got, want)
			}

			out := t.TempDir()
			r, err := templates.CheckFolder(context.Background(), filepath.Join(dir, id), templates.CheckOptions{Out: out, Profile: jpStandard(t)})
			if err != nil {
				t.Fatal(err)
			}
			tr := find(t, r, id)
			// A voice template starts with the built-in synthesised samples,
			// which the voice renderer's Lint may warn about.
			if r.Errors() != 0 || tc.kind != render.KindVoice && r.Warnings() != 0 || !tr.Rendered || tr.Kind != tc.kind {
				t.Fatalf("check: %d errors, %d warnings, rendered %v:\n%s", r.Errors(), r.Warnings(), tr.Rendered, reportText(t, r))
			}
			for _, s := range tc.samples {
				if fi, err := os.Stat(filepath.Join(out, id, s)); err != nil || fi.Size() == 0 {
					t.Errorf("sample %s: %v", s, err)
				}
			}

			c, err := templates.Load(templates.Folder(dir), templates.Compilers())
			if err != nil {
				t.Fatalf("the catalogue with the new template does not load: %v", err)
			}
			tpl, err := c.Get(id)
			if err != nil {
				t.Fatal(err)
			}
			if info := tpl.Info(); info.Price <= 0 || !strings.HasPrefix(info.Title, "（仮）") {
				t.Errorf("info = %+v, want a price and a title marked （仮）", info)
			}
			if _, err := c.Get("photo-2shot-l"); err != nil {
				t.Errorf("the built-in templates are not served beside it: %v", err)
			}
		})
	}
}

// TestNewPhotoArt checks the starter art's pixel sizes: the cutout fills
// its 46×79.5 mm rect and the frame the 97×135 mm canvas with its bleed,
// both at 300 dpi.
func TestNewPhotoArt(t *testing.T) {
	dir := t.TempDir()
	if _, err := templates.New(dir, templates.NewOptions{Kind: render.KindPhoto, ID: "art"}); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]image.Point{"cutout.png": {543, 939}, "frame.png": {1146, 1594}} {
		f, err := os.Open(filepath.Join(dir, "art", name))
		if err != nil {
			t.Fatal(err)
		}
		cfg, _, err := image.DecodeConfig(f)
		f.Close()
		if err != nil || cfg.Width != want.X || cfg.Height != want.Y {
			t.Errorf("%s: %d×%d, %v; want %v", name, cfg.Width, cfg.Height, err, want)
		}
	}
}

func TestNewRefuses(t *testing.T) {
	dir := t.TempDir()
	if _, err := templates.New(dir, templates.NewOptions{Kind: render.KindCard, ID: "taken"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		scenario string
		opts     templates.NewOptions
		field    string
	}{
		{"unknown kind", templates.NewOptions{Kind: "sticker", ID: "a"}, "kind"},
		{"id with capitals", templates.NewOptions{Kind: render.KindCard, ID: "My-Card"}, "id"},
		{"no id", templates.NewOptions{Kind: render.KindCard}, "id"},
		{"price too high", templates.NewOptions{Kind: render.KindCard, ID: "b", Price: templates.MaxPrice + 1}, "price"},
		{"folder not empty", templates.NewOptions{Kind: render.KindPhoto, ID: "taken"}, "dir"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			_, err := templates.New(dir, tc.opts)
			if oshigoods.ErrorCode(err) != oshigoods.EINVALID || oshigoods.ErrorField(err) != tc.field {
				t.Fatalf("New = %v, want EINVALID on %s", err, tc.field)
			}
		})
	}
	// The refused photo left the card as it was.
	if _, err := os.Stat(filepath.Join(dir, "taken", "cutout.png")); !os.IsNotExist(err) {
		t.Errorf("a refused New wrote into the taken folder: %v", err)
	}
}
