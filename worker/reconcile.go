package worker

import (
	"context"
	"log/slog"
	"time"

	"oshigoods/orders"
)

// Reconciler re-enqueues items that the database says are waiting but that
// may not be in Redis: an enqueue that failed after the order was committed,
// a Redis that lost its data, a worker that died mid-render. Since a task's
// id is its item's id, re-enqueuing one that is still in Redis is a no-op;
// many reconcilers (one per worker process) can run at once.
type Reconciler struct {
	Store  orders.Store
	Queue  orders.Queue
	Logger *slog.Logger
	// Interval between passes. Zero means 30 seconds.
	Interval time.Duration
	// StaleAfter is how long an item may stay received or queued untouched
	// before it is re-enqueued. Zero means one minute. Items stuck in
	// rendering are re-enqueued after TaskTimeout plus StaleAfter.
	StaleAfter time.Duration
	// Batch is the most items a pass handles. Zero means 100.
	Batch int
	// Now is the clock a pass measures staleness against. Nil means
	// time.Now; tests set a clock ahead instead of waiting.
	Now func() time.Time
}

// Run reconciles every Interval until ctx is done.
func (r *Reconciler) Run(ctx context.Context) {
	interval := r.Interval
	if interval <= 0 {
		interval = 30 * time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := r.Pass(ctx); err != nil && ctx.Err() == nil {
			r.Logger.Error("reconcile", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Pass re-enqueues stale items once and returns how many it handled.
func (r *Reconciler) Pass(ctx context.Context) (int, error) {
	stale, batch := r.StaleAfter, r.Batch
	if stale <= 0 {
		stale = time.Minute
	}
	if batch <= 0 {
		batch = 100
	}
	now := time.Now()
	if r.Now != nil {
		now = r.Now()
	}
	waiting, err := r.Store.StaleItems(ctx, []orders.Status{orders.StatusReceived, orders.StatusQueued}, now.Add(-stale), batch)
	if err != nil {
		return 0, err
	}
	stuck, err := r.Store.StaleItems(ctx, []orders.Status{orders.StatusRendering}, now.Add(-stale-TaskTimeout), batch)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, item := range append(waiting, stuck...) {
		if err := r.Queue.EnqueueRender(ctx, item); err != nil {
			return n, err
		}
		// Touch the item (received or queued → queued), so the next pass
		// looks at others first; a rendering item is left to its worker.
		from := []orders.Status{orders.StatusReceived, orders.StatusQueued}
		if _, err := r.Store.TransitionItem(ctx, item.ID, from, orders.StatusQueued, ""); err != nil {
			return n, err
		}
		r.Logger.Info("re-enqueued item", "item", item.ID, "status", item.Status)
		n++
	}
	return n, nil
}
