package sqlstore

import (
	"context"
	"fmt"
	"time"

	"oshigoods/orders"
)

var _ orders.CensusStore = (*Store)(nil)

// Census counts orders and items by status and the two outboxes' pending
// and failed entries, with the oldest of each, in one read-only
// transaction. Each query reads one status index (delivered deliveries and
// sent mails are not read). See orders.CensusStore.
func (s *Store) Census(ctx context.Context) (*orders.Census, error) {
	c := &orders.Census{Orders: map[orders.Status]int{}, Items: map[orders.Status]int{}, OldestItem: map[orders.Status]time.Time{},
		Deliveries: map[string]int{}, Mails: map[orders.MailStatus]int{}}
	err := s.read(ctx, func(r runner) error {
		return countBy(ctx, r, []censusQuery{
			{"orders", `SELECT status, COUNT(*), MIN(updated_at) FROM orders GROUP BY status`, func(st string, n int, _ time.Time) {
				c.Orders[orders.Status(st)] = n
			}},
			{"items", `SELECT status, COUNT(*), MIN(updated_at) FROM items GROUP BY status`, func(st string, n int, oldest time.Time) {
				c.Items[orders.Status(st)], c.OldestItem[orders.Status(st)] = n, oldest
			}},
			{"webhook deliveries", `SELECT status, COUNT(*), MIN(created_at) FROM webhook_deliveries
				WHERE status IN ('pending', 'failed') GROUP BY status`, func(st string, n int, oldest time.Time) {
				c.Deliveries[st] = n
				if st == orders.DeliveryPending {
					c.OldestPendingDelivery = oldest
				}
			}},
			{"mail outbox", `SELECT status, COUNT(*), MIN(next_attempt_at) FROM mail_outbox
				WHERE status IN ('pending', 'failed') GROUP BY status`, func(st string, n int, oldest time.Time) {
				c.Mails[orders.MailStatus(st)] = n
				if orders.MailStatus(st) == orders.MailPending {
					c.OldestDueMail = oldest
				}
			}},
		})
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// censusQuery is a count by status: its rows are (status, count, oldest
// time), each handed to add.
type censusQuery struct {
	name  string
	query string
	add   func(status string, n int, oldest time.Time)
}

// countBy runs each query and hands every row to its add.
func countBy(ctx context.Context, r runner, queries []censusQuery) error {
	for _, q := range queries {
		rows, err := r.query(ctx, q.query)
		if err != nil {
			return fmt.Errorf("count %s: %w", q.name, err)
		}
		for rows.Next() {
			var st string
			var n int
			var oldest time.Time
			if err := rows.Scan(&st, &n, scanTime(&oldest)); err != nil {
				rows.Close()
				return fmt.Errorf("count %s: %w", q.name, err)
			}
			q.add(st, n, oldest)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("count %s: %w", q.name, err)
		}
	}
	return nil
}
