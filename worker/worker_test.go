package worker_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"oshigoods/internal/testenv"
	"oshigoods/orders"
	"oshigoods/orders/sqlstore"
	"oshigoods/s3store"
	"oshigoods/templates"
	"oshigoods/worker"
)

type env struct {
	svc      *orders.Service
	store    orders.Store
	files    *s3store.Store
	renderer *worker.Renderer
	redis    asynq.RedisConnOpt
	// dsn and redisURL name the database and the Redis, for a worker
	// process the test starts (startWorkerProcess).
	dsn, redisURL string
}

// newEnv wires a service and a renderer on the test database, Redis and
// S3 bucket: the real services under scripts/test, otherwise SQLite,
// miniredis and an in-process S3 server (see testenv).
func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	dsn := testenv.Database(t)
	store, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	s3 := testenv.S3Bucket(t)
	files, err := s3store.New(ctx, s3store.Config{Endpoint: s3.Endpoint, Bucket: s3.Bucket, AccessKey: s3.AccessKey, SecretKey: s3.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	catalog, err := templates.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	redisURL := testenv.RedisURL(t)
	redisOpt, err := asynq.ParseRedisURI(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	q := worker.NewQueue(redisOpt)
	t.Cleanup(func() { q.Close() })
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := &orders.Service{Store: store, Queue: q, Files: files, Catalog: catalog, Logger: logger, Secret: []byte("s")}
	return &env{
		svc:      svc,
		store:    store,
		files:    files,
		renderer: &worker.Renderer{Service: svc, Logger: logger},
		redis:    redisOpt,
		dsn:      dsn,
		redisURL: redisURL,
	}
}

func jpegBytes(t *testing.T, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 128, 255})
		}
	}
	var b bytes.Buffer
	jpeg.Encode(&b, img, nil)
	return b.Bytes()
}

// order places a photo order and returns its item.
func (e *env) order(t *testing.T) *orders.Item {
	t.Helper()
	item, _ := e.orderWithToken(t)
	return item
}

// orderWithToken places a photo order and returns its item and the order
// token the fan reads it with.
func (e *env) orderWithToken(t *testing.T) (*orders.Item, string) {
	t.Helper()
	ctx := context.Background()
	up, err := e.svc.Upload(ctx, jpegBytes(t, 800, 600))
	if err != nil {
		t.Fatal(err)
	}
	o, token, _, err := e.svc.CreateOrder(ctx, orders.NewOrder{TermsAccepted: true, ShippingAddress: testAddress(),
		Customer: orders.Customer{Name: "Fan", Email: "fan@example.com"},
		Items:    []orders.NewItem{{Template: "photo-2shot-l", Fields: map[string]string{"photo": up.ID, "name": "ゆい"}}},
	}, orders.Idempotency{})
	if err != nil {
		t.Fatal(err)
	}
	return o.Items[0], token
}

func TestTaskDeliveredTwice(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	item := e.order(t)
	task, err := worker.NewRenderTask(item)
	if err != nil {
		t.Fatal(err)
	}
	var runs [][]orders.File
	var bodies [][]byte
	for i := 0; i < 2; i++ {
		// The second run goes through a fresh "rendering" item, as when a
		// worker died after storing files but before asynq saw it finish.
		if i == 1 {
			if _, err := e.store.TransitionItem(ctx, item.ID, []orders.Status{orders.StatusReady}, orders.StatusRendering, ""); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.renderer.ProcessTask(ctx, task); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		got, err := e.store.Item(ctx, item.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != orders.StatusReady {
			t.Fatalf("run %d: status %s", i, got.Status)
		}
		runs = append(runs, got.Files)
		data, err := e.files.Get(ctx, got.Files[0].Key)
		if err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, data)
	}
	if len(runs[0]) == 0 || len(runs[0]) != len(runs[1]) {
		t.Fatalf("file records: %d then %d", len(runs[0]), len(runs[1]))
	}
	for i := range runs[0] {
		if runs[0][i] != runs[1][i] {
			t.Fatalf("file %d differs between runs: %+v vs %+v", i, runs[0][i], runs[1][i])
		}
	}
	if !bytes.Equal(bodies[0], bodies[1]) {
		t.Fatal("the same task stored different bytes")
	}
	// A third delivery of a ready item changes nothing.
	if err := e.renderer.ProcessTask(ctx, task); err != nil {
		t.Fatal(err)
	}
}

func TestProcessTaskFailures(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()

	t.Run("bad payload is not retried", func(t *testing.T) {
		err := e.renderer.ProcessTask(ctx, asynq.NewTask(worker.TypeRenderPhoto, []byte("{not json")))
		if !errors.Is(err, asynq.SkipRetry) {
			t.Fatalf("got %v, want SkipRetry", err)
		}
	})
	t.Run("unknown item is not retried", func(t *testing.T) {
		err := e.renderer.ProcessTask(ctx, asynq.NewTask(worker.TypeRenderPhoto, []byte(`{"item_id":"itm_nothere"}`)))
		if !errors.Is(err, asynq.SkipRetry) {
			t.Fatalf("got %v, want SkipRetry", err)
		}
	})
	t.Run("undecodable upload fails the item with a reason", func(t *testing.T) {
		item := e.order(t)
		up, err := e.store.Upload(ctx, item.Fields["photo"])
		if err != nil {
			t.Fatal(err)
		}
		// The stored object is damaged after it was accepted.
		if err := e.files.Put(ctx, up.Key, []byte("garbage"), "image/jpeg"); err != nil {
			t.Fatal(err)
		}
		task, _ := worker.NewRenderTask(item)
		if err := e.renderer.ProcessTask(ctx, task); !errors.Is(err, asynq.SkipRetry) {
			t.Fatalf("got %v, want SkipRetry", err)
		}
		got, _ := e.store.Item(ctx, item.ID)
		if got.Status != orders.StatusFailed || got.Error == "" {
			t.Fatalf("item %s with error %q, want failed with a reason", got.Status, got.Error)
		}
	})
}

func TestReconcilerReenqueuesLostItems(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	item := e.order(t)
	insp := asynq.NewInspector(e.redis)
	defer insp.Close()
	if _, err := insp.GetTaskInfo(worker.QueueRender, item.ID); err != nil {
		t.Fatalf("task not enqueued at order time: %v", err)
	}
	// Redis loses everything; a worker starting afterwards reconciles.
	rc := redis.NewClient(e.redis.MakeRedisClient().(*redis.Client).Options())
	defer rc.Close()
	if err := rc.FlushDB(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := insp.GetTaskInfo(worker.QueueRender, item.ID); err == nil {
		t.Fatal("task still there after FLUSHDB")
	}
	q := worker.NewQueue(e.redis)
	defer q.Close()
	// The reconciler's clock runs an hour ahead, so every item is stale.
	later := func() time.Time { return time.Now().Add(time.Hour) }
	rec := &worker.Reconciler{Service: e.svc, Queue: q, Logger: e.svc.Logger, StaleAfter: time.Millisecond, Now: later}
	res, err := rec.Pass(ctx)
	if err != nil || res != (orders.Reconciled{Claimed: 1, Requeued: 1}) {
		t.Fatalf("pass: %+v, %v; want 1 item re-queued", res, err)
	}
	fresh, err := e.store.Item(ctx, item.ID)
	if err != nil {
		t.Fatal(err)
	}
	info, err := insp.GetTaskInfo(worker.QueueRender, worker.RenderTaskID(fresh))
	if err != nil || info.Type != worker.TypeRenderPhoto || info.State != asynq.TaskStatePending || fresh.TaskSeq != 1 {
		t.Fatalf("task after reconcile: %+v, %v (item's task %d)", info, err, fresh.TaskSeq)
	}
	// A second pass finds the task still pending: a no-op for the queue.
	if res, err := rec.Pass(ctx); err != nil || res != (orders.Reconciled{Claimed: 1, AlreadyQueued: 1}) {
		t.Fatalf("second pass: %+v, %v; want the item already queued", res, err)
	}
	if tasks, _ := insp.ListPendingTasks(worker.QueueRender); len(tasks) != 1 {
		t.Fatalf("%d pending tasks, want 1", len(tasks))
	}
}
