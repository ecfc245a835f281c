package worker

import (
	"context"
	"log/slog"
	"time"

	"oshigoods/orders"
)

// Reconciler sees to it that no item is stuck: items the database has as
// still to be rendered but whose task is gone (an enqueue that failed after
// the order was committed, a Redis that lost its data, a task archived
// after its retries) or whose render died with its worker (its lease,
// orders.Renders.Lease, ran out) are handed over under a fresh task, or
// failed with a public reason once they used up their attempts. The pass
// is the service's use case (orders.Service.RequeueStale); the reconciler
// decides when, how many and how far back. Many reconcilers (one per
// worker process) can run at once: each pass claims its items, so they
// share a backlog instead of repeating it, and a pass that fills its batch
// is followed at once by another, so a backlog is handed over at the speed
// the workers render it. Each pass also routes the orders that wait for a
// shop (orders.Service.RouteWaiting).
type Reconciler struct {
	// Service reconciles with its Store, on Queue.
	Service *orders.Service
	Queue   orders.RenderQueue
	Logger  *slog.Logger
	// Interval between passes that did not fill their batch. Zero means
	// 10 seconds.
	Interval time.Duration
	// StaleAfter is how long an item may stay received or queued
	// unchanged before a pass looks at its task, and how long a pass
	// leaves an item it took alone. Zero means one minute. Items
	// rendering are looked at when their render's lease runs out.
	StaleAfter time.Duration
	// Batch is the most items a pass takes. Zero means 100.
	Batch int
	// Now is the clock a pass measures staleness and leases against. Nil
	// means time.Now; tests set a clock ahead instead of waiting.
	Now func() time.Time
}

// Run reconciles every Interval until ctx is done; a pass that took a
// full batch is followed at once by another.
func (r *Reconciler) Run(ctx context.Context) {
	every(ctx, orDefault(r.Interval, DefaultReconcileInterval), func(ctx context.Context) bool {
		res, err := r.Pass(ctx)
		if err != nil && ctx.Err() == nil {
			orDiscard(r.Logger).Error("reconcile", "err", err)
		}
		if more := err == nil && res.Claimed >= r.batch(); more {
			return true
		}
		// Orders taken while a key was being created, or from before
		// shops were tenants, wait for a pass that routes them.
		if _, err := r.Service.RouteWaiting(ctx); err != nil && ctx.Err() == nil {
			orDiscard(r.Logger).Error("route waiting orders", "err", err)
		}
		return false
	})
}

// Pass reconciles one batch of items and returns what it did.
func (r *Reconciler) Pass(ctx context.Context) (orders.Reconciled, error) {
	now := time.Now()
	if r.Now != nil {
		now = r.Now()
	}
	return r.Service.RequeueStale(ctx, r.Queue, now, orDefault(r.StaleAfter, time.Minute), r.batch())
}

func (r *Reconciler) batch() int { return orDefault(r.Batch, DefaultReconcileBatch) }
