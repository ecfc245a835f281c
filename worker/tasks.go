package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"

	"oshigoods/orders"
	"oshigoods/render"
)

// Task types, one per product kind, all under the "render:" namespace.
const (
	TypeRenderPhoto = "render:photo"
	TypeRenderCard  = "render:card"
	TypeRenderVoice = "render:voice"
)

// QueueRender is the asynq queue render tasks go to.
const QueueRender = "render"

// Task limits. A render that takes longer than TaskTimeout is cancelled
// through its context and retried; after MaxRetry retries the item fails.
const (
	MaxRetry    = 5
	TaskTimeout = 2 * time.Minute
)

// TaskType returns the task type that renders items of kind k.
func TaskType(k render.Kind) string { return "render:" + string(k) }

type renderPayload struct {
	ItemID string `json:"item_id"`
}

// NewRenderTask returns the task that renders item. Its TaskID is the item
// id, so enqueuing it while it is pending or running is a no-op.
func NewRenderTask(item *orders.Item) (*asynq.Task, error) {
	payload, err := json.Marshal(renderPayload{ItemID: item.ID})
	if err != nil {
		return nil, err
	}
	return asynq.NewTask(TaskType(item.Kind), payload,
		asynq.TaskID(item.ID),
		asynq.Queue(QueueRender),
		asynq.MaxRetry(MaxRetry),
		asynq.Timeout(TaskTimeout),
	), nil
}

// Queue enqueues render tasks in asynq. It implements orders.Queue.
type Queue struct {
	client *asynq.Client
}

var (
	_ orders.Queue         = (*Queue)(nil)
	_ orders.DeliveryQueue = (*Queue)(nil)
)

// NewQueue returns a queue on the Redis that opt names.
func NewQueue(opt asynq.RedisConnOpt) *Queue {
	return &Queue{client: asynq.NewClient(opt)}
}

// EnqueueRender enqueues the item's render task. A task with the same id
// already pending, scheduled, retrying or running is not an error.
func (q *Queue) EnqueueRender(ctx context.Context, item *orders.Item) error {
	task, err := NewRenderTask(item)
	if err != nil {
		return fmt.Errorf("build task: %w", err)
	}
	if _, err := q.client.EnqueueContext(ctx, task); err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return fmt.Errorf("enqueue %s: %w", item.ID, err)
	}
	return nil
}

// Ping checks that Redis answers.
func (q *Queue) Ping(ctx context.Context) error { return q.client.Ping() }

// Close closes the connection to Redis.
func (q *Queue) Close() error { return q.client.Close() }
