package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"
)

// result is one scenario's row of the table.
type result struct {
	name    string
	bound   time.Duration
	orders  int // acknowledged orders
	ok      int // every item ready or delivered
	failed  int // an item failed, with a public reason
	stuck   int // an item not final (or failed with no reason)
	lost    int // acknowledged, and not in the database or the API
	dupOrd  int // orders beyond one per fan (an Idempotency-Key that did not hold)
	dupFile int // file records beyond one per item and name
	badObj  int // objects missing, or whose size or SHA-256 differs from the record
	objects int // objects downloaded and hashed
	// recovery is from the moment the fault cleared to the last order
	// reaching a final state (for the poison task: from its order's
	// acknowledgement to its item failing); recovered is false when the
	// campaign stopped waiting first.
	recovery  time.Duration
	recovered bool
	problems  []string // what else fails the scenario
	notes     []string // what a reader should know
	err       error    // the scenario could not run
}

func (r *result) pass() bool {
	return r.err == nil && r.orders > 0 && r.stuck == 0 && r.lost == 0 && r.dupOrd == 0 && r.dupFile == 0 &&
		r.badObj == 0 && r.recovered && r.recovery <= r.bound && len(r.problems) == 0
}

func (r *result) note(format string, args ...any) {
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
}
func (r *result) problem(format string, args ...any) {
	r.problems = append(r.problems, fmt.Sprintf(format, args...))
}

// finalStatuses are the item statuses a render ends in (printed, shipped
// and cancelled come later, from shops and fans).
const finalStatuses = "'ready','delivered','failed','printed','shipped','cancelled'"

func ackedIDs(fans []*fan) []string {
	var ids []string
	for _, f := range fans {
		if !f.acked.IsZero() {
			ids = append(ids, f.id)
		}
	}
	return ids
}

// unfinished counts the items of the orders that are not in a final state.
func (s *stack) unfinished(ctx context.Context, ids []string) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM items WHERE order_id = ANY($1) AND status NOT IN ("+finalStatuses+")", ids).Scan(&n)
	return n, err
}

// waitFinal polls the database until every item of the orders is final or
// deadline passes, and returns when it saw them all final. While the
// database is down the poll fails and goes on.
func (s *stack) waitFinal(ctx context.Context, ids []string, deadline time.Time) (time.Time, bool) {
	for ctx.Err() == nil {
		qctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		n, err := s.unfinished(qctx, ids)
		cancel()
		if err == nil && n == 0 {
			return time.Now(), true
		}
		if time.Now().After(deadline) {
			return time.Time{}, false
		}
		time.Sleep(250 * time.Millisecond)
	}
	return time.Time{}, false
}

// itemsOf returns the ids of the items of the fans' acknowledged orders.
func (s *stack) itemsOf(ctx context.Context, fans []*fan) (map[string]bool, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id FROM items WHERE order_id = ANY($1)", ackedIDs(fans))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	items := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		items[id] = true
	}
	return items, rows.Err()
}

// tasksOf counts the render tasks in Redis for the items (by task id: the
// item's id, or the item's id and a suffix: ".r<n>" for a task the
// reconciler made afresh, "-dup<n>" for the duplicates the campaign
// enqueues): running, and waiting (pending, scheduled or to be retried).
// It reads asynq's keys itself: asynq's Inspector answers "queue not
// found" once FLUSHALL has emptied asynq's registry of queues
// (asynq:queues), and no running process fills it again, as each asynq
// client publishes a queue once in its life.
func (s *stack) tasksOf(ctx context.Context, items map[string]bool) (running, waiting int, err error) {
	for i, state := range []string{"active", "pending", "scheduled", "retry"} {
		key := "asynq:{render}:" + state
		var ids []string
		if i < 2 { // lists
			ids, err = s.rdb.LRange(ctx, key, 0, -1).Result()
		} else { // sorted sets
			ids, err = s.rdb.ZRange(ctx, key, 0, -1).Result()
		}
		if err != nil {
			return 0, 0, err
		}
		for _, id := range ids {
			item := id
			if i := strings.IndexAny(id, ".-"); i >= 0 {
				item = id[:i]
			}
			if items[item] {
				if i == 0 {
					running++
				} else {
					waiting++
				}
			}
		}
	}
	return running, waiting, nil
}

// pendingRenders is how many render tasks wait in asynq's pending list.
func (s *stack) pendingRenders(ctx context.Context) int64 {
	n, _ := s.rdb.LLen(ctx, "asynq:{render}:pending").Result()
	return n
}

// waitDrained waits (up to limit) until Redis holds no render task for
// the fans' items, so the checks see what late or duplicate deliveries
// wrote.
func (s *stack) waitDrained(ctx context.Context, fans []*fan, limit time.Duration) bool {
	items, err := s.itemsOf(ctx, fans)
	if err != nil {
		return false
	}
	deadline := time.Now().Add(limit)
	for ctx.Err() == nil && time.Now().Before(deadline) {
		if running, waiting, err := s.tasksOf(ctx, items); err == nil && running+waiting == 0 {
			return true
		}
		time.Sleep(250 * time.Millisecond)
	}
	return false
}

// verify fills r's counts from the database, the API and the objects:
// every acknowledged order exists, each fan has one order, no file is
// recorded twice, each order is final, and every file downloads through
// its presigned URL with the recorded size and SHA-256.
func (c *campaign) verify(ctx context.Context, r *result, fans []*fan) {
	s := c.s
	ids := ackedIDs(fans)
	r.orders = len(ids)
	for _, f := range fans {
		if f.acked.IsZero() {
			r.problem("fan %d's order was never acknowledged after %d attempts: %s", f.n, f.attempts, f.err)
		}
	}
	exists := map[string]bool{}
	rows, err := s.db.QueryContext(ctx, "SELECT id FROM orders WHERE id = ANY($1)", ids)
	if err != nil {
		r.err = fmt.Errorf("query orders: %w", err)
		return
	}
	for rows.Next() {
		var id string
		rows.Scan(&id)
		exists[id] = true
	}
	rows.Close()

	var emails []string
	for _, f := range fans {
		emails = append(emails, f.email)
	}
	rows, err = s.db.QueryContext(ctx, "SELECT customer_email, count(*) FROM orders WHERE customer_email = ANY($1) GROUP BY 1 HAVING count(*) > 1", emails)
	if err != nil {
		r.err = fmt.Errorf("query duplicate orders: %w", err)
		return
	}
	for rows.Next() {
		var email string
		var n int
		rows.Scan(&email, &n)
		r.dupOrd += n - 1
		r.note("%d orders for one fan (%s): the Idempotency-Key did not hold", n, email)
	}
	rows.Close()

	// The brief's query, over the whole database.
	rows, err = s.db.QueryContext(ctx, "SELECT item_id, name, count(*) FROM files GROUP BY 1, 2 HAVING count(*) > 1")
	if err != nil {
		r.err = fmt.Errorf("query duplicate files: %w", err)
		return
	}
	for rows.Next() {
		var item, name string
		var n int
		rows.Scan(&item, &name, &n)
		r.dupFile += n - 1
		r.note("file %s of %s recorded %d times", name, item, n)
	}
	rows.Close()

	var mu sync.Mutex
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for _, f := range fans {
		if f.acked.IsZero() {
			continue
		}
		if !exists[f.id] {
			r.lost++
			r.note("order %s (fan %d) was acknowledged and is not in the database", f.id, f.n)
			continue
		}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			state, objects, bad, notes := c.checkOrder(ctx, f)
			mu.Lock()
			defer mu.Unlock()
			switch state {
			case "ok":
				r.ok++
			case "failed":
				r.failed++
			case "lost":
				r.lost++
			default:
				r.stuck++
			}
			r.objects += objects
			r.badObj += bad
			r.notes = append(r.notes, notes...)
		})
	}
	wg.Wait()
	r.note("%d files downloaded through their presigned URLs and hashed", r.objects)
}

// checkOrder reads one order through the API and downloads its files. It
// returns ok, failed, stuck or lost, the numbers of objects checked and of
// bad ones, and notes.
func (c *campaign) checkOrder(ctx context.Context, f *fan) (state string, objects, bad int, notes []string) {
	o, code, err := c.c.view(ctx, f)
	if code == 404 {
		return "lost", 0, 0, []string{fmt.Sprintf("order %s (fan %d): 404 from the API", f.id, f.n)}
	}
	if err != nil {
		return "stuck", 0, 0, []string{fmt.Sprintf("order %s (fan %d): read: %v", f.id, f.n, err)}
	}
	state = "ok"
	var statuses []string
	for _, it := range o.Items {
		statuses = append(statuses, it.Template+"="+it.Status)
		switch it.Status {
		case "ready", "delivered", "printed", "shipped":
		case "failed":
			if it.Error == "" {
				state = "stuck"
				notes = append(notes, fmt.Sprintf("item %s failed with no public reason", it.ID))
			} else if state == "ok" {
				state = "failed"
				notes = append(notes, fmt.Sprintf("order %s (fan %d) failed: %s: %q", f.id, f.n, it.Template, it.Error))
			}
			continue
		default:
			state = "stuck"
			continue
		}
		if len(it.Files) == 0 {
			bad++
			notes = append(notes, fmt.Sprintf("item %s is %s with no files", it.ID, it.Status))
		}
		for _, file := range it.Files {
			objects++
			data, err := c.c.download(ctx, file.URL)
			if err != nil {
				bad++
				notes = append(notes, fmt.Sprintf("%s/%s: download: %v", it.ID, file.Name, err))
				continue
			}
			sum := sha256.Sum256(data)
			if got := hex.EncodeToString(sum[:]); got != file.SHA256 || int64(len(data)) != file.Size {
				bad++
				notes = append(notes, fmt.Sprintf("%s/%s: object is %d bytes sha256 %s, record says %d bytes %s",
					it.ID, file.Name, len(data), got[:12], file.Size, file.SHA256[:min(12, len(file.SHA256))]))
			}
		}
	}
	if state == "stuck" {
		notes = append(notes, fmt.Sprintf("order %s (fan %d) not final: %s", f.id, f.n, strings.Join(statuses, " ")))
	}
	return state, objects, bad, notes
}
