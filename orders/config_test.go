package orders_test

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
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

func TestLimitsValidate(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		lim      orders.Limits
		fields   []string
	}{
		{"zero is the defaults", orders.Limits{}, nil},
		{"30 MiB", orders.Limits{MaxUploadBytes: 30 << 20}, nil},
		{"1 GiB", orders.Limits{MaxUploadBytes: orders.MaxUploadBytes}, nil},
		{"one byte", orders.Limits{MaxUploadBytes: 1}, []string{"MaxUploadBytes"}},
		{"negative", orders.Limits{MaxUploadBytes: -1}, []string{"MaxUploadBytes"}},
		{"2 GiB", orders.Limits{MaxUploadBytes: 2 << 30}, []string{"MaxUploadBytes"}},
		{"negative counts", orders.Limits{MaxItems: -1, MaxQuantity: -2}, []string{"MaxItems", "MaxQuantity"}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			assertFields(t, tc.lim.Validate(), tc.fields)
		})
	}
}

func TestRendersValidate(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		r        orders.Renders
		fields   []string
	}{
		{"zero is the defaults", orders.Renders{}, nil},
		{"test timings", orders.Renders{Lease: 300 * time.Millisecond, MaxAttempts: 3}, nil},
		{"bounds", orders.Renders{Lease: orders.MaxRenderLease, MaxAttempts: orders.MaxRenderAttempts}, nil},
		{"lease in nanoseconds", orders.Renders{Lease: 15}, []string{"Renders.Lease"}},
		{"lease of an hour, attempts past the most", orders.Renders{Lease: time.Hour, MaxAttempts: orders.MaxRenderAttempts + 1},
			[]string{"Renders.Lease", "Renders.MaxAttempts"}},
		{"negative attempts", orders.Renders{MaxAttempts: -1}, []string{"Renders.MaxAttempts"}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			assertFields(t, tc.r.Validate(), tc.fields)
		})
	}
	if d := (orders.Renders{}).WithDefaults(); d.Lease != orders.DefaultRenderLease || d.MaxAttempts != orders.DefaultRenderAttempts {
		t.Errorf("defaults %+v", d)
	}
}

func TestServiceValidate(t *testing.T) {
	good := func() *orders.Service {
		return &orders.Service{Store: struct{ orders.Store }{}, Queue: acceptQueue{}, Files: testenv.NewMemFiles(), Catalog: &templates.Catalog{},
			Secret: []byte("0123456789abcdef"), Profile: mustProfile(t, render.DefaultProfileName)}
	}
	for _, tc := range []struct {
		scenario string
		edit     func(*orders.Service)
		want     []string // substrings of the error; none means valid
	}{
		{"complete", func(*orders.Service) {}, nil},
		{"nil logger is allowed", func(s *orders.Service) { s.Logger = nil }, nil},
		{"digital zero profile", func(s *orders.Service) { s.Profile = render.Profile{} }, nil},
		{"no store", func(s *orders.Service) { s.Store = nil }, []string{"needs a Store"}},
		{"no queue, no files", func(s *orders.Service) { s.Queue, s.Files = nil, nil }, []string{"needs a Queue", "needs Files"}},
		{"no catalog", func(s *orders.Service) { s.Catalog = nil }, []string{"needs a Catalog"}},
		{"short secret", func(s *orders.Service) { s.Secret = []byte("s") }, []string{"Secret is 1 bytes; give at least 16"}},
		{"bad limits", func(s *orders.Service) { s.Limits.MaxUploadBytes = 1 }, []string{"MaxUploadBytes 1 is out of range"}},
		{"bad render settings", func(s *orders.Service) { s.Renders.MaxAttempts = -1 }, []string{"Renders.MaxAttempts -1 is out of range"}},
		{"bad profile", func(s *orders.Service) { s.Profile.PhotoFormat, s.Profile.BleedMM = "tiff", 50 }, []string{`PhotoFormat "tiff"`, "BleedMM 50"}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			s := good()
			tc.edit(s)
			err := s.Validate()
			if (err == nil) != (len(tc.want) == 0) {
				t.Fatalf("Validate() = %v; want %q", err, tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %v; want it to contain %q", err, w)
				}
			}
		})
	}
}

// TestNilLoggerDiscards checks that a Service without a Logger logs
// nowhere rather than panicking: CreateOrder logs a failed enqueue.
func TestNilLoggerDiscards(t *testing.T) {
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
	svc := &orders.Service{Store: store, Queue: failQueue{}, Files: testenv.NewMemFiles(), Catalog: catalog, Secret: []byte("0123456789abcdef")}
	_, _, _, err = svc.CreateOrder(ctx, orders.NewOrder{TermsAccepted: true, ShippingAddress: testAddress(),
		Customer: orders.Customer{Name: "山田 花子", Email: "hanako@example.com"},
		Items:    []orders.NewItem{{Template: "warn-card", Fields: map[string]string{"to": "さくら"}}},
	}, orders.Idempotency{})
	if err != nil {
		t.Fatalf("CreateOrder: %v", err)
	}
}

type failQueue struct{ orders.Queue }

func (failQueue) EnqueueRender(context.Context, *orders.Item) error {
	return errors.New("redis is down")
}

// TestSecretNotShown checks that a refused secret is not echoed.
func TestSecretNotShown(t *testing.T) {
	err := orders.CheckSecret([]byte("hunter2"))
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("CheckSecret = %v; want an error that does not show the secret", err)
	}
}

func assertFields(t *testing.T, err error, fields []string) {
	t.Helper()
	var got []string
	for _, e := range oshigoods.ConfigErrors(err) {
		got = append(got, e.Field)
	}
	if strings.Join(got, ",") != strings.Join(fields, ",") || (err == nil) != (len(fields) == 0) {
		t.Fatalf("Validate() = %v; want problems with %v", err, fields)
	}
}

func mustProfile(t *testing.T, name string) render.Profile {
	t.Helper()
	p, err := render.LookupProfile(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
