package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"oshigoods"
	"oshigoods/orders"
)

// Shop keys and the routing of orders to shops. A key's kinds and
// templates are comma-separated in their columns (template ids are
// catalogue ids, which hold no comma).

const shopKeyColumns = `k.id, k.name, k.hash, k.kinds, k.templates, k.created_at, k.revoked_at`

// openOrder is the condition on an order (alias o) that a shop still has
// to make it.
const openOrder = `o.status NOT IN ('printed', 'shipped', 'delivered', 'failed', 'cancelled')`

func scanShopKey(sc interface{ Scan(...any) error }, k *orders.ShopKey, extra ...any) error {
	var kinds, templates string
	dest := append([]any{&k.ID, &k.Name, &k.Hash, &kinds, &templates, scanTime(&k.CreatedAt), scanNullTime(&k.RevokedAt)}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return err
	}
	k.Kinds, k.Templates = nil, nil
	for _, s := range splitList(kinds) {
		k.Kinds = append(k.Kinds, orders.Kind(s))
	}
	k.Templates = splitList(templates)
	return nil
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// CreateShopKey stores a shop key's record. ECONFLICT if a key with its id
// or hash exists.
func (s *Store) CreateShopKey(ctx context.Context, k *orders.ShopKey) error {
	kinds := make([]string, len(k.Kinds))
	for i, kd := range k.Kinds {
		kinds[i] = string(kd)
	}
	var revoked any
	if !k.RevokedAt.IsZero() {
		revoked = s.d.timeValue(k.RevokedAt)
	}
	_, err := runner{s.db, s.d}.exec(ctx, `INSERT INTO shop_keys (id, name, hash, kinds, templates, created_at, revoked_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.Name, k.Hash, strings.Join(kinds, ","), strings.Join(k.Templates, ","), k.CreatedAt, revoked)
	if s.d.uniqueViolation(err) {
		return oshigoods.Errorf(oshigoods.ECONFLICT, "The shop key already exists.")
	} else if err != nil {
		return fmt.Errorf("insert shop key: %w", err)
	}
	return nil
}

// ShopKeyByHash returns the key with the given hash, revoked or not.
// ENOTFOUND if none.
func (s *Store) ShopKeyByHash(ctx context.Context, hash string) (*orders.ShopKey, error) {
	k := &orders.ShopKey{}
	err := scanShopKey(runner{s.db, s.d}.queryRow(ctx, `SELECT `+shopKeyColumns+` FROM shop_keys k WHERE k.hash = ?`, hash), k)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, oshigoods.Errorf(oshigoods.ENOTFOUND, "Shop key not found.")
	} else if err != nil {
		return nil, fmt.Errorf("select shop key: %w", err)
	}
	return k, nil
}

// ShopKeys returns every key by creation time then id, with the number of
// open orders routed to each.
func (s *Store) ShopKeys(ctx context.Context) ([]*orders.ShopKey, error) {
	return s.shopKeys(ctx, true)
}

// RoutingKeys returns every key by creation time then id, without
// counting their orders (OpenOrders is 0): what routing an order reads.
func (s *Store) RoutingKeys(ctx context.Context) ([]*orders.ShopKey, error) {
	return s.shopKeys(ctx, false)
}

// shopKeys reads every key by creation time then id, counting each one's
// open orders if count is set.
func (s *Store) shopKeys(ctx context.Context, count bool) ([]*orders.ShopKey, error) {
	if !count {
		return selectShopKeys(ctx, runner{s.db, s.d}, "", nil)
	}
	return selectShopKeys(ctx, runner{s.db, s.d}, `, (SELECT COUNT(*) FROM orders o WHERE o.shop_id = k.id AND `+openOrder+`)`,
		func(k *orders.ShopKey) []any { return []any{&k.OpenOrders} })
}

// selectShopKeys reads every key by creation time then id through r, with
// the further columns more (", expr, …" over shop_keys k) scanned into
// what extra returns for each key (extra may be nil when more is empty).
func selectShopKeys(ctx context.Context, r runner, more string, extra func(*orders.ShopKey) []any) ([]*orders.ShopKey, error) {
	rows, err := r.query(ctx, `SELECT `+shopKeyColumns+more+` FROM shop_keys k ORDER BY k.created_at, k.id`)
	if err != nil {
		return nil, fmt.Errorf("select shop keys: %w", err)
	}
	defer rows.Close()
	var list []*orders.ShopKey
	for rows.Next() {
		k := &orders.ShopKey{}
		var dest []any
		if extra != nil {
			dest = extra(k)
		}
		if err := scanShopKey(rows, k, dest...); err != nil {
			return nil, fmt.Errorf("scan shop key: %w", err)
		}
		list = append(list, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("select shop keys: %w", err)
	}
	return list, nil
}

func errShopKeyNotFound() error { return oshigoods.Errorf(oshigoods.ENOTFOUND, "Shop key not found.") }

// RevokeShopKey revokes a key and unroutes its shop's open orders, ending
// their leases. See orders.ShopKeyStore.
func (s *Store) RevokeShopKey(ctx context.Context, id string, now time.Time) error {
	return s.write(ctx, func(r runner) error {
		var revoked time.Time
		err := r.queryRow(ctx, `SELECT revoked_at FROM shop_keys WHERE id = ?`+r.d.forUpdate, id).Scan(scanNullTime(&revoked))
		if errors.Is(err, sql.ErrNoRows) {
			return errShopKeyNotFound()
		} else if err != nil {
			return fmt.Errorf("lock shop key: %w", err)
		}
		if !revoked.IsZero() {
			return nil
		}
		if _, err := r.exec(ctx, `UPDATE shop_keys SET revoked_at = ? WHERE id = ?`, now, id); err != nil {
			return fmt.Errorf("revoke shop key: %w", err)
		}
		if _, err := r.exec(ctx, `UPDATE orders SET shop_id = NULL, claim_id = NULL, lease_expires_at = NULL
			WHERE shop_id = ? AND status NOT IN ('printed', 'shipped', 'delivered', 'failed', 'cancelled')`, id); err != nil {
			return fmt.Errorf("unroute the shop's orders: %w", err)
		}
		// Its endpoints get nothing more: what was still owed them is
		// dropped (failed), not sent on behalf of a shop that left.
		if _, err := r.exec(ctx, `UPDATE webhook_deliveries SET status = ?, updated_at = ?
			WHERE status = ? AND endpoint_id IN (SELECT id FROM webhook_endpoints WHERE shop_id = ?)`,
			orders.DeliveryFailed, now, orders.DeliveryPending, id); err != nil {
			return fmt.Errorf("drop the shop's pending webhook deliveries: %w", err)
		}
		return nil
	})
}

// RotateShopKey replaces an active key's hash. See orders.ShopKeyStore.
func (s *Store) RotateShopKey(ctx context.Context, id, hash string) error {
	return s.write(ctx, func(r runner) error {
		var revoked time.Time
		err := r.queryRow(ctx, `SELECT revoked_at FROM shop_keys WHERE id = ?`+r.d.forUpdate, id).Scan(scanNullTime(&revoked))
		if errors.Is(err, sql.ErrNoRows) {
			return errShopKeyNotFound()
		} else if err != nil {
			return fmt.Errorf("lock shop key: %w", err)
		}
		if !revoked.IsZero() {
			return oshigoods.Errorf(oshigoods.ECONFLICT, "The shop key is revoked; create a new one.")
		}
		_, err = r.exec(ctx, `UPDATE shop_keys SET hash = ? WHERE id = ?`, hash, id)
		if s.d.uniqueViolation(err) {
			return oshigoods.Errorf(oshigoods.ECONFLICT, "The shop key already exists.")
		} else if err != nil {
			return fmt.Errorf("rotate shop key: %w", err)
		}
		return nil
	})
}

// UnroutedOrders returns the orders waiting for a shop. See
// orders.ShopKeyStore.
func (s *Store) UnroutedOrders(ctx context.Context, limit int) ([]*orders.Order, error) {
	if limit <= 0 {
		limit = defaultLimit
	}
	var list []*orders.Order
	err := s.read(ctx, func(r runner) (err error) {
		list, err = loadOrders(ctx, r, `o WHERE o.shop_id IS NULL AND `+openOrder+`
			AND EXISTS (SELECT 1 FROM items i WHERE i.order_id = o.id AND i.kind <> ? AND i.status <> ?)
			ORDER BY o.created_at, o.id LIMIT ?`, string(orders.KindVoice), string(orders.StatusCancelled), limit)
		return err
	})
	return list, err
}

// RouteOrder sets an unrouted order's shop. See orders.ShopKeyStore.
func (s *Store) RouteOrder(ctx context.Context, orderID, shopID string) (bool, error) {
	res, err := runner{s.db, s.d}.exec(ctx, `UPDATE orders SET shop_id = ? WHERE id = ? AND shop_id IS NULL`, shopID, orderID)
	if err != nil {
		return false, fmt.Errorf("route order: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("route order: %w", err)
	}
	return n == 1, nil
}
