package orders_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"path/filepath"
	"reflect"
	"testing"
	"testing/fstest"
	"time"

	"oshigoods"
	"oshigoods/internal/testenv"
	"oshigoods/orders"
	"oshigoods/orders/sqlstore"
	"oshigoods/render"
	"oshigoods/templates"
)

// warnRenderer is a card that warns when ordered and again, with one more,
// when rendered, and reports a preflight record: what RenderItem merges.
type warnRenderer struct{}

func (warnRenderer) Kind() render.Kind { return render.KindCard }
func (warnRenderer) Fields() []render.Field {
	return []render.Field{{Name: "to", Type: render.FieldText}}
}
func (warnRenderer) Output() render.Output {
	return render.Output{WidthMM: 100, HeightMM: 148, Format: "pdf"}
}
func (warnRenderer) Check(context.Context, render.Inputs) ([]string, error) {
	return []string{"ordered: the name is set smaller"}, nil
}
func (warnRenderer) Render(context.Context, render.Inputs) (*render.Result, error) {
	return &render.Result{
		Files:     []render.File{{Name: "card.pdf", Role: render.RoleOutput, ContentType: "application/pdf", Data: []byte("%PDF-")}},
		Warnings:  []string{"rendered: a glyph was substituted", "ordered: the name is set smaller"},
		Preflight: &render.Preflight{File: "card.pdf", Format: "pdf", TrimMM: [2]float64{100, 148}, BleedMM: 3},
	}, nil
}

type acceptQueue struct{ orders.Queue }

func (acceptQueue) EnqueueRender(context.Context, *orders.Item) error { return nil }

// warnService is a service over a fresh SQLite store and files in memory
// whose catalogue has the warn-card template (warnRenderer) and the cards
// of extra (template id → renderer), queueing on q.
func warnService(t *testing.T, q orders.Queue, extra map[string]render.Renderer) (*orders.Service, *sqlstore.Store, *testenv.MemFiles) {
	t.Helper()
	renderers := map[string]render.Renderer{"warn-card": warnRenderer{}}
	maps.Copy(renderers, extra)
	tree := fstest.MapFS{}
	for id := range renderers {
		manifest, _ := json.Marshal(map[string]any{"id": id, "kind": "card", "title": id, "price": 500, "card": map[string]any{"id": id}})
		tree[id+"/template.json"] = &fstest.MapFile{Data: manifest}
	}
	catalog, err := templates.Load(tree, map[render.Kind]templates.Compiler{render.KindCard: func(raw json.RawMessage, _ fs.FS) (render.Renderer, error) {
		var c struct{ ID string }
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, err
		}
		return renderers[c.ID], nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	store, err := sqlstore.Open(t.Context(), filepath.Join(t.TempDir(), "orders.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	files := testenv.NewMemFiles()
	svc := &orders.Service{Store: store, Queue: q, Files: files, Catalog: catalog,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Secret: []byte("s"), URLTTL: time.Minute}
	return svc, store, files
}

// orderCard orders one card of the template and returns its item.
func orderCard(t *testing.T, svc *orders.Service, template string) *orders.Item {
	t.Helper()
	o, _, _, err := svc.CreateOrder(t.Context(), orders.NewOrder{TermsAccepted: true, ShippingAddress: testAddress(),
		Customer: orders.Customer{Name: "山田 花子", Email: "hanako@example.com"},
		Items:    []orders.NewItem{{Template: template, Fields: map[string]string{"to": "さくら"}}},
	}, orders.Idempotency{})
	if err != nil {
		t.Fatal(err)
	}
	return o.Items[0]
}

// TestRenderItem: the render use case keeps the order-time warnings first,
// adds the render's once, copies them into the preflight record and
// records the files; a second delivery changes nothing.
func TestRenderItem(t *testing.T) {
	ctx := t.Context()
	svc, store, files := warnService(t, acceptQueue{}, nil)
	item := orderCard(t, svc, "warn-card")
	if want := []string{"ordered: the name is set smaller"}; !reflect.DeepEqual(item.Warnings, want) {
		t.Fatalf("order-time warnings %q, want %q", item.Warnings, want)
	}
	if err := svc.RenderItem(ctx, item.ID); err != nil {
		t.Fatalf("RenderItem: %v", err)
	}
	got, err := store.Item(ctx, item.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ordered: the name is set smaller", "rendered: a glyph was substituted"}
	if got.Status != orders.StatusReady || !reflect.DeepEqual(got.Warnings, want) {
		t.Fatalf("item %s with warnings %q, want ready with %q", got.Status, got.Warnings, want)
	}
	wantPF := &render.Preflight{File: "card.pdf", Format: "pdf", TrimMM: [2]float64{100, 148}, BleedMM: 3, Warnings: want}
	if !reflect.DeepEqual(got.Preflight, wantPF) {
		t.Fatalf("preflight %+v, want %+v", got.Preflight, wantPF)
	}
	if key := orders.FileKey(got, "card.pdf"); len(got.Files) != 1 || got.Files[0].Key != key || !storedAs(files, key, "%PDF-") {
		t.Fatalf("files %+v, %d stored", got.Files, files.Len())
	}

	// A task delivered twice: the item is settled and stays as it is.
	if err := svc.RenderItem(ctx, item.ID); err != nil {
		t.Fatalf("RenderItem again: %v", err)
	}
	if again, _ := store.Item(ctx, item.ID); !reflect.DeepEqual(again, got) {
		t.Fatalf("second render changed the item:\n%+v\nwant\n%+v", again, got)
	}
	if err := svc.RenderItem(ctx, "itm_nothere"); !errors.Is(err, orders.ErrNoItem) || oshigoods.ErrorCode(err) == oshigoods.EUNPROCESSABLE {
		t.Fatalf("RenderItem of no item: %v, want ErrNoItem", err)
	}
}

// storedAs reports whether files holds want under key.
func storedAs(files *testenv.MemFiles, key, want string) bool {
	d, ok := files.Object(key)
	return ok && string(d) == want
}
