package orders_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"oshigoods"
	"oshigoods/internal/testenv"
	"oshigoods/orders"
	"oshigoods/orders/sqlstore"
	"oshigoods/templates"
)

func TestRetentionValidate(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		r        orders.Retention
		fields   []string
	}{
		{"zero is the defaults", orders.Retention{}, nil},
		{"the defaults spelled out", orders.Retention{UploadTTL: 24 * time.Hour, OrderRetention: 90 * 24 * time.Hour}, nil},
		{"too short", orders.Retention{UploadTTL: time.Second, OrderRetention: time.Minute}, []string{"UploadTTL", "OrderRetention"}},
		{"negative", orders.Retention{UploadTTL: -time.Hour}, []string{"UploadTTL"}},
		{"too long", orders.Retention{UploadTTL: 31 * 24 * time.Hour, OrderRetention: 11 * 365 * 24 * time.Hour}, []string{"UploadTTL", "OrderRetention"}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			assertFields(t, tc.r.Validate(), tc.fields)
		})
	}
	if r := (orders.Retention{}).WithDefaults(); r.UploadTTL != 24*time.Hour || r.OrderRetention != 90*24*time.Hour {
		t.Fatalf("defaults %+v", r)
	}
}

func TestOrderFinished(t *testing.T) {
	item := func(k orders.Kind, st orders.Status) *orders.Item { return &orders.Item{Kind: k, Status: st} }
	for _, tc := range []struct {
		scenario     string
		status       orders.Status
		items        []*orders.Item
		finished, in bool
	}{
		{"printed", orders.StatusPrinted, []*orders.Item{item(orders.KindCard, orders.StatusPrinted)}, true, false},
		{"cancelled", orders.StatusCancelled, []*orders.Item{item(orders.KindPhoto, orders.StatusCancelled)}, true, false},
		{"failed", orders.StatusFailed, []*orders.Item{item(orders.KindPhoto, orders.StatusFailed)}, true, false},
		{"failed with an item still rendering", orders.StatusFailed, []*orders.Item{item(orders.KindPhoto, orders.StatusFailed), item(orders.KindCard, orders.StatusRendering)}, false, true},
		{"ready voice clip (digital only)", orders.StatusReady, []*orders.Item{item(orders.KindVoice, orders.StatusReady), item(orders.KindCard, orders.StatusCancelled)}, true, false},
		{"ready card waits for print", orders.StatusReady, []*orders.Item{item(orders.KindCard, orders.StatusReady)}, false, false},
		{"queued", orders.StatusQueued, []*orders.Item{item(orders.KindCard, orders.StatusQueued)}, false, true},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			o := &orders.Order{Status: tc.status, Items: tc.items}
			if o.Finished() != tc.finished || o.InProduction() != tc.in {
				t.Fatalf("Finished %v, InProduction %v; want %v, %v", o.Finished(), o.InProduction(), tc.finished, tc.in)
			}
		})
	}
}

// TestExpiredUploadCannotBeOrdered: an upload older than the upload TTL
// (which the sweeper deletes) is refused at order time, naming the field;
// a fresh one is ordered and kept with the order.
func TestExpiredUploadCannotBeOrdered(t *testing.T) {
	ctx := context.Background()
	catalog, err := templates.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	store, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "orders.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	svc := &orders.Service{Store: store, Queue: failQueue{}, Files: testenv.NewMemFiles(), Catalog: catalog,
		Secret: []byte("0123456789abcdef"), Retention: orders.Retention{UploadTTL: time.Hour}}
	for _, u := range []*orders.Upload{
		{ID: "upl_old", CreatedAt: time.Now().Add(-2 * time.Hour)},
		{ID: "upl_new", CreatedAt: time.Now()},
	} {
		u.Format, u.Width, u.Height, u.Key = "jpeg", 3000, 4000, "uploads/"+u.ID+".jpeg"
		if err := store.CreateUpload(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	order := func(upload string) error {
		_, _, _, err := svc.CreateOrder(ctx, orders.NewOrder{TermsAccepted: true, ShippingAddress: testAddress(),
			Customer: orders.Customer{Name: "山田 花子", Email: "hanako@example.com"},
			Items:    []orders.NewItem{{Template: "photo-2shot-l", Fields: map[string]string{"photo": upload, "name": "はなこ"}}},
		}, orders.Idempotency{})
		return err
	}
	err = order("upl_old")
	var e *oshigoods.Error
	if oshigoods.ErrorCode(err) != oshigoods.EUNPROCESSABLE || !errors.As(err, &e) || e.Field != "items[0].fields.photo" {
		t.Fatalf("order with an expired upload: %v", err)
	}
	if err := order("upl_new"); err != nil {
		t.Fatalf("order with a fresh upload: %v", err)
	}
	if list, err := store.ExpiredUploads(ctx, time.Now().Add(time.Hour), 0); err != nil || len(list) != 1 || list[0].ID != "upl_old" {
		t.Fatalf("ExpiredUploads = %v, %v; want only upl_old (upl_new is ordered)", list, err)
	}
}
