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

// The operator's keys and search (orders.AdminKeyStore,
// orders.OrderStore.SearchOrders).

var _ orders.AdminKeyStore = (*Store)(nil)

const adminKeyColumns = `id, name, hash, created_at, revoked_at`

func scanAdminKey(sc interface{ Scan(...any) error }) (*orders.AdminKey, error) {
	k := &orders.AdminKey{}
	err := sc.Scan(&k.ID, &k.Name, &k.Hash, scanTime(&k.CreatedAt), scanNullTime(&k.RevokedAt))
	return k, err
}

func errAdminKeyNotFound() error {
	return oshigoods.Errorf(oshigoods.ENOTFOUND, "Operator key not found.")
}

// CreateAdminKey stores an operator key's record. ECONFLICT if a key with
// its id or hash exists.
func (s *Store) CreateAdminKey(ctx context.Context, k *orders.AdminKey) error {
	_, err := runner{s.db, s.d}.exec(ctx, `INSERT INTO admin_keys (`+adminKeyColumns+`) VALUES (?, ?, ?, ?, ?)`,
		k.ID, k.Name, k.Hash, k.CreatedAt, nullTime(k.RevokedAt))
	if s.d.uniqueViolation(err) {
		return oshigoods.Errorf(oshigoods.ECONFLICT, "The operator key already exists.")
	} else if err != nil {
		return fmt.Errorf("insert operator key: %w", err)
	}
	return nil
}

// AdminKeyByHash returns the key with the given hash, revoked or not.
// ENOTFOUND if none.
func (s *Store) AdminKeyByHash(ctx context.Context, hash string) (*orders.AdminKey, error) {
	return s.adminKeyWhere(ctx, "hash", hash)
}

// AdminKey returns the key with the given id, revoked or not. ENOTFOUND
// if none.
func (s *Store) AdminKey(ctx context.Context, id string) (*orders.AdminKey, error) {
	return s.adminKeyWhere(ctx, "id", id)
}

// adminKeyWhere returns the key whose column (id or hash) is v.
func (s *Store) adminKeyWhere(ctx context.Context, column, v string) (*orders.AdminKey, error) {
	k, err := scanAdminKey(runner{s.db, s.d}.queryRow(ctx, `SELECT `+adminKeyColumns+` FROM admin_keys WHERE `+column+` = ?`, v))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errAdminKeyNotFound()
	} else if err != nil {
		return nil, fmt.Errorf("select operator key: %w", err)
	}
	return k, nil
}

// AdminKeys returns every operator key by creation time then id.
func (s *Store) AdminKeys(ctx context.Context) ([]*orders.AdminKey, error) {
	rows, err := runner{s.db, s.d}.query(ctx, `SELECT `+adminKeyColumns+` FROM admin_keys ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("select operator keys: %w", err)
	}
	defer rows.Close()
	var list []*orders.AdminKey
	for rows.Next() {
		k, err := scanAdminKey(rows)
		if err != nil {
			return nil, fmt.Errorf("scan operator key: %w", err)
		}
		list = append(list, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("select operator keys: %w", err)
	}
	return list, nil
}

// RevokeAdminKey marks the key revoked at now; revoking again keeps the
// first time. ENOTFOUND if there is no such key.
func (s *Store) RevokeAdminKey(ctx context.Context, id string, now time.Time) error {
	res, err := runner{s.db, s.d}.exec(ctx, `UPDATE admin_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`, now, id)
	if err != nil {
		return fmt.Errorf("revoke operator key: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("revoke operator key: %w", err)
	} else if n == 0 {
		return errAdminKeyNotFound()
	}
	return nil
}

// SearchOrders returns the orders q selects, newest first, with items and
// files. See orders.OrderStore.
func (s *Store) SearchOrders(ctx context.Context, q orders.OrderQuery) ([]*orders.Order, error) {
	if q.Limit <= 0 {
		q.Limit = defaultLimit
	}
	var conds []string
	var args []any
	if q.ID != "" {
		conds, args = append(conds, "id = ?"), append(args, q.ID)
	}
	if q.Email != "" {
		conds, args = append(conds, "LOWER(customer_email) = LOWER(?)"), append(args, q.Email)
	}
	if q.Status != "" {
		conds, args = append(conds, "status = ?"), append(args, string(q.Status))
	}
	if q.BeforeID != "" {
		conds = append(conds, "(created_at < ? OR (created_at = ? AND id < ?))")
		args = append(args, q.BeforeCreated, q.BeforeCreated, q.BeforeID)
	}
	where := ""
	if len(conds) > 0 {
		where = "WHERE " + strings.Join(conds, " AND ")
	}
	var list []*orders.Order
	err := s.read(ctx, func(r runner) (err error) {
		list, err = loadOrders(ctx, r, where+` ORDER BY created_at DESC, id DESC LIMIT ?`, append(args, q.Limit)...)
		return err
	})
	return list, err
}
