package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"oshigoods"
	"oshigoods/orders"
)

// nullTime is t as a column value, NULL when zero.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// SetCheckout records the checkout opened for an order whose payment is
// pending: its reference, URL and, as the payment's deadline, when it
// closes. ENOTFOUND if there is no such order; ECONFLICT if its payment is
// not pending.
func (s *Store) SetCheckout(ctx context.Context, orderID string, c orders.Checkout) error {
	return s.write(ctx, func(r runner) error {
		ps, err := lockPayment(ctx, r, orderID)
		if err != nil {
			return err
		}
		if ps != orders.PaymentPending {
			return oshigoods.Errorf(oshigoods.ECONFLICT, "The order's payment is %s.", ps)
		}
		_, err = r.exec(ctx, `UPDATE orders SET payment_ref = ?, checkout_url = ?, payment_due_at = ? WHERE id = ?`,
			c.Reference, c.URL, nullTime(c.ExpiresAt), orderID)
		return err
	})
}

// lockPayment locks the order's row and returns its payment status.
func lockPayment(ctx context.Context, r runner, orderID string) (orders.PaymentStatus, error) {
	var ps orders.PaymentStatus
	err := r.queryRow(ctx, `SELECT payment_status FROM orders WHERE id = ?`+r.d.forUpdate, orderID).Scan(&ps)
	if errors.Is(err, sql.ErrNoRows) {
		return "", oshigoods.Errorf(oshigoods.ENOTFOUND, "Order not found.")
	} else if err != nil {
		return "", fmt.Errorf("lock order: %w", err)
	}
	return ps, nil
}

// RecordPayment applies one payment transition in one transaction under
// the order's lock. PaymentEventPaid moves a pending payment to paid, the
// order's items from awaiting_payment to received, and owes the fan the
// payment-received mail; PaymentEventExpired moves a pending payment to
// expired and cancels the items. The record is kept with its provider
// reference. A record whose (Provider, EventID) is stored already, a paid
// order paid again, and an expired or cancelled one expired again, change
// nothing (changed false). ENOTFOUND if there is no such order; ECONFLICT
// when paying an order whose payment expired or was cancelled (the money
// must be refunded by the operator), or expiring a paid one.
func (s *Store) RecordPayment(ctx context.Context, rec orders.PaymentRecord) (changed bool, err error) {
	typ := rec.Type
	err = s.write(ctx, func(r runner) error {
		changed = false
		ps, err := lockPayment(ctx, r, rec.OrderID)
		if err != nil {
			return err
		}
		var seen int
		if err := r.queryRow(ctx, `SELECT COUNT(*) FROM payments WHERE provider = ? AND event_id = ?`, rec.Provider, rec.EventID).Scan(&seen); err != nil {
			return fmt.Errorf("find payment record: %w", err)
		}
		if seen > 0 {
			return nil
		}
		now := rec.At
		if now.IsZero() {
			now = s.now()
		}
		switch typ {
		case orders.PaymentEventPaid:
			switch ps {
			case orders.PaymentPaid:
				return nil
			case orders.PaymentPending:
			default:
				return oshigoods.Errorf(oshigoods.ECONFLICT, "The order's payment is %s; it cannot be marked paid. Refund the payment, or take a new order.", ps)
			}
			if _, err := r.exec(ctx, `UPDATE orders SET payment_status = ?, paid_at = ?, payment_ref = CASE WHEN ? = '' THEN payment_ref ELSE ? END WHERE id = ?`,
				string(orders.PaymentPaid), now, rec.Reference, rec.Reference, rec.OrderID); err != nil {
				return fmt.Errorf("mark paid: %w", err)
			}
			if _, err := r.exec(ctx, `UPDATE items SET status = ?, updated_at = ? WHERE order_id = ? AND status = ?`,
				string(orders.StatusReceived), now, rec.OrderID, string(orders.StatusAwaitingPayment)); err != nil {
				return fmt.Errorf("release items: %w", err)
			}
			if err := queueMail(ctx, r, rec.OrderID, orders.MailPaymentReceived, now); err != nil {
				return err
			}
		case orders.PaymentEventExpired:
			switch ps {
			case orders.PaymentExpired, orders.PaymentCancelled:
				return nil
			case orders.PaymentPending:
			default:
				return oshigoods.Errorf(oshigoods.ECONFLICT, "The order's payment is %s; it cannot expire.", ps)
			}
			if _, err := r.exec(ctx, `UPDATE orders SET payment_status = ? WHERE id = ?`, string(orders.PaymentExpired), rec.OrderID); err != nil {
				return fmt.Errorf("expire payment: %w", err)
			}
			if _, err := r.exec(ctx, `UPDATE items SET status = ?, error_message = ?, updated_at = ? WHERE order_id = ? AND status = ?`,
				string(orders.StatusCancelled), "payment expired", now, rec.OrderID, string(orders.StatusAwaitingPayment)); err != nil {
				return fmt.Errorf("cancel unpaid items: %w", err)
			}
		default:
			return fmt.Errorf("record payment: unknown event type %q", typ)
		}
		if _, err := r.exec(ctx, `INSERT INTO payments (provider, event_id, order_id, type, reference, amount, recorded_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			rec.Provider, rec.EventID, rec.OrderID, string(typ), rec.Reference, int64(rec.Amount), rec.By, now); err != nil {
			return fmt.Errorf("insert payment record: %w", err)
		}
		changed = true
		return deriveOrder(ctx, r, rec.OrderID, now)
	})
	return changed, err
}

// OverduePayments returns the ids of orders whose payment is pending with
// a deadline before `before`, earliest deadline first, at most limit (≤ 0
// means 100).
func (s *Store) OverduePayments(ctx context.Context, before time.Time, limit int) ([]string, error) {
	if limit <= 0 {
		limit = defaultLimit
	}
	var ids []string
	err := s.read(ctx, func(r runner) error {
		rows, err := r.query(ctx, `SELECT id FROM orders WHERE payment_status = ? AND payment_due_at < ?
			ORDER BY payment_due_at, id LIMIT ?`, string(orders.PaymentPending), before, limit)
		if err != nil {
			return fmt.Errorf("select overdue payments: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return fmt.Errorf("scan order id: %w", err)
			}
			ids = append(ids, id)
		}
		return rows.Err()
	})
	return ids, err
}

// PaymentRecords returns an order's payment records, oldest first.
func (s *Store) PaymentRecords(ctx context.Context, orderID string) ([]orders.PaymentRecord, error) {
	var list []orders.PaymentRecord
	err := s.read(ctx, func(r runner) error {
		rows, err := r.query(ctx, `SELECT type, provider, event_id, order_id, reference, amount, recorded_by, created_at
			FROM payments WHERE order_id = ? ORDER BY created_at, event_id`, orderID)
		if err != nil {
			return fmt.Errorf("select payments: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var p orders.PaymentRecord
			if err := rows.Scan(&p.Type, &p.Provider, &p.EventID, &p.OrderID, &p.Reference, &p.Amount, &p.By, scanTime(&p.At)); err != nil {
				return fmt.Errorf("scan payment: %w", err)
			}
			list = append(list, p)
		}
		return rows.Err()
	})
	return list, err
}
