package orders

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"oshigoods"
)

// The operator's console: finding orders (by id, e-mail, status), seeing
// failed and stuck items with their reasons and attempts, and retrying or
// cancelling them. Every use case takes the Operator who asks and records
// it in the audit log, with ids and filters only: an e-mail searched for
// is recorded as "email", never its value.

// RenderTask is what the queue knows of an item's render task (whose id is
// the item's): its state and attempts, and the last error, which may be an
// internal one, for the operator's eyes only.
type RenderTask struct {
	// State is pending, active, scheduled, retry, archived (given up
	// after its last retry, or refused) or completed.
	State string `json:"state"`
	// Retried is how many times it was retried; MaxRetry how many times
	// it may be.
	Retried  int `json:"retried"`
	MaxRetry int `json:"max_retry"`
	// LastError is the error of its last failed attempt, "" if none.
	LastError    string    `json:"last_error,omitempty"`
	LastFailedAt time.Time `json:"last_failed_at,omitzero"`
	// NextProcessAt is when it runs next, while pending, scheduled or
	// waiting to be retried.
	NextProcessAt time.Time `json:"next_process_at,omitzero"`
}

// TaskInspector reads and clears items' render tasks in the queue.
type TaskInspector interface {
	// RenderTask returns the item's render task; found is false when the
	// queue has none.
	RenderTask(ctx context.Context, itemID string) (t RenderTask, found bool, err error)
	// ClearRenderTask deletes the item's render task if it is finished
	// (archived or completed), so that the item can be enqueued again
	// under its id; a task still pending, scheduled, retrying or running
	// is left. No task is not an error.
	ClearRenderTask(ctx context.Context, itemID string) error
}

// OrderQuery selects orders for the operator (OrderStore.SearchOrders).
// Empty fields match every order.
type OrderQuery struct {
	ID string
	// Email matches the customer's e-mail exactly, ignoring case.
	Email  string
	Status Status
	// BeforeCreated and BeforeID, when BeforeID is set, continue a list:
	// only orders after that one in the list's order (newest first, by
	// creation time then id) are returned.
	BeforeCreated time.Time
	BeforeID      string
	// Limit is the most orders returned; ≤ 0 means 100.
	Limit int
}

// OrderSearch is the operator's search as the admin API takes it.
type OrderSearch struct {
	ID     string
	Email  string
	Status string
	// Cursor is the Next of the previous page; "" for the first.
	Cursor string
	// Limit is the most orders in the page: 0 means 50; at most 200.
	Limit int
}

// OrderPage is one page of a search, newest order first; Next is the
// cursor of the following page, "" when this is the last.
type OrderPage struct {
	Orders []*Order
	Next   string
}

// Bounds of OrderSearch.Limit and of the item lists.
const (
	DefaultAdminLimit = 50
	MaxAdminLimit     = 200
)

// adminLimit checks a page size: 0 is DefaultAdminLimit.
func adminLimit(n int) (int, error) {
	if n < 0 || n > MaxAdminLimit {
		return 0, oshigoods.FieldErrorf("limit", "limit must be between 1 and %d; got %d.", MaxAdminLimit, n)
	}
	if n == 0 {
		return DefaultAdminLimit, nil
	}
	return n, nil
}

// SearchOrders finds orders by id, customer e-mail (exact, ignoring case)
// and status, newest first, a page at a time. Errors are EUNPROCESSABLE
// naming the field (status, email, limit) or EINVALID for a cursor that
// is not one this method made.
func (s *Service) SearchOrders(ctx context.Context, op *Operator, req OrderSearch) (*OrderPage, error) {
	limit, err := adminLimit(req.Limit)
	if err != nil {
		return nil, err
	}
	q := OrderQuery{ID: strings.TrimSpace(req.ID), Email: strings.TrimSpace(req.Email), Status: Status(req.Status), Limit: limit + 1}
	if q.Status != "" && !q.Status.Valid() {
		return nil, oshigoods.FieldErrorf("status", "unknown status %q.", req.Status)
	}
	if len(q.Email) > 254 || len(q.ID) > 100 {
		return nil, oshigoods.FieldErrorf("email", "the id is at most 100 bytes and the e-mail at most 254.")
	}
	if req.Cursor != "" {
		if q.BeforeCreated, q.BeforeID, err = decodeCursor(req.Cursor); err != nil {
			return nil, err
		}
	}
	list, err := s.Store.SearchOrders(ctx, q)
	if err != nil {
		return nil, err
	}
	page := &OrderPage{Orders: list}
	if len(list) > limit {
		page.Orders = list[:limit]
		last := list[limit-1]
		page.Next = encodeCursor(last.CreatedAt, last.ID)
	}
	var by []string
	for _, f := range []struct {
		name string
		set  bool
	}{{"id", q.ID != ""}, {"email", q.Email != ""}, {"status", q.Status != ""}} {
		if f.set {
			by = append(by, f.name)
		}
	}
	detail := "by=" + strings.Join(by, ",") + " status=" + string(q.Status) + " results=" + strconv.Itoa(len(page.Orders))
	s.audit(ctx, op.Actor(), "order.search", q.ID, detail)
	return page, nil
}

// encodeCursor makes the cursor after an order: its creation time in
// milliseconds and its id.
func encodeCursor(created time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(created.UnixMilli(), 10) + "." + id))
}

func decodeCursor(c string) (time.Time, string, error) {
	bad := &oshigoods.Error{Code: oshigoods.EINVALID, Field: "cursor", Message: "cursor is not one a search returned; start again without it."}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, "", bad
	}
	ms, id, ok := strings.Cut(string(b), ".")
	n, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil || id == "" {
		return time.Time{}, "", bad
	}
	return time.UnixMilli(n).UTC(), id, nil
}

// OrderDetail is the operator's view of one order: the order with its
// items and files, its payment records, and what the queue knows of its
// items' render tasks.
type OrderDetail struct {
	*Order
	Payments []PaymentRecord
	// Tasks are the items' render tasks by item id; an item the queue has
	// no task for is absent.
	Tasks map[string]RenderTask
}

// OrderDetail returns an order as the operator sees it. ENOTFOUND if there
// is no such order.
func (s *Service) OrderDetail(ctx context.Context, op *Operator, id string) (*OrderDetail, error) {
	o, err := s.Store.Order(ctx, id)
	if err != nil {
		return nil, err
	}
	d := &OrderDetail{Order: o, Tasks: map[string]RenderTask{}}
	if d.Payments, err = s.Store.PaymentRecords(ctx, id); err != nil {
		return nil, err
	}
	for _, it := range o.Items {
		if t := s.renderTask(ctx, it.ID); t != nil {
			d.Tasks[it.ID] = *t
		}
	}
	s.audit(ctx, op.Actor(), "order.view", o.ID, "")
	return d, nil
}

// renderTask is the item's task, or nil when there is none or no
// TaskInspector; a queue that cannot be read is logged and shows none.
func (s *Service) renderTask(ctx context.Context, itemID string) *RenderTask {
	if s.Tasks == nil {
		return nil
	}
	t, found, err := s.Tasks.RenderTask(ctx, itemID)
	if err != nil {
		s.log().Warn("read render task", "item", itemID, "err", err)
		return nil
	}
	if !found {
		return nil
	}
	return &t
}

// Problem lists of the console (ProblemItems).
const (
	ProblemFailed = "failed"
	ProblemStuck  = "stuck"
)

// ItemProblem is an item the operator should look at: failed, or stuck
// (received, queued or rendering, unchanged for longer than
// Admin.StuckAfter).
type ItemProblem struct {
	Item  *Item
	Stuck bool
	// Reason says what is wrong: the failed item's public reason, or how
	// long the stuck one has not moved and what the queue has of it.
	Reason string
	// Task is what the queue knows of its render task; nil for none.
	Task *RenderTask
}

// ProblemItems lists the failed items (which = ProblemFailed) or the stuck
// ones (ProblemStuck), least recently changed first, at most limit (0
// means 50, at most 200). Errors are EUNPROCESSABLE naming status or
// limit.
func (s *Service) ProblemItems(ctx context.Context, op *Operator, which string, limit int) ([]ItemProblem, error) {
	limit, err := adminLimit(limit)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var items []*Item
	switch which {
	case ProblemFailed:
		items, err = s.Store.StaleItems(ctx, []Status{StatusFailed}, endOfTime, limit)
	case ProblemStuck:
		items, err = s.Store.StaleItems(ctx, activeStatuses, now.Add(-s.Admin.WithDefaults().StuckAfter), limit)
	default:
		return nil, oshigoods.FieldErrorf("status", "status must be %s or %s; got %q.", ProblemFailed, ProblemStuck, which)
	}
	if err != nil {
		return nil, err
	}
	list := make([]ItemProblem, 0, len(items))
	for _, it := range items {
		p := ItemProblem{Item: it, Stuck: which == ProblemStuck, Reason: it.Error, Task: s.renderTask(ctx, it.ID)}
		if p.Stuck {
			p.Reason = s.stuckReason(it, p.Task, now)
		}
		list = append(list, p)
	}
	s.audit(ctx, op.Actor(), "item.list", which, "results="+strconv.Itoa(len(list)))
	return list, nil
}

// endOfTime is after every item's last change: the bound that lists all
// the failed ones.
var endOfTime = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// stuckReason says how long a stuck item has not moved and what the queue
// has of its task.
func (s *Service) stuckReason(it *Item, t *RenderTask, now time.Time) string {
	r := fmt.Sprintf("%s, unchanged for %s", it.Status, now.Sub(it.UpdatedAt).Round(time.Second))
	switch {
	case s.Tasks == nil:
	case t == nil:
		r += "; the queue has no task for it"
	case t.State == "archived":
		r += fmt.Sprintf("; its task was given up after %d retries", t.Retried)
	default:
		r += "; its task is " + t.State
	}
	return r
}

// stuck reports whether an item is still to be rendered and has not
// changed for longer than Admin.StuckAfter.
func (s *Service) stuck(it *Item) bool {
	switch it.Status {
	case StatusReceived, StatusQueued, StatusRendering:
		return s.now().Sub(it.UpdatedAt) > s.Admin.WithDefaults().StuckAfter
	}
	return false
}

// RetryItem sends a failed or stuck item back to received and hands it
// to the queue again (its finished task, if any, is cleared first, so the
// new one is not taken for a duplicate); the order's status follows. An
// item already on its way again (received, queued or rendering, not
// stuck) is left as it is, so a repeated retry is a no-op. ENOTFOUND if
// there is no such item; ECONFLICT if it is in another status, or its
// order's personal data was erased (there is nothing left to render).
func (s *Service) RetryItem(ctx context.Context, op *Operator, itemID string) (*Item, error) {
	it, err := s.Store.Item(ctx, itemID)
	if err != nil {
		return nil, err
	}
	var from []Status
	switch {
	case it.Status == StatusFailed:
		from = []Status{StatusFailed}
	case s.stuck(it):
		from = activeStatuses
	case it.Status == StatusReceived || it.Status == StatusQueued || it.Status == StatusRendering:
		return it, nil
	default:
		return nil, oshigoods.Errorf(oshigoods.ECONFLICT, "The item is %s; only a failed or stuck item can be retried.", it.Status)
	}
	o, err := s.Store.Order(ctx, it.OrderID)
	if err != nil {
		return nil, err
	}
	if !o.ErasedAt.IsZero() {
		return nil, oshigoods.Errorf(oshigoods.ECONFLICT, "The order's personal data was erased: the item cannot be made again.")
	}
	if s.Tasks != nil {
		if err := s.Tasks.ClearRenderTask(ctx, it.ID); err != nil {
			return nil, fmt.Errorf("clear render task: %w", err)
		}
	}
	// A fresh task, its attempts counted anew: an item that failed after
	// its last attempt is not given up again at once.
	fresh, changed, err := s.Store.RetryItem(ctx, it.ID, from)
	if err != nil {
		return nil, err
	}
	if changed {
		s.audit(ctx, op.Actor(), "item.retry", it.ID, "order="+it.OrderID+" from="+string(it.Status))
		if s.Queue != nil {
			if err := s.Queue.EnqueueRender(ctx, fresh); err != nil {
				s.log().Warn("enqueue failed; the reconciler will retry", "item", fresh.ID, "err", err)
			}
		}
	}
	return s.Store.Item(ctx, it.ID)
}

// cancellable are the statuses an operator may cancel one item in: before
// it is ready (a ready item may be claimed: cancel its order, which checks
// the claim), or failed.
var cancellable = []Status{StatusAwaitingPayment, StatusReceived, StatusQueued, StatusRendering, StatusFailed}

// CancelItem cancels one item that is not yet ready, or failed; the
// order's status follows (cancelled when it was its last). Cancelling a
// cancelled item is a no-op. ENOTFOUND if there is no such item;
// ECONFLICT if it is ready or further (cancel the order instead).
func (s *Service) CancelItem(ctx context.Context, op *Operator, itemID string) (*Item, error) {
	it, err := s.Store.Item(ctx, itemID)
	if err != nil {
		return nil, err
	}
	if it.Status == StatusCancelled {
		return it, nil
	}
	changed, err := s.Store.TransitionItem(ctx, it.ID, cancellable, StatusCancelled, "")
	if err != nil {
		return nil, err
	}
	if !changed {
		return nil, oshigoods.Errorf(oshigoods.ECONFLICT, "The item is %s; cancel the whole order instead.", it.Status)
	}
	s.audit(ctx, op.Actor(), "item.cancel", it.ID, "order="+it.OrderID+" from="+string(it.Status))
	return s.Store.Item(ctx, it.ID)
}

// OperatorCancelOrder cancels an order for the operator, as the fan may
// (OrderStore.CancelOrder): every item not yet printed, and a pending
// payment. Cancelling a cancelled order is a no-op. ENOTFOUND if there is
// no such order; ECONFLICT once a shop has claimed or printed it.
func (s *Service) OperatorCancelOrder(ctx context.Context, op *Operator, orderID string) (*Order, error) {
	if err := s.Store.CancelOrder(ctx, orderID, s.now()); err != nil {
		return nil, err
	}
	s.audit(ctx, op.Actor(), "order.cancel", orderID, "")
	return s.Store.Order(ctx, orderID)
}
