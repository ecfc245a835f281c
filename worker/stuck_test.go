package worker_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"oshigoods/orders"
	"oshigoods/orders/sqlstore"
	"oshigoods/worker"
)

// TestPoisonItemFails: an item whose render kills its worker every time
// (a photo whose decode runs the process out of memory, here a worker
// process the test kills with SIGKILL when its render starts) is not left
// rendering for good: the reconciler sees each dead render, hands the item
// over again under a fresh task, and after the last attempt fails it with
// the public reason.
func TestPoisonItemFails(t *testing.T) {
	e := newEnv(t)
	const attempts = 3
	e.svc.Renders = orders.Renders{Lease: 300 * time.Millisecond, MaxAttempts: attempts}
	logs := captureLog(e)
	ctx, cancel := context.WithCancel(context.Background())
	item := e.order(t)
	q := worker.NewQueue(e.redis)
	defer q.Close()
	rec := &worker.Reconciler{Service: e.svc, Queue: q, Logger: e.svc.Logger, Interval: 100 * time.Millisecond, StaleAfter: 100 * time.Millisecond}
	stopped := make(chan struct{})
	go func() { rec.Run(ctx); close(stopped) }()
	defer func() { cancel(); <-stopped }()

	deadline := time.Now().Add(45 * time.Second)
	deaths := 0
	var got *orders.Item
	for {
		var err error
		if got, err = e.store.Item(ctx, item.ID); err != nil {
			t.Fatal(err)
		}
		if got.Status == orders.StatusFailed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("item still %s after %d worker deaths; want failed", got.Status, deaths)
		}
		w := startWorkerProcess(t, e)
	wait:
		for {
			select {
			case <-w.hung:
				w.kill()
				deaths++
				break wait
			case <-w.exited:
				t.Fatalf("worker process exited by itself:\n%s", w.log())
			case <-time.After(50 * time.Millisecond):
				if now, _ := e.store.Item(ctx, item.ID); now.Status == orders.StatusFailed || time.Now().After(deadline) {
					w.kill()
					break wait
				}
			}
		}
	}
	if got.Error != orders.ReasonRenderFailed || got.Attempts != attempts || deaths != attempts {
		t.Fatalf("item failed with %q after %d attempts and %d worker deaths; want %q after %d",
			got.Error, got.Attempts, deaths, orders.ReasonRenderFailed, attempts)
	}
	for _, want := range []string{`msg="re-queued item"`, `msg="item failed after 3 attempts"`, `cause="its render's lease ran out`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the log lacks %s:\n%s", want, logs)
		}
	}
}

// pendingRenders returns the item ids of the pending render tasks.
func pendingRenders(t *testing.T, insp *asynq.Inspector) []string {
	t.Helper()
	tasks, err := insp.ListPendingTasks(worker.QueueRender, asynq.PageSize(1000))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, task := range tasks {
		var p struct {
			ItemID string `json:"item_id"`
		}
		if err := json.Unmarshal(task.Payload, &p); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ItemID)
	}
	return ids
}

// TestArchivedTaskIsNotADuplicate: a render task asynq archived (its
// retries used up) is no duplicate of a new one. EnqueueRender replaces
// it, and the reconciler hands an item whose task is archived over again.
func TestArchivedTaskIsNotADuplicate(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		status   orders.Status // the item's status when its task is archived
		handOver func(t *testing.T, e *env, q *worker.Queue, item *orders.Item)
	}{
		{"EnqueueRender replaces an archived task", orders.StatusQueued, func(t *testing.T, e *env, q *worker.Queue, item *orders.Item) {
			if err := q.EnqueueRender(context.Background(), item); err != nil {
				t.Fatal(err)
			}
		}},
		{"the reconciler re-queues an item whose task is archived", orders.StatusQueued, reconcileOnce},
		{"the reconciler re-queues a rendering item whose task is archived", orders.StatusRendering, reconcileOnce},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			item := e.order(t)
			insp := asynq.NewInspector(e.redis)
			defer insp.Close()
			if err := insp.ArchiveTask(worker.QueueRender, item.ID); err != nil {
				t.Fatal(err)
			}
			if tc.status == orders.StatusRendering {
				if _, err := e.store.TransitionItem(ctx, item.ID, []orders.Status{orders.StatusQueued}, orders.StatusRendering, ""); err != nil {
					t.Fatal(err)
				}
			}
			q := worker.NewQueue(e.redis)
			defer q.Close()
			tc.handOver(t, e, q, item)
			if got := pendingRenders(t, insp); !slices.Equal(got, []string{item.ID}) {
				t.Fatalf("pending render tasks for %q, want one for %s", got, item.ID)
			}
		})
	}
}

// reconcileOnce runs one reconciler pass with its clock an hour ahead, so
// every item is stale.
func reconcileOnce(t *testing.T, e *env, q *worker.Queue, _ *orders.Item) {
	t.Helper()
	later := func() time.Time { return time.Now().Add(time.Hour) }
	rec := &worker.Reconciler{Service: e.svc, Queue: q, Logger: e.svc.Logger, StaleAfter: time.Millisecond, Now: later}
	if _, err := rec.Pass(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// logBuffer is a log written from many goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// captureLog points the log of e's service at a buffer, debug lines
// included, and returns it.
func captureLog(e *env) *logBuffer {
	l := &logBuffer{}
	e.svc.Logger = slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return l
}

// TestBacklogAfterFlush: after Redis loses a backlog (FLUSHDB), the
// reconcilers of two worker processes hand it over in back-to-back passes
// and share it: every item once, none twice. So the workers render the
// backlog at their own speed, not at the reconciler's pace of one batch an
// interval. The test logs both rates; it asserts counts only.
func TestBacklogAfterFlush(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const orderCount, perOrder, batch = 6, 20, 25
	up, err := e.svc.Upload(ctx, jpegBytes(t, 800, 600))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for range orderCount {
		var items []orders.NewItem
		for range perOrder {
			items = append(items, orders.NewItem{Template: "photo-2shot-l", Fields: map[string]string{"photo": up.ID, "name": "ゆい"}})
		}
		o, _, _, err := e.svc.CreateOrder(ctx, orders.NewOrder{TermsAccepted: true, ShippingAddress: testAddress(),
			Customer: orders.Customer{Name: "Fan", Email: "fan@example.com"}, Items: items}, orders.Idempotency{})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range o.Items {
			want[it.ID] = true
		}
	}
	rc := redis.NewClient(e.redis.MakeRedisClient().(*redis.Client).Options())
	defer rc.Close()
	if err := rc.FlushDB(ctx).Err(); err != nil {
		t.Fatal(err)
	}

	// The workers: renders that take 10 ms, four at a time.
	const concurrency, renderTime = 4, 10 * time.Millisecond
	var mu sync.Mutex
	runs := map[string]int{}
	srv := asynq.NewServer(e.redis, asynq.Config{Concurrency: concurrency, Queues: map[string]int{worker.QueueRender: 1},
		TaskCheckInterval: 50 * time.Millisecond, LogLevel: asynq.FatalLevel})
	mux := asynq.NewServeMux()
	mux.HandleFunc("render:", func(ctx context.Context, task *asynq.Task) error {
		var p struct {
			ItemID string `json:"item_id"`
		}
		json.Unmarshal(task.Payload(), &p)
		time.Sleep(renderTime)
		mu.Lock()
		runs[p.ItemID]++
		mu.Unlock()
		return nil
	})
	if err := srv.Start(mux); err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()

	// Two worker processes' reconcilers, each with its own connections,
	// their clock an hour ahead so that every item is stale; an interval
	// of an hour, so that only passes that follow a full one run.
	logs := captureLog(e)
	later := func() time.Time { return time.Now().Add(time.Hour) }
	runCtx, cancel := context.WithCancel(ctx)
	var running sync.WaitGroup
	defer func() { cancel(); running.Wait() }()
	start := time.Now()
	var handedOver atomic.Int64 // nanoseconds from start to the last pass's end
	for range 2 {
		store, err := sqlstore.Open(ctx, e.dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		svc := *e.svc
		svc.Store = store
		q := worker.NewQueue(e.redis)
		defer q.Close()
		rec := &worker.Reconciler{Service: &svc, Queue: q, Logger: svc.Logger, Interval: time.Hour, StaleAfter: time.Minute, Batch: batch, Now: later}
		running.Go(func() {
			rec.Run(runCtx)
		})
		running.Go(func() {
			// Run's first passes end when one takes less than a batch.
			for runCtx.Err() == nil && strings.Count(logs.String(), `msg="re-queued item"`) < len(want) {
				time.Sleep(5 * time.Millisecond)
			}
			handedOver.Store(int64(time.Since(start)))
		})
	}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		mu.Lock()
		done := len(runs)
		mu.Unlock()
		if done >= len(want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d items rendered after a minute", done, len(want))
		}
	}
	drained := time.Since(start)
	time.Sleep(100 * time.Millisecond) // room for a duplicate to show
	mu.Lock()
	defer mu.Unlock()
	for id, n := range runs {
		if !want[id] || n != 1 {
			t.Errorf("item %s rendered %d times; want each of the backlog once", id, n)
		}
	}
	if got := strings.Count(logs.String(), `msg="re-queued item"`); got != len(want) {
		t.Errorf("%d items re-queued, want %d, each once:\n%s", got, len(want), logs)
	}
	capacity := float64(concurrency) / renderTime.Seconds()
	t.Logf("%d items lost with Redis: handed over in %s (%.0f items/s), rendered in %s (%.0f items/s; the workers' capacity is %.0f items/s)",
		len(want), time.Duration(handedOver.Load()).Round(time.Millisecond), float64(len(want))/time.Duration(handedOver.Load()).Seconds(),
		drained.Round(time.Millisecond), float64(len(want))/drained.Seconds(), capacity)
}
