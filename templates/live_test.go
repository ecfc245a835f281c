package templates_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"oshigoods"
	"oshigoods/orders"
	"oshigoods/render"
	"oshigoods/templates"
)

// textCard is a card renderer whose file is its asset's text: what a
// template renders is what its files say.
type textCard struct{ text string }

func (textCard) Kind() render.Kind      { return render.KindCard }
func (textCard) Fields() []render.Field { return nil }
func (textCard) Output() render.Output {
	return render.Output{WidthMM: 100, HeightMM: 148, Format: "pdf"}
}
func (textCard) Check(context.Context, render.Inputs) ([]string, error) {
	return nil, nil
}
func (c textCard) Render(context.Context, render.Inputs) (*render.Result, error) {
	return &render.Result{Files: []render.File{{Name: "card.txt", Role: render.RoleOutput, ContentType: "text/plain", Data: []byte(c.text)}}}, nil
}

// textCompilers compile a card spec {"text": "<asset path>"} into a
// textCard of that asset, counting compiles.
func textCompilers(compiles *atomic.Int32) map[render.Kind]templates.Compiler {
	return map[render.Kind]templates.Compiler{render.KindCard: func(raw json.RawMessage, fsys fs.FS) (render.Renderer, error) {
		compiles.Add(1)
		var spec struct{ Text string }
		if err := json.Unmarshal(raw, &spec); err != nil {
			return nil, err
		}
		b, err := fs.ReadFile(fsys, spec.Text)
		if err != nil {
			return nil, err
		}
		return textCard{string(b)}, nil
	}}
}

// textTree is a catalogue tree of one text card per id, its text in
// <id>/text.txt.
func textTree(texts map[string]string) fstest.MapFS {
	tree := fstest.MapFS{}
	for id, text := range texts {
		m, _ := json.Marshal(map[string]any{"id": id, "kind": "card", "title": id, "price": 500, "card": map[string]string{"text": id + "/text.txt"}})
		tree[id+"/template.json"] = &fstest.MapFile{Data: m}
		tree[id+"/text.txt"] = &fstest.MapFile{Data: []byte(text)}
	}
	return tree
}

func renderText(t *testing.T, tmpl interface {
	Render(context.Context, render.Inputs) (*render.Result, error)
}) string {
	t.Helper()
	res, err := tmpl.Render(context.Background(), render.Inputs{})
	if err != nil {
		t.Fatal(err)
	}
	return string(res.Files[0].Data)
}

// TestTemplateAt: an item's version is the current template when it is
// the current one's (or none), and otherwise compiled from the store, once
// however many ask at a time, a bounded number kept.
func TestTemplateAt(t *testing.T) {
	var compiles atomic.Int32
	compilers := textCompilers(&compiles)
	// Versions 1 to 6 of one card, each kept in the store.
	store := stored{}
	var order []string
	for i := 1; i <= 6; i++ {
		c, err := templates.Load(textTree(map[string]string{"card": fmt.Sprintf("version %d", i)}), compilers)
		if err != nil {
			t.Fatal(err)
		}
		tmpl, _ := c.Get("card")
		store.keep(t, tmpl)
		order = append(order, tmpl.Version)
	}
	current, err := templates.Load(textTree(map[string]string{"card": "version 7"}), compilers)
	if err != nil {
		t.Fatal(err)
	}
	var fetches atomic.Int32
	// fetch fetches from the store, counting manifests fetched; asked
	// for version's manifest, it gives stored's.
	fetch := func(stored string) func(string) ([]byte, error) {
		return func(key string) ([]byte, error) {
			if strings.HasSuffix(key, ".json") {
				fetches.Add(1)
				key = orders.TemplateManifestKey("card", stored)
			}
			return store.fetch(key)
		}
	}
	cur, _ := current.Get("card")
	never := func(key string) ([]byte, error) { t.Fatalf("%s fetched for the current version", key); return nil, nil }

	for _, tc := range []struct {
		scenario string
		run      func(t *testing.T)
	}{
		{"no version is the current template", func(t *testing.T) {
			got, err := current.TemplateAt("card", "", never)
			if err != nil || got != cur {
				t.Fatalf("got %v, %v; want the current template", got, err)
			}
		}},
		{"the current version is the current template", func(t *testing.T) {
			got, err := current.TemplateAt("card", cur.Version, never)
			if err != nil || got != cur {
				t.Fatalf("got %v, %v; want the current template", got, err)
			}
		}},
		{"an unknown id without a version", func(t *testing.T) {
			if _, err := current.TemplateAt("nothing", "", never); oshigoods.ErrorCode(err) != oshigoods.ENOTFOUND {
				t.Fatalf("err %v, want ENOTFOUND", err)
			}
		}},
		{"an old version from the store, compiled once for many renders at once", func(t *testing.T) {
			compiles.Store(0)
			fetches.Store(0)
			// The fetch takes a while, as from S3: the other renders ask
			// while it runs.
			slow := func(key string) ([]byte, error) { time.Sleep(100 * time.Millisecond); return fetch(order[0])(key) }
			var wg sync.WaitGroup
			texts := make([]string, 8)
			for i := range texts {
				wg.Go(func() {
					got, err := current.TemplateAt("card", order[0], slow)
					if err != nil {
						t.Error(err)
						return
					}
					texts[i] = renderText(t, got)
				})
			}
			wg.Wait()
			for _, text := range texts {
				if text != "version 1" {
					t.Fatalf("rendered %q, want version 1", text)
				}
			}
			if compiles.Load() != 1 || fetches.Load() != 1 {
				t.Fatalf("%d compiles, %d fetches; want one each", compiles.Load(), fetches.Load())
			}
		}},
		{"a version that cannot be fetched: its error, and tried again next time", func(t *testing.T) {
			missing := func(string) ([]byte, error) { return nil, errMissing }
			if _, err := current.TemplateAt("card", "0123456789abcdef0123", missing); !errors.Is(err, errMissing) {
				t.Fatalf("err %v, want the fetch's", err)
			}
			fetches.Store(0)
			current.TemplateAt("card", "0123456789abcdef0123", fetch("0123456789abcdef0123"))
			if fetches.Load() != 1 {
				t.Fatal("a failed fetch was remembered")
			}
		}},
		{"a manifest of another version is refused", func(t *testing.T) {
			if _, err := current.TemplateAt("card", order[1], fetch(order[2])); err == nil || !strings.Contains(err.Error(), order[2]) {
				t.Fatalf("err %v, want one naming the version the manifest lists", err)
			}
		}},
		{"the last few old versions stay compiled", func(t *testing.T) {
			for _, v := range order { // six: two more than are kept
				if _, err := current.TemplateAt("card", v, fetch(v)); err != nil {
					t.Fatal(err)
				}
			}
			compiles.Store(0)
			for _, v := range order[len(order)-templates.OldVersions:] {
				current.TemplateAt("card", v, fetch(v))
			}
			if n := compiles.Load(); n != 0 {
				t.Fatalf("%d compiles of the last %d versions, want none", n, templates.OldVersions)
			}
			got, err := current.TemplateAt("card", order[0], fetch(order[0]))
			if err != nil || renderText(t, got) != "version 1" || compiles.Load() != 1 {
				t.Fatalf("the oldest version: %v, %d compiles; want it compiled again", err, compiles.Load())
			}
		}},
	} {
		t.Run(tc.scenario, tc.run)
	}
}

var errMissing = errors.New("missing")

// TestLiveReload: a reload swaps the catalogue in for every later call,
// while templates already handed out stay as they were; a reload with a bad
// template keeps the catalogue in use and names the template; renders
// during reloads see one catalogue or the other, never a mix.
func TestLiveReload(t *testing.T) {
	var compiles atomic.Int32
	var mu sync.Mutex
	tree := textTree(map[string]string{"card": "first", "other": "other"})
	load := func() (*templates.Catalog, error) {
		mu.Lock()
		snapshot := fstest.MapFS{}
		for k, v := range tree {
			snapshot[k] = &fstest.MapFile{Data: v.Data}
		}
		mu.Unlock()
		return templates.Load(snapshot, textCompilers(&compiles))
	}
	set := func(name, data string) {
		mu.Lock()
		defer mu.Unlock()
		tree[name] = &fstest.MapFile{Data: []byte(data)}
	}
	live, err := templates.NewLive(load)
	if err != nil {
		t.Fatal(err)
	}
	first, _ := live.Template("card")

	for _, tc := range []struct {
		scenario string
		run      func(t *testing.T)
	}{
		{"a reload swaps in the new files", func(t *testing.T) {
			set("card/text.txt", "second")
			before, after, err := live.ReloadCatalog()
			if err != nil {
				t.Fatal(err)
			}
			now, _ := live.Template("card")
			if renderText(t, now) != "second" || renderText(t, first) != "first" {
				t.Fatalf("after the reload: %q, and the template handed out before %q", renderText(t, now), renderText(t, first))
			}
			if before[0].ID != "card" || before[0].Version != first.Info().Version || after[0].Version != now.Info().Version || before[0].Version == after[0].Version {
				t.Fatalf("before %+v after %+v", before, after)
			}
			if before[1].Version != after[1].Version {
				t.Fatalf("the unchanged template's version changed: %s → %s", before[1].Version, after[1].Version)
			}
			store := stored{}
			store.keep(t, first.(*templates.Template))
			old, err := live.TemplateAt("card", first.Info().Version, store.fetch)
			if err != nil || renderText(t, old) != "first" {
				t.Fatalf("the first version after the reload: %v", err)
			}
		}},
		{"a bad template keeps the catalogue in use", func(t *testing.T) {
			inUse, _ := live.Template("card")
			set("broken/template.json", `{"id": "broken", "kind": "card", "title": "Broken", "price": 0, "card": {"text": "x"}}`)
			defer func() {
				mu.Lock()
				delete(tree, "broken/template.json")
				mu.Unlock()
			}()
			_, _, err := live.ReloadCatalog()
			if oshigoods.ErrorCode(err) != oshigoods.EUNPROCESSABLE || !strings.Contains(oshigoods.ErrorMessage(err), "broken/template.json") ||
				!strings.Contains(oshigoods.ErrorMessage(err), "price 0") {
				t.Fatalf("err %v, want EUNPROCESSABLE naming broken/template.json and its price", err)
			}
			if now, _ := live.Template("card"); now != inUse {
				t.Fatal("the catalogue changed on a failed reload")
			}
			if _, err := live.Template("broken"); oshigoods.ErrorCode(err) != oshigoods.ENOTFOUND {
				t.Fatalf("the broken template is offered: %v", err)
			}
		}},
		{"renders during reloads see whole catalogues", func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() {
					for ctx.Err() == nil {
						list := live.Templates()
						if len(list) != 2 {
							t.Errorf("%d templates, want 2", len(list))
							return
						}
						tmpl, err := live.Template("card")
						if err != nil {
							t.Error(err)
							return
						}
						if text := renderText(t, tmpl); !strings.HasPrefix(text, "text ") && text != "second" {
							t.Errorf("rendered %q", text)
							return
						}
					}
				})
			}
			for i := range 20 {
				set("card/text.txt", fmt.Sprintf("text %d", i))
				if _, _, err := live.Reload(); err != nil {
					t.Error(err)
				}
			}
			cancel()
			wg.Wait()
			if now, _ := live.Template("card"); renderText(t, now) != "text 19" {
				t.Fatalf("after the last reload: %q", renderText(t, now))
			}
		}},
	} {
		t.Run(tc.scenario, tc.run)
	}
}
