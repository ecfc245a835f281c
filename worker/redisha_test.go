package worker_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"oshigoods/internal/testenv"
	"oshigoods/orders"
	"oshigoods/render"
	"oshigoods/worker"
)

// TestQueueOnRedisHA enqueues render tasks through the Sentinel and Cluster
// URL forms, on real redis-servers the test starts, and has an asynq server
// on the same URL run them; through the Sentinel, a task enqueued after a
// failover reaches the promoted replica and runs on the server that was
// started before it.
func TestQueueOnRedisHA(t *testing.T) {
	cases := []struct {
		scenario string
		start    func(t *testing.T) (url string, failover func())
	}{
		{"sentinel, across a failover", func(t *testing.T) (string, func()) {
			s := testenv.RedisSentinel(t)
			return s.URL(), func() { s.Failover(t) }
		}},
		{"cluster of three masters", func(t *testing.T) (string, func()) {
			return testenv.RedisCluster(t), nil
		}},
	}
	for _, tc := range cases {
		t.Run(tc.scenario, func(t *testing.T) {
			url, failover := tc.start(t)
			opt, err := worker.ParseRedisURL(url)
			if err != nil {
				t.Fatal(err)
			}
			q := worker.NewQueue(opt)
			defer q.Close()
			if err := q.Ping(t.Context()); err != nil {
				t.Fatalf("ping %s: %v", url, err)
			}

			var mu sync.Mutex
			ran := map[string]bool{}
			mux := asynq.NewServeMux()
			mux.HandleFunc(worker.TaskType(render.KindCard), func(ctx context.Context, task *asynq.Task) error {
				id, _ := asynq.GetTaskID(ctx)
				mu.Lock()
				ran[id] = true
				mu.Unlock()
				return nil
			})
			srv := asynq.NewServer(opt, asynq.Config{Concurrency: 2, Queues: map[string]int{worker.QueueRender: 1},
				LogLevel: asynq.FatalLevel})
			if err := srv.Start(mux); err != nil {
				t.Fatal(err)
			}
			defer srv.Shutdown()

			runs := func(id string) {
				t.Helper()
				item := &orders.Item{ID: id, Kind: render.KindCard}
				deadline := time.Now().Add(30 * time.Second)
				// Enqueuing again is a no-op while the task is in
				// Redis, and hands it over anew if a failover lost it.
				for {
					if err := q.EnqueueRender(t.Context(), item); err != nil && time.Now().After(deadline) {
						t.Fatalf("enqueue %s: %v", id, err)
					}
					mu.Lock()
					done := ran[id]
					mu.Unlock()
					if done {
						return
					}
					if time.Now().After(deadline) {
						t.Fatalf("task %s did not run on %s", id, url)
					}
					time.Sleep(100 * time.Millisecond)
				}
			}
			runs("itm_before_" + testenv.Suffix())
			if failover != nil {
				failover()
				runs("itm_after_" + testenv.Suffix())
			}
		})
	}
}
