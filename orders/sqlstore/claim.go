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

// ClaimOrders leases up to req.Max of the shop's ready orders to it. The orders are
// picked and leased in one transaction: on PostgreSQL with FOR UPDATE SKIP
// LOCKED, so concurrent claimers pass over each other's rows instead of
// waiting, and a row another claim leased meanwhile is re-checked and
// dropped; on SQLite the transaction holds the one write lock. The lease is
// kept on the order's row (claim_id, lease_expires_at). See orders.Store.
func (s *Store) ClaimOrders(ctx context.Context, id, shopID string, req orders.ClaimRequest, now time.Time) (*orders.Claim, error) {
	if req.Max <= 0 || req.Lease <= 0 {
		return nil, fmt.Errorf("claim orders: request without defaults: %+v", req)
	}
	// An erased order has no files left to make (orders.RetentionStore).
	where := `WHERE o.shop_id = ? AND o.status = ? AND o.erased_at IS NULL AND (o.lease_expires_at IS NULL OR o.lease_expires_at <= ?)`
	args := []any{shopID, string(orders.StatusReady), now}
	if len(req.Kinds) > 0 || len(req.Templates) > 0 {
		var miss []string
		var margs []any
		if len(req.Kinds) > 0 {
			miss = append(miss, `i.kind NOT IN (`+placeholders(len(req.Kinds))+`)`)
			for _, k := range req.Kinds {
				margs = append(margs, string(k))
			}
		}
		if len(req.Templates) > 0 {
			miss = append(miss, `i.template NOT IN (`+placeholders(len(req.Templates))+`)`)
			for _, t := range req.Templates {
				margs = append(margs, t)
			}
		}
		cond := miss[0]
		if len(miss) == 2 {
			cond = miss[0] + ` OR ` + miss[1]
		}
		where += ` AND NOT EXISTS (SELECT 1 FROM items i WHERE i.order_id = o.id AND i.status <> ? AND (` + cond + `))`
		args = append(args, string(orders.StatusCancelled))
		args = append(args, margs...)
	}
	args = append(args, req.Max)
	expires := now.Add(req.Lease)
	var ids []string
	err := s.write(ctx, func(r runner) error {
		var err error
		ids, err = r.queryStrings(ctx, `SELECT o.id FROM orders o `+where+` ORDER BY o.created_at, o.id LIMIT ?`+r.d.skipLocked, args...)
		if err != nil {
			return fmt.Errorf("select orders to claim: %w", err)
		}
		if len(ids) == 0 {
			return nil
		}
		if _, err := r.exec(ctx, `INSERT INTO claims (id, shop_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
			id, shopID, now, expires); err != nil {
			if s.d.uniqueViolation(err) {
				return oshigoods.Errorf(oshigoods.ECONFLICT, "A claim with this id exists.")
			}
			return fmt.Errorf("insert claim: %w", err)
		}
		for i, oid := range ids {
			if _, err := r.exec(ctx, `UPDATE orders SET claim_id = ?, lease_expires_at = ? WHERE id = ?`, id, expires, oid); err != nil {
				return fmt.Errorf("lease order: %w", err)
			}
			if _, err := r.exec(ctx, `INSERT INTO claim_orders (claim_id, order_id, position) VALUES (?, ?, ?)`, id, oid, i); err != nil {
				return fmt.Errorf("insert claim order: %w", err)
			}
		}
		return nil
	})
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	return s.Claim(ctx, id)
}

func errClaimNotFound() error { return oshigoods.Errorf(oshigoods.ENOTFOUND, "Claim not found.") }

// Claim returns a claim with its orders and acks. ENOTFOUND if none.
func (s *Store) Claim(ctx context.Context, id string) (*orders.Claim, error) {
	c := &orders.Claim{ID: id, Acks: map[string]orders.Ack{}}
	err := s.read(ctx, func(r runner) error {
		err := r.queryRow(ctx, `SELECT shop_id, created_at, expires_at, released_at FROM claims WHERE id = ?`, id).
			Scan(&c.ShopID, scanTime(&c.CreatedAt), scanTime(&c.ExpiresAt), scanNullTime(&c.ReleasedAt))
		if errors.Is(err, sql.ErrNoRows) {
			return errClaimNotFound()
		} else if err != nil {
			return fmt.Errorf("read claim: %w", err)
		}
		rows, err := r.query(ctx, `SELECT order_id, outcome, reason, acked_at FROM claim_orders WHERE claim_id = ? ORDER BY position`, id)
		if err != nil {
			return fmt.Errorf("read claim orders: %w", err)
		}
		var ids []any
		for rows.Next() {
			var a orders.Ack
			if err := rows.Scan(&a.OrderID, &a.Outcome, &a.Reason, scanNullTime(&a.AckedAt)); err != nil {
				rows.Close()
				return fmt.Errorf("scan claim order: %w", err)
			}
			ids = append(ids, a.OrderID)
			if a.Outcome != "" {
				c.Acks[a.OrderID] = a
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read claim orders: %w", err)
		}
		if len(ids) == 0 {
			return nil
		}
		list, err := loadOrders(ctx, r, `WHERE id IN (`+placeholders(len(ids))+`)`, ids...)
		if err != nil {
			return err
		}
		byID := map[string]*orders.Order{}
		for _, o := range list {
			byID[o.ID] = o
		}
		for _, oid := range ids {
			if o := byID[oid.(string)]; o != nil {
				c.Orders = append(c.Orders, o)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// AckOrder records a shop's outcome for one order of a claim. See
// orders.Store.
func (s *Store) AckOrder(ctx context.Context, claimID string, ack orders.Ack, now time.Time) (bool, error) {
	if ack.Outcome != orders.OutcomePrinted && ack.Outcome != orders.OutcomeFailed {
		return false, fmt.Errorf("ack order: unknown outcome %q", ack.Outcome)
	}
	var changed bool
	err := s.write(ctx, func(r runner) error {
		changed = false
		var outcome orders.Outcome
		err := r.queryRow(ctx, `SELECT outcome FROM claim_orders WHERE claim_id = ? AND order_id = ?`, claimID, ack.OrderID).Scan(&outcome)
		if errors.Is(err, sql.ErrNoRows) {
			return oshigoods.Errorf(oshigoods.ENOTFOUND, "The claim %s does not hold order %s.", claimID, ack.OrderID)
		} else if err != nil {
			return fmt.Errorf("read claim order: %w", err)
		}
		var status orders.Status
		var holder sql.NullString
		err = r.queryRow(ctx, `SELECT status, claim_id FROM orders WHERE id = ?`+r.d.forUpdate, ack.OrderID).Scan(&status, &holder)
		if err != nil {
			return fmt.Errorf("lock order: %w", err)
		}
		// Read the outcome again under the order's lock.
		if err := r.queryRow(ctx, `SELECT outcome FROM claim_orders WHERE claim_id = ? AND order_id = ?`, claimID, ack.OrderID).Scan(&outcome); err != nil {
			return fmt.Errorf("read claim order: %w", err)
		}
		switch {
		case outcome == ack.Outcome:
			return nil
		case outcome != "":
			return oshigoods.Errorf(oshigoods.ECONFLICT, "Order %s was already acked as %s.", ack.OrderID, outcome)
		case holder.Valid && holder.String != claimID:
			return oshigoods.Errorf(oshigoods.ECONFLICT, "The lease on order %s ended and another claim holds it now; do not make it.", ack.OrderID)
		case status != orders.StatusReady:
			return oshigoods.Errorf(oshigoods.ECONFLICT, "Order %s is %s, no longer ready; do not make it.", ack.OrderID, status)
		}
		to, msg := orders.StatusPrinted, ""
		if ack.Outcome == orders.OutcomeFailed {
			to, msg = orders.StatusFailed, "print shop: "+ack.Reason
		}
		// The shop makes the printed goods; a download stays as it is.
		if _, err := r.exec(ctx, `UPDATE items SET status = ?, error_message = ?, updated_at = ? WHERE order_id = ? AND status = ? AND kind <> ?`,
			string(to), msg, now, ack.OrderID, string(orders.StatusReady), string(orders.KindVoice)); err != nil {
			return fmt.Errorf("update items: %w", err)
		}
		if _, err := r.exec(ctx, `UPDATE orders SET claim_id = NULL, lease_expires_at = NULL WHERE id = ?`, ack.OrderID); err != nil {
			return fmt.Errorf("end lease: %w", err)
		}
		if _, err := r.exec(ctx, `UPDATE claim_orders SET outcome = ?, reason = ?, acked_at = ? WHERE claim_id = ? AND order_id = ?`,
			string(ack.Outcome), ack.Reason, now, claimID, ack.OrderID); err != nil {
			return fmt.Errorf("record ack: %w", err)
		}
		changed = true
		return deriveOrder(ctx, r, ack.OrderID, now)
	})
	return changed, err
}

// ReleaseClaim ends a claim's lease on its unacked orders. See orders.Store.
func (s *Store) ReleaseClaim(ctx context.Context, claimID string, now time.Time) error {
	return s.write(ctx, func(r runner) error {
		var released time.Time
		err := r.queryRow(ctx, `SELECT released_at FROM claims WHERE id = ?`+r.d.forUpdate, claimID).Scan(scanNullTime(&released))
		if errors.Is(err, sql.ErrNoRows) {
			return errClaimNotFound()
		} else if err != nil {
			return fmt.Errorf("read claim: %w", err)
		}
		if !released.IsZero() {
			return nil
		}
		if _, err := r.exec(ctx, `UPDATE claims SET released_at = ? WHERE id = ?`, now, claimID); err != nil {
			return fmt.Errorf("release claim: %w", err)
		}
		if _, err := r.exec(ctx, `UPDATE orders SET claim_id = NULL, lease_expires_at = NULL WHERE claim_id = ?`, claimID); err != nil {
			return fmt.Errorf("end leases: %w", err)
		}
		return nil
	})
}

// CancelOrder cancels an order's items that are not cancelled or printed.
// See orders.Store.
func (s *Store) CancelOrder(ctx context.Context, orderID string, now time.Time) error {
	return s.write(ctx, func(r runner) error {
		var status orders.Status
		var lease time.Time
		err := r.queryRow(ctx, `SELECT status, lease_expires_at FROM orders WHERE id = ?`+r.d.forUpdate, orderID).
			Scan(&status, scanNullTime(&lease))
		if errors.Is(err, sql.ErrNoRows) {
			return oshigoods.Errorf(oshigoods.ENOTFOUND, "Order not found.")
		} else if err != nil {
			return fmt.Errorf("lock order: %w", err)
		}
		switch {
		case status == orders.StatusCancelled:
			return nil
		case status == orders.StatusPrinted || status == orders.StatusShipped || status == orders.StatusDelivered:
			return oshigoods.Errorf(oshigoods.ECONFLICT, "The order has been %s and can no longer be cancelled.", status)
		case !lease.IsZero() && lease.After(now):
			return oshigoods.Errorf(oshigoods.ECONFLICT, "A print shop has already taken the order to make it, so it can no longer be cancelled. Please contact the shop.")
		}
		if _, err := r.exec(ctx, `UPDATE items SET status = ?, updated_at = ? WHERE order_id = ? AND status NOT IN (?, ?, ?, ?)`,
			string(orders.StatusCancelled), now, orderID, string(orders.StatusCancelled), string(orders.StatusPrinted),
			string(orders.StatusShipped), string(orders.StatusDelivered)); err != nil {
			return fmt.Errorf("cancel items: %w", err)
		}
		if _, err := r.exec(ctx, `UPDATE orders SET claim_id = NULL, lease_expires_at = NULL,
			payment_status = CASE WHEN payment_status = ? THEN ? ELSE payment_status END WHERE id = ?`,
			string(orders.PaymentPending), string(orders.PaymentCancelled), orderID); err != nil {
			return fmt.Errorf("end lease: %w", err)
		}
		return deriveOrder(ctx, r, orderID, now)
	})
}
