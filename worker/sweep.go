package worker

import (
	"context"
	"log/slog"
	"time"

	"oshigoods/orders"
)

// Sweeper deletes personal data past its retention period: uploads no
// order uses, after the upload TTL, and finished orders' personal data,
// after the order retention period (orders.Service.SweepUploads and
// SweepOrders; the periods are the Service's Retention). It runs beside
// the reconciler in every worker process: many sweepers may run at once,
// since every deletion is idempotent. Each pass also cancels orders left
// unpaid past their payment deadline (orders.Service.ExpireOverduePayments).
type Sweeper struct {
	Service *orders.Service
	Logger  *slog.Logger
	// Interval between passes. Zero means 5 minutes.
	Interval time.Duration
	// Batch is the most uploads, and the most orders, a pass handles. Zero
	// means 100; a pass that fills a batch is followed at once by another.
	Batch int
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
}

// Run sweeps every Interval until ctx is done.
func (s *Sweeper) Run(ctx context.Context) {
	every(ctx, orDefault(s.Interval, 5*time.Minute), func(ctx context.Context) bool {
		uploads, orders, err := s.Pass(ctx)
		if err != nil {
			if ctx.Err() == nil {
				s.log().Error("sweep", "err", err)
			}
			return false
		}
		if uploads > 0 || orders > 0 {
			s.log().Info("swept", "uploads", uploads, "orders", orders)
		}
		return uploads >= s.batch() || orders >= s.batch()
	})
}

// Pass sweeps once: it returns how many uploads it deleted and how many
// orders it erased.
func (s *Sweeper) Pass(ctx context.Context) (uploads, orders int, err error) {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	if uploads, err = s.Service.SweepUploads(ctx, now(), s.batch()); err != nil {
		return uploads, 0, err
	}
	if orders, err = s.Service.SweepOrders(ctx, now(), s.batch()); err != nil {
		return uploads, orders, err
	}
	expired, err := s.Service.ExpireOverduePayments(ctx, now(), s.batch())
	if expired > 0 {
		s.log().Info("cancelled unpaid orders past their deadline", "orders", expired)
	}
	return uploads, orders, err
}

func (s *Sweeper) batch() int { return orDefault(s.Batch, 100) }

func (s *Sweeper) log() *slog.Logger { return orDiscard(s.Logger) }
