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

// addEvent writes an event and a pending delivery of it for every webhook
// endpoint of the order's shop (none while it has no shop), in the
// caller's transaction. The caller advances the order's event sequence
// to e.Sequence (derive).
func addEvent(ctx context.Context, r runner, e *orders.Event) error {
	data, err := json.Marshal(e.Data)
	if err != nil {
		return fmt.Errorf("encode event data: %w", err)
	}
	if _, err := r.exec(ctx, `INSERT INTO events (id, order_id, seq, type, data, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		e.ID, e.OrderID, e.Sequence, e.Type, string(data), e.CreatedAt); err != nil {
		return fmt.Errorf("insert event: %w", err)
	}
	if _, err := r.exec(ctx, `INSERT INTO webhook_deliveries (event_id, endpoint_id, status, attempts, created_at, updated_at)
		SELECT ?, id, ?, 0, ?, ? FROM webhook_endpoints
		WHERE shop_id = (SELECT shop_id FROM orders WHERE id = ?)`,
		e.ID, orders.DeliveryPending, e.CreatedAt, e.CreatedAt, e.OrderID); err != nil {
		return fmt.Errorf("insert deliveries: %w", err)
	}
	return nil
}

const eventColumns = `e.id, e.order_id, e.seq, e.type, e.data, e.created_at`

func scanEvent(sc interface{ Scan(...any) error }, e *orders.Event, extra ...any) error {
	var data string
	dest := append([]any{&e.ID, &e.OrderID, &e.Sequence, &e.Type, &data, scanTime(&e.CreatedAt)}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return fmt.Errorf("scan event: %w", err)
	}
	if err := json.Unmarshal([]byte(data), &e.Data); err != nil {
		return fmt.Errorf("decode event %s data: %w", e.ID, err)
	}
	return nil
}

// Events returns an order's events by sequence.
func (s *Store) Events(ctx context.Context, orderID string) ([]*orders.Event, error) {
	var list []*orders.Event
	err := s.read(ctx, func(r runner) error {
		list = nil
		rows, err := r.query(ctx, `SELECT `+eventColumns+` FROM events e WHERE e.order_id = ? ORDER BY e.seq`, orderID)
		if err != nil {
			return fmt.Errorf("select events: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			e := &orders.Event{}
			if err := scanEvent(rows, e); err != nil {
				return err
			}
			list = append(list, e)
		}
		return rows.Err()
	})
	return list, err
}

// CreateWebhookEndpoint stores an endpoint unless its shop has max
// already (orders.ErrWebhookLimit). ECONFLICT if the id exists. PostgreSQL
// locks the shop's endpoints before counting them, so two registrations at
// once cannot both take the last place; SQLite's single writer serialises.
func (s *Store) CreateWebhookEndpoint(ctx context.Context, e *orders.WebhookEndpoint, max int) error {
	err := s.write(ctx, func(r runner) error {
		if r.d.forUpdate != "" {
			rows, err := r.query(ctx, `SELECT id FROM webhook_endpoints WHERE shop_id = ?`+r.d.forUpdate, e.ShopID)
			if err != nil {
				return fmt.Errorf("lock webhook endpoints: %w", err)
			}
			rows.Close()
		}
		var n int
		if err := r.queryRow(ctx, `SELECT COUNT(*) FROM webhook_endpoints WHERE shop_id = ?`, e.ShopID).Scan(&n); err != nil {
			return fmt.Errorf("count webhook endpoints: %w", err)
		}
		if n >= max {
			return orders.ErrWebhookLimit
		}
		_, err := r.exec(ctx, `INSERT INTO webhook_endpoints (id, shop_id, url, secret, created_at) VALUES (?, ?, ?, ?, ?)`,
			e.ID, e.ShopID, e.URL, e.Secret, e.CreatedAt)
		return err
	})
	switch {
	case err == nil, errors.Is(err, orders.ErrWebhookLimit), oshigoods.ErrorCode(err) == oshigoods.EUNAVAILABLE:
		return err
	case s.d.uniqueViolation(err):
		return oshigoods.Errorf(oshigoods.ECONFLICT, "A webhook endpoint with this id exists.")
	}
	return fmt.Errorf("insert webhook endpoint: %w", err)
}

// DeleteWebhookEndpoint deletes the shop's endpoint with its deliveries
// and log. ENOTFOUND if the shop has no such endpoint.
func (s *Store) DeleteWebhookEndpoint(ctx context.Context, shopID, id string) error {
	return s.write(ctx, func(r runner) error {
		res, err := r.exec(ctx, `DELETE FROM webhook_endpoints WHERE id = ? AND shop_id = ?`, id, shopID)
		if err != nil {
			return fmt.Errorf("delete webhook endpoint: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return oshigoods.Errorf(oshigoods.ENOTFOUND, "Webhook endpoint not found.")
		}
		// The foreign keys cascade; say it for a database that does not.
		if _, err := r.exec(ctx, `DELETE FROM webhook_deliveries WHERE endpoint_id = ?`, id); err != nil {
			return fmt.Errorf("delete deliveries: %w", err)
		}
		if _, err := r.exec(ctx, `DELETE FROM webhook_attempts WHERE endpoint_id = ?`, id); err != nil {
			return fmt.Errorf("delete delivery log: %w", err)
		}
		return nil
	})
}

// SetWebhookSecret replaces the secret of the shop's endpoint. ENOTFOUND
// if the shop has no such endpoint.
func (s *Store) SetWebhookSecret(ctx context.Context, shopID, id, secret string) error {
	res, err := runner{s.db, s.d}.exec(ctx, `UPDATE webhook_endpoints SET secret = ? WHERE id = ? AND shop_id = ?`, secret, id, shopID)
	if err != nil {
		return fmt.Errorf("set webhook secret: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return oshigoods.Errorf(oshigoods.ENOTFOUND, "Webhook endpoint not found.")
	}
	return nil
}

const endpointColumns = `w.id, w.shop_id, w.url, w.secret, w.created_at`

func endpointDest(w *orders.WebhookEndpoint) []any {
	return []any{&w.ID, &w.ShopID, &w.URL, &w.Secret, scanTime(&w.CreatedAt)}
}

// WebhookEndpoint returns an endpoint. ENOTFOUND if none.
func (s *Store) WebhookEndpoint(ctx context.Context, id string) (*orders.WebhookEndpoint, error) {
	w := &orders.WebhookEndpoint{}
	err := runner{s.db, s.d}.queryRow(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints w WHERE w.id = ?`, id).Scan(endpointDest(w)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, oshigoods.Errorf(oshigoods.ENOTFOUND, "Webhook endpoint not found.")
	} else if err != nil {
		return nil, fmt.Errorf("read webhook endpoint: %w", err)
	}
	return w, nil
}

// WebhookEndpoints returns a shop's endpoints, oldest first.
func (s *Store) WebhookEndpoints(ctx context.Context, shopID string) ([]*orders.WebhookEndpoint, error) {
	rows, err := runner{s.db, s.d}.query(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints w WHERE w.shop_id = ? ORDER BY w.created_at, w.id`, shopID)
	if err != nil {
		return nil, fmt.Errorf("select webhook endpoints: %w", err)
	}
	defer rows.Close()
	var list []*orders.WebhookEndpoint
	for rows.Next() {
		w := &orders.WebhookEndpoint{}
		if err := rows.Scan(endpointDest(w)...); err != nil {
			return nil, fmt.Errorf("scan webhook endpoint: %w", err)
		}
		list = append(list, w)
	}
	return list, rows.Err()
}

const deliverySelect = `SELECT ` + eventColumns + `, ` + endpointColumns + `, d.status, d.attempts
	FROM webhook_deliveries d
	JOIN events e ON e.id = d.event_id
	JOIN webhook_endpoints w ON w.id = d.endpoint_id `

func scanDelivery(sc interface{ Scan(...any) error }) (*orders.Delivery, error) {
	d := &orders.Delivery{Event: &orders.Event{}, Endpoint: &orders.WebhookEndpoint{}}
	extra := append(endpointDest(d.Endpoint), &d.Status, &d.Attempts)
	if err := scanEvent(sc, d.Event, extra...); err != nil {
		return nil, err
	}
	return d, nil
}

// PendingDeliveries returns pending deliveries not handed to the queue since
// before. See orders.Store.
func (s *Store) PendingDeliveries(ctx context.Context, before time.Time, limit int) ([]*orders.Delivery, error) {
	if limit <= 0 {
		limit = defaultLimit
	}
	var list []*orders.Delivery
	err := s.read(ctx, func(r runner) error {
		list = nil
		rows, err := r.query(ctx, deliverySelect+`WHERE d.status = ? AND (d.enqueued_at IS NULL OR d.enqueued_at < ?)
			ORDER BY e.created_at, e.order_id, e.seq, w.id LIMIT ?`, orders.DeliveryPending, before, limit)
		if err != nil {
			return fmt.Errorf("select pending deliveries: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			d, err := scanDelivery(rows)
			if err != nil {
				return err
			}
			list = append(list, d)
		}
		return rows.Err()
	})
	return list, err
}

func errDeliveryNotFound() error {
	return oshigoods.Errorf(oshigoods.ENOTFOUND, "Delivery not found.")
}

// MarkDeliveryEnqueued records that a delivery was handed to the queue.
func (s *Store) MarkDeliveryEnqueued(ctx context.Context, eventID, endpointID string, now time.Time) error {
	res, err := runner{s.db, s.d}.exec(ctx, `UPDATE webhook_deliveries SET enqueued_at = ? WHERE event_id = ? AND endpoint_id = ?`,
		now, eventID, endpointID)
	if err != nil {
		return fmt.Errorf("mark delivery enqueued: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errDeliveryNotFound()
	}
	return nil
}

// Delivery returns one delivery with its event and endpoint.
func (s *Store) Delivery(ctx context.Context, eventID, endpointID string) (*orders.Delivery, error) {
	row := runner{s.db, s.d}.queryRow(ctx, deliverySelect+`WHERE d.event_id = ? AND d.endpoint_id = ?`, eventID, endpointID)
	d, err := scanDelivery(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errDeliveryNotFound()
	}
	return d, err
}

// RecordDeliveryAttempt logs an attempt and sets the delivery's state.
func (s *Store) RecordDeliveryAttempt(ctx context.Context, a orders.DeliveryAttempt) error {
	return s.write(ctx, func(r runner) error {
		var status string
		err := r.queryRow(ctx, `SELECT status FROM webhook_deliveries WHERE event_id = ? AND endpoint_id = ?`+r.d.forUpdate,
			a.EventID, a.EndpointID).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return errDeliveryNotFound()
		} else if err != nil {
			return fmt.Errorf("read delivery: %w", err)
		}
		if _, err := r.exec(ctx, `INSERT INTO webhook_attempts
			(endpoint_id, event_id, event_type, attempt, status_code, error, duration_ms, outcome, at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.EndpointID, a.EventID, a.EventType, a.Attempt, a.StatusCode, a.Error, a.Duration, a.Outcome, a.At); err != nil {
			return fmt.Errorf("log delivery attempt: %w", err)
		}
		if status == orders.DeliveryDelivered {
			return nil
		}
		if _, err := r.exec(ctx, `UPDATE webhook_deliveries SET status = ?, attempts = ?, updated_at = ? WHERE event_id = ? AND endpoint_id = ?`,
			a.Outcome, a.Attempt, a.At, a.EventID, a.EndpointID); err != nil {
			return fmt.Errorf("update delivery: %w", err)
		}
		return nil
	})
}

// DeliveryLog returns an endpoint's delivery attempts, newest first.
func (s *Store) DeliveryLog(ctx context.Context, endpointID string, limit int) ([]orders.DeliveryAttempt, error) {
	if limit <= 0 {
		limit = defaultLimit
	}
	rows, err := runner{s.db, s.d}.query(ctx, `SELECT endpoint_id, event_id, event_type, attempt, status_code, error, duration_ms, outcome, at
		FROM webhook_attempts WHERE endpoint_id = ? ORDER BY id DESC LIMIT ?`, endpointID, limit)
	if err != nil {
		return nil, fmt.Errorf("select delivery log: %w", err)
	}
	defer rows.Close()
	var list []orders.DeliveryAttempt
	for rows.Next() {
		var a orders.DeliveryAttempt
		if err := rows.Scan(&a.EndpointID, &a.EventID, &a.EventType, &a.Attempt, &a.StatusCode, &a.Error, &a.Duration, &a.Outcome, scanTime(&a.At)); err != nil {
			return nil, fmt.Errorf("scan delivery attempt: %w", err)
		}
		list = append(list, a)
	}
	return list, rows.Err()
}
