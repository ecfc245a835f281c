package orders_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"oshigoods"
	"oshigoods/internal/testenv"
	"oshigoods/orders"
	"oshigoods/orders/sqlstore"
	"oshigoods/templates"
)

// shopFolder is a shop's template folder with one card of its own,
// card-shop-thanks (the built-in horizontal letter under another id, on
// the built-in fonts), whose paper colour the test changes.
type shopFolder struct {
	dir      string
	manifest []byte
}

func newShopFolder(t *testing.T) *shopFolder {
	t.Helper()
	m, err := fs.ReadFile(templates.FS(), "card-letter-yoko/template.json")
	if err != nil {
		t.Fatal(err)
	}
	f := &shopFolder{dir: t.TempDir(), manifest: bytes.Replace(m, []byte(`"card-letter-yoko"`), []byte(`"card-shop-thanks"`), 1)}
	if err := os.MkdirAll(filepath.Join(f.dir, "card-shop-thanks"), 0o755); err != nil {
		t.Fatal(err)
	}
	f.write(t, f.manifest)
	return f
}

func (f *shopFolder) write(t *testing.T, manifest []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(f.dir, "card-shop-thanks", "template.json"), manifest, 0o644); err != nil {
		t.Fatal(err)
	}
}

// repaint changes the card's paper colour in the folder.
func (f *shopFolder) repaint(t *testing.T) {
	t.Helper()
	f.write(t, bytes.Replace(f.manifest, []byte(`"color": "#fff8ef"`), []byte(`"color": "#e8f4ff"`), 1))
}

// countingFiles is a file store that counts the puts and gets of each key
// and logs the keys put, in order.
type countingFiles struct {
	orders.FileStore
	mu         sync.Mutex
	puts, gets map[string]int
	putLog     []string
}

func newCountingFiles() *countingFiles {
	return &countingFiles{FileStore: testenv.NewMemFiles(), puts: map[string]int{}, gets: map[string]int{}}
}

func (c *countingFiles) Put(ctx context.Context, key string, data []byte, ct string) error {
	c.mu.Lock()
	c.puts[key]++
	c.putLog = append(c.putLog, key)
	c.mu.Unlock()
	return c.FileStore.Put(ctx, key, data, ct)
}

func (c *countingFiles) Get(ctx context.Context, key string) ([]byte, error) {
	c.mu.Lock()
	c.gets[key]++
	c.mu.Unlock()
	return c.FileStore.Get(ctx, key)
}

func (c *countingFiles) n(m map[string]int, key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return m[key]
}

// templatePuts returns the keys put under templates/ since the log was
// last taken, in order, and clears the log.
func (c *countingFiles) templatePuts() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, k := range c.putLog {
		if strings.HasPrefix(k, "templates/") {
			out = append(out, k)
		}
	}
	c.putLog = nil
	return out
}

// slowPuts is a countingFiles whose puts take a while, as an S3 put of a
// font does, so that orders taken at once overlap with the keep.
type slowPuts struct{ *countingFiles }

func (s *slowPuts) Put(ctx context.Context, key string, data []byte, ct string) error {
	time.Sleep(20 * time.Millisecond)
	return s.countingFiles.Put(ctx, key, data, ct)
}

// blobKey returns the key the file store keeps data under.
func blobKey(data []byte) string {
	sum := sha256.Sum256(data)
	return orders.TemplateBlobKey(hex.EncodeToString(sum[:]))
}

// fontKeys returns the keys of the built-in fonts a card reads.
func fontKeys(t *testing.T) []string {
	t.Helper()
	var keys []string
	for _, name := range []string{"fonts/KleeOne-Regular.ttf", "fonts/Symbola_hint.ttf"} {
		data, err := fs.ReadFile(templates.FS(), name)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, blobKey(data))
	}
	return keys
}

// pinnedService is a service over SQLite whose catalogue is the shop's
// folder, live.
func pinnedService(t *testing.T, dir, db string, files orders.FileStore) (*orders.Service, *templates.Live) {
	t.Helper()
	live, err := templates.NewLive(func() (*templates.Catalog, error) { return templates.LoadFolder(dir) })
	if err != nil {
		t.Fatal(err)
	}
	store, err := sqlstore.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return &orders.Service{Store: store, Queue: acceptQueue{}, Files: files, Catalog: live,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Secret: []byte("0123456789abcdef"),
		AdminKeyHash: orders.Hash("env-key-0123456789")}, live
}

// thanksOrder is an order of one card-shop-thanks.
func thanksOrder() orders.NewOrder {
	return orders.NewOrder{TermsAccepted: true, ShippingAddress: testAddress(),
		Customer: orders.Customer{Name: "山田 花子", Email: "hanako@example.com"},
		Items:    []orders.NewItem{{Template: "card-shop-thanks", Fields: map[string]string{"to": "さくら", "message": "いつもありがとう！"}}},
	}
}

// orderThanks orders one card-shop-thanks and returns its item.
func orderThanks(t *testing.T, svc *orders.Service) *orders.Item {
	t.Helper()
	o, _, _, err := svc.CreateOrder(t.Context(), thanksOrder(), orders.Idempotency{})
	if err != nil {
		t.Fatal(err)
	}
	return o.Items[0]
}

// rendered renders the item and returns its stored files' bytes by name.
func rendered(t *testing.T, svc *orders.Service, files orders.FileStore, itemID string) map[string][]byte {
	t.Helper()
	if err := svc.RenderItem(t.Context(), itemID); err != nil {
		t.Fatalf("RenderItem: %v", err)
	}
	it, err := svc.Store.Item(t.Context(), itemID)
	if err != nil {
		t.Fatal(err)
	}
	if it.Status != orders.StatusReady || len(it.Files) == 0 {
		t.Fatalf("item %s with %d files, want ready", it.Status, len(it.Files))
	}
	out := map[string][]byte{}
	for _, f := range it.Files {
		if out[f.Name], err = files.Get(t.Context(), f.Key); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func sameFiles(a, b map[string][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for name, data := range a {
		if !bytes.Equal(data, b[name]) {
			return false
		}
	}
	return true
}

// TestPinnedTemplateVersions: an item records the version of the template
// it was taken with, whose files and manifest are kept before the order is
// stored (each file once, shared by versions), and
// is made with that version after the folder changed and was reloaded —
// by this process, or a worker started afterwards — while a new order gets
// the new version.
func TestPinnedTemplateVersions(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		run      func(t *testing.T, f *shopFolder, db string)
	}{
		{"the version is recorded and its files kept once, the manifest last", func(t *testing.T, f *shopFolder, db string) {
			files := newCountingFiles()
			svc, live := pinnedService(t, f.dir, db, files)
			cur, _ := live.Template("card-shop-thanks")
			v := cur.Info().Version
			key := orders.TemplateManifestKey("card-shop-thanks", v)
			first, second := orderThanks(t, svc), orderThanks(t, svc)
			if first.TemplateVersion != v || second.TemplateVersion != v {
				t.Fatalf("items record %q and %q, want %q", first.TemplateVersion, second.TemplateVersion, v)
			}
			want, _ := cur.Manifest()
			if got, err := files.FileStore.Get(t.Context(), key); err != nil || !bytes.Equal(got, want) {
				t.Fatalf("manifest under %s: %q, %v; want the template's %q", key, got, err, want)
			}
			// Its three files (template.json and two fonts), each once under
			// its SHA-256, then the manifest: none put again by the second
			// order.
			put := files.templatePuts()
			if len(put) != 4 || put[3] != key || !slices.Contains(put, blobKey(f.manifest)) {
				t.Fatalf("put %q for two orders; want template.json and the fonts once, then %s", put, key)
			}
			for _, k := range fontKeys(t) {
				if !slices.Contains(put, k) {
					t.Fatalf("put %q, want the font %s among them", put, k)
				}
			}
			if stored, _ := svc.Store.Item(t.Context(), first.ID); stored.TemplateVersion != v {
				t.Fatalf("stored item records %q, want %q", stored.TemplateVersion, v)
			}
		}},
		{"first orders at once put the version's files once: one keeps, the others wait for it", func(t *testing.T, f *shopFolder, db string) {
			files := &slowPuts{countingFiles: newCountingFiles()}
			svc, live := pinnedService(t, f.dir, db, files)
			cur, _ := live.Template("card-shop-thanks")
			var wg sync.WaitGroup
			for range 8 {
				wg.Go(func() {
					if _, _, _, err := svc.CreateOrder(t.Context(), thanksOrder(), orders.Idempotency{}); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			put := files.templatePuts()
			if len(put) != 4 || put[3] != orders.TemplateManifestKey("card-shop-thanks", cur.Info().Version) {
				t.Fatalf("8 orders at once put %q; want template.json and the fonts once, then the manifest", put)
			}
		}},
		{"an edited card's first order puts only its changed template.json and manifest", func(t *testing.T, f *shopFolder, db string) {
			files := newCountingFiles()
			svc, live := pinnedService(t, f.dir, db, files)
			old := orderThanks(t, svc)
			files.templatePuts()
			f.repaint(t)
			if _, _, err := live.Reload(); err != nil {
				t.Fatal(err)
			}
			fresh := orderThanks(t, svc)
			edited, _ := os.ReadFile(filepath.Join(f.dir, "card-shop-thanks", "template.json"))
			want := []string{blobKey(edited), orders.TemplateManifestKey("card-shop-thanks", fresh.TemplateVersion)}
			if put := files.templatePuts(); fresh.TemplateVersion == old.TemplateVersion || !slices.Equal(put, want) {
				t.Fatalf("the new version's order put %q; want only %q (the fonts are shared)", put, want)
			}
			// Both versions are made from the shared fonts.
			for _, it := range []*orders.Item{old, fresh} {
				rendered(t, svc, files, it.ID)
			}
			if put := files.templatePuts(); len(put) != 0 {
				t.Fatalf("renders put %q, want nothing: both versions were kept", put)
			}
		}},
		{"an old order made again after a reload: the same bytes; a new order: the new version", func(t *testing.T, f *shopFolder, db string) {
			files := newCountingFiles()
			svc, live := pinnedService(t, f.dir, db, files)
			old := orderThanks(t, svc)
			before := rendered(t, svc, files, old.ID)
			f.repaint(t)
			res, err := svc.ReloadTemplates(t.Context(), orders.ActorOperator)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Changes) != 1 || res.Changes[0].ID != "card-shop-thanks" || res.Changes[0].From != old.TemplateVersion || res.Changes[0].To == old.TemplateVersion {
				t.Fatalf("changes %+v, want card-shop-thanks from %s", res.Changes, old.TemplateVersion)
			}
			fresh := orderThanks(t, svc)
			if cur, _ := live.Template("card-shop-thanks"); fresh.TemplateVersion != cur.Info().Version || fresh.TemplateVersion == old.TemplateVersion {
				t.Fatalf("a new order records %s, want the new version %s", fresh.TemplateVersion, cur.Info().Version)
			}
			if sameFiles(rendered(t, svc, files, fresh.ID), before) {
				t.Fatal("the new order's card is the old one's: the new paper is not used")
			}

			// The operator makes the old order again (failed, retried).
			if _, err := svc.Store.TransitionItem(t.Context(), old.ID, []orders.Status{orders.StatusReady}, orders.StatusFailed, "test"); err != nil {
				t.Fatal(err)
			}
			op, err := svc.Operator(t.Context(), "env-key-0123456789")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.RetryItem(t.Context(), op, old.ID); err != nil {
				t.Fatal(err)
			}
			key := orders.TemplateManifestKey("card-shop-thanks", old.TemplateVersion)
			if again := rendered(t, svc, files, old.ID); !sameFiles(again, before) {
				t.Fatal("the old order made again differs from its first render")
			}
			if files.n(files.gets, key) != 1 || files.n(files.gets, blobKey(f.manifest)) != 1 {
				t.Fatalf("old version's manifest read %d times, its template.json %d; want once each", files.n(files.gets, key), files.n(files.gets, blobKey(f.manifest)))
			}

			// A worker started after the change has never loaded the old
			// version: it makes it from the file store too.
			worker, _ := pinnedService(t, f.dir, db, files)
			svc.Store.TransitionItem(t.Context(), old.ID, []orders.Status{orders.StatusReady}, orders.StatusFailed, "test")
			svc.RetryItem(t.Context(), op, old.ID)
			if again := rendered(t, worker, files, old.ID); !sameFiles(again, before) {
				t.Fatal("a new worker's render of the old order differs from its first render")
			}
		}},
		{"an item from before versions is made with the current template", func(t *testing.T, f *shopFolder, db string) {
			files := newCountingFiles()
			svc, live := pinnedService(t, f.dir, db, files)
			it := orderThanks(t, svc)
			f.repaint(t)
			if _, _, err := live.Reload(); err != nil {
				t.Fatal(err)
			}
			current := rendered(t, svc, files, orderThanks(t, svc).ID)
			// As the store gives back an item of the orders taken before
			// migration 0011.
			forget(t, db, it.ID)
			if got := rendered(t, svc, files, it.ID); !sameFiles(got, current) {
				t.Fatal("an item with no version was not made with the current template")
			}
		}},
		{"a missing manifest or file: a reason that passes naming its key, retried until it is back", func(t *testing.T, f *shopFolder, db string) {
			files := newCountingFiles()
			svc, live := pinnedService(t, f.dir, db, files)
			it := orderThanks(t, svc)
			f.repaint(t)
			if _, _, err := live.Reload(); err != nil {
				t.Fatal(err)
			}
			for _, key := range []string{orders.TemplateManifestKey("card-shop-thanks", it.TemplateVersion), fontKeys(t)[0]} {
				saved, _ := files.FileStore.Get(t.Context(), key)
				files.FileStore.Delete(t.Context(), key)
				err := svc.RenderItem(t.Context(), it.ID)
				if !errors.Is(err, orders.ErrBundleMissing) || orders.Permanent(err) || !strings.Contains(err.Error(), key) {
					t.Fatalf("RenderItem without %s: %v; want ErrBundleMissing naming it, not permanent", key, err)
				}
				if got, _ := svc.Store.Item(t.Context(), it.ID); got.Status != orders.StatusQueued || !got.Delayed() {
					t.Fatalf("item %s, delayed %v; want queued and delayed, to be retried", got.Status, got.Delayed())
				}
				files.FileStore.Put(t.Context(), key, saved, "application/octet-stream")
			}
			rendered(t, svc, files, it.ID)
		}},
		{"a corrupted file is refused naming its key, retried until it is mended", func(t *testing.T, f *shopFolder, db string) {
			files := newCountingFiles()
			svc, live := pinnedService(t, f.dir, db, files)
			it := orderThanks(t, svc)
			before := rendered(t, svc, files, it.ID)
			f.repaint(t)
			if _, _, err := live.Reload(); err != nil {
				t.Fatal(err)
			}
			key := blobKey(f.manifest)
			files.FileStore.Put(t.Context(), key, bytes.Replace(f.manifest, []byte(`#fff8ef`), []byte(`#000000`), 1), "application/octet-stream")
			svc.Store.TransitionItem(t.Context(), it.ID, []orders.Status{orders.StatusReady}, orders.StatusFailed, "test")
			op, _ := svc.Operator(t.Context(), "env-key-0123456789")
			if _, err := svc.RetryItem(t.Context(), op, it.ID); err != nil {
				t.Fatal(err)
			}
			err := svc.RenderItem(t.Context(), it.ID)
			if err == nil || orders.Permanent(err) || !strings.Contains(err.Error(), key) || !strings.Contains(err.Error(), "damaged") {
				t.Fatalf("RenderItem with %s corrupted: %v; want an error naming it, not permanent", key, err)
			}
			files.FileStore.Put(t.Context(), key, f.manifest, "application/octet-stream")
			if again := rendered(t, svc, files, it.ID); !sameFiles(again, before) {
				t.Fatal("mended, the item differs from its first render")
			}
		}},
		{"a version the file store cannot take when ordering: the order is taken, the render keeps it", func(t *testing.T, f *shopFolder, db string) {
			mem := testenv.NewMemFiles()
			files := &brokenFiles{FileStore: mem}
			files.broken.Store(true)
			svc, live := pinnedService(t, f.dir, db, files)
			it := orderThanks(t, svc)
			key := orders.TemplateManifestKey("card-shop-thanks", it.TemplateVersion)
			if _, found := mem.Object(key); found {
				t.Fatal("manifest stored during the outage")
			}
			err := svc.RenderItem(t.Context(), it.ID)
			if oshigoods.ErrorCode(err) != oshigoods.EUNAVAILABLE || orders.Permanent(err) {
				t.Fatalf("RenderItem during the outage: %v, want EUNAVAILABLE", err)
			}
			files.broken.Store(false)
			before := rendered(t, svc, files, it.ID)
			for _, k := range append(fontKeys(t), key, blobKey(f.manifest)) {
				if _, found := mem.Object(k); !found {
					t.Fatalf("the render did not keep %s", k)
				}
			}
			// So the item can be made again once the folder changed.
			f.repaint(t)
			if _, _, err := live.Reload(); err != nil {
				t.Fatal(err)
			}
			svc.Store.TransitionItem(t.Context(), it.ID, []orders.Status{orders.StatusReady}, orders.StatusFailed, "test")
			op, _ := svc.Operator(t.Context(), "env-key-0123456789")
			if _, err := svc.RetryItem(t.Context(), op, it.ID); err != nil {
				t.Fatal(err)
			}
			if again := rendered(t, svc, files, it.ID); !sameFiles(again, before) {
				t.Fatal("made again, the item differs")
			}
		}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			tc.run(t, newShopFolder(t), filepath.Join(t.TempDir(), "orders.db"))
		})
	}
}

// forget clears an item's template version in the SQLite database, as
// for an item taken before versions were recorded.
func forget(t *testing.T, db, itemID string) {
	t.Helper()
	conn, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Exec(`UPDATE items SET template_version = '' WHERE id = ?`, itemID); err != nil {
		t.Fatal(err)
	}
}
