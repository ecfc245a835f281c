package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"oshigoods"
	"oshigoods/orders"
)

// CreateUpload stores an upload's record. ECONFLICT if an upload with its
// id exists.
func (s *Store) CreateUpload(ctx context.Context, u *orders.Upload) error {
	_, err := runner{s.db, s.d}.exec(ctx, `INSERT INTO uploads
		(id, format, width, height, size, sha256, storage_key, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.Format, u.Width, u.Height, u.Size, u.SHA256, u.Key, u.CreatedAt)
	if s.d.uniqueViolation(err) {
		return oshigoods.Errorf(oshigoods.ECONFLICT, "The upload already exists.")
	} else if err != nil {
		return fmt.Errorf("insert upload: %w", err)
	}
	return nil
}

// Upload returns an upload's record. ENOTFOUND if there is none.
func (s *Store) Upload(ctx context.Context, id string) (*orders.Upload, error) {
	u := &orders.Upload{}
	err := runner{s.db, s.d}.queryRow(ctx, `SELECT id, format, width, height, size, sha256, storage_key, created_at
		FROM uploads WHERE id = ?`, id).
		Scan(&u.ID, &u.Format, &u.Width, &u.Height, &u.Size, &u.SHA256, &u.Key, scanTime(&u.CreatedAt))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, oshigoods.Errorf(oshigoods.ENOTFOUND, "Upload not found.")
	} else if err != nil {
		return nil, fmt.Errorf("select upload: %w", err)
	}
	return u, nil
}
