package worker

import (
	"context"
	"time"
)

// every runs pass at once and then every interval, until ctx is done: the
// loop of the reconciler, the webhook dispatcher, the sweeper and the
// mailer. A pass that reports more (it filled its batch, so more may be
// waiting) is followed at once by another.
func every(ctx context.Context, interval time.Duration, pass func(ctx context.Context) (more bool)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		for pass(ctx) && ctx.Err() == nil {
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// orDefault returns d, or def when d is not positive.
func orDefault[T int | time.Duration](d, def T) T {
	if d <= 0 {
		return def
	}
	return d
}
