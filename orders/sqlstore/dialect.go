package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// dialect is what differs between PostgreSQL and SQLite. Queries are written
// once, with ? placeholders; everything else is shared.
type dialect struct {
	name string
	// dollar rebinds ? placeholders to $1, $2, … .
	dollar bool
	// forUpdate is appended to a SELECT that locks the rows it reads until
	// the transaction ends. SQLite needs none: a write transaction there
	// begins IMMEDIATE and holds the one write lock.
	forUpdate string
	// skipLocked is appended to the SELECT that picks orders for a claim:
	// rows another claim is locking are passed over rather than waited
	// for. SQLite needs none (one writer).
	skipLocked string
	// lockMigrations runs first in the migration transaction so that
	// processes starting at once apply migrations one after the other.
	lockMigrations string
	// timeType is the column type of times in schema_migrations.
	timeType string
	// readTx are the options of read-only transactions, which give a
	// consistent view of an order with its items and files.
	readTx *sql.TxOptions
	// timeValue turns a time into the value stored in a time column.
	timeValue func(time.Time) any
	// uniqueViolation reports whether err is a unique or primary key
	// constraint violation.
	uniqueViolation func(error) bool
}

var postgres = &dialect{
	name:       "postgres",
	dollar:     true,
	forUpdate:  " FOR UPDATE",
	skipLocked: " FOR UPDATE SKIP LOCKED",
	// One lock per schema: tests and tenants in other schemas do not wait.
	// 1869834345 is "oshi" in ASCII, so the key does not collide with
	// other users of advisory locks.
	lockMigrations: "SELECT pg_advisory_xact_lock(1869834345, hashtext(current_schema()))",
	timeType:       "TIMESTAMPTZ",
	readTx:         &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true},
	timeValue:      func(t time.Time) any { return t.UTC().Truncate(time.Millisecond) },
	uniqueViolation: func(err error) bool {
		var e *pgconn.PgError
		return errors.As(err, &e) && e.Code == "23505"
	},
}

var sqlitedb = &dialect{
	name:     "sqlite",
	timeType: "INTEGER",
	// ReadOnly makes the driver begin a deferred transaction instead of
	// the IMMEDIATE one the DSN asks for writes.
	readTx:    &sql.TxOptions{ReadOnly: true},
	timeValue: func(t time.Time) any { return t.UnixMilli() },
	uniqueViolation: func(err error) bool {
		var e *sqlite.Error
		return errors.As(err, &e) &&
			(e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
	},
}

// rebind rewrites ? placeholders for the dialect. Queries hold no ? inside
// string literals.
func (d *dialect) rebind(query string) string {
	if !d.dollar || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] != '?' {
			b.WriteByte(query[i])
			continue
		}
		n++
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(n))
	}
	return b.String()
}

// args converts times to the dialect's column values.
func (d *dialect) args(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		if t, ok := a.(time.Time); ok {
			a = d.timeValue(t)
		}
		out[i] = a
	}
	return out
}

// queryer is what *sql.DB and *sql.Tx have in common.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// runner runs queries written with ? placeholders and time.Time arguments
// on either database.
type runner struct {
	q queryer
	d *dialect
}

// The runner's errors pass through classify: an outage is EUNAVAILABLE.

func (r runner) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := r.q.ExecContext(ctx, r.d.rebind(query), r.d.args(args)...)
	return res, classify(err)
}

func (r runner) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := r.q.QueryContext(ctx, r.d.rebind(query), r.d.args(args)...)
	return rows, classify(err)
}

func (r runner) queryRow(ctx context.Context, query string, args ...any) row {
	return row{r.q.QueryRowContext(ctx, r.d.rebind(query), r.d.args(args)...)}
}

// queryStrings runs a query of one text column (ids, mostly) and returns
// its values in order. The rows are closed before it returns: SQLite has
// one connection, which the caller's next query needs.
func (r runner) queryStrings(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := r.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, classify(err)
		}
		out = append(out, v)
	}
	return out, classify(rows.Err())
}

// row is a *sql.Row whose Scan classifies its error as the runner does.
type row struct{ *sql.Row }

func (r row) Scan(dest ...any) error { return classify(r.Row.Scan(dest...)) }

// timeScanner scans a time column of either dialect into a UTC time:
// timestamptz arrives as time.Time, SQLite's INTEGER as Unix milliseconds.
type timeScanner struct {
	t        *time.Time
	nullable bool
}

// scanNullTime scans a time column that may be NULL; NULL is the zero time.
func scanNullTime(t *time.Time) timeScanner { return timeScanner{t, true} }

func scanTime(t *time.Time) timeScanner { return timeScanner{t: t} }

func (s timeScanner) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		if !s.nullable {
			return fmt.Errorf("scan time: unexpected NULL")
		}
		*s.t = time.Time{}
	case time.Time:
		*s.t = v.UTC()
	case int64:
		*s.t = time.UnixMilli(v).UTC()
	default:
		return fmt.Errorf("scan time: unexpected %T", v)
	}
	return nil
}

// placeholders returns "?, ?, …" with n placeholders.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// sqliteBusy reports whether err is SQLite's "database is locked".
func sqliteBusy(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_BUSY
}
