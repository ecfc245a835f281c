package worker_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"oshigoods/orders"
	"oshigoods/orders/api"
	"oshigoods/worker"
)

// brokenWrites is the real file store with writes that fail, as during an
// S3 outage, until healed. Reads still work, so the render itself
// succeeds. Put runs in the asynq server's goroutines while the test reads
// puts: it is atomic.
type brokenWrites struct {
	orders.FileStore
	puts   atomic.Int32
	healed atomic.Bool
}

func (b *brokenWrites) Put(ctx context.Context, key string, data []byte, contentType string) error {
	b.puts.Add(1)
	if b.healed.Load() {
		return b.FileStore.Put(ctx, key, data, contentType)
	}
	return errors.New("s3 unavailable")
}

// TestDelayedDuringOutage runs a real asynq server while S3 refuses
// writes: the fan's order view says the item is delayed, in plain words,
// instead of a silent "rendering"; once S3 is back the retry renders the
// item and the flag clears.
func TestDelayedDuringOutage(t *testing.T) {
	e := newEnv(t)
	item, token := e.orderWithToken(t)
	broken := &brokenWrites{FileStore: e.files}
	svc := *e.svc
	svc.Files = broken
	srv := asynq.NewServer(e.redis, asynq.Config{
		Concurrency:              1,
		Queues:                   map[string]int{worker.QueueRender: 1},
		RetryDelayFunc:           worker.RenderRetryDelay(200 * time.Millisecond),
		DelayedTaskCheckInterval: 100 * time.Millisecond,
		LogLevel:                 asynq.FatalLevel,
	})
	mux := asynq.NewServeMux()
	mux.Handle("render:", &worker.Renderer{Service: &svc, Logger: e.renderer.Logger})
	if err := srv.Start(mux); err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	web := httptest.NewServer(api.New(e.svc, e.svc.Logger, nil))
	defer web.Close()

	type view struct {
		Status      orders.Status `json:"status"`
		Delayed     bool          `json:"delayed"`
		DelayReason string        `json:"delay_reason"`
	}
	get := func() (o view, it view) {
		t.Helper()
		req, _ := http.NewRequest("GET", web.URL+"/v1/orders/"+item.OrderID, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body struct {
			view
			Items []view `json:"items"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK || len(body.Items) != 1 {
			t.Fatalf("GET the order: %s, %v", resp.Status, err)
		}
		return body.view, body.Items[0]
	}
	waitFor := func(what string, ok func(o, it view) bool) (view, view) {
		t.Helper()
		for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			o, it := get()
			if ok(o, it) {
				return o, it
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: order %+v, item %+v after a minute (%d writes tried)", what, o, it, broken.puts.Load())
			}
		}
	}

	o, it := waitFor("delayed during the outage", func(_, it view) bool { return it.Delayed || it.Status == orders.StatusFailed })
	want := view{Status: orders.StatusQueued, Delayed: true, DelayReason: orders.DelayUnavailable}
	if it.Status == orders.StatusRendering { // the retry began already
		want.Status = orders.StatusRendering
	}
	if it != want || o != want {
		t.Fatalf("during the outage: order %+v, item %+v; want both %+v", o, it, want)
	}
	broken.healed.Store(true)
	o, it = waitFor("ready after the outage", func(_, it view) bool { return it.Status != orders.StatusQueued && it.Status != orders.StatusRendering })
	if want := (view{Status: orders.StatusReady}); it != want || o != want {
		t.Fatalf("after the outage: order %+v, item %+v; want both %+v", o, it, want)
	}
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
			if got.Error != orders.ReasonRenderFailed || got.Delayed() {
				t.Fatalf("failed with %q, delayed %v; want the public reason %q", got.Error, got.Delayed(), orders.ReasonRenderFailed)
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
