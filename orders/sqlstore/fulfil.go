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

// MarkShipped records a printed order's shipment. See
// orders.FulfilmentStore.
func (s *Store) MarkShipped(ctx context.Context, orderID string, sh orders.Shipment) (changed bool, err error) {
	err = s.write(ctx, func(r runner) error {
		changed = false
		var status orders.Status
		var carrier, number string
		err := r.queryRow(ctx, `SELECT status, carrier, tracking_number FROM orders WHERE id = ?`+r.d.forUpdate, orderID).
			Scan(&status, &carrier, &number)
		if errors.Is(err, sql.ErrNoRows) {
			return oshigoods.Errorf(oshigoods.ENOTFOUND, "Order not found.")
		} else if err != nil {
			return fmt.Errorf("lock order: %w", err)
		}
		switch {
		case status == orders.StatusShipped && carrier == sh.Carrier && number == sh.TrackingNumber:
			return nil
		case status == orders.StatusShipped:
			return oshigoods.Errorf(oshigoods.ECONFLICT, "The order was shipped already, with %s %s.", carrier, number)
		case status != orders.StatusPrinted:
			return oshigoods.Errorf(oshigoods.ECONFLICT, "The order is %s; only a printed order can be shipped (ack it printed first).", status)
		}
		now := sh.ShippedAt
		if now.IsZero() {
			now = s.now()
		}
		if _, err := r.exec(ctx, `UPDATE orders SET carrier = ?, tracking_number = ?, shipped_at = ? WHERE id = ?`,
			sh.Carrier, sh.TrackingNumber, now, orderID); err != nil {
			return fmt.Errorf("record shipment: %w", err)
		}
		if _, err := r.exec(ctx, `UPDATE items SET status = ?, updated_at = ? WHERE order_id = ? AND status = ?`,
			string(orders.StatusShipped), now, orderID, string(orders.StatusPrinted)); err != nil {
			return fmt.Errorf("ship items: %w", err)
		}
		if err := queueMail(ctx, r, orderID, orders.MailShipped, now); err != nil {
			return err
		}
		changed = true
		return deriveOrder(ctx, r, orderID, now)
	})
	return changed, err
}

// DeliverDigital marks an order's ready downloads delivered. See
// orders.FulfilmentStore.
func (s *Store) DeliverDigital(ctx context.Context, orderID string, now time.Time) (changed bool, err error) {
	err = s.write(ctx, func(r runner) error {
		changed = false
		if err := lockOrder(ctx, r, orderID); err != nil {
			return err
		}
		res, err := r.exec(ctx, `UPDATE items SET status = ?, updated_at = ? WHERE order_id = ? AND status = ? AND kind = ?`,
			string(orders.StatusDelivered), now, orderID, string(orders.StatusReady), string(orders.KindVoice))
		if err != nil {
			return fmt.Errorf("deliver items: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		changed = true
		return deriveOrder(ctx, r, orderID, now)
	})
	return changed, err
}
