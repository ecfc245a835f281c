package orders

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// TaskState is where an item's render task stands in the queue.
type TaskState int

const (
	// TaskLive: the task is pending, scheduled, waiting for a retry or
	// running; it will render the item.
	TaskLive TaskState = iota
	// TaskDone: the task is archived (its retries used up) or completed,
	// although the item is still to be rendered; nothing runs it again.
	TaskDone
	// TaskMissing: the queue has no such task (the broker lost its data,
	// or the enqueue failed).
	TaskMissing
)

func (s TaskState) String() string {
	switch s {
	case TaskLive:
		return "live"
	case TaskDone:
		return "done"
	case TaskMissing:
		return "missing"
	}
	return fmt.Sprintf("TaskState(%d)", int(s))
}

// RenderQueue is the queue as the reconciler sees it: it also tells where
// an item's render task stands.
type RenderQueue interface {
	Queue
	// RenderTask returns the state of the item's render task: the one
	// its TaskSeq names.
	RenderTask(ctx context.Context, item *Item) (TaskState, error)
}

// Reconciled is what one reconciler pass (RequeueStale) did: the items it
// took, and what became of them.
type Reconciled struct {
	// Claimed is how many items the pass took.
	Claimed int
	// Requeued were handed over under a fresh task: their task was
	// missing or done, or their render's lease ran out.
	Requeued int
	// AlreadyQueued had a live task and were left to it.
	AlreadyQueued int
	// Failed had used up Renders.MaxAttempts and were given up on
	// (GiveUpItem).
	Failed int
}

// RequeueStale is one pass of the reconciler, which sees to it that no
// item is stuck. It claims up to batch items (Store.ClaimStaleItems; ≤ 0
// means 100) that no pass took for staleAfter: received or queued ones
// unchanged for staleAfter, and rendering ones whose render's lease ran
// out at now (its worker died). Of a waiting item it asks q where its task
// stands: a live task is left to run ("already queued"); a missing or done
// one — like a render whose lease ran out — is replaced: the item is handed
// over under a fresh task (Store.RequeueItem, then q.EnqueueRender;
// "re-queued"), or, when its renders already started Renders.MaxAttempts
// times, failed with ReasonRenderFailed (GiveUpItem; "item failed after N
// attempts"). A fresh task, rather than the old task deleted, because a
// task whose worker died stays running in the queue until the queue's own
// recovery, which takes minutes; when it runs at last, it finds the item
// settled or leased to the fresh task's render, and does nothing.
//
// Passes running at once (one per worker process) never take the same
// item, so they share a backlog. It stops at the first error, returning
// what it did so far. q is the caller's (a reconciler's own connection)
// rather than s.Queue.
func (s *Service) RequeueStale(ctx context.Context, q RenderQueue, now time.Time, staleAfter time.Duration, batch int) (Reconciled, error) {
	var res Reconciled
	items, err := s.Store.ClaimStaleItems(ctx, now, now.Add(-staleAfter), batch)
	if err != nil {
		return res, fmt.Errorf("claim stale items: %w", err)
	}
	res.Claimed = len(items)
	maxAttempts := s.Renders.WithDefaults().MaxAttempts
	for _, item := range items {
		cause := "its render's lease ran out: the worker died or was cut off"
		if item.Status != StatusRendering {
			state, err := q.RenderTask(ctx, item)
			if err != nil {
				return res, fmt.Errorf("look up the task of %s: %w", item.ID, err)
			}
			switch state {
			case TaskLive:
				if item.Status == StatusReceived {
					if _, err := s.Store.TransitionItem(ctx, item.ID, []Status{StatusReceived}, StatusQueued, ""); err != nil {
						return res, err
					}
				}
				s.log().Debug("item already queued", "item", item.ID, "task_seq", item.TaskSeq, "status", item.Status)
				s.record("already_queued")
				res.AlreadyQueued++
				continue
			case TaskDone:
				cause = "its task was archived or completed without rendering it"
			default:
				cause = "its task is missing from the queue"
			}
		}
		if item.Attempts >= maxAttempts {
			if err := s.GiveUpItem(ctx, item.ID, errors.New(cause)); err != nil {
				return res, err
			}
			s.record("failed")
			res.Failed++
			continue
		}
		fresh, changed, err := s.Store.RequeueItem(ctx, item.ID)
		if err != nil {
			return res, err
		} else if !changed {
			continue // settled meanwhile
		}
		if err := q.EnqueueRender(ctx, fresh); err != nil {
			return res, err
		}
		s.log().Info("re-queued item", "item", fresh.ID, "task_seq", fresh.TaskSeq, "attempts", fresh.Attempts,
			"was", item.Status, "cause", cause)
		s.record("requeued")
		res.Requeued++
	}
	if res.Claimed > 0 {
		s.log().Info("reconcile pass", "claimed", res.Claimed, "requeued", res.Requeued,
			"already_queued", res.AlreadyQueued, "failed", res.Failed)
	}
	return res, nil
}
