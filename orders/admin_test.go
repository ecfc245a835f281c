package orders_test

import (
	"context"
	"encoding/json"
	"io/fs"
	"path/filepath"
	"strings"
	"sync"
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

// adminService is a Service over SQLite with the warn-card template, a
// queue that accepts everything and a fake task inspector, whose clock
// the test turns.
type adminService struct {
	*orders.Service
	tasks *fakeTasks
	now   time.Time
	mu    sync.Mutex
}

func (a *adminService) clock() time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.now
}

func (a *adminService) advance(d time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.now = a.now.Add(d)
}

func newAdminService(t *testing.T) *adminService {
	t.Helper()
	manifest, _ := json.Marshal(map[string]any{"id": "warn-card", "kind": "card", "title": "Warn", "price": 500, "card": map[string]any{}})
	catalog, err := templates.Load(fstest.MapFS{"warn-card/template.json": {Data: manifest}},
		map[render.Kind]templates.Compiler{render.KindCard: func(json.RawMessage, fs.FS) (render.Renderer, error) { return warnRenderer{}, nil }})
	if err != nil {
		t.Fatal(err)
	}
	store, err := sqlstore.Open(t.Context(), filepath.Join(t.TempDir(), "orders.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	a := &adminService{tasks: &fakeTasks{tasks: map[string]orders.RenderTask{}}, now: time.Now()}
	a.Service = &orders.Service{Store: store, Queue: acceptQueue{}, Files: testenv.NewMemFiles(), Catalog: catalog,
		Secret: []byte("0123456789abcdef"), AdminKeyHash: orders.Hash("env-key-0123456789"), Tasks: a.tasks, Now: a.clock}
	return a
}

// order places an order of n warn-cards for email.
func (a *adminService) order(t *testing.T, email string, n int) *orders.Order {
	t.Helper()
	req := orders.NewOrder{TermsAccepted: true, ShippingAddress: testAddress(), Customer: orders.Customer{Name: "山田 花子", Email: email}}
	for range n {
		req.Items = append(req.Items, orders.NewItem{Template: "warn-card", Fields: map[string]string{"to": "さくら"}})
	}
	o, _, _, err := a.CreateOrder(t.Context(), req, orders.Idempotency{})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// fakeTasks is the queue's view of tasks: what RenderTask reports, and
// which ClearRenderTask cleared.
type fakeTasks struct {
	mu      sync.Mutex
	tasks   map[string]orders.RenderTask
	cleared []string
}

func (f *fakeTasks) RenderTask(_ context.Context, id string) (orders.RenderTask, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.tasks[id]
	return t, ok, nil
}

func (f *fakeTasks) ClearRenderTask(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if t, ok := f.tasks[id]; ok && (t.State == "archived" || t.State == "completed") {
		delete(f.tasks, id)
		f.cleared = append(f.cleared, id)
	}
	return nil
}

// TestOperatorCredentials: the key from the environment and active admin
// keys sign in; anything else is 401, also on an installation with no
// key at all (never 404); a revoked key fails at once, and so do the
// console sessions it signed.
func TestOperatorCredentials(t *testing.T) {
	a := newAdminService(t)
	ctx := t.Context()
	key, k, err := a.CreateAdminKey(ctx, "店長のノートPC")
	if err != nil || !strings.HasPrefix(key, "adk_") || k.Hash == key {
		t.Fatalf("CreateAdminKey: %q %+v %v", key, k, err)
	}
	if _, _, err := a.CreateAdminKey(ctx, " "); oshigoods.ErrorField(err) != "name" {
		t.Fatalf("CreateAdminKey without a name: %v", err)
	}
	noKeys := *a.Service
	noKeys.AdminKeyHash = ""
	for _, tc := range []struct {
		scenario string
		svc      *orders.Service
		key      string
		wantID   string // "" wants EUNAUTHORIZED
	}{
		{"the environment's key", a.Service, "env-key-0123456789", orders.EnvOperatorID},
		{"an admin key", a.Service, key, k.ID},
		{"no key", a.Service, "", ""},
		{"a wrong key", a.Service, "env-key-0123456780", ""},
		{"a shop key's shape", a.Service, "shk_" + key[4:], ""},
		{"no environment key configured, a guess", &noKeys, "env-key-0123456789", ""},
		{"no environment key configured, an admin key", &noKeys, key, k.ID},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			op, err := tc.svc.Operator(ctx, tc.key)
			if tc.wantID == "" {
				if oshigoods.ErrorCode(err) != oshigoods.EUNAUTHORIZED {
					t.Fatalf("Operator = %+v, %v; want EUNAUTHORIZED", op, err)
				}
				return
			}
			if err != nil || op.ID != tc.wantID {
				t.Fatalf("Operator = %+v, %v; want %s", op, err, tc.wantID)
			}
		})
	}

	op, _ := a.Operator(ctx, key)
	envOp, _ := a.Operator(ctx, "env-key-0123456789")
	session, expires, err := a.OperatorSession(ctx, op)
	if err != nil || !expires.After(a.clock().Add(59*time.Minute)) || strings.Contains(session, key) {
		t.Fatalf("OperatorSession: %q until %v, %v", session, expires, err)
	}
	envSession, _, _ := a.OperatorSession(ctx, envOp)
	changedEnv := *a.Service
	changedEnv.AdminKeyHash = orders.Hash("another-env-key-0123")
	for _, tc := range []struct {
		scenario string
		svc      *orders.Service
		value    string
		ok       bool
	}{
		{"the session", a.Service, session, true},
		{"the environment key's session", a.Service, envSession, true},
		{"empty", a.Service, "", false},
		{"its MAC changed", a.Service, session[:len(session)-2] + "AA", false},
		{"its expiry moved", a.Service, strings.Replace(session, ".", ".9", 2), false},
		{"another operator's id", a.Service, strings.Replace(session, op.ID, orders.EnvOperatorID, 1), false},
		{"the environment key changed", &changedEnv, envSession, false},
	} {
		t.Run("session: "+tc.scenario, func(t *testing.T) {
			got, err := tc.svc.OperatorBySession(ctx, tc.value)
			if tc.ok != (err == nil) || (!tc.ok && oshigoods.ErrorCode(err) != oshigoods.EUNAUTHORIZED) {
				t.Fatalf("OperatorBySession = %+v, %v; want ok %v", got, err, tc.ok)
			}
		})
	}
	a.advance(61 * time.Minute)
	if _, err := a.OperatorBySession(ctx, session); oshigoods.ErrorCode(err) != oshigoods.EUNAUTHORIZED {
		t.Fatalf("an expired session: %v", err)
	}
	a.advance(-61 * time.Minute)

	if err := a.RevokeAdminKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Operator(ctx, key); oshigoods.ErrorCode(err) != oshigoods.EUNAUTHORIZED {
		t.Fatalf("a revoked key: %v", err)
	}
	if _, err := a.OperatorBySession(ctx, session); oshigoods.ErrorCode(err) != oshigoods.EUNAUTHORIZED {
		t.Fatalf("a revoked key's session: %v", err)
	}
	if err := a.RevokeAdminKey(ctx, "opk_nothere"); oshigoods.ErrorCode(err) != oshigoods.ENOTFOUND {
		t.Fatalf("revoking no key: %v", err)
	}
	entries, _ := a.AuditLog(ctx, time.Time{}, 0)
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Actor+" "+e.Action)
		if strings.Contains(e.Detail+e.Subject, key) {
			t.Fatalf("audit entry %+v holds the key", e)
		}
	}
	for _, want := range []string{"operator admin_key.create", "operator:" + k.ID + " session.create", "operator admin_key.revoke"} {
		if !strings.Contains(strings.Join(actions, "\n"), want) {
			t.Errorf("audit log lacks %q:\n%s", want, strings.Join(actions, "\n"))
		}
	}
}

// TestOperatorItems: a failed item is listed with its reason and attempts,
// retried (its archived task cleared) back to the queue with its order,
// and a second retry is a no-op; an item that has not moved past
// StuckAfter is listed as stuck and can be retried; cancelling works
// before ready and is refused after.
func TestOperatorItems(t *testing.T) {
	a := newAdminService(t)
	ctx := t.Context()
	op := &orders.Operator{ID: "opk_test", Name: "test"}
	o := a.order(t, "hanako@example.com", 2)
	failed, stuck := o.Items[0], o.Items[1]
	if err := a.FailItem(ctx, failed.ID, "The photo could not be read."); err != nil {
		t.Fatal(err)
	}
	a.tasks.tasks[failed.ID] = orders.RenderTask{State: "archived", Retried: 5, MaxRetry: 5, LastError: "s3: connection refused"}

	list, err := a.ProblemItems(ctx, op, orders.ProblemFailed, 0)
	if err != nil || len(list) != 1 || list[0].Item.ID != failed.ID || list[0].Reason != "The photo could not be read." ||
		list[0].Task == nil || list[0].Task.Retried != 5 {
		t.Fatalf("failed items: %+v, %v", list, err)
	}
	if list, _ := a.ProblemItems(ctx, op, orders.ProblemStuck, 0); len(list) != 0 {
		t.Fatalf("stuck items before StuckAfter: %+v", list)
	}
	if _, err := a.ProblemItems(ctx, op, "rendering", 0); oshigoods.ErrorField(err) != "status" {
		t.Fatalf("a list of no kind: %v", err)
	}

	it, err := a.RetryItem(ctx, op, failed.ID)
	if err != nil || it.Status != orders.StatusQueued || it.Error != "" {
		t.Fatalf("RetryItem: %+v, %v; want queued without the error", it, err)
	}
	if len(a.tasks.cleared) != 1 || a.tasks.cleared[0] != failed.ID {
		t.Fatalf("archived tasks cleared: %v", a.tasks.cleared)
	}
	if got, _ := a.Store.Order(ctx, o.ID); got.Status != orders.StatusQueued {
		t.Fatalf("order after the retry: %s; want queued", got.Status)
	}
	again, err := a.RetryItem(ctx, op, failed.ID)
	if err != nil || !again.UpdatedAt.Equal(it.UpdatedAt) {
		t.Fatalf("a second retry: %+v, %v; want the item unchanged", again, err)
	}

	a.advance(orders.DefaultStuckAfter + time.Minute)
	list, err = a.ProblemItems(ctx, op, orders.ProblemStuck, 0)
	if err != nil || len(list) != 2 || !list[0].Stuck || !strings.Contains(list[0].Reason, "queued, unchanged for 11m") ||
		!strings.Contains(list[0].Reason, "the queue has no task") {
		t.Fatalf("stuck items: %+v, %v", list, err)
	}
	if it, err := a.RetryItem(ctx, op, stuck.ID); err != nil || it.Status != orders.StatusQueued || !it.UpdatedAt.After(stuck.UpdatedAt) {
		t.Fatalf("retrying a stuck item: %+v, %v", it, err)
	}

	for _, tc := range []struct {
		scenario string
		status   orders.Status
		want     string // error code, "" for ok
	}{
		{"queued", orders.StatusQueued, ""},
		{"cancelled again", orders.StatusCancelled, ""},
		{"ready", orders.StatusReady, oshigoods.ECONFLICT},
	} {
		t.Run("cancel "+tc.scenario, func(t *testing.T) {
			o := a.order(t, "miyu@example.com", 1)
			id := o.Items[0].ID
			if tc.status == orders.StatusReady {
				if err := a.RenderItem(ctx, id); err != nil {
					t.Fatal(err)
				}
			}
			if tc.status == orders.StatusCancelled {
				if _, err := a.CancelItem(ctx, op, id); err != nil {
					t.Fatal(err)
				}
			}
			it, err := a.CancelItem(ctx, op, id)
			if oshigoods.ErrorCode(err) != tc.want || (tc.want == "" && it.Status != orders.StatusCancelled) {
				t.Fatalf("CancelItem: %+v, %v; want %q", it, err, tc.want)
			}
			if got, _ := a.Store.Order(ctx, o.ID); tc.want == "" && got.Status != orders.StatusCancelled {
				t.Fatalf("the order of its only item: %s; want cancelled", got.Status)
			}
		})
	}
	if _, err := a.RetryItem(ctx, op, "itm_nothere"); oshigoods.ErrorCode(err) != oshigoods.ENOTFOUND {
		t.Fatalf("retrying no item: %v", err)
	}
}

// TestOperatorSearch: a search by e-mail finds only that customer's
// orders, whatever the case, a page at a time; the audit log records the
// search without the e-mail.
func TestOperatorSearch(t *testing.T) {
	a := newAdminService(t)
	ctx := t.Context()
	op := &orders.Operator{ID: "opk_test", Name: "test"}
	var hanako []string
	for range 3 {
		hanako = append(hanako, a.order(t, "hanako@example.com", 1).ID)
		a.order(t, "miyu@example.com", 1)
		a.advance(time.Second)
	}
	var got []string
	req := orders.OrderSearch{Email: "Hanako@Example.com", Limit: 2}
	for page := 0; page < 3; page++ {
		p, err := a.SearchOrders(ctx, op, req)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range p.Orders {
			if o.Customer.Email != "hanako@example.com" {
				t.Fatalf("found %s's order %s", o.Customer.Email, o.ID)
			}
			got = append(got, o.ID)
		}
		if p.Next == "" {
			break
		}
		req.Cursor = p.Next
	}
	if len(got) != 3 || got[0] != hanako[2] || got[2] != hanako[0] {
		t.Fatalf("found %v; want %v newest first", got, hanako)
	}
	for _, tc := range []struct {
		scenario string
		req      orders.OrderSearch
		field    string
	}{
		{"an unknown status", orders.OrderSearch{Status: "lost"}, "status"},
		{"a limit too large", orders.OrderSearch{Limit: 201}, "limit"},
		{"a cursor not from a search", orders.OrderSearch{Cursor: "not-a-cursor"}, "cursor"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			if _, err := a.SearchOrders(ctx, op, tc.req); oshigoods.ErrorField(err) != tc.field {
				t.Fatalf("SearchOrders: %v; want an error naming %s", err, tc.field)
			}
		})
	}
	entries, _ := a.AuditLog(ctx, time.Time{}, 0)
	searched := false
	for _, e := range entries {
		if strings.Contains(strings.ToLower(e.Subject+e.Detail), "hanako") {
			t.Fatalf("audit entry %+v holds the e-mail", e)
		}
		searched = searched || (e.Action == "order.search" && e.Actor == "operator:opk_test" && strings.Contains(e.Detail, "by=email"))
	}
	if !searched {
		t.Fatalf("no search in the audit log: %+v", entries)
	}
}
