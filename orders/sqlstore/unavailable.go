package sqlstore

import (
	"context"
	"database/sql/driver"
	"errors"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"oshigoods"
)

// classify returns err as EUNAVAILABLE, keeping it as the internal cause,
// when it says the database could not be reached; any other error, and one
// already classified, unchanged. The runner's calls and the transaction's
// begin and commit pass their errors through it, so every method of the
// Store reports an outage as EUNAVAILABLE.
func classify(err error) error {
	var e *oshigoods.Error
	if err == nil || !unreachable(err) || errors.As(err, &e) {
		return err
	}
	return oshigoods.Unavailable(err)
}

// unreachable reports whether err is a failure to reach the database rather
// than a refusal by it: a dial or network error (connection refused, reset,
// timed out), a connection the pool or pgx found broken before the request
// was sent ("conn closed"), a deadline that ran out waiting, or
// PostgreSQL's connection-exception class (08) and its shutting-down and
// starting-up codes (57P01–57P03).
func unreachable(err error) bool {
	var ne net.Error
	var pe *pgconn.PgError
	switch {
	case errors.As(err, &pe):
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	case errors.As(err, &ne), errors.Is(err, driver.ErrBadConn), pgconn.SafeToRetry(err), errors.Is(err, context.DeadlineExceeded):
		return true
	}
	return false
}
