package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"golang.org/x/sync/semaphore"

	"oshigoods/orders"
)

// Store is every store of orders: the composition and each concern's.
var (
	_ orders.Store        = (*Store)(nil)
	_ orders.OrderStore   = (*Store)(nil)
	_ orders.ItemStore    = (*Store)(nil)
	_ orders.UploadStore  = (*Store)(nil)
	_ orders.ShopKeyStore = (*Store)(nil)
	_ orders.ClaimStore   = (*Store)(nil)
	_ orders.WebhookStore = (*Store)(nil)
)

// sqliteBusyTimeout is how long a SQLite write waits for another process
// holding the write lock before it fails.
const sqliteBusyTimeout = 10 * time.Second

//go:embed migrations
var migrations embed.FS

// Store is the orders.Store on PostgreSQL or SQLite. It is safe for
// concurrent use, and several processes may share one PostgreSQL database.
type Store struct {
	db  *sql.DB
	d   *dialect
	now func() time.Time
	// turns admits new orders to the pool first come, first served
	// (admit); nil on SQLite.
	turns *semaphore.Weighted
	// routing is the shop keys new orders are routed by (routing.go);
	// nil until read, and once they changed.
	routing atomic.Pointer[routingKeys]
}

// Open connects to the database named by dsn and brings its schema up to
// date. A dsn starting with postgres:// or postgresql:// is a PostgreSQL
// URL; anything else is the path of a SQLite file, created with its folder
// if it does not exist. SQLite runs in WAL mode with foreign keys on, through
// one connection, so goroutines of one process take turns; another process
// that holds the write lock is waited for up to 10 seconds.
//
// Migrations run in one transaction and are recorded in schema_migrations;
// on PostgreSQL an advisory lock makes processes that start at once apply
// them one after the other.
//
// Open pools PostgreSQL connections as DefaultConfig says; OpenConfig
// takes another pool.
func Open(ctx context.Context, dsn string) (*Store, error) {
	return OpenConfig(ctx, dsn, Config{})
}

// OpenConfig is Open with the PostgreSQL pool of cfg (zero values are the
// defaults). It returns cfg's Validate error, naming no connection, if cfg
// is out of range.
func OpenConfig(ctx context.Context, dsn string, cfg Config) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	var s *Store
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		pc, err := pgx.ParseConfig(dsn)
		if err != nil {
			return nil, fmt.Errorf("parse PostgreSQL URL: %w", err)
		}
		if pc.RuntimeParams["application_name"] == "" {
			pc.RuntimeParams["application_name"] = cfg.ApplicationName
		}
		db := stdlib.OpenDB(*pc)
		db.SetMaxOpenConns(cfg.MaxOpenConns)
		db.SetMaxIdleConns(cfg.MaxIdleConns)
		db.SetConnMaxLifetime(cfg.ConnMaxLifetime)
		db.SetConnMaxIdleTime(cfg.ConnMaxIdleTime)
		s = &Store{db: db, d: postgres, turns: semaphore.NewWeighted(int64(cfg.MaxOpenConns))}
	} else {
		db, err := openSQLite(dsn)
		if err != nil {
			return nil, err
		}
		s = &Store{db: db, d: sqlitedb}
	}
	s.now = time.Now
	// Processes that open a new SQLite file at once can find it busy
	// before the busy timeout applies (while the first one turns it to
	// WAL): the migration is tried again for up to that timeout.
	deadline := time.Now().Add(sqliteBusyTimeout)
	for wait := 20 * time.Millisecond; ; wait = min(2*wait, time.Second) {
		err := s.migrate(ctx)
		if err == nil {
			return s, nil
		}
		if s.d != sqlitedb || !sqliteBusy(err) || time.Now().Add(wait).After(deadline) {
			s.db.Close()
			return nil, err
		}
		select {
		case <-ctx.Done():
			s.db.Close()
			return nil, ctx.Err()
		case <-time.After(wait):
		}
	}
}

func openSQLite(file string) (*sql.DB, error) {
	if file == "" {
		return nil, fmt.Errorf("open SQLite: empty path")
	}
	if dir := filepath.Dir(file); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("create SQLite folder: %w", err)
		}
	}
	// A file: URI, so that ?, # and % in the path are not read as its
	// query. Write transactions begin IMMEDIATE: taking the write lock up
	// front means a transaction never fails upgrading a read lock.
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(file)
	q := "_txlock=immediate" +
		"&_pragma=busy_timeout(" + strconv.FormatInt(sqliteBusyTimeout.Milliseconds(), 10) + ")" +
		"&_pragma=foreign_keys(1)" +
		"&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(NORMAL)"
	db, err := sql.Open("sqlite", "file:"+esc+"?"+q)
	if err != nil {
		return nil, fmt.Errorf("open SQLite: %w", err)
	}
	// SQLite has one writer. One connection queues goroutines in the pool
	// instead of letting them fail with "database is locked".
	db.SetMaxOpenConns(1)
	db.SetConnMaxIdleTime(0)
	db.SetConnMaxLifetime(0)
	return db, nil
}

// Dialect returns "postgres" or "sqlite".
func (s *Store) Dialect() string { return s.d.name }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("ping %s: %w", s.d.name, err)
	}
	return nil
}

// Stats returns the connection pool's statistics (sessions open, in use and
// idle, waits for one), for metrics.
func (s *Store) Stats() sql.DBStats { return s.db.Stats() }

// admit waits, first come first served, until fewer than the pool's
// MaxOpenConns callers hold a turn, and returns the release of the turn it
// took. database/sql hands a freed connection to a waiter picked at
// random, so under load some requests waited many times longer than
// others; callers that take their turn here first wait in order. If ctx
// ends first it returns ctx's error, a deadline as EUNAVAILABLE (as a wait
// for a connection does). On SQLite it does not wait.
func (s *Store) admit(ctx context.Context) (release func(), err error) {
	if s.turns == nil {
		return func() {}, nil
	}
	if err := s.turns.Acquire(ctx, 1); err != nil {
		return nil, classify(err)
	}
	return func() { s.turns.Release(1) }, nil
}

// Close releases the database.
func (s *Store) Close() error { return s.db.Close() }

// write runs fn in a read-write transaction, committing if fn returns nil.
func (s *Store) write(ctx context.Context, fn func(r runner) error) error {
	return s.inTx(ctx, nil, fn)
}

// read runs fn in a read-only transaction with a consistent view.
func (s *Store) read(ctx context.Context, fn func(r runner) error) error {
	return s.inTx(ctx, s.d.readTx, fn)
}

func (s *Store) inTx(ctx context.Context, opts *sql.TxOptions, fn func(r runner) error) error {
	tx, err := s.db.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", classify(err))
	}
	defer tx.Rollback()
	if err := fn(runner{tx, s.d}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", classify(err))
	}
	return nil
}

// migration is one numbered schema change, from migrations/<dialect>/NNNN_name.sql.
type migration struct {
	version int
	name    string
	sql     string
}

func loadMigrations(dialect string) ([]migration, error) {
	dir := path.Join("migrations", dialect)
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		num, _, _ := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a positive number", e.Name())
		}
		b, err := fs.ReadFile(migrations, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("migrations %s and %s share a version", ms[i-1].name, ms[i].name)
		}
	}
	return ms, nil
}

// migrate applies the migrations not yet recorded in schema_migrations, all
// in one transaction.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := loadMigrations(s.d.name)
	if err != nil {
		return err
	}
	err = s.write(ctx, func(r runner) error {
		if s.d.lockMigrations != "" {
			if _, err := r.exec(ctx, s.d.lockMigrations); err != nil {
				return fmt.Errorf("lock migrations: %w", err)
			}
		}
		if _, err := r.exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER PRIMARY KEY,
			name       TEXT NOT NULL,
			applied_at `+s.d.timeType+` NOT NULL
		)`); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		applied := map[int]bool{}
		rows, err := r.query(ctx, `SELECT version FROM schema_migrations`)
		if err != nil {
			return fmt.Errorf("read schema_migrations: %w", err)
		}
		for rows.Next() {
			var v int
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return fmt.Errorf("read schema_migrations: %w", err)
			}
			applied[v] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read schema_migrations: %w", err)
		}
		for _, m := range ms {
			if applied[m.version] {
				continue
			}
			// Run as written: a migration is not rebound, so a ? in
			// its text means what it says.
			if _, err := r.q.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("apply migration %s: %w", m.name, err)
			}
			if _, err := r.exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, m.name, s.now()); err != nil {
				return fmt.Errorf("record migration %s: %w", m.name, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("migrate %s: %w", s.d.name, err)
	}
	return nil
}
