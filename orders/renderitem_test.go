package orders_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
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

// TestRenderItem: the render use case keeps the order-time warnings first,
// adds the render's once, copies them into the preflight record and
// records the files; a second delivery changes nothing.
func TestRenderItem(t *testing.T) {
	ctx := t.Context()
	manifest, _ := json.Marshal(map[string]any{"id": "warn-card", "kind": "card", "title": "Warn", "price": 500, "card": map[string]any{}})
	catalog, err := templates.Load(fstest.MapFS{"warn-card/template.json": {Data: manifest}},
		map[render.Kind]templates.Compiler{render.KindCard: func(json.RawMessage, fs.FS) (render.Renderer, error) { return warnRenderer{}, nil }})
	if err != nil {
		t.Fatal(err)
	}
	store, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "orders.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	files := testenv.NewMemFiles()
	svc := &orders.Service{Store: store, Queue: acceptQueue{}, Files: files, Catalog: catalog,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Secret: []byte("s"), URLTTL: time.Minute}

	o, _, _, err := svc.CreateOrder(ctx, orders.NewOrder{TermsAccepted: true, ShippingAddress: testAddress(),
		Customer: orders.Customer{Name: "山田 花子", Email: "hanako@example.com"},
		Items:    []orders.NewItem{{Template: "warn-card", Fields: map[string]string{"to": "さくら"}}},
	}, orders.Idempotency{})
	if err != nil {
		t.Fatal(err)
	}
	item := o.Items[0]
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
