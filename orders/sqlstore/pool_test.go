package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/semaphore"

	"oshigoods"
	"oshigoods/internal/testenv"
	"oshigoods/orders"
)

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		scenario string
		cfg      Config
		want     []string
	}{
		{"zero is the defaults", Config{}, nil},
		{"one connection", Config{MaxOpenConns: 1}, nil},
		{"idle up to open", Config{MaxOpenConns: 20, MaxIdleConns: 20}, nil},
		{"negative open", Config{MaxOpenConns: -1}, []string{"MaxOpenConns -1 is out of range; give 1–1000", "MaxIdleConns -1 is out of range"}},
		{"too many open", Config{MaxOpenConns: 5000, MaxIdleConns: 5}, []string{"MaxOpenConns 5000 is out of range"}},
		{"more idle than open", Config{MaxOpenConns: 4, MaxIdleConns: 5}, []string{"MaxIdleConns 5 is out of range; give 1 up to the most open connections (4)"}},
		{"idle below default open", Config{MaxIdleConns: 11}, []string{"MaxIdleConns 11 is out of range"}},
		{"lifetimes out of range", Config{ConnMaxLifetime: time.Millisecond, ConnMaxIdleTime: 48 * time.Hour},
			[]string{"ConnMaxLifetime 1ms is out of range; give 1s–24h", "ConnMaxIdleTime 48h0m0s is out of range"}},
		{"application name with a newline", Config{ApplicationName: "a\nb"}, []string{`ApplicationName "a\nb" is not at most 63 bytes`}},
	}
	for _, tc := range cases {
		t.Run(tc.scenario, func(t *testing.T) {
			testenv.ErrorLines(t, tc.cfg.Validate(), tc.want)
		})
	}
	if d := DefaultConfig(); d.MaxOpenConns != 10 || d.MaxIdleConns != 10 || d.ConnMaxLifetime != 30*time.Minute || d.ConnMaxIdleTime != 5*time.Minute {
		t.Errorf("DefaultConfig() = %+v", d)
	}
}

// TestPoolBoundsSessions runs bursts of concurrent orders through a store on
// the real PostgreSQL and watches its sessions in pg_stat_activity (by an
// application_name of the test's own): never more than MaxOpenConns at
// once, and with idle sessions kept (the default) the second burst runs on
// the very sessions the first opened.
func TestPoolBoundsSessions(t *testing.T) {
	cases := []struct {
		scenario string
		cfg      Config
		limit    int
		// reused: every session of the second burst was open before it.
		reused bool
		// idleAfter is the most sessions left once a burst is over.
		idleAfter int
	}{
		{"default pool: 10 sessions, reused", Config{}, 10, true, 10},
		{"small pool: 3 sessions, reused", Config{MaxOpenConns: 3}, 3, true, 3},
		{"fewer idle than open: 4 sessions, 2 kept", Config{MaxOpenConns: 4, MaxIdleConns: 2}, 4, false, 2},
	}
	for _, tc := range cases {
		t.Run(tc.scenario, func(t *testing.T) {
			base := testenv.PostgresURL(t)
			app := "oshigoods-t-" + testenv.Suffix()
			tc.cfg.ApplicationName = app
			s, err := OpenConfig(t.Context(), base, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			w := watchSessions(t, base, app)

			burst(t, s, 1)
			first := w.stop()
			before := w.settled(tc.idleAfter)
			if first.max > tc.limit || len(before) > tc.idleAfter {
				t.Fatalf("first burst: up to %d sessions at once, %d left after; want ≤ %d and ≤ %d", first.max, len(before), tc.limit, tc.idleAfter)
			}
			if first.max < 2 {
				t.Fatalf("first burst: at most %d session seen at once; the burst did not run concurrently", first.max)
			}
			if st := s.Stats(); st.MaxOpenConnections != tc.limit || st.WaitCount == 0 {
				t.Fatalf("pool stats %+v: want MaxOpenConnections %d and queries that waited for a session", st, tc.limit)
			}

			w = watchSessions(t, base, app)
			burst(t, s, 2)
			second := w.stop()
			after := w.settled(tc.idleAfter)
			if second.max > tc.limit || len(after) > tc.idleAfter {
				t.Fatalf("second burst: up to %d sessions at once, %d left after; want ≤ %d and ≤ %d", second.max, len(after), tc.limit, tc.idleAfter)
			}
			if !tc.reused {
				return
			}
			for pid := range second.pids {
				if !before[pid] {
					t.Fatalf("second burst opened session %d; the pool had %v", pid, slices.Sorted(maps.Keys(before)))
				}
			}
			if !maps.Equal(before, after) {
				t.Fatalf("sessions before the second burst %v, after %v: want the same", slices.Sorted(maps.Keys(before)), slices.Sorted(maps.Keys(after)))
			}
			if st := s.Stats(); st.MaxIdleClosed != 0 || st.MaxLifetimeClosed != 0 || st.MaxIdleTimeClosed != 0 {
				t.Fatalf("pool closed sessions: %+v", st)
			}
		})
	}
}

// burst places 120 orders from 40 goroutines, each read back and moved on,
// far more at once than any pool of the test has sessions.
func burst(t *testing.T, s *Store, n int) {
	t.Helper()
	const workers, each = 40, 3
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for g := range workers {
		wg.Go(func() {
			for i := range each {
				id := fmt.Sprintf("ord_pool%d_%d_%d", n, g, i)
				o := newOrder(id, 1)
				if _, _, err := s.CreateOrder(t.Context(), o); err != nil {
					errs <- err
					return
				}
				if _, err := s.Order(t.Context(), id); err != nil {
					errs <- err
					return
				}
				if _, err := s.TransitionItem(t.Context(), o.Items[0].ID, []orders.Status{orders.StatusReceived}, orders.StatusQueued, ""); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// sessionWatch samples pg_stat_activity for one application_name from a
// connection of its own, until stopped.
type sessionWatch struct {
	t    *testing.T
	conn *pgx.Conn
	app  string
	quit chan struct{}
	done chan sessionSeen
}

// sessionSeen is what a watch saw: the most sessions at once and every
// backend pid.
type sessionSeen struct {
	max  int
	pids map[uint32]bool
}

func watchSessions(t *testing.T, url, app string) *sessionWatch {
	t.Helper()
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.RuntimeParams["application_name"] = app + "-watch"
	conn, err := pgx.ConnectConfig(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	w := &sessionWatch{t: t, conn: conn, app: app, quit: make(chan struct{}), done: make(chan sessionSeen, 1)}
	// Stopped between samples, not by cancelling one: pgx closes a
	// connection whose query is cancelled, and now samples on it after.
	go func() {
		seen := sessionSeen{pids: map[uint32]bool{}}
		for {
			select {
			case <-w.quit:
				w.done <- seen
				return
			default:
			}
			pids, err := w.sample(t.Context())
			if err != nil {
				w.done <- seen
				return
			}
			seen.max = max(seen.max, len(pids))
			maps.Copy(seen.pids, pids)
		}
	}()
	return w
}

func (w *sessionWatch) sample(ctx context.Context) (map[uint32]bool, error) {
	rows, err := w.conn.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE application_name = $1`, w.app)
	if err != nil {
		return nil, err
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[uint32])
	if err != nil {
		return nil, err
	}
	out := map[uint32]bool{}
	for _, p := range pids {
		out[p] = true
	}
	return out, nil
}

// stop ends the sampling and returns what it saw.
func (w *sessionWatch) stop() sessionSeen {
	close(w.quit)
	return <-w.done
}

// settled returns the sessions open once at most atMost are left, or
// after two seconds: a session the pool closed leaves pg_stat_activity a
// moment after the pool let go of it.
func (w *sessionWatch) settled(atMost int) map[uint32]bool {
	w.t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		pids, err := w.sample(w.t.Context())
		if err != nil {
			w.t.Fatal(err)
		}
		if len(pids) <= atMost || time.Now().After(deadline) {
			return pids
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestAdmitTakesTurns holds every turn of a two-connection pool: the next
// caller waits, gives up as a pool wait does when its context ends (the
// database is unavailable), and gets in once a turn is released; SQLite
// never waits.
func TestAdmitTakesTurns(t *testing.T) {
	s := &Store{turns: semaphore.NewWeighted(2)}
	var releases []func()
	for range 2 {
		release, err := s.admit(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		releases = append(releases, release)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
	defer cancel()
	if _, err := s.admit(ctx); oshigoods.ErrorCode(err) != oshigoods.EUNAVAILABLE || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("admit with every turn taken = %v; want EUNAVAILABLE from the deadline", err)
	}
	got := make(chan error)
	go func() {
		release, err := s.admit(t.Context())
		if err == nil {
			release()
		}
		got <- err
	}()
	releases[0]()
	if err := <-got; err != nil {
		t.Fatalf("admit after a release: %v", err)
	}
	releases[1]()
	if release, err := (&Store{}).admit(ctx); err != nil {
		t.Fatalf("admit on SQLite (no turns) = %v", err)
	} else {
		release()
	}
}
