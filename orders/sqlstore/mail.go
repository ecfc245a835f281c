package sqlstore

import (
	"context"
	"fmt"
	"time"

	"oshigoods/orders"
)

var _ orders.MailStore = (*Store)(nil)

// queueMail owes the order's fan the mail of the given kind, once: a
// second call for the same order and kind does nothing. It runs in the
// caller's transaction.
func queueMail(ctx context.Context, r execer, orderID string, kind orders.MailKind, now time.Time) error {
	if err := r.do(ctx, `INSERT INTO mail_outbox (id, order_id, kind, status, attempts, next_attempt_at, created_at)
		VALUES (?, ?, ?, ?, 0, ?, ?) ON CONFLICT (order_id, kind) DO NOTHING`,
		orders.NewID("mail"), orderID, string(kind), string(orders.MailPending), now, now); err != nil {
		return fmt.Errorf("queue mail: %w", err)
	}
	return nil
}

const mailColumns = `id, order_id, kind, status, attempts, next_attempt_at, last_error, created_at, sent_at`

func scanMail(sc interface{ Scan(...any) error }) (*orders.OutboxMail, error) {
	m := &orders.OutboxMail{}
	if err := sc.Scan(&m.ID, &m.OrderID, &m.Kind, &m.Status, &m.Attempts, scanTime(&m.NextAttemptAt), &m.LastError,
		scanTime(&m.CreatedAt), scanNullTime(&m.SentAt)); err != nil {
		return nil, fmt.Errorf("scan mail: %w", err)
	}
	return m, nil
}

// selectMails runs a SELECT of mailColumns and scans every row.
func selectMails(ctx context.Context, r runner, query string, args ...any) ([]*orders.OutboxMail, error) {
	rows, err := r.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("select mails: %w", err)
	}
	defer rows.Close()
	var list []*orders.OutboxMail
	for rows.Next() {
		m, err := scanMail(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, m)
	}
	return list, rows.Err()
}

// DueMails claims up to limit pending mails due at now, earliest first,
// and leases them until now+lease, counting an attempt, in one
// transaction: on PostgreSQL the rows are picked FOR UPDATE SKIP LOCKED,
// so concurrent senders pass over each other's rows, and a row another
// sender leased meanwhile is re-checked and dropped (it is no longer due);
// on SQLite the transaction holds the one write lock. See orders.MailStore.
func (s *Store) DueMails(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*orders.OutboxMail, error) {
	if limit <= 0 {
		limit = defaultLimit
	}
	if lease <= 0 {
		return nil, fmt.Errorf("claim mails: lease %s is not positive", lease)
	}
	until := now.Add(lease)
	var list []*orders.OutboxMail
	err := s.write(ctx, func(r runner) (err error) {
		list, err = selectMails(ctx, r, `SELECT `+mailColumns+` FROM mail_outbox WHERE status = ? AND next_attempt_at <= ?
			ORDER BY next_attempt_at, id LIMIT ?`+r.d.skipLocked, string(orders.MailPending), now, limit)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return nil
		}
		args := make([]any, 0, len(list)+1)
		args = append(args, until)
		for _, m := range list {
			args = append(args, m.ID)
			m.Attempts++
			m.NextAttemptAt = until.UTC().Truncate(time.Millisecond)
		}
		if _, err := r.exec(ctx, `UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = ? WHERE id IN (`+placeholders(len(list))+`)`,
			args...); err != nil {
			return fmt.Errorf("lease mails: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return list, nil
}

// MailSent marks a pending mail sent at now; any other is left as it is.
// One statement, so no transaction around it.
func (s *Store) MailSent(ctx context.Context, id string, now time.Time) error {
	if _, err := (runner{s.db, s.d}).exec(ctx, `UPDATE mail_outbox SET status = ?, sent_at = ?, last_error = '' WHERE id = ? AND status = ?`,
		string(orders.MailSent), now, id, string(orders.MailPending)); err != nil {
		return fmt.Errorf("mark mail sent: %w", err)
	}
	return nil
}

// MailFailed records a failed attempt of a pending mail: failed for good
// when final, else due again at next. Any other mail is left as it is.
// One statement, so no transaction around it.
func (s *Store) MailFailed(ctx context.Context, id, reason string, next time.Time, final bool) error {
	r := runner{s.db, s.d}
	var err error
	if final {
		_, err = r.exec(ctx, `UPDATE mail_outbox SET status = ?, last_error = ? WHERE id = ? AND status = ?`,
			string(orders.MailFailed), reason, id, string(orders.MailPending))
	} else {
		_, err = r.exec(ctx, `UPDATE mail_outbox SET last_error = ?, next_attempt_at = ? WHERE id = ? AND status = ?`,
			reason, next, id, string(orders.MailPending))
	}
	if err != nil {
		return fmt.Errorf("record mail failure: %w", err)
	}
	return nil
}

// Mails returns an order's mails, oldest first.
func (s *Store) Mails(ctx context.Context, orderID string) ([]*orders.OutboxMail, error) {
	var list []*orders.OutboxMail
	err := s.read(ctx, func(r runner) (err error) {
		list, err = selectMails(ctx, r, `SELECT `+mailColumns+` FROM mail_outbox WHERE order_id = ? ORDER BY created_at, id`, orderID)
		return err
	})
	return list, err
}
