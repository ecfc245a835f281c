package worker

import (
	"context"
	"errors"
	"fmt"

	"github.com/hibiken/asynq"

	"oshigoods/orders"
)

// Inspector reads and clears items' render tasks in asynq, for the
// operator's console. It implements orders.TaskInspector.
type Inspector struct {
	in *asynq.Inspector
}

var _ orders.TaskInspector = (*Inspector)(nil)

// NewInspector returns an inspector of the Redis that opt names.
func NewInspector(opt asynq.RedisConnOpt) *Inspector {
	return &Inspector{in: asynq.NewInspector(opt)}
}

// RenderTask returns the item's render task; found is false when the
// render queue has none (or does not exist yet).
func (i *Inspector) RenderTask(ctx context.Context, itemID string) (orders.RenderTask, bool, error) {
	info, err := i.in.GetTaskInfo(QueueRender, itemID)
	if errors.Is(err, asynq.ErrTaskNotFound) || errors.Is(err, asynq.ErrQueueNotFound) {
		return orders.RenderTask{}, false, nil
	} else if err != nil {
		return orders.RenderTask{}, false, fmt.Errorf("read task %s: %w", itemID, err)
	}
	return orders.RenderTask{State: info.State.String(), Retried: info.Retried, MaxRetry: info.MaxRetry,
		LastError: info.LastErr, LastFailedAt: info.LastFailedAt, NextProcessAt: info.NextProcessAt}, true, nil
}

// ClearRenderTask deletes the item's render task when it is archived or
// completed, so that a new one can take its id; a live task is left.
func (i *Inspector) ClearRenderTask(ctx context.Context, itemID string) error {
	info, err := i.in.GetTaskInfo(QueueRender, itemID)
	if errors.Is(err, asynq.ErrTaskNotFound) || errors.Is(err, asynq.ErrQueueNotFound) {
		return nil
	} else if err != nil {
		return fmt.Errorf("read task %s: %w", itemID, err)
	}
	if info.State != asynq.TaskStateArchived && info.State != asynq.TaskStateCompleted {
		return nil
	}
	if err := i.in.DeleteTask(QueueRender, itemID); err != nil && !errors.Is(err, asynq.ErrTaskNotFound) {
		return fmt.Errorf("delete finished task %s: %w", itemID, err)
	}
	return nil
}

// Close closes the connection to Redis.
func (i *Inspector) Close() error { return i.in.Close() }
