package orders_test

import (
	"bytes"
	"image"
	"image/png"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"oshigoods"
	"oshigoods/budget"
	"oshigoods/internal/testenv"
	"oshigoods/orders"
	"oshigoods/orders/sqlstore"
	"oshigoods/render/photo"
	"oshigoods/templates"
)

// builtinService is a Service over SQLite, the built-in catalogue and an
// in-memory file store, whose queue accepts every item.
func builtinService(t *testing.T) *orders.Service {
	t.Helper()
	catalog, err := templates.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	store, err := sqlstore.Open(t.Context(), filepath.Join(t.TempDir(), "orders.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return &orders.Service{Store: store, Queue: acceptQueue{}, Files: testenv.NewMemFiles(), Catalog: catalog,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Secret: []byte("0123456789abcdef"), URLTTL: time.Minute}
}

// decodeService is builtinService with a decode budget of the given size.
func decodeService(t *testing.T, size int64) (*orders.Service, *budget.Budget) {
	t.Helper()
	svc := builtinService(t)
	b, err := budget.New(budget.Config{Bytes: size, Wait: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	svc.Decodes = b
	return svc, b
}

// flatPNG is a w×h 8-bit RGBA PNG of one colour: small to store, and a
// real decode.
func flatPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		copy(img.Pix[i:], []uint8{0xf0, 0xc0, 0xd0, 0xff})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestDecodeLimits: upload limits are the decode limits. An upload whose
// decode needs exactly the whole budget is accepted, ordered and renders;
// with a budget one byte smaller the same upload is refused at upload
// time, 422 on "file" naming the limit. The pixel limit is the renderer's.
func TestDecodeLimits(t *testing.T) {
	ctx := t.Context()
	data := flatPNG(t, 2400, 1800)
	catalog, _ := templates.Builtin()
	info, err := catalog.ProbeImage(data)
	if err != nil {
		t.Fatal(err)
	}
	need := info.DecodeBytes
	if need < budget.MinBytes {
		t.Fatalf("fixture needs %d bytes, under the smallest budget", need)
	}

	t.Run("at the limit: accepted and rendered", func(t *testing.T) {
		svc, b := decodeService(t, need)
		up, err := svc.Upload(ctx, data)
		if err != nil {
			t.Fatalf("upload at the limit: %v", err)
		}
		o, _, _, err := svc.CreateOrder(ctx, orders.NewOrder{TermsAccepted: true, ShippingAddress: testAddress(),
			Customer: orders.Customer{Name: "山田 花子", Email: "hanako@example.com"},
			Items:    []orders.NewItem{{Template: "photo-2shot-l", Fields: map[string]string{"photo": up.ID}}},
		}, orders.Idempotency{})
		if err != nil {
			t.Fatalf("order: %v", err)
		}
		if err := svc.RenderItem(ctx, o.Items[0].ID); err != nil {
			t.Fatalf("render at the limit: %v", err)
		}
		if item, _ := svc.Store.Item(ctx, o.Items[0].ID); item.Status != orders.StatusReady {
			t.Fatalf("item %s, want ready", item.Status)
		}
		if b.Held() != 0 {
			t.Fatalf("budget holds %d after the render", b.Held())
		}
	})
	t.Run("one byte over: refused at upload", func(t *testing.T) {
		svc, _ := decodeService(t, need-1)
		_, err := svc.Upload(ctx, data)
		if oshigoods.ErrorCode(err) != oshigoods.EUNPROCESSABLE || oshigoods.ErrorField(err) != "file" || !strings.Contains(oshigoods.ErrorMessage(err), "the limit is") {
			t.Fatalf("err = %v, want 422 on file naming the limit", err)
		}
	})
	t.Run("the pixel limit is the renderer's", func(t *testing.T) {
		if got := (orders.Limits{}).WithDefaults().MaxUploadPixels; got != photo.MaxPixels {
			t.Fatalf("upload pixel limit %d, decode limit %d", got, photo.MaxPixels)
		}
	})
}

// TestDecodeBudgetFull: while the budget is taken, a preview waits its
// short while and is EUNAVAILABLE (503 with Retry-After), and a render is
// EUNAVAILABLE too, which the worker retries: the item is not failed.
func TestDecodeBudgetFull(t *testing.T) {
	ctx := t.Context()
	svc, b := decodeService(t, budget.MinBytes)
	up, err := svc.Upload(ctx, flatPNG(t, 1200, 1500))
	if err != nil {
		t.Fatal(err)
	}
	fields := map[string]string{"photo": up.ID}
	o, _, _, err := svc.CreateOrder(ctx, orders.NewOrder{TermsAccepted: true, ShippingAddress: testAddress(),
		Customer: orders.Customer{Name: "山田 花子", Email: "hanako@example.com"},
		Items:    []orders.NewItem{{Template: "photo-2shot-l", Fields: fields}},
	}, orders.Idempotency{})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Acquire(ctx, b.Size()); err != nil { // another decode holds it all
		t.Fatal(err)
	}
	if _, _, err := svc.Preview(ctx, orders.PreviewRequest{Template: "photo-2shot-l", Fields: fields}); oshigoods.ErrorCode(err) != oshigoods.EUNAVAILABLE {
		t.Fatalf("preview over budget: %v, want EUNAVAILABLE", err)
	}
	if err := svc.RenderItem(ctx, o.Items[0].ID); oshigoods.ErrorCode(err) != oshigoods.EUNAVAILABLE {
		t.Fatalf("render over budget: %v, want EUNAVAILABLE", err)
	}
	if item, _ := svc.Store.Item(ctx, o.Items[0].ID); item.Status == orders.StatusFailed {
		t.Fatal("a render that found the budget full failed the item")
	}
	b.Release(b.Size())
	if _, _, err := svc.Preview(ctx, orders.PreviewRequest{Template: "photo-2shot-l", Fields: fields}); err != nil {
		t.Fatalf("preview once the budget is free: %v", err)
	}
	if err := svc.RenderItem(ctx, o.Items[0].ID); err != nil {
		t.Fatalf("render once the budget is free: %v", err)
	}
	if b.Held() != 0 {
		t.Fatalf("budget holds %d", b.Held())
	}
}
