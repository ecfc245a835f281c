package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
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

// RenderTaskID returns the id of the item's render task: the item's id for
// the task handed over when it was ordered (TaskSeq 0), and "<item>.r<n>"
// for the n-th fresh task the reconciler handed it over under
// (orders.Service.RequeueStale).
func RenderTaskID(item *orders.Item) string {
	if item.TaskSeq == 0 {
		return item.ID
	}
	return item.ID + ".r" + strconv.Itoa(item.TaskSeq)
}

// NewRenderTask returns the task that renders item. Its TaskID is
// RenderTaskID, so enqueuing it while it is pending or running is a no-op.
func NewRenderTask(item *orders.Item) (*asynq.Task, error) {
	payload, err := json.Marshal(renderPayload{ItemID: item.ID})
	if err != nil {
		return nil, err
	}
	return asynq.NewTask(TaskType(item.Kind), payload,
		asynq.TaskID(RenderTaskID(item)),
		asynq.Queue(QueueRender),
		asynq.MaxRetry(MaxRetry),
		asynq.Timeout(TaskTimeout),
	), nil
}

// Queue enqueues render tasks in asynq, and tells where they stand. It
// implements orders.RenderQueue.
type Queue struct {
	client    *asynq.Client
	inspector *asynq.Inspector
}

var (
	_ orders.RenderQueue   = (*Queue)(nil)
	_ orders.DeliveryQueue = (*Queue)(nil)
)

// NewQueue returns a queue on the Redis that opt names.
func NewQueue(opt asynq.RedisConnOpt) *Queue {
	return &Queue{client: asynq.NewClient(opt), inspector: asynq.NewInspector(opt)}
}

// EnqueueRender enqueues the item's render task (NewRenderTask). A task of
// the same id that is live — pending, scheduled, waiting for a retry or
// running — is not an error, and nothing changes. One that is archived
// (its retries used up) or completed would never run again: it is deleted
// and the task enqueued anew, under the same id.
func (q *Queue) EnqueueRender(ctx context.Context, item *orders.Item) error {
	task, err := NewRenderTask(item)
	if err != nil {
		return fmt.Errorf("build task: %w", err)
	}
	id := RenderTaskID(item)
	_, err = q.client.EnqueueContext(ctx, task)
	if errors.Is(err, asynq.ErrTaskIDConflict) {
		err = q.replaceDone(ctx, task, id)
	}
	if err != nil {
		return fmt.Errorf("enqueue %s: %w", id, err)
	}
	return nil
}

// replaceDone handles a task whose id Redis already holds: a live one is
// left as it is; one archived or completed is deleted and task enqueued
// in its place, as it is when the other is gone meanwhile. A conflict on
// that enqueue is another enqueuer's task, live: not an error.
func (q *Queue) replaceDone(ctx context.Context, task *asynq.Task, id string) error {
	state, err := q.taskState(id)
	switch {
	case err != nil:
		return err
	case state == orders.TaskLive:
		return nil
	case state == orders.TaskDone:
		if err := q.inspector.DeleteTask(QueueRender, id); err != nil && !errors.Is(err, asynq.ErrTaskNotFound) {
			return fmt.Errorf("delete the finished task: %w", err)
		}
	}
	if _, err := q.client.EnqueueContext(ctx, task); err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return err
	}
	return nil
}

// RenderTask returns the state of the item's render task (RenderTaskID):
// live when pending, scheduled, waiting for a retry, running or
// aggregating; done when archived or completed; missing when Redis has no
// such task, or no render queue at all (it lost its data).
func (q *Queue) RenderTask(ctx context.Context, item *orders.Item) (orders.TaskState, error) {
	return q.taskState(RenderTaskID(item))
}

// taskState returns the state of the render task with the given id.
func (q *Queue) taskState(id string) (orders.TaskState, error) {
	info, err := q.inspector.GetTaskInfo(QueueRender, id)
	switch {
	case errors.Is(err, asynq.ErrTaskNotFound), errors.Is(err, asynq.ErrQueueNotFound):
		return orders.TaskMissing, nil
	case err != nil:
		return 0, fmt.Errorf("look up task %s: %w", id, err)
	case info.State == asynq.TaskStateArchived, info.State == asynq.TaskStateCompleted:
		return orders.TaskDone, nil
	}
	return orders.TaskLive, nil
}

// Ping checks that Redis answers.
func (q *Queue) Ping(ctx context.Context) error { return q.client.Ping() }

// Close closes the connections to Redis.
func (q *Queue) Close() error { return errors.Join(q.client.Close(), q.inspector.Close()) }
