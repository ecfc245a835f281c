package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"oshigoods"
	"oshigoods/orders"
)

var _ orders.RetentionStore = (*Store)(nil)

// unusedUpload is the condition that no order uses the upload u.
const unusedUpload = `NOT EXISTS (SELECT 1 FROM order_uploads ou WHERE ou.upload_id = u.id)`

// ExpiredUploads returns uploads made before `before` that no order uses,
// oldest first, at most limit (≤ 0 means 100). See orders.RetentionStore.
func (s *Store) ExpiredUploads(ctx context.Context, before time.Time, limit int) ([]*orders.Upload, error) {
	if limit <= 0 {
		limit = defaultLimit
	}
	rows, err := runner{s.db, s.d}.query(ctx, `SELECT u.id, u.format, u.width, u.height, u.size, u.sha256, u.storage_key, u.created_at
		FROM uploads u WHERE u.created_at < ? AND `+unusedUpload+` ORDER BY u.created_at, u.id LIMIT ?`, before, limit)
	if err != nil {
		return nil, fmt.Errorf("select expired uploads: %w", err)
	}
	defer rows.Close()
	var list []*orders.Upload
	for rows.Next() {
		u := &orders.Upload{}
		if err := rows.Scan(&u.ID, &u.Format, &u.Width, &u.Height, &u.Size, &u.SHA256, &u.Key, scanTime(&u.CreatedAt)); err != nil {
			return nil, fmt.Errorf("scan upload: %w", err)
		}
		list = append(list, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("select expired uploads: %w", err)
	}
	return list, nil
}

// DeleteUpload deletes an upload's record if no order uses it. On
// PostgreSQL an order being stored with it holds a lock on the row that
// makes the delete wait, and then find it used.
func (s *Store) DeleteUpload(ctx context.Context, id string) (bool, error) {
	res, err := runner{s.db, s.d}.exec(ctx, `DELETE FROM uploads WHERE id = ? AND NOT EXISTS (SELECT 1 FROM order_uploads ou WHERE ou.upload_id = ?)`, id, id)
	if err != nil {
		return false, fmt.Errorf("delete upload: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("delete upload: %w", err)
	}
	return n > 0, nil
}

// ExpiredOrders returns orders to erase or whose erasure to finish. The
// condition on finished orders is orders.Order.Finished in SQL. See
// orders.RetentionStore.
func (s *Store) ExpiredOrders(ctx context.Context, before time.Time, limit int) ([]string, error) {
	if limit <= 0 {
		limit = defaultLimit
	}
	const live = `EXISTS (SELECT 1 FROM items i WHERE i.order_id = o.id AND i.status IN (?, ?, ?))`
	const physical = `EXISTS (SELECT 1 FROM items i WHERE i.order_id = o.id AND i.status <> ? AND i.kind <> ?)`
	const leftovers = `(EXISTS (SELECT 1 FROM order_uploads ou WHERE ou.order_id = o.id)
		OR EXISTS (SELECT 1 FROM files f JOIN items i ON i.id = f.item_id WHERE i.order_id = o.id))`
	q := `SELECT o.id FROM orders o WHERE
		(o.erased_at IS NULL AND o.updated_at < ? AND (o.lease_expires_at IS NULL OR o.lease_expires_at <= ?)
			AND (o.status IN (?, ?, ?, ?, ?) OR (o.status = ? AND NOT ` + physical + `))
			AND NOT ` + live + `)
		OR (o.erased_at IS NOT NULL AND ` + leftovers + `)
		ORDER BY o.updated_at, o.id LIMIT ?`
	rows, err := runner{s.db, s.d}.query(ctx, q, before, s.now(),
		string(orders.StatusPrinted), string(orders.StatusShipped), string(orders.StatusDelivered),
		string(orders.StatusFailed), string(orders.StatusCancelled), string(orders.StatusReady), string(orders.StatusCancelled), string(orders.KindVoice),
		string(orders.StatusReceived), string(orders.StatusQueued), string(orders.StatusRendering), limit)
	if err != nil {
		return nil, fmt.Errorf("select expired orders: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("scan order id: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("select expired orders: %w", err)
	}
	return ids, nil
}

// EraseOrder anonymises an order. See orders.RetentionStore.
func (s *Store) EraseOrder(ctx context.Context, orderID string, now time.Time) (bool, error) {
	var changed bool
	err := s.write(ctx, func(r runner) error {
		changed = false
		var lease, erased time.Time
		err := r.queryRow(ctx, `SELECT lease_expires_at, erased_at FROM orders WHERE id = ?`+r.d.forUpdate, orderID).
			Scan(scanNullTime(&lease), scanNullTime(&erased))
		if errors.Is(err, sql.ErrNoRows) {
			return oshigoods.Errorf(oshigoods.ENOTFOUND, "Order not found.")
		} else if err != nil {
			return fmt.Errorf("lock order: %w", err)
		}
		if !erased.IsZero() {
			return nil
		}
		if !lease.IsZero() && lease.After(now) {
			return oshigoods.Errorf(oshigoods.ECONFLICT, "A print shop is making the order; its personal data can be erased once it is finished.")
		}
		var live int
		if err := r.queryRow(ctx, `SELECT COUNT(*) FROM items WHERE order_id = ? AND status IN (?, ?, ?)`, orderID,
			string(orders.StatusReceived), string(orders.StatusQueued), string(orders.StatusRendering)).Scan(&live); err != nil {
			return fmt.Errorf("count items in production: %w", err)
		}
		if live > 0 {
			return oshigoods.Errorf(oshigoods.ECONFLICT, "The order is being made; its personal data can be erased once it is finished.")
		}
		if _, err := r.exec(ctx, `UPDATE items SET status = ?, updated_at = ? WHERE order_id = ? AND status = ? AND kind <> ?`,
			string(orders.StatusCancelled), now, orderID, string(orders.StatusReady), string(orders.KindVoice)); err != nil {
			return fmt.Errorf("cancel unprinted items: %w", err)
		}
		if _, err := r.exec(ctx, `UPDATE items SET status = ?, updated_at = ? WHERE order_id = ? AND status = ?`,
			string(orders.StatusCancelled), now, orderID, string(orders.StatusAwaitingPayment)); err != nil {
			return fmt.Errorf("cancel unpaid items: %w", err)
		}
		// No mail is sent to an address that is gone.
		if _, err := r.exec(ctx, `DELETE FROM mail_outbox WHERE order_id = ? AND status = 'pending'`, orderID); err != nil {
			return fmt.Errorf("drop pending mail: %w", err)
		}
		if _, err := r.exec(ctx, `UPDATE items SET fields = '{}', warnings = '[]', error_message = '', preflight = NULL WHERE order_id = ?`, orderID); err != nil {
			return fmt.Errorf("erase items: %w", err)
		}
		if _, err := r.exec(ctx, `UPDATE orders SET customer_name = '', customer_email = '', idempotency_key = NULL,
			request_hash = '', claim_id = NULL, lease_expires_at = NULL, erased_at = ?, shipping_address = NULL,
			payment_status = CASE WHEN payment_status = ? THEN ? ELSE payment_status END WHERE id = ?`,
			now, string(orders.PaymentPending), string(orders.PaymentCancelled), orderID); err != nil {
			return fmt.Errorf("erase order: %w", err)
		}
		if err := eraseEventReasons(ctx, r, orderID); err != nil {
			return err
		}
		changed = true
		return deriveOrder(ctx, r, orderID, now)
	})
	return changed, err
}

// ErasureKeys returns the keys of an erased order's files and of the
// uploads no order that is not erased uses (two orders sharing a photo and
// erased at once both delete it, rather than each leaving it to the
// other). See orders.RetentionStore.
func (s *Store) ErasureKeys(ctx context.Context, orderID string) ([]string, error) {
	var keys []string
	err := s.read(ctx, func(r runner) error {
		rows, err := r.query(ctx, `SELECT f.storage_key FROM files f JOIN items i ON i.id = f.item_id JOIN orders o ON o.id = i.order_id
			WHERE o.id = ? AND o.erased_at IS NOT NULL
			UNION
			SELECT u.storage_key FROM uploads u JOIN order_uploads ou ON ou.upload_id = u.id JOIN orders o ON o.id = ou.order_id
			WHERE o.id = ? AND o.erased_at IS NOT NULL
				AND NOT EXISTS (SELECT 1 FROM order_uploads other JOIN orders oo ON oo.id = other.order_id
					WHERE other.upload_id = u.id AND other.order_id <> o.id AND oo.erased_at IS NULL)`, orderID, orderID)
		if err != nil {
			return fmt.Errorf("select erasure keys: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				return fmt.Errorf("scan key: %w", err)
			}
			keys = append(keys, k)
		}
		return rows.Err()
	})
	return keys, err
}

// ForgetFiles deletes an erased order's file records, its use of uploads
// and the uploads no other order uses. See orders.RetentionStore.
func (s *Store) ForgetFiles(ctx context.Context, orderID string) error {
	return s.write(ctx, func(r runner) error {
		var erased time.Time
		err := r.queryRow(ctx, `SELECT erased_at FROM orders WHERE id = ?`+r.d.forUpdate, orderID).Scan(scanNullTime(&erased))
		if errors.Is(err, sql.ErrNoRows) || err == nil && erased.IsZero() {
			return nil
		} else if err != nil {
			return fmt.Errorf("lock order: %w", err)
		}
		if _, err := r.exec(ctx, `DELETE FROM files WHERE item_id IN (SELECT id FROM items WHERE order_id = ?)`, orderID); err != nil {
			return fmt.Errorf("delete files: %w", err)
		}
		ids, err := r.queryStrings(ctx, `SELECT upload_id FROM order_uploads WHERE order_id = ?`, orderID)
		if err != nil {
			return fmt.Errorf("select order uploads: %w", err)
		}
		if _, err := r.exec(ctx, `DELETE FROM order_uploads WHERE order_id = ?`, orderID); err != nil {
			return fmt.Errorf("delete order uploads: %w", err)
		}
		for _, id := range ids {
			if _, err := r.exec(ctx, `DELETE FROM uploads WHERE id = ? AND NOT EXISTS (SELECT 1 FROM order_uploads ou WHERE ou.upload_id = ?)`, id, id); err != nil {
				return fmt.Errorf("delete upload: %w", err)
			}
		}
		return nil
	})
}

// eraseEventReasons clears the failure reasons in an order's events: a
// reason is an item's error, which may quote the fan's text.
func eraseEventReasons(ctx context.Context, r runner, orderID string) error {
	rows, err := r.query(ctx, `SELECT id, data FROM events WHERE order_id = ?`, orderID)
	if err != nil {
		return fmt.Errorf("select events: %w", err)
	}
	edits := map[string]string{}
	for rows.Next() {
		var id, data string
		if err := rows.Scan(&id, &data); err != nil {
			rows.Close()
			return fmt.Errorf("scan event: %w", err)
		}
		var d orders.EventData
		if err := json.Unmarshal([]byte(data), &d); err != nil {
			rows.Close()
			return fmt.Errorf("decode event %s: %w", id, err)
		}
		if d.Reason == "" {
			continue
		}
		d.Reason = ""
		b, err := json.Marshal(d)
		if err != nil {
			rows.Close()
			return fmt.Errorf("encode event %s: %w", id, err)
		}
		edits[id] = string(b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("select events: %w", err)
	}
	for id, data := range edits {
		if _, err := r.exec(ctx, `UPDATE events SET data = ? WHERE id = ?`, data, id); err != nil {
			return fmt.Errorf("erase event reason: %w", err)
		}
	}
	return nil
}
