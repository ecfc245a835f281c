package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"time"

	"oshigoods/orders"
)

// unsettledStatuses are the statuses of an item still to be rendered, as
// SQL literals: the reconciler's claim names them so, for the partial
// index items_unsettled (migration 0009) to serve it.
const unsettledStatuses = `'received', 'queued', 'rendering'`

// unsettled reports whether an item in status st is still to be rendered.
func unsettled(st orders.Status) bool {
	return st == orders.StatusReceived || st == orders.StatusQueued || st == orders.StatusRendering
}

// BeginRender starts a render of an item at now: received or queued, or
// rendering with its lease run out (or none, as an item from before
// migration 0009), and with fewer than maxAttempts renders started, it
// becomes rendering with one more attempt, leased until now+lease, its
// reconciler mark cleared. It returns the item so changed, without its
// files, or, with started false and nothing changed, the item as it is
// (with its files): settled, held by another render, or out of attempts.
// ENOTFOUND if there is no such item. See orders.ItemStore.
func (s *Store) BeginRender(ctx context.Context, id string, now time.Time, lease time.Duration, maxAttempts int) (*orders.Item, bool, error) {
	if lease <= 0 {
		return nil, false, fmt.Errorf("begin render of %s: lease %s is not positive", id, lease)
	}
	var item *orders.Item
	started, err := s.updateItem(ctx, id, func(r runner, _ lockedOrder, changedAt time.Time) (bool, error) {
		// One statement checks and changes the item, under its order's
		// lock, and returns it.
		rows, err := r.query(ctx, `UPDATE items SET status = ?, attempts = attempts + 1, render_lease_until = ?,
			reconciled_at = NULL, updated_at = ?
			WHERE id = ? AND status IN (`+unsettledStatuses+`) AND attempts < ?
			AND (status <> ? OR render_lease_until IS NULL OR render_lease_until < ?)
			RETURNING `+itemColumns+`, `+itemRenderColumns,
			string(orders.StatusRendering), now.Add(lease), changedAt, id, maxAttempts, string(orders.StatusRendering), now)
		if err != nil {
			return false, fmt.Errorf("begin render: %w", err)
		}
		items, err := scanItems(rows)
		if err != nil {
			return false, fmt.Errorf("begin render: %w", err)
		}
		if len(items) == 1 {
			item = items[0]
			return true, nil
		}
		if items, err = loadItems(ctx, r, `WHERE id = ?`, id); err != nil {
			return false, err
		}
		item = items[0]
		return false, nil
	})
	if err != nil {
		return nil, false, err
	}
	return item, started, nil
}

// changeAndLoad runs change as changeItem does and, when it reports a
// change, returns the item as changed, read in the same transaction.
func (s *Store) changeAndLoad(ctx context.Context, id string,
	change func(r runner, cur orders.Status, now time.Time) (bool, error)) (*orders.Item, bool, error) {
	var item *orders.Item
	changed, err := s.changeItem(ctx, id, func(r runner, cur orders.Status, now time.Time) (bool, error) {
		if changed, err := change(r, cur, now); err != nil || !changed {
			return changed, err
		}
		items, err := loadItems(ctx, r, `WHERE id = ?`, id)
		if err != nil {
			return false, err
		}
		item = items[0]
		return true, nil
	})
	if err != nil || !changed {
		return nil, false, err
	}
	return item, true, nil
}

// ExtendRender renews the lease of the render numbered attempt while the
// item is rendering under it. See orders.ItemStore.
func (s *Store) ExtendRender(ctx context.Context, id string, attempt int, until time.Time) (bool, error) {
	res, err := runner{s.db, s.d}.exec(ctx, `UPDATE items SET render_lease_until = ? WHERE id = ? AND status = ? AND attempts = ?`,
		until, id, string(orders.StatusRendering), attempt)
	if err != nil {
		return false, fmt.Errorf("extend render lease: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("extend render lease: %w", err)
	}
	return n > 0, nil
}

// DelayItem puts an item whose render numbered attempt failed for a
// passing reason back to queued, with the reason. See orders.ItemStore.
func (s *Store) DelayItem(ctx context.Context, id string, attempt int, reason string) (bool, error) {
	return s.changeItem(ctx, id, func(r runner, cur orders.Status, now time.Time) (bool, error) {
		if cur != orders.StatusRendering {
			return false, nil
		}
		res, err := r.exec(ctx, `UPDATE items SET status = ?, delay_reason = ?, render_lease_until = NULL, updated_at = ?
			WHERE id = ? AND attempts = ?`, string(orders.StatusQueued), reason, now, id, attempt)
		if err != nil {
			return false, fmt.Errorf("delay item: %w", err)
		}
		n, err := res.RowsAffected()
		return n > 0, err
	})
}

// RequeueItem readies an unsettled item for a fresh render task (TaskSeq
// one more, queued, no lease). See orders.ItemStore.
func (s *Store) RequeueItem(ctx context.Context, id string) (*orders.Item, bool, error) {
	return s.changeAndLoad(ctx, id, func(r runner, cur orders.Status, now time.Time) (bool, error) {
		if !unsettled(cur) {
			return false, nil
		}
		if _, err := r.exec(ctx, `UPDATE items SET status = ?, task_seq = task_seq + 1, render_lease_until = NULL, updated_at = ?
			WHERE id = ?`, string(orders.StatusQueued), now, id); err != nil {
			return false, fmt.Errorf("requeue item: %w", err)
		}
		return true, nil
	})
}

// ClaimStaleItems takes a reconciler pass's items and marks them taken at
// now, in one transaction: on PostgreSQL the rows are picked FOR UPDATE
// SKIP LOCKED, so passes running at once pass over each other's rows, and
// a row another pass marked meanwhile is re-checked and dropped; on SQLite
// the transaction holds the one write lock. limit ≤ 0 means 100. See
// orders.ItemStore.
func (s *Store) ClaimStaleItems(ctx context.Context, now, staleBefore time.Time, limit int) ([]*orders.Item, error) {
	if limit <= 0 {
		limit = defaultLimit
	}
	var items []*orders.Item
	err := s.write(ctx, func(r runner) error {
		found, err := r.queryStrings(ctx, `SELECT id FROM items WHERE status IN (`+unsettledStatuses+`)
			AND (reconciled_at IS NULL OR reconciled_at < ?)
			AND (render_lease_until < ? OR (render_lease_until IS NULL AND updated_at < ?))
			ORDER BY updated_at, id LIMIT ?`+r.d.skipLocked, staleBefore, now, staleBefore, limit)
		if err != nil {
			return fmt.Errorf("select stale items: %w", err)
		}
		if len(found) == 0 {
			return nil
		}
		ids := make([]any, len(found))
		for i, id := range found {
			ids[i] = id
		}
		in := `WHERE id IN (` + placeholders(len(ids)) + `)`
		if _, err := r.exec(ctx, `UPDATE items SET reconciled_at = ? `+in, append([]any{now}, ids...)...); err != nil {
			return fmt.Errorf("mark stale items taken: %w", err)
		}
		items, err = loadItems(ctx, r, in+` ORDER BY updated_at, id`, ids...)
		return err
	})
	if err != nil {
		return nil, err
	}
	return items, nil
}

// RetryItem gives a failed or stuck item a fresh start for the operator:
// if it is in one of from, it becomes queued under a fresh render task
// (TaskSeq one more) with its attempts counted from zero, no lease, no
// error and no delay, and its order's status is derived again. See
// orders.ItemStore.
func (s *Store) RetryItem(ctx context.Context, id string, from []orders.Status) (*orders.Item, bool, error) {
	return s.changeAndLoad(ctx, id, func(r runner, cur orders.Status, now time.Time) (bool, error) {
		if !slices.Contains(from, cur) {
			return false, nil
		}
		if _, err := r.exec(ctx, `UPDATE items SET status = ?, task_seq = task_seq + 1, attempts = 0, render_lease_until = NULL,
			reconciled_at = NULL, error_message = '', delay_reason = '', updated_at = ? WHERE id = ?`,
			string(orders.StatusQueued), now, id); err != nil {
			return false, fmt.Errorf("retry item: %w", err)
		}
		return true, nil
	})
}
