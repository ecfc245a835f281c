package templates_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"oshigoods/orders"
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

// stored is a file store's objects by key, as the service keeps template
// versions in it: each blob once, then the manifest.
type stored map[string][]byte

// keep puts a template version into the store as keepTemplates does:
// blobs missing, then the manifest. It returns the keys it put.
func (s stored) keep(t *testing.T, tmpl *templates.Template) []string {
	t.Helper()
	manifest, err := tmpl.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	var put []string
	for _, b := range tmpl.Blobs() {
		key := orders.TemplateBlobKey(b.SHA256)
		if _, ok := s[key]; ok {
			continue
		}
		data, err := b.Data()
		if err != nil {
			t.Fatal(err)
		}
		s[key] = data
		put = append(put, key)
	}
	key := orders.TemplateManifestKey(tmpl.ID, tmpl.Version)
	s[key] = manifest
	return append(put, key)
}

// fetch returns the store's objects by key, a missing one an error
// naming it.
func (s stored) fetch(key string) ([]byte, error) {
	if b, ok := s[key]; ok {
		return b, nil
	}
	return nil, fmt.Errorf("%s: %w", key, fs.ErrNotExist)
}

// TestStored: a template's manifest lists exactly the files it was
// compiled from, sorted, with their SHA-256 and size, the same bytes on
// every load; compiled again from the manifest and its blobs it is the same
// version and renders the same bytes; another version, a damaged manifest
// or a damaged blob is refused, naming its key.
func TestStored(t *testing.T) {
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
			manifest, err := a.Manifest()
			if err != nil {
				t.Fatal(err)
			}
			again, err := b.Manifest()
			if err != nil || !bytes.Equal(manifest, again) {
				t.Fatalf("manifests of two loads differ (%d and %d bytes, %v)", len(manifest), len(again), err)
			}
			var m struct {
				ID, Version string
				Files       []struct {
					Path, SHA256 string
					Size         int64
				}
			}
			if err := json.Unmarshal(manifest, &m); err != nil {
				t.Fatal(err)
			}
			if m.ID != tc.id || m.Version != a.Version {
				t.Fatalf("manifest of %s version %s, want %s %s", m.ID, m.Version, tc.id, a.Version)
			}
			var names []string
			for _, f := range m.Files {
				names = append(names, f.Path)
				data := builtinFile(t, f.Path)
				if sum := sha256.Sum256(data); f.SHA256 != hex.EncodeToString(sum[:]) || f.Size != int64(len(data)) {
					t.Errorf("%s listed as %s, %d bytes; it is %x, %d bytes", f.Path, f.SHA256, f.Size, sum, len(data))
				}
			}
			if tc.files != nil && !slices.Equal(names, tc.files) {
				t.Fatalf("manifest lists %q, want %q", names, tc.files)
			}
			if !slices.IsSorted(names) || !slices.Contains(names, tc.id+"/template.json") {
				t.Fatalf("manifest lists %q: want them sorted, with the template's", names)
			}

			store := stored{}
			store.keep(t, a)
			c, err := templates.LoadStored(tc.id, a.Version, store.fetch, templates.Compilers())
			if err != nil {
				t.Fatal(err)
			}
			if c.Version != a.Version || c.Title != a.Title || c.Price != a.Price {
				t.Fatalf("from the store: %s %q %d, want %s %q %d", c.Version, c.Title, c.Price, a.Version, a.Title, a.Price)
			}
			if remade, _ := c.Manifest(); !bytes.Equal(remade, manifest) {
				t.Fatal("the manifest of a template compiled from the store differs")
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
						t.Fatalf("%s from the store differs from the original's", want.Files[i].Name)
					}
				}
			}

			// Another version asked for: its manifest is this one's.
			other := "00000000000000000000"
			store[orders.TemplateManifestKey(tc.id, other)] = manifest
			if _, err := templates.LoadStored(tc.id, other, store.fetch, templates.Compilers()); err == nil || !strings.Contains(err.Error(), "version "+a.Version) {
				t.Fatalf("LoadStored of another version: %v, want an error naming the version listed", err)
			}
			manifestKey := orders.TemplateManifestKey(tc.id, a.Version)
			store[manifestKey] = manifest[:len(manifest)/2]
			if _, err := templates.LoadStored(tc.id, a.Version, store.fetch, templates.Compilers()); err == nil || !strings.Contains(err.Error(), manifestKey) {
				t.Fatalf("LoadStored of half a manifest: %v, want an error naming %s", err, manifestKey)
			}
			store[manifestKey] = manifest
		})
	}
}

// TestStoredDamaged: a blob whose bytes are not those its key names, a
// manifest whose sums are not hex, or a blob missing is refused, naming the
// key at fault; put back, the version compiles.
func TestStoredDamaged(t *testing.T) {
	tmpl, err := mustLoad(t, templates.FS()).Get("card-letter-yoko")
	if err != nil {
		t.Fatal(err)
	}
	var font, manifestKey string
	for _, b := range tmpl.Blobs() {
		if b.Size > 10<<20 {
			font = orders.TemplateBlobKey(b.SHA256) // Klee One
		}
	}
	manifestKey = orders.TemplateManifestKey(tmpl.ID, tmpl.Version)
	for _, tc := range []struct {
		scenario string
		damage   func(s stored)
		key      string // the error names it
		want     string
	}{
		{"a corrupted font", func(s stored) {
			b := bytes.Clone(s[font])
			b[len(b)/2] ^= 0xff
			s[font] = b
		}, font, "damaged"},
		{"a font cut short", func(s stored) { s[font] = s[font][:len(s[font])-1] }, font, "damaged"},
		{"a font missing", func(s stored) { delete(s, font) }, font, "not exist"},
		{"a manifest whose sum is a path", func(s stored) {
			s[manifestKey] = bytes.Replace(s[manifestKey], []byte(strings.TrimPrefix(font, "templates/files/")), []byte("../../orders/secret"), 1)
		}, manifestKey, "sha256"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			store := stored{}
			store.keep(t, tmpl)
			good := maps.Clone(store)
			tc.damage(store)
			_, err := templates.LoadStored(tmpl.ID, tmpl.Version, store.fetch, templates.Compilers())
			if err == nil || !strings.Contains(err.Error(), tc.key) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("LoadStored: %v; want an error naming %s (%s)", err, tc.key, tc.want)
			}
			if _, err := templates.LoadStored(tmpl.ID, tmpl.Version, good.fetch, templates.Compilers()); err != nil {
				t.Fatalf("put back: %v", err)
			}
		})
	}
}

// TestStoredShared: two versions of a card share their fonts' blobs: the
// second keeps only its changed template.json and its manifest.
func TestStoredShared(t *testing.T) {
	dir := t.TempDir()
	manifest := builtinFile(t, "card-letter-yoko/template.json")
	manifest = bytes.Replace(manifest, []byte(`"card-letter-yoko"`), []byte(`"card-shop-thanks"`), 1)
	os.MkdirAll(filepath.Join(dir, "card-shop-thanks"), 0o755)
	path := filepath.Join(dir, "card-shop-thanks", "template.json")
	load := func(data []byte) *templates.Template {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		tmpl, err := mustLoadFolder(t, dir).Get("card-shop-thanks")
		if err != nil {
			t.Fatal(err)
		}
		return tmpl
	}
	v1 := load(manifest)
	v2 := load(bytes.Replace(manifest, []byte(`"price": 880`), []byte(`"price": 990`), 1))
	if v1.Version == v2.Version {
		t.Fatal("the edited card has the same version")
	}
	store := stored{}
	if put := store.keep(t, v1); len(put) != 4 { // template.json, 2 fonts, manifest
		t.Fatalf("the first version put %q, want its 3 files and manifest", put)
	}
	put := store.keep(t, v2)
	sum := sha256.Sum256(bytes.Replace(manifest, []byte(`"price": 880`), []byte(`"price": 990`), 1))
	want := []string{orders.TemplateBlobKey(hex.EncodeToString(sum[:])), orders.TemplateManifestKey("card-shop-thanks", v2.Version)}
	if !slices.Equal(put, want) {
		t.Fatalf("the second version put %q, want only %q", put, want)
	}
	for _, v := range []*templates.Template{v1, v2} {
		got, err := templates.LoadStored(v.ID, v.Version, store.fetch, templates.Compilers())
		if err != nil || got.Price != v.Price {
			t.Fatalf("version %s from the store: %v, %v; want price %d", v.Version, got, err, v.Price)
		}
	}
}

func mustLoadFolder(t *testing.T, dir string) *templates.Catalog {
	t.Helper()
	c, err := templates.LoadFolder(dir)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestFolderSnapshot: a folder's template is compiled, versioned and
// kept (manifest and blobs) from the bytes read at load: editing the folder afterwards
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
	before, err := tmpl.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	edited := bytes.Replace(manifest, []byte(`"price": 880`), []byte(`"price": 990`), 1)
	if err := os.WriteFile(path, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	after, err := tmpl.Manifest()
	if err != nil || !bytes.Equal(before, after) {
		t.Fatalf("the manifest changed with the folder (%v)", err)
	}
	store := stored{} // its blobs taken after the edit
	store.keep(t, tmpl)
	old, err := templates.LoadStored("card-shop-thanks", tmpl.Version, store.fetch, templates.Compilers())
	if err != nil || old.Price != 880 {
		t.Fatalf("compiled from the store: %v, %v; want the price loaded, 880", old, err)
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
