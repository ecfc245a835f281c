package orders_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"oshigoods"
	"oshigoods/orders"
	"oshigoods/orders/sqlstore"
	"oshigoods/render"
)

// stateQueue is a render queue whose tasks stand as the test says, by
// task ("<item>/<seq>"; absent: missing), and that records what is
// enqueued.
type stateQueue struct {
	mu       sync.Mutex
	states   map[string]orders.TaskState
	enqueued []string
}

func taskKey(it *orders.Item) string { return fmt.Sprintf("%s/%d", it.ID, it.TaskSeq) }

func (q *stateQueue) EnqueueRender(_ context.Context, it *orders.Item) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.enqueued = append(q.enqueued, taskKey(it))
	return nil
}

func (q *stateQueue) RenderTask(_ context.Context, it *orders.Item) (orders.TaskState, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if st, ok := q.states[taskKey(it)]; ok {
		return st, nil
	}
	return orders.TaskMissing, nil
}

func (q *stateQueue) Ping(context.Context) error { return nil }

// TestRequeueStale: what a reconciler pass does with each kind of item it
// may find, and what it logs.
func TestRequeueStale(t *testing.T) {
	now := time.Now().Add(time.Hour) // the pass runs an hour after the order
	for _, tc := range []struct {
		scenario string
		// setup brings the ordered (queued) item to its state and says
		// where its task stands.
		setup      func(t *testing.T, store *sqlstore.Store, item *orders.Item, states map[string]orders.TaskState)
		want       orders.Reconciled
		status     orders.Status
		taskSeq    int
		enqueued   []string // task keys, with the item's id as "itm"
		logs       []string
		maxAttempt int
	}{
		{"queued with a live task: already queued", func(t *testing.T, _ *sqlstore.Store, it *orders.Item, states map[string]orders.TaskState) {
			states[taskKey(it)] = orders.TaskLive
		}, orders.Reconciled{Claimed: 1, AlreadyQueued: 1}, orders.StatusQueued, 0, nil, []string{`msg="item already queued"`}, 0},
		{"received with a live task: marked queued", func(t *testing.T, store *sqlstore.Store, it *orders.Item, states map[string]orders.TaskState) {
			states[taskKey(it)] = orders.TaskLive
			mustTransition(t, store, it.ID, orders.StatusQueued, orders.StatusReceived)
		}, orders.Reconciled{Claimed: 1, AlreadyQueued: 1}, orders.StatusQueued, 0, nil, nil, 0},
		{"queued, its task missing (Redis lost it): re-queued under a fresh task", func(*testing.T, *sqlstore.Store, *orders.Item, map[string]orders.TaskState) {},
			orders.Reconciled{Claimed: 1, Requeued: 1}, orders.StatusQueued, 1, []string{"itm/1"},
			[]string{`msg="re-queued item"`, `cause="its task is missing from the queue"`}, 0},
		{"queued, its task archived: re-queued under a fresh task", func(t *testing.T, _ *sqlstore.Store, it *orders.Item, states map[string]orders.TaskState) {
			states[taskKey(it)] = orders.TaskDone
		}, orders.Reconciled{Claimed: 1, Requeued: 1}, orders.StatusQueued, 1, []string{"itm/1"},
			[]string{`msg="re-queued item"`, `cause="its task was archived or completed without rendering it"`}, 0},
		{"rendering, its render's lease run out (the worker died): re-queued without asking the queue", func(t *testing.T, store *sqlstore.Store, it *orders.Item, states map[string]orders.TaskState) {
			states[taskKey(it)] = orders.TaskLive // running, as far as the queue knows
			mustBegin(t, store, it.ID, now.Add(-10*time.Minute))
		}, orders.Reconciled{Claimed: 1, Requeued: 1}, orders.StatusQueued, 1, []string{"itm/1"},
			[]string{`msg="re-queued item"`, `attempts=1`, `was=rendering`, `cause="its render's lease ran out`}, 0},
		{"rendering, its lease run out on the last attempt: failed with the public reason", func(t *testing.T, store *sqlstore.Store, it *orders.Item, _ map[string]orders.TaskState) {
			mustBegin(t, store, it.ID, now.Add(-20*time.Minute))
			mustBegin(t, store, it.ID, now.Add(-10*time.Minute))
		}, orders.Reconciled{Claimed: 1, Failed: 1}, orders.StatusFailed, 0, nil,
			[]string{`msg="item failed after 2 attempts"`, `cause="its render's lease ran out`}, 2},
		{"queued, its task archived after the last attempt: failed", func(t *testing.T, store *sqlstore.Store, it *orders.Item, states map[string]orders.TaskState) {
			states[taskKey(it)] = orders.TaskDone
			begun := mustBegin(t, store, it.ID, now.Add(-10*time.Minute))
			if _, err := store.DelayItem(t.Context(), it.ID, begun.Attempts, orders.DelayUnavailable); err != nil {
				t.Fatal(err)
			}
		}, orders.Reconciled{Claimed: 1, Failed: 1}, orders.StatusFailed, 0, nil, []string{`msg="item failed after 1 attempts"`}, 1},
		{"rendering under a live lease: not taken", func(t *testing.T, store *sqlstore.Store, it *orders.Item, _ map[string]orders.TaskState) {
			mustBegin(t, store, it.ID, now)
		}, orders.Reconciled{}, orders.StatusRendering, 0, nil, nil, 0},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			q := &stateQueue{states: map[string]orders.TaskState{}}
			svc, store, _ := warnService(t, q, nil)
			var logs bytes.Buffer
			svc.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			svc.Renders.MaxAttempts = tc.maxAttempt
			item := orderCard(t, svc, "warn-card")
			q.enqueued = nil
			tc.setup(t, store, item, q.states)
			res, err := svc.RequeueStale(t.Context(), q, now, time.Minute, 10)
			if err != nil || res != tc.want {
				t.Fatalf("RequeueStale = %+v, %v; want %+v", res, err, tc.want)
			}
			got := mustGet(t, store, item.ID)
			if got.Status != tc.status || got.TaskSeq != tc.taskSeq {
				t.Errorf("item %s under task %d; want %s under %d", got.Status, got.TaskSeq, tc.status, tc.taskSeq)
			}
			if tc.status == orders.StatusFailed && got.Error != orders.ReasonRenderFailed {
				t.Errorf("failed with %q, want %q", got.Error, orders.ReasonRenderFailed)
			}
			var want []string
			for _, k := range tc.enqueued {
				want = append(want, strings.Replace(k, "itm", item.ID, 1))
			}
			if strings.Join(q.enqueued, ",") != strings.Join(want, ",") {
				t.Errorf("enqueued %q, want %q", q.enqueued, want)
			}
			for _, line := range tc.logs {
				if !strings.Contains(logs.String(), line) {
					t.Errorf("the log lacks %s:\n%s", line, logs.String())
				}
			}
		})
	}
}

// TestRenderItemAttempts: a render begins by counting an attempt and
// leasing its item; what becomes of items other renders hold, items out
// of attempts, failures that pass, and renders that run long or lose
// their lease.
func TestRenderItemAttempts(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		run      func(t *testing.T, svc *orders.Service, store *sqlstore.Store, files *brokenFiles, slow *slowRenderer)
	}{
		{"a render counts an attempt and completes", func(t *testing.T, svc *orders.Service, store *sqlstore.Store, _ *brokenFiles, _ *slowRenderer) {
			it := orderCard(t, svc, "warn-card")
			if err := svc.RenderItem(t.Context(), it.ID); err != nil {
				t.Fatal(err)
			}
			if got := mustGet(t, store, it.ID); got.Status != orders.StatusReady || got.Attempts != 1 {
				t.Fatalf("item %s after %d attempts; want ready after 1", got.Status, got.Attempts)
			}
		}},
		{"an item another render holds is left to it", func(t *testing.T, svc *orders.Service, store *sqlstore.Store, _ *brokenFiles, _ *slowRenderer) {
			it := orderCard(t, svc, "warn-card")
			mustBegin(t, store, it.ID, time.Now())
			if err := svc.RenderItem(t.Context(), it.ID); err != nil {
				t.Fatal(err)
			}
			if got := mustGet(t, store, it.ID); got.Status != orders.StatusRendering || got.Attempts != 1 || len(got.Files) != 0 {
				t.Fatalf("item %s after %d attempts with %d files; want left rendering under the first", got.Status, got.Attempts, len(got.Files))
			}
		}},
		{"an item whose renders used up their attempts fails with the public reason", func(t *testing.T, svc *orders.Service, store *sqlstore.Store, _ *brokenFiles, _ *slowRenderer) {
			svc.Renders.MaxAttempts = 2
			it := orderCard(t, svc, "warn-card")
			mustBegin(t, store, it.ID, time.Now().Add(-time.Hour))
			mustBegin(t, store, it.ID, time.Now().Add(-time.Hour+time.Minute))
			if err := svc.RenderItem(t.Context(), it.ID); err != nil {
				t.Fatal(err)
			}
			if got := mustGet(t, store, it.ID); got.Status != orders.StatusFailed || got.Error != orders.ReasonRenderFailed || got.Attempts != 2 {
				t.Fatalf("item %s with %q after %d attempts; want failed with the public reason after 2", got.Status, got.Error, got.Attempts)
			}
		}},
		{"a failure that passes leaves the item queued and delayed; the next render clears it", func(t *testing.T, svc *orders.Service, store *sqlstore.Store, files *brokenFiles, _ *slowRenderer) {
			it := orderCard(t, svc, "warn-card")
			files.broken.Store(true)
			err := svc.RenderItem(t.Context(), it.ID)
			if oshigoods.ErrorCode(err) != oshigoods.EUNAVAILABLE || orders.Permanent(err) {
				t.Fatalf("RenderItem with the file store down: %v; want EUNAVAILABLE", err)
			}
			got := mustGet(t, store, it.ID)
			if got.Status != orders.StatusQueued || !got.Delayed() || got.DelayReason != orders.DelayUnavailable {
				t.Fatalf("item %s, delayed %v (%q); want queued, delayed: %q", got.Status, got.Delayed(), got.DelayReason, orders.DelayUnavailable)
			}
			if o := mustGetOrder(t, store, it.OrderID); o.Status != orders.StatusQueued {
				t.Fatalf("order %s; want queued", o.Status)
			} else if reason, delayed := o.Delay(); !delayed || reason != orders.DelayUnavailable {
				t.Fatalf("order delay %q, %v", reason, delayed)
			}
			files.broken.Store(false)
			if err := svc.RenderItem(t.Context(), it.ID); err != nil {
				t.Fatal(err)
			}
			if got := mustGet(t, store, it.ID); got.Status != orders.StatusReady || got.Delayed() || got.DelayReason != "" || got.Attempts != 2 {
				t.Fatalf("item %s, delay %q after %d attempts; want ready, no delay, after 2", got.Status, got.DelayReason, got.Attempts)
			}
		}},
		{"a long render renews its lease: no reconciler pass takes the item", func(t *testing.T, svc *orders.Service, store *sqlstore.Store, _ *brokenFiles, slow *slowRenderer) {
			svc.Renders.Lease = 150 * time.Millisecond
			it := orderCard(t, svc, "slow-card")
			done := make(chan error, 1)
			go func() { done <- svc.RenderItem(context.Background(), it.ID) }()
			<-slow.started
			for range 8 { // four leases long
				time.Sleep(svc.Renders.Lease / 2)
				now := time.Now()
				if items, err := store.ClaimStaleItems(t.Context(), now, now, 10); err != nil || len(items) != 0 {
					t.Errorf("a pass during the render took %d items, %v; want none", len(items), err)
				}
			}
			close(slow.release)
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if got := mustGet(t, store, it.ID); got.Status != orders.StatusReady || got.Attempts != 1 {
				t.Fatalf("item %s after %d attempts; want ready after 1", got.Status, got.Attempts)
			}
		}},
		{"a render whose item was handed over again stops", func(t *testing.T, svc *orders.Service, store *sqlstore.Store, _ *brokenFiles, slow *slowRenderer) {
			svc.Renders.Lease = 150 * time.Millisecond
			it := orderCard(t, svc, "slow-card")
			done := make(chan error, 1)
			go func() { done <- svc.RenderItem(context.Background(), it.ID) }()
			<-slow.started
			if _, _, err := store.RequeueItem(t.Context(), it.ID); err != nil { // as the reconciler does
				t.Fatal(err)
			}
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("RenderItem = %v; want it cancelled", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the render went on after its item was handed over")
			}
			if got := mustGet(t, store, it.ID); got.Status != orders.StatusQueued || got.TaskSeq != 1 || got.Delayed() {
				t.Fatalf("item %s under task %d, delay %q; want queued for the fresh task, not delayed", got.Status, got.TaskSeq, got.DelayReason)
			}
		}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			slow := &slowRenderer{started: make(chan struct{}, 1), release: make(chan struct{})}
			svc, store, mem := warnService(t, acceptQueue{}, map[string]render.Renderer{"slow-card": slow})
			files := &brokenFiles{FileStore: mem}
			svc.Files = files
			tc.run(t, svc, store, files, slow)
		})
	}
}

// brokenFiles is a file store whose writes fail while broken, as during
// an S3 outage.
type brokenFiles struct {
	orders.FileStore
	broken atomic.Bool
}

func (b *brokenFiles) Put(ctx context.Context, key string, data []byte, contentType string) error {
	if b.broken.Load() {
		return oshigoods.Unavailable(errors.New("s3: connection refused"))
	}
	return b.FileStore.Put(ctx, key, data, contentType)
}

// slowRenderer is the warn card rendered once release is closed; it
// signals started when a render begins, and stops when its context ends.
type slowRenderer struct {
	warnRenderer
	started chan struct{}
	release chan struct{}
}

func (r *slowRenderer) Render(ctx context.Context, in render.Inputs) (*render.Result, error) {
	r.started <- struct{}{}
	select {
	case <-r.release:
		return r.warnRenderer.Render(ctx, in)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func mustBegin(t *testing.T, store *sqlstore.Store, id string, now time.Time) *orders.Item {
	t.Helper()
	it, started, err := store.BeginRender(t.Context(), id, now, orders.DefaultRenderLease, orders.DefaultRenderAttempts)
	if err != nil || !started {
		t.Fatalf("BeginRender %s: started %v, %v", id, started, err)
	}
	return it
}

func mustTransition(t *testing.T, store *sqlstore.Store, id string, from, to orders.Status) {
	t.Helper()
	if changed, err := store.TransitionItem(t.Context(), id, []orders.Status{from}, to, ""); err != nil || !changed {
		t.Fatalf("TransitionItem %s %s→%s: %v, %v", id, from, to, changed, err)
	}
}

func mustGet(t *testing.T, store *sqlstore.Store, id string) *orders.Item {
	t.Helper()
	it, err := store.Item(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return it
}

func mustGetOrder(t *testing.T, store *sqlstore.Store, id string) *orders.Order {
	t.Helper()
	o, err := store.Order(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return o
}
