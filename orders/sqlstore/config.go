package sqlstore

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"oshigoods"
)

// Config is the PostgreSQL connection pool of one process. The pool keeps
// connections open between queries, so a busy API reuses a few sessions
// instead of opening one per request: database/sql on its own keeps only
// two idle connections, and a burst opened and closed a session per query
// (1,056 sessions in 15 s at 16 concurrent clients). SQLite ignores the
// pool: it runs through one connection. Zero values mean the defaults
// (WithDefaults); Validate says what is allowed.
//
// Every process (each `serve`, each `worker`) holds up to MaxOpenConns
// sessions, so processes × MaxOpenConns must stay below PostgreSQL's
// max_connections (default 100) less its superuser_reserved_connections
// (default 3) and what psql, backups and migrations of other tools use.
// The default of 10 leaves room for 9 processes (90 sessions) with 7 to
// spare.
type Config struct {
	// MaxOpenConns is the most sessions the process holds at once, busy
	// or idle; a query that finds them all busy waits for one. From 1 to
	// MaxConns. Default 10.
	MaxOpenConns int
	// MaxIdleConns is the most idle sessions kept for the next query,
	// from 1 to MaxOpenConns. Default MaxOpenConns: a session, once
	// opened, stays until ConnMaxIdleTime or ConnMaxLifetime ends it.
	MaxIdleConns int
	// ConnMaxLifetime is how long a session is used before it is closed
	// and replaced (so a failover, a changed setting or a backend's grown
	// memory does not last for ever), from 1s to 24h. Default 30 minutes.
	ConnMaxLifetime time.Duration
	// ConnMaxIdleTime is how long a session may stay unused before it is
	// closed, so a quiet process gives its sessions back, from 1s to 24h.
	// Default 5 minutes.
	ConnMaxIdleTime time.Duration
	// ApplicationName is the application_name of the sessions, which
	// pg_stat_activity shows, unless the URL sets one; at most 63 bytes
	// of printable ASCII. Default "oshigoods".
	ApplicationName string
}

// Pool defaults and bounds.
const (
	DefaultMaxConns        = 10
	MaxConns               = 1000
	DefaultConnMaxLifetime = 30 * time.Minute
	DefaultConnMaxIdleTime = 5 * time.Minute
	DefaultApplicationName = "oshigoods"
	minConnTime            = time.Second
	maxConnTime            = 24 * time.Hour
)

// DefaultConfig returns the default pool.
func DefaultConfig() Config { return Config{}.WithDefaults() }

// WithDefaults returns c with zero values replaced by the defaults.
func (c Config) WithDefaults() Config {
	if c.MaxOpenConns == 0 {
		c.MaxOpenConns = DefaultMaxConns
	}
	if c.MaxIdleConns == 0 {
		c.MaxIdleConns = c.MaxOpenConns
	}
	if c.ConnMaxLifetime == 0 {
		c.ConnMaxLifetime = DefaultConnMaxLifetime
	}
	if c.ConnMaxIdleTime == 0 {
		c.ConnMaxIdleTime = DefaultConnMaxIdleTime
	}
	if c.ApplicationName == "" {
		c.ApplicationName = DefaultApplicationName
	}
	return c
}

// Validate reports every setting out of its range, one
// *oshigoods.ConfigError each, joined. Zero values are the defaults and
// pass.
func (c Config) Validate() error {
	c = c.WithDefaults()
	var errs []error
	if c.MaxOpenConns < 1 || c.MaxOpenConns > MaxConns {
		errs = append(errs, &oshigoods.ConfigError{Field: "MaxOpenConns", Value: c.MaxOpenConns,
			Problem: fmt.Sprintf("is out of range; give 1–%d", MaxConns)})
	}
	if c.MaxIdleConns < 1 || c.MaxIdleConns > max(c.MaxOpenConns, 1) {
		errs = append(errs, &oshigoods.ConfigError{Field: "MaxIdleConns", Value: c.MaxIdleConns,
			Problem: fmt.Sprintf("is out of range; give 1 up to the most open connections (%d)", c.MaxOpenConns)})
	}
	for _, d := range []struct {
		field string
		v     time.Duration
	}{{"ConnMaxLifetime", c.ConnMaxLifetime}, {"ConnMaxIdleTime", c.ConnMaxIdleTime}} {
		if d.v < minConnTime || d.v > maxConnTime {
			errs = append(errs, &oshigoods.ConfigError{Field: d.field, Value: d.v, Problem: "is out of range; give 1s–24h"})
		}
	}
	if len(c.ApplicationName) > 63 || strings.IndexFunc(c.ApplicationName, func(r rune) bool { return r < ' ' || r > '~' }) >= 0 {
		errs = append(errs, &oshigoods.ConfigError{Field: "ApplicationName", Value: c.ApplicationName,
			Problem: "is not at most 63 bytes of printable ASCII"})
	}
	return errors.Join(errs...)
}
