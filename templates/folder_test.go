package templates_test

import (
	"io/fs"
	"testing"
	"testing/fstest"

	"oshigoods/templates"
)

func TestOverlay(t *testing.T) {
	base := fstest.MapFS{
		"fonts/a.ttf":       {Data: []byte("base font")},
		"one/template.json": {Data: []byte("base one")},
		"two/template.json": {Data: []byte("base two")},
		"two/art.png":       {Data: []byte("base art")},
	}
	top := fstest.MapFS{
		"two/template.json":   {Data: []byte("top two")},
		"three/template.json": {Data: []byte("top three")},
	}
	o := templates.Overlay(top, base)
	for _, tc := range []struct{ name, path, want string }{
		{"top replaces base", "two/template.json", "top two"},
		{"top adds", "three/template.json", "top three"},
		{"base shows through", "one/template.json", "base one"},
		{"base font shared", "fonts/a.ttf", "base font"},
		{"base asset of a replaced template", "two/art.png", "base art"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := fs.ReadFile(o, tc.path)
			if err != nil || string(got) != tc.want {
				t.Errorf("ReadFile(%s) = %q, %v; want %q", tc.path, got, err, tc.want)
			}
		})
	}
	paths, err := fs.Glob(o, "*/template.json")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"one/template.json", "three/template.json", "two/template.json"}
	if len(paths) != len(want) {
		t.Fatalf("Glob = %q, want %q", paths, want)
	}
	for i := range want {
		if paths[i] != want[i] {
			t.Fatalf("Glob = %q, want %q", paths, want)
		}
	}
	if _, err := fs.ReadFile(o, "four/template.json"); err == nil {
		t.Error("ReadFile of a path in neither tree: no error")
	}
	if err := fstest.TestFS(o, "one/template.json", "two/template.json", "three/template.json", "fonts/a.ttf", "two/art.png"); err != nil {
		t.Error(err)
	}
}
