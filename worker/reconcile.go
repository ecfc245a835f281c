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
// many reconcilers (one per worker process) can run at once. The pass is
// the service's use case (orders.Service.RequeueStale); the reconciler
// decides when and how far back. Each pass also routes the orders that
// wait for a shop (orders.Service.RouteWaiting).
type Reconciler struct {
	// Service re-enqueues with its Store, on Queue.
	Service *orders.Service
	Queue   orders.Queue
	Logger  *slog.Logger
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
	every(ctx, orDefault(r.Interval, 30*time.Second), func(ctx context.Context) bool {
		if _, err := r.Pass(ctx); err != nil && ctx.Err() == nil {
			orDiscard(r.Logger).Error("reconcile", "err", err)
		}
		// Orders taken while a key was being created, or from before
		// shops were tenants, wait for a pass that routes them.
		if _, err := r.Service.RouteWaiting(ctx); err != nil && ctx.Err() == nil {
			orDiscard(r.Logger).Error("route waiting orders", "err", err)
		}
		return false
	})
}

// Pass re-enqueues stale items once and returns how many it handled.
func (r *Reconciler) Pass(ctx context.Context) (int, error) {
	stale, batch := orDefault(r.StaleAfter, time.Minute), orDefault(r.Batch, 100)
	now := time.Now()
	if r.Now != nil {
		now = r.Now()
	}
	return r.Service.RequeueStale(ctx, r.Queue, now.Add(-stale), now.Add(-stale-TaskTimeout), batch)
}
