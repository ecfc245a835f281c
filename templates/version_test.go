package templates_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"oshigoods/render"
	"oshigoods/templates"
)

// versions returns every template's version by id.
func versions(t *testing.T, c *templates.Catalog) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, tmpl := range c.List() {
		out[tmpl.ID] = tmpl.Version
		if got := tmpl.Info().Version; got != tmpl.Version {
			t.Errorf("%s: Info().Version %q, want %q", tmpl.ID, got, tmpl.Version)
		}
	}
	return out
}

func mustLoad(t *testing.T, fsys fs.FS) *templates.Catalog {
	t.Helper()
	c, err := templates.Load(fsys, templates.Compilers())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// builtinFile returns a built-in file's bytes.
func builtinFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := fs.ReadFile(templates.FS(), name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestVersions: a version is a short hex hash of a template's manifest and
// every file its compiler read, shared fonts included: the same files give
// the same version on every load, through a folder or not, and a changed
// byte changes the versions of exactly the templates that read it.
func TestVersions(t *testing.T) {
	builtin := versions(t, mustLoad(t, templates.FS()))
	hex := regexp.MustCompile(`^[0-9a-f]{20}$`)
	for id, v := range builtin {
		if !hex.MatchString(v) {
			t.Fatalf("%s: version %q, want %d hex digits", id, v, templates.VersionLength)
		}
	}
	seen := map[string]string{}
	for id, v := range builtin {
		if other, dup := seen[v]; dup {
			t.Fatalf("%s and %s share version %s", id, other, v)
		}
		seen[v] = id
	}
	// The photo's manifest at another price.
	photoManifest := bytes.Replace(builtinFile(t, "photo-2shot-l/template.json"), []byte(`"price": 1200`), []byte(`"price": 1300`), 1)
	// Klee One in place of Symbola: still a font, so the cards compile.
	klee := builtinFile(t, "fonts/KleeOne-Regular.ttf")

	for _, tc := range []struct {
		scenario string
		fsys     func(t *testing.T) fs.FS
		changed  []string // ids whose version differs from the built-in one
	}{
		{"loaded again", func(*testing.T) fs.FS { return templates.FS() }, nil},
		{"through an empty folder", func(t *testing.T) fs.FS { return templates.Folder(t.TempDir()) }, nil},
		{"through a folder holding a byte-identical copy of a template", func(t *testing.T) fs.FS {
			dir := t.TempDir()
			os.MkdirAll(filepath.Join(dir, "card-letter-yoko"), 0o755)
			os.WriteFile(filepath.Join(dir, "card-letter-yoko", "template.json"), builtinFile(t, "card-letter-yoko/template.json"), 0o644)
			return templates.Folder(dir)
		}, nil},
		{"a manifest changed", func(*testing.T) fs.FS {
			return templates.Overlay(fstest.MapFS{"photo-2shot-l/template.json": {Data: photoManifest}}, templates.FS())
		}, []string{"photo-2shot-l"}},
		{"a shared font changed: the cards that fall back on it, not the photo", func(*testing.T) fs.FS {
			return templates.Overlay(fstest.MapFS{"fonts/Symbola_hint.ttf": {Data: klee}}, templates.FS())
		}, []string{"card-letter-tate", "card-letter-yoko"}},
		{"an asset changed", func(t *testing.T) fs.FS {
			sig := append(builtinFile(t, "card-letter-tate/signature.png"), 0) // trailing bytes PNG readers ignore
			return templates.Overlay(fstest.MapFS{"card-letter-tate/signature.png": {Data: sig}}, templates.FS())
		}, []string{"card-letter-tate"}},
		{"a file no template reads added", func(*testing.T) fs.FS {
			return templates.Overlay(fstest.MapFS{"fonts/unused.ttf": {Data: []byte("x")}, "photo-2shot-l/notes.txt": {Data: []byte("x")}}, templates.FS())
		}, nil},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			got := versions(t, mustLoad(t, tc.fsys(t)))
			var changed []string
			for id, v := range builtin {
				if got[id] != v {
					changed = append(changed, id)
				}
			}
			slices.Sort(changed)
			if !slices.Equal(changed, tc.changed) {
				t.Fatalf("changed versions %v, want %v\nbuilt-in %v\ngot %v", changed, tc.changed, builtin, got)
			}
		})
	}
}

// TestBundle: a template's bundle holds exactly the files it was compiled
// from, sorted, the same bytes on every load; compiled again it is the same
// version and renders the same bytes; another version or a damaged archive
// is refused.
func TestBundle(t *testing.T) {
	first, second := mustLoad(t, templates.FS()), mustLoad(t, templates.FS())
	ctx := context.Background()
	for _, tc := range []struct {
		id    string
		files []string
		in    render.Inputs // nil Fields: not rendered
	}{
		{"card-letter-tate", []string{"card-letter-tate/signature.png", "card-letter-tate/template.json", "fonts/KleeOne-Regular.ttf", "fonts/Symbola_hint.ttf"},
			render.Inputs{Fields: map[string]string{"to": "さくら", "message": "いつもありがとう。\nまた会いに行くね！"}}},
		{"card-letter-yoko", []string{"card-letter-yoko/template.json", "fonts/KleeOne-Regular.ttf", "fonts/Symbola_hint.ttf"}, render.Inputs{}},
		{"photo-2shot-l", []string{"fonts/KleeOne-Regular.ttf", "photo-2shot-l/cutout.png", "photo-2shot-l/frame.png", "photo-2shot-l/template.json"}, render.Inputs{}},
		{"voice-alarm-morning", nil, render.Inputs{Fields: map[string]string{"name": "sakura", "lines": "ohayou,okite"}}},
	} {
		t.Run(tc.id, func(t *testing.T) {
			a, _ := first.Get(tc.id)
			b, _ := second.Get(tc.id)
			bundle, err := a.Bundle()
			if err != nil {
				t.Fatal(err)
			}
			again, err := b.Bundle()
			if err != nil || !bytes.Equal(bundle, again) {
				t.Fatalf("bundles of two loads differ (%d and %d bytes, %v)", len(bundle), len(again), err)
			}
			zr, err := zip.NewReader(bytes.NewReader(bundle), int64(len(bundle)))
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, f := range zr.File {
				names = append(names, f.Name)
				if f.Method != zip.Store {
					t.Errorf("%s: method %d, want stored", f.Name, f.Method)
				}
			}
			if tc.files != nil && !slices.Equal(names, tc.files) {
				t.Fatalf("bundle holds %q, want %q", names, tc.files)
			}
			if !slices.IsSorted(names) || !slices.Contains(names, tc.id+"/template.json") {
				t.Fatalf("bundle holds %q: want them sorted, with the manifest", names)
			}

			c, err := templates.LoadBundle(bundle, tc.id, a.Version, templates.Compilers())
			if err != nil {
				t.Fatal(err)
			}
			if c.Version != a.Version || c.Title != a.Title || c.Price != a.Price {
				t.Fatalf("from the bundle: %s %q %d, want %s %q %d", c.Version, c.Title, c.Price, a.Version, a.Title, a.Price)
			}
			if rebundled, _ := c.Bundle(); !bytes.Equal(rebundled, bundle) {
				t.Fatal("the bundle of a template compiled from its bundle differs")
			}
			if tc.in.Fields != nil {
				want, err := a.Render(ctx, tc.in)
				if err != nil {
					t.Fatal(err)
				}
				got, err := c.Render(ctx, tc.in)
				if err != nil {
					t.Fatal(err)
				}
				if len(got.Files) != len(want.Files) {
					t.Fatalf("%d files, want %d", len(got.Files), len(want.Files))
				}
				for i := range want.Files {
					if got.Files[i].Name != want.Files[i].Name || !bytes.Equal(got.Files[i].Data, want.Files[i].Data) {
						t.Fatalf("%s from the bundle differs from the original's", want.Files[i].Name)
					}
				}
			}

			if _, err := templates.LoadBundle(bundle, tc.id, "00000000000000000000", templates.Compilers()); err == nil || !strings.Contains(err.Error(), "holds version "+a.Version) {
				t.Fatalf("LoadBundle of another version: %v, want an error naming the version it holds", err)
			}
			if _, err := templates.LoadBundle(bundle[:len(bundle)/2], tc.id, a.Version, templates.Compilers()); err == nil {
				t.Fatal("LoadBundle of half a bundle: no error")
			}
		})
	}
}

// TestFolderSnapshot: a folder's template is compiled, versioned and
// bundled from the bytes read at load: editing the folder afterwards
// changes none of them until it is loaded again.
func TestFolderSnapshot(t *testing.T) {
	dir := t.TempDir()
	manifest := builtinFile(t, "card-letter-yoko/template.json")
	manifest = bytes.Replace(manifest, []byte(`"card-letter-yoko"`), []byte(`"card-shop-thanks"`), 1)
	os.MkdirAll(filepath.Join(dir, "card-shop-thanks"), 0o755)
	path := filepath.Join(dir, "card-shop-thanks", "template.json")
	if err := os.WriteFile(path, manifest, 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := templates.LoadFolder(dir)
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := c.Get("card-shop-thanks")
	if err != nil {
		t.Fatal(err)
	}
	before, err := tmpl.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	edited := bytes.Replace(manifest, []byte(`"price": 880`), []byte(`"price": 990`), 1)
	if err := os.WriteFile(path, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	after, err := tmpl.Bundle()
	if err != nil || !bytes.Equal(before, after) {
		t.Fatalf("the bundle changed with the folder (%v)", err)
	}
	old, err := templates.LoadBundle(after, "card-shop-thanks", tmpl.Version, templates.Compilers())
	if err != nil || old.Price != 880 {
		t.Fatalf("compiled from the bundle: %v, %v; want the price loaded, 880", old, err)
	}
	reloaded, err := templates.LoadFolder(dir)
	if err != nil {
		t.Fatal(err)
	}
	if now, _ := reloaded.Get("card-shop-thanks"); now.Price != 990 || now.Version == tmpl.Version {
		t.Fatalf("loaded again: price %d version %s, want 990 and a new version (was %s)", now.Price, now.Version, tmpl.Version)
	}
}

// TestLoadFolderRefuses: a folder that is not one is an error, not the
// built-in catalogue alone.
func TestLoadFolderRefuses(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, []byte("x"), 0o644)
	for _, tc := range []struct{ scenario, dir string }{
		{"missing", filepath.Join(t.TempDir(), "gone")},
		{"a file", file},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			if _, err := templates.LoadFolder(tc.dir); err == nil {
				t.Fatal("no error")
			}
		})
	}
}
