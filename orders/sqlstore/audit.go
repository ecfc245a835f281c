package sqlstore

import (
	"context"
	"fmt"
	"time"

	"oshigoods/orders"
)

var _ orders.AuditStore = (*Store)(nil)

// AddAudit appends an entry to the audit log.
func (s *Store) AddAudit(ctx context.Context, e orders.AuditEntry) error {
	if _, err := (runner{s.db, s.d}).exec(ctx, `INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)`,
		e.At, e.Actor, e.Action, e.Subject, e.Detail); err != nil {
		return fmt.Errorf("insert audit entry: %w", err)
	}
	return nil
}

// AuditLog returns the entries at or after since, oldest first, at most
// limit (≤ 0 means 1000).
func (s *Store) AuditLog(ctx context.Context, since time.Time, limit int) ([]orders.AuditEntry, error) {
	if limit <= 0 {
		limit = 1000
	}
	rows, err := runner{s.db, s.d}.query(ctx, `SELECT id, at, actor, action, subject, detail FROM audit_log
		WHERE at >= ? ORDER BY at, id LIMIT ?`, since, limit)
	if err != nil {
		return nil, fmt.Errorf("select audit log: %w", err)
	}
	defer rows.Close()
	var list []orders.AuditEntry
	for rows.Next() {
		var e orders.AuditEntry
		if err := rows.Scan(&e.ID, scanTime(&e.At), &e.Actor, &e.Action, &e.Subject, &e.Detail); err != nil {
			return nil, fmt.Errorf("scan audit entry: %w", err)
		}
		list = append(list, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("select audit log: %w", err)
	}
	return list, nil
}
