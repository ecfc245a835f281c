package worker_test

import (
	"testing"

	"github.com/hibiken/asynq"

	"oshigoods/internal/testenv"
	"oshigoods/orders"
	"oshigoods/render"
	"oshigoods/worker"
)

// TestInspector: an item's render task is read with its state and
// retries; a live task is left by ClearRenderTask, an archived one (given
// up after its last retry) is deleted, so that the item's id can be
// enqueued again; no task is not an error.
func TestInspector(t *testing.T) {
	ctx := t.Context()
	opt, err := asynq.ParseRedisURI(testenv.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	q, in, raw := worker.NewQueue(opt), worker.NewInspector(opt), asynq.NewInspector(opt)
	t.Cleanup(func() { q.Close(); in.Close(); raw.Close() })
	item := &orders.Item{ID: "itm_inspect", Kind: render.KindCard}

	if _, found, err := in.RenderTask(ctx, item.ID); found || err != nil {
		t.Fatalf("RenderTask before any: found %v, %v", found, err)
	}
	if err := in.ClearRenderTask(ctx, item.ID); err != nil {
		t.Fatalf("ClearRenderTask of none: %v", err)
	}
	if err := q.EnqueueRender(ctx, item); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		scenario string
		archive  bool
		want     string
		found    bool // after ClearRenderTask
	}{
		{"a pending task is left", false, "pending", true},
		{"an archived task is cleared", true, "archived", false},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			if tc.archive {
				if err := raw.ArchiveTask(worker.QueueRender, item.ID); err != nil {
					t.Fatal(err)
				}
			}
			task, found, err := in.RenderTask(ctx, item.ID)
			if err != nil || !found || task.State != tc.want || task.MaxRetry != worker.MaxRetry {
				t.Fatalf("RenderTask: %+v found %v, %v; want %s", task, found, err, tc.want)
			}
			if err := in.ClearRenderTask(ctx, item.ID); err != nil {
				t.Fatal(err)
			}
			if _, found, _ := in.RenderTask(ctx, item.ID); found != tc.found {
				t.Fatalf("after ClearRenderTask: found %v, want %v", found, tc.found)
			}
		})
	}
	if err := q.EnqueueRender(ctx, item); err != nil {
		t.Fatal(err)
	}
	if task, found, _ := in.RenderTask(ctx, item.ID); !found || task.State != "pending" {
		t.Fatalf("enqueued again after clearing: %+v found %v; want pending", task, found)
	}
}
