package worker_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"oshigoods/orders"
	"oshigoods/worker"
)

// brokenWrites is the real file store with writes that fail, as during an
// S3 outage. Reads still work, so the render itself succeeds. Put runs in
// the asynq server's goroutines while the test reads puts: it is atomic.
type brokenWrites struct {
	orders.FileStore
	puts atomic.Int32
}

func (b *brokenWrites) Put(ctx context.Context, key string, data []byte, contentType string) error {
	b.puts.Add(1)
	return errors.New("s3 unavailable")
}

// TestTransientErrorsRetryThenFail runs a real asynq server: a transient
// error is retried with backoff, and after the last retry the item fails
// with a public reason.
func TestTransientErrorsRetryThenFail(t *testing.T) {
	e := newEnv(t)
	item := e.order(t) // enqueued with the production options
	insp := asynq.NewInspector(e.redis)
	defer insp.Close()
	// Re-enqueue it with fewer retries, so the test ends quickly.
	if err := insp.DeleteTask(worker.QueueRender, item.ID); err != nil {
		t.Fatal(err)
	}
	task, _ := worker.NewRenderTask(item)
	client := asynq.NewClient(e.redis)
	defer client.Close()
	if _, err := client.Enqueue(task, asynq.MaxRetry(2)); err != nil {
		t.Fatal(err)
	}

	broken := &brokenWrites{FileStore: e.files}
	svc := *e.svc
	svc.Files = broken
	h := &worker.Renderer{Service: &svc, Logger: e.renderer.Logger}
	srv := asynq.NewServer(e.redis, asynq.Config{
		Concurrency:    1,
		Queues:         map[string]int{worker.QueueRender: 1},
		RetryDelayFunc: func(int, error, *asynq.Task) time.Duration { return 50 * time.Millisecond },
		// Move due retries back to pending this often, not every 5 s.
		DelayedTaskCheckInterval: 100 * time.Millisecond,
		LogLevel:                 asynq.FatalLevel,
	})
	mux := asynq.NewServeMux()
	mux.Handle("render:", h)
	if err := srv.Start(mux); err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()

	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		got, err := e.store.Item(context.Background(), item.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status == orders.StatusFailed {
			if got.Error == "" {
				t.Fatal("failed without a reason")
			}
			// 1 try + 2 retries, each stopping at the first Put.
			if n := broken.puts.Load(); n != 3 {
				t.Fatalf("%d attempts, want 3", n)
			}
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("item did not fail after its retries (attempts so far: %d)", broken.puts.Load())
}
