package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"

	"oshigoods"
	"oshigoods/orders"
)

// Renderer handles render tasks: it hands the item the task names to the
// render use case (orders.Service.RenderItem) and maps its error to a retry
// or none.
type Renderer struct {
	// Service renders with its Store, Files, Catalog and Profile.
	Service *orders.Service
	// Logger logs what the task cannot return; nil discards.
	Logger *slog.Logger
}

// ProcessTask renders the item the task names. A bad payload, an unknown
// item or input the renderer refuses fails at once (asynq.SkipRetry) and
// the item fails with a public reason; other errors are returned for asynq
// to retry (the service records the item as delayed meanwhile), and after
// the last retry the item is given up on (orders.Service.GiveUpItem).
func (h *Renderer) ProcessTask(ctx context.Context, t *asynq.Task) error {
	var p renderPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || p.ItemID == "" {
		return fmt.Errorf("decode payload: %v: %w", err, asynq.SkipRetry)
	}
	err := h.Service.RenderItem(ctx, p.ItemID)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, orders.ErrNoItem):
		return fmt.Errorf("render: %w: %w", err, asynq.SkipRetry)
	case orders.Permanent(err):
		h.settle(p.ItemID, func(ctx context.Context) error {
			return h.Service.FailItem(ctx, p.ItemID, oshigoods.ErrorMessage(err))
		})
		return fmt.Errorf("render %s: %w: %w", p.ItemID, err, asynq.SkipRetry)
	}
	retried, _ := asynq.GetRetryCount(ctx)
	maxRetry, ok := asynq.GetMaxRetry(ctx)
	if ok && retried >= maxRetry {
		h.settle(p.ItemID, func(ctx context.Context) error {
			return h.Service.GiveUpItem(ctx, p.ItemID, fmt.Errorf("the last of %d retries failed: %w", maxRetry, err))
		})
	}
	return fmt.Errorf("render %s: %w", p.ItemID, err)
}

// settle fails the item through fail, with a context of its own: the
// task's may be the one that timed out.
func (h *Renderer) settle(itemID string, fail func(ctx context.Context) error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := fail(ctx); err != nil {
		h.log().Error("mark item failed", "item", itemID, "err", err)
	}
}
