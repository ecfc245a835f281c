package sqlstore

import (
	"context"
	"database/sql/driver"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// execer runs a statement that returns no rows, written as runner's are:
// a runner runs it at once, a pgBatch when the batch is sent.
type execer interface {
	do(ctx context.Context, query string, args ...any) error
}

func (r runner) do(ctx context.Context, query string, args ...any) error {
	_, err := r.exec(ctx, query, args...)
	return err
}

// pgBatch queues PostgreSQL statements to send at once (Store.sendBatch).
type pgBatch struct {
	b pgx.Batch
	d *dialect
}

func (b *pgBatch) do(_ context.Context, query string, args ...any) error {
	b.b.Queue(b.d.rebind(query), b.d.args(args)...)
	return nil
}

// maxBadConnRetries is how many times sendBatch takes another connection
// when the one it took turns out broken before anything was sent, as
// database/sql does for its own statements.
const maxBadConnRetries = 2

// writeBatch runs fn's statements in one transaction: on PostgreSQL they
// are sent at once, in one round trip, and run as one implicit
// transaction, committed when the server answers the batch (an error in
// any of them rolls back all); on SQLite they run in a write transaction.
// The first statement to fail is the error, classified as runner's are.
func (s *Store) writeBatch(ctx context.Context, fn func(e execer) error) error {
	if s.d != postgres {
		return s.write(ctx, func(r runner) error { return fn(r) })
	}
	var err error
	for range maxBadConnRetries + 1 {
		b := &pgBatch{d: s.d}
		if err := fn(b); err != nil {
			return err
		}
		if err = s.sendBatch(ctx, &b.b); err == nil {
			return nil
		} else if !pgconn.SafeToRetry(err) {
			break
		}
	}
	return fmt.Errorf("write batch: %w", classify(err))
}

// sendBatch sends b on a connection of the pool and reads every answer,
// up to the implicit transaction's commit. A connection found broken is
// not given back to the pool.
func (s *Store) sendBatch(ctx context.Context, b *pgx.Batch) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	var sendErr error
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("send batch: the connection is a %T, not pgx's", dc)
		}
		sendErr = c.Conn().SendBatch(ctx, b).Close()
		if sendErr != nil && c.Conn().IsClosed() {
			return driver.ErrBadConn // the pool drops it
		}
		return sendErr
	})
	if sendErr != nil {
		return sendErr
	}
	return err
}
