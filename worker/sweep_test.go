package worker_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"oshigoods"
	"oshigoods/embedded"
	"oshigoods/internal/testenv"
	"oshigoods/orders"
	"oshigoods/orders/sqlstore"
	"oshigoods/s3store"
	"oshigoods/templates"
	"oshigoods/worker"
)

// acceptQueue takes every item; no render runs in these tests.
type acceptQueue struct{}

func (acceptQueue) EnqueueRender(context.Context, *orders.Item) error { return nil }
func (acceptQueue) Ping(context.Context) error                        { return nil }

// TestSweeper: on SQLite with the embedded S3 and on PostgreSQL with
// MinIO, a pass of the sweeper a day later deletes the upload no order
// used (object 404, record gone) and keeps the ordered one; a pass after
// the retention period erases the printed order's personal data, keeping
// its anonymised record, and deletes its photo and rendered file.
func TestSweeper(t *testing.T) {
	backends := []struct {
		name  string
		dsn   func(t *testing.T) string
		files func(t *testing.T) *s3store.Store
	}{
		{"sqlite+embedded", func(t *testing.T) string { return filepath.Join(t.TempDir(), "test.db") }, func(t *testing.T) *s3store.Store {
			srv, err := embedded.StartS3(embedded.S3Config{Dir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(srv.Close)
			st, err := s3store.New(context.Background(), s3store.Config{Endpoint: srv.Endpoint(), Bucket: "sweep", AccessKey: srv.AccessKey(), SecretKey: srv.SecretKey()})
			if err != nil {
				t.Fatal(err)
			}
			return st
		}},
		{"postgres+minio", func(t *testing.T) string { return testenv.PostgresURL(t) }, func(t *testing.T) *s3store.Store {
			s3 := testenv.S3Bucket(t)
			st, err := s3store.New(context.Background(), s3store.Config{Endpoint: s3.Endpoint, Bucket: s3.Bucket, AccessKey: s3.AccessKey, SecretKey: s3.SecretKey})
			if err != nil {
				t.Fatal(err)
			}
			return st
		}},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			store, err := sqlstore.Open(ctx, b.dsn(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { store.Close() })
			files := b.files(t)
			catalog, err := templates.Builtin()
			if err != nil {
				t.Fatal(err)
			}
			svc := &orders.Service{Store: store, Queue: acceptQueue{}, Files: files, Catalog: catalog,
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Secret: []byte("0123456789abcdef")}
			photo := jpegBytes(t, 800, 600)
			unused, err := svc.Upload(ctx, photo)
			if err != nil {
				t.Fatal(err)
			}
			ordered, err := svc.Upload(ctx, photo)
			if err != nil {
				t.Fatal(err)
			}
			o, _, _, err := svc.CreateOrder(ctx, orders.NewOrder{TermsAccepted: true, ShippingAddress: testAddress(),
				Customer: orders.Customer{Name: "推し活 花子", Email: "hanako@example.com"},
				Items:    []orders.NewItem{{Template: "photo-2shot-l", Quantity: 2, Fields: map[string]string{"photo": ordered.ID, "name": "ゆい"}}},
			}, orders.Idempotency{})
			if err != nil {
				t.Fatal(err)
			}
			item := o.Items[0]
			rendered := orders.File{ItemID: item.ID, Name: "photo.jpg", Role: orders.RoleOutput, ContentType: "image/jpeg",
				Size: int64(len(photo)), SHA256: "x", Key: "orders/" + o.ID + "/" + item.ID + "/photo.jpg"}
			if err := files.Put(ctx, rendered.Key, photo, "image/jpeg"); err != nil {
				t.Fatal(err)
			}
			if _, err := store.CompleteItem(ctx, item.ID, orders.Completion{Files: []orders.File{rendered}}); err != nil {
				t.Fatal(err)
			}
			if err := store.MarkPrinted(ctx, o.ID); err != nil {
				t.Fatal(err)
			}
			unusedURL, err := files.PresignGet(ctx, unused.Key, "photo.jpg", time.Hour)
			if err != nil {
				t.Fatal(err)
			}

			start := time.Now()
			at := func(d time.Duration) *worker.Sweeper {
				return &worker.Sweeper{Service: svc, Now: func() time.Time { return start.Add(d) }}
			}
			// An hour later nothing has expired.
			if u, n, err := at(time.Hour).Pass(ctx); err != nil || u != 0 || n != 0 {
				t.Fatalf("pass an hour later: %d uploads, %d orders, %v", u, n, err)
			}
			if u, n, err := at(25 * time.Hour).Pass(ctx); err != nil || u != 1 || n != 0 {
				t.Fatalf("pass a day later: %d uploads, %d orders, %v; want 1, 0", u, n, err)
			}
			gone := func(what, key string) {
				t.Helper()
				if _, err := files.Get(ctx, key); oshigoods.ErrorCode(err) != oshigoods.ENOTFOUND {
					t.Fatalf("%s: Get = %v, want ENOTFOUND", what, err)
				}
			}
			gone("unused upload", unused.Key)
			if res, err := http.Get(unusedURL); err != nil || res.StatusCode != http.StatusNotFound {
				t.Fatalf("unused upload's URL: %v %v, want 404", res.StatusCode, err)
			} else {
				res.Body.Close()
			}
			if _, err := store.Upload(ctx, unused.ID); oshigoods.ErrorCode(err) != oshigoods.ENOTFOUND {
				t.Fatalf("unused upload's record: %v, want ENOTFOUND", err)
			}
			if _, err := files.Get(ctx, ordered.Key); err != nil {
				t.Fatalf("the ordered upload was deleted: %v", err)
			}
			if _, err := store.Upload(ctx, ordered.ID); err != nil {
				t.Fatalf("the ordered upload's record: %v", err)
			}

			if u, n, err := at(91 * 24 * time.Hour).Pass(ctx); err != nil || u != 0 || n != 1 {
				t.Fatalf("pass after the retention period: %d uploads, %d orders, %v; want 0, 1", u, n, err)
			}
			got, err := store.Order(ctx, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Customer != (orders.Customer{}) || got.ErasedAt.IsZero() || got.Status != orders.StatusPrinted || !got.CreatedAt.Equal(o.CreatedAt.Truncate(time.Millisecond)) {
				t.Fatalf("erased order: %+v", got)
			}
			it := got.Items[0]
			if it.ID != item.ID || it.Template != "photo-2shot-l" || it.Quantity != 2 || len(it.Fields) != 0 || len(it.Files) != 0 {
				t.Fatalf("erased item: %+v", it)
			}
			gone("ordered upload", ordered.Key)
			gone("rendered file", rendered.Key)
			if _, err := store.Upload(ctx, ordered.ID); oshigoods.ErrorCode(err) != oshigoods.ENOTFOUND {
				t.Fatalf("ordered upload's record: %v, want ENOTFOUND", err)
			}
			// Nothing left to do.
			if u, n, err := at(92 * 24 * time.Hour).Pass(ctx); err != nil || u != 0 || n != 0 {
				t.Fatalf("pass after the erasure: %d uploads, %d orders, %v", u, n, err)
			}
		})
	}
}
