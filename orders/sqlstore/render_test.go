package sqlstore

import (
	"fmt"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"oshigoods"
	"oshigoods/internal/testenv"
	"oshigoods/orders"
)

// The public words a delayed and a failed item carry in these tests.
const (
	slowly = "A service is briefly unavailable."
	gaveUp = "Please contact the shop."
)

// beginRender starts a render of id at now, leased for a minute, and
// returns the item as it began.
func beginRender(t *testing.T, s *Store, id string, now time.Time) *orders.Item {
	t.Helper()
	it, started, err := s.BeginRender(t.Context(), id, now, time.Minute, orders.DefaultRenderAttempts)
	if err != nil || !started {
		t.Fatalf("BeginRender %s: started %v, %v", id, started, err)
	}
	return it
}

func testBeginRender(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	ctx := t.Context()
	create(t, s, newOrder("o1", 1))
	id := "o1-item0"
	now := time.Now()

	first := beginRender(t, s, id, now)
	if first.Status != orders.StatusRendering || first.Attempts != 1 || mustOrder(t, s, "o1").Status != orders.StatusRendering {
		t.Fatalf("after the first begin: item %s with %d attempts; want rendering with 1, and the order rendering", first.Status, first.Attempts)
	}
	// A second task while the first render holds its lease: nothing.
	if it, started, err := s.BeginRender(ctx, id, now.Add(30*time.Second), time.Minute, orders.DefaultRenderAttempts); err != nil || started ||
		it.Status != orders.StatusRendering || it.Attempts != 1 {
		t.Fatalf("BeginRender under a live lease: started %v, %v, item %+v; want not started, the item as it is", started, err, it)
	}
	if held, err := s.ExtendRender(ctx, id, first.Attempts, now.Add(90*time.Second)); err != nil || !held {
		t.Fatalf("ExtendRender by the holder: %v, %v", held, err)
	}
	if _, started, _ := s.BeginRender(ctx, id, now.Add(80*time.Second), time.Minute, orders.DefaultRenderAttempts); started {
		t.Fatal("BeginRender before the renewed lease ran out started")
	}
	// The worker died: once the lease runs out, another render begins.
	second := beginRender(t, s, id, now.Add(2*time.Minute))
	if second.Attempts != 2 {
		t.Fatalf("attempts %d after the second begin, want 2", second.Attempts)
	}
	// The first render, back from the dead, holds nothing.
	if held, err := s.ExtendRender(ctx, id, first.Attempts, now.Add(3*time.Minute)); err != nil || held {
		t.Fatalf("ExtendRender by the first render: held %v, %v; want false", held, err)
	}
	if changed, err := s.DelayItem(ctx, id, first.Attempts, slowly); err != nil || changed {
		t.Fatalf("DelayItem by the first render: changed %v, %v; want false", changed, err)
	}
	// The second one fails for a reason that passes: queued, delayed.
	if changed, err := s.DelayItem(ctx, id, second.Attempts, slowly); err != nil || !changed {
		t.Fatalf("DelayItem by the second render: changed %v, %v", changed, err)
	}
	if it := mustItem(t, s, id); it.Status != orders.StatusQueued || it.DelayReason != slowly || it.Attempts != 2 {
		t.Fatalf("delayed item: %s, %q, %d attempts; want queued with the reason and 2 attempts", it.Status, it.DelayReason, it.Attempts)
	}
	// The retry begins at once (no lease holds it), still delayed, and
	// completes: the delay is over.
	third := beginRender(t, s, id, now.Add(2*time.Minute+time.Second))
	if third.Attempts != 3 || third.DelayReason != slowly {
		t.Fatalf("retry began with %d attempts, delay %q; want 3, still delayed", third.Attempts, third.DelayReason)
	}
	// Out of attempts, even with the lease run out: nothing changes.
	if it, started, err := s.BeginRender(ctx, id, now.Add(time.Hour), time.Minute, 3); err != nil || started ||
		it.Status != orders.StatusRendering || it.Attempts != 3 {
		t.Fatalf("BeginRender out of attempts: started %v, %v, item %+v; want not started, 3 attempts", started, err, it)
	}
	if _, err := s.CompleteItem(ctx, id, orders.Completion{Files: files(id, 10)}); err != nil {
		t.Fatal(err)
	}
	if it := mustItem(t, s, id); it.Status != orders.StatusReady || it.DelayReason != "" || it.Attempts != 3 {
		t.Fatalf("completed item: %s, delay %q, %d attempts; want ready, no delay, 3", it.Status, it.DelayReason, it.Attempts)
	}
	if it, started, err := s.BeginRender(ctx, id, now.Add(time.Hour), time.Minute, orders.DefaultRenderAttempts); err != nil || started ||
		it.Status != orders.StatusReady || len(it.Files) != 2 {
		t.Fatalf("BeginRender of a ready item: started %v, %v, item %+v; want not started, the item with its file", started, err, it)
	}
	_, _, err := s.BeginRender(ctx, "nothere", now, time.Minute, orders.DefaultRenderAttempts)
	wantCode(t, "BeginRender", err, oshigoods.ENOTFOUND)
}

func testRequeueItem(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	ctx := t.Context()
	create(t, s, newOrder("o1", 1))
	id := "o1-item0"
	now := time.Now()
	beginRender(t, s, id, now)
	// The reconciler hands the item over under a fresh task: the dead
	// render's lease ends with it, so the fresh task's render begins at
	// once. A settled item is not handed over.
	it, changed, err := s.RequeueItem(ctx, id)
	if err != nil || !changed || it.TaskSeq != 1 || it.Status != orders.StatusQueued || it.Attempts != 1 {
		t.Fatalf("RequeueItem: %+v, changed %v, %v; want queued under task 1, 1 attempt", it, changed, err)
	}
	beginRender(t, s, id, now.Add(time.Second))
	if _, err := s.TransitionItem(ctx, id, []orders.Status{orders.StatusRendering}, orders.StatusFailed, gaveUp); err != nil {
		t.Fatal(err)
	}
	if _, changed, err := s.RequeueItem(ctx, id); err != nil || changed {
		t.Fatalf("RequeueItem of a failed item: changed %v, %v; want false", changed, err)
	}
	if it := mustItem(t, s, id); it.TaskSeq != 1 || it.Attempts != 2 || it.Error != gaveUp {
		t.Fatalf("failed item: task %d, %d attempts, %q", it.TaskSeq, it.Attempts, it.Error)
	}
}

func testClaimStaleItems(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	ctx := t.Context()
	now := time.Now()
	createItemsAt(t, s,
		itemAt{"received-old", orders.StatusReceived, now.Add(-5 * time.Hour)},
		itemAt{"queued-old", orders.StatusQueued, now.Add(-2 * time.Hour)},
		itemAt{"queued-new", orders.StatusQueued, now},
		itemAt{"rendering-unleased", orders.StatusRendering, now.Add(-3 * time.Hour)}, // from before leases
		itemAt{"ready-old", orders.StatusReady, now.Add(-4 * time.Hour)},
		itemAt{"rendering-dead", orders.StatusQueued, now},
		itemAt{"rendering-alive", orders.StatusQueued, now},
	)
	// One render began ten minutes ago and its lease ran out; the other
	// is under way.
	if _, _, err := s.BeginRender(ctx, "rendering-dead-item0", now.Add(-10*time.Minute), time.Minute, orders.DefaultRenderAttempts); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.BeginRender(ctx, "rendering-alive-item0", now, time.Minute, orders.DefaultRenderAttempts); err != nil {
		t.Fatal(err)
	}
	claim := func(now time.Time) []string {
		t.Helper()
		items, err := s.ClaimStaleItems(ctx, now, now.Add(-time.Hour), 10)
		if err != nil {
			t.Fatalf("ClaimStaleItems: %v", err)
		}
		return itemIDs(items)
	}
	want := []string{"received-old-item0", "rendering-unleased-item0", "queued-old-item0", "rendering-dead-item0"}
	if got := claim(now); !reflect.DeepEqual(got, want) {
		t.Fatalf("first pass took %q, want %q", got, want)
	}
	if got := claim(now.Add(time.Minute)); got != nil {
		t.Fatalf("a pass a minute later took %q again; want none within the hour", got)
	}
	// Two hours on, everything unsettled is stale, and the alive render's
	// lease ran out too (its worker renewed nothing).
	want = append(want, "queued-new-item0", "rendering-alive-item0")
	if got := claim(now.Add(2 * time.Hour)); len(got) != len(want) {
		t.Fatalf("a pass two hours later took %q, want %q in some order", got, want)
	}
	if items, err := s.ClaimStaleItems(ctx, now, now, 0); err != nil || items != nil {
		t.Fatalf("ClaimStaleItems of nothing: %v, %v", items, err)
	}
}

// testConcurrentClaimStale: reconcilers of several worker processes (each
// its own Store, so its own connections) passing at once over one backlog
// share it: no item is taken twice in one staleness period, none is missed.
func testConcurrentClaimStale(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	const n = 60
	old := time.Now().Add(-time.Hour)
	for i := range n {
		o := newOrder(fmt.Sprintf("o%02d", i), 1)
		o.Items[0].Status, o.Items[0].UpdatedAt, o.Status = orders.StatusQueued, old.Add(time.Duration(i)*time.Millisecond), orders.StatusQueued
		create(t, s, o)
	}
	now := time.Now()
	taken := claimConcurrently(t, []*Store{s, openStore(t, dsn), openStore(t, dsn)}, func(st *Store) ([]string, error) {
		items, err := st.ClaimStaleItems(t.Context(), now, now.Add(-time.Minute), 7)
		return itemIDs(items), err
	})
	if len(taken) != n {
		t.Fatalf("%d items taken, want %d", len(taken), n)
	}
}

// claimConcurrently runs claim in six goroutines over stores (processes
// sharing one database) until every claim comes back empty, and returns
// how many times each id was claimed. An id claimed twice is an error.
func claimConcurrently(t *testing.T, stores []*Store, claim func(st *Store) ([]string, error)) map[string]int {
	t.Helper()
	var mu sync.Mutex
	claims := map[string]int{}
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Go(func() {
			st := stores[w%len(stores)]
			for {
				ids, err := claim(st)
				if err != nil {
					t.Errorf("claimer %d: %v", w, err)
					return
				}
				if len(ids) == 0 {
					return
				}
				mu.Lock()
				for _, id := range ids {
					claims[id]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for id, k := range claims {
		if k != 1 {
			t.Errorf("%s claimed %d times", id, k)
		}
	}
	return claims
}

// itemIDs returns the items' ids, in order.
func itemIDs(items []*orders.Item) []string {
	var ids []string
	for _, it := range items {
		ids = append(ids, it.ID)
	}
	return ids
}

// itemAt is an order of one item in a status, last changed at a time.
type itemAt struct {
	id      string
	status  orders.Status
	updated time.Time
}

// createItemsAt stores the orders, their items as given.
func createItemsAt(t *testing.T, s *Store, items ...itemAt) {
	t.Helper()
	for _, c := range items {
		o := newOrder(c.id, 1)
		o.Items[0].Status, o.Items[0].UpdatedAt = c.status, c.updated
		o.Status = c.status
		create(t, s, o)
	}
}

func testRetryItem(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	ctx := t.Context()
	create(t, s, newOrder("o1", 1))
	id := "o1-item0"
	now := time.Now()
	for i := range 3 {
		beginRender(t, s, id, now.Add(time.Duration(i)*time.Hour))
	}
	if _, err := s.TransitionItem(ctx, id, []orders.Status{orders.StatusRendering}, orders.StatusFailed, gaveUp); err != nil {
		t.Fatal(err)
	}
	// Only from the statuses named: a failed item is not retried as stuck.
	if _, changed, err := s.RetryItem(ctx, id, []orders.Status{orders.StatusRendering}); err != nil || changed {
		t.Fatalf("RetryItem from rendering: changed %v, %v; want unchanged", changed, err)
	}
	it, changed, err := s.RetryItem(ctx, id, []orders.Status{orders.StatusFailed})
	if err != nil || !changed || it.Status != orders.StatusQueued || it.Attempts != 0 || it.TaskSeq != 1 || it.Error != "" {
		t.Fatalf("RetryItem: %+v, changed %v, %v; want queued under task 1 with no attempts and no error", it, changed, err)
	}
	if o := mustOrder(t, s, "o1"); o.Status != orders.StatusQueued {
		t.Fatalf("order %s after the retry, want queued", o.Status)
	}
	// Its renders count from one again.
	if again := beginRender(t, s, id, now.Add(4*time.Hour)); again.Attempts != 1 {
		t.Fatalf("attempts %d after the retry's first render, want 1", again.Attempts)
	}
}

// BenchmarkRenderPath measures the store's side of one render of a
// one-item order, as a worker runs it: BeginRender, then CompleteItem with
// two files, on SQLite and on PostgreSQL (OSHIGOODS_TEST_POSTGRES_URL;
// the database server's own CPU is not in the figures).
func BenchmarkRenderPath(b *testing.B) {
	for _, db := range []struct {
		name string
		dsn  func(b *testing.B) string
	}{
		{"sqlite", func(b *testing.B) string { return filepath.Join(b.TempDir(), "orders.db") }},
		{"postgres", func(b *testing.B) string { return testenv.PostgresURL(b) }},
	} {
		b.Run(db.name, func(b *testing.B) {
			ctx := b.Context()
			s, err := Open(ctx, db.dsn(b))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			for i := range b.N {
				if _, _, err := s.CreateOrder(ctx, newOrder(fmt.Sprintf("o%d", i), 1)); err != nil {
					b.Fatal(err)
				}
			}
			now := time.Now()
			b.ResetTimer()
			for i := range b.N {
				id := fmt.Sprintf("o%d-item0", i)
				if _, started, err := s.BeginRender(ctx, id, now, time.Minute, orders.DefaultRenderAttempts); err != nil || !started {
					b.Fatalf("BeginRender %s: started %v, %v", id, started, err)
				}
				if changed, err := s.CompleteItem(ctx, id, orders.Completion{Files: files(id, 50000)}); err != nil || !changed {
					b.Fatalf("CompleteItem %s: changed %v, %v", id, changed, err)
				}
			}
		})
	}
}
