package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hibiken/asynq"
)

// scenario is one fault: run places its batch, injects the fault, and
// returns when it cleared (c.finish then waits and checks).
type scenario struct {
	name  string
	short bool // part of --short
	bound time.Duration
	fault string // what is done, for the log and -h
	run   func(c *campaign, ctx context.Context, r *result) error
}

var scenarios = []scenario{
	{"worker-kill9", true, time.Minute, "kill -9 of a busy worker, restarted at once; repeated", (*campaign).workerKill9},
	{"worker-sigterm", false, time.Minute, "SIGTERM of a busy worker (graceful stop), then restarted", (*campaign).workerSigterm},
	{"redis-flushall", true, time.Minute, "FLUSHALL of Redis mid-render", (*campaign).redisFlushall},
	{"minio-outage", true, time.Minute, "MinIO stopped mid-render, restarted after the outage", (*campaign).minioOutage},
	{"postgres-restart", false, time.Minute, "PostgreSQL fast shutdown mid-render, started again", (*campaign).postgresRestart},
	{"api-kill9-burst", true, time.Minute, "kill -9 of the API mid-burst of orders; clients retry with the same Idempotency-Key", (*campaign).apiKill9},
	{"duplicate-deliveries", false, time.Minute, "every render task delivered 3 times at once, and again once ready", (*campaign).duplicates},
	{"poison-task", true, 2 * time.Minute, "a photo whose render needs more memory than the workers' ulimit -d", (*campaign).poison},
}

// campaign runs scenarios on one stack.
type campaign struct {
	s        *stack
	c        *client
	orders   int           // orders per batch
	kills    int           // kill -9s in worker-kill9
	outage   time.Duration // how long MinIO is down
	pgDown   time.Duration // how long PostgreSQL is down
	slack    time.Duration // how long past a bound the campaign waits, to measure a slow recovery
	poisonMB int           // the poison workers' data-segment limit (ulimit -d), MiB
	run      string        // this run's suffix for keys and e-mails
	photo    []byte
}

// batch uploads a photo and makes n fans' orders, every kind in turn.
func (c *campaign) batch(ctx context.Context, name string, n int) ([]*fan, error) {
	up, err := c.c.upload(ctx, "me.jpg", c.photo)
	if err != nil {
		return nil, err
	}
	fans := make([]*fan, n)
	for i := range n {
		fans[i] = newFan(name, i, i%mixKinds, up, c.run)
	}
	return fans, nil
}

// place places the fans' orders, four clients at once, each retrying for
// up to 90 s.
func (c *campaign) place(ctx context.Context, fans []*fan) {
	deadline := time.Now().Add(90 * time.Second)
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for _, f := range fans {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			c.c.place(ctx, f, deadline)
		})
	}
	wg.Wait()
}

// placeHeld places the fans' orders with the workers stopped (SIGSTOP),
// runs also (if not nil), and lets the workers go on (SIGCONT): the
// renders then start with a backlog behind them, so a fault injected next
// lands mid-render with work waiting, as in a busy hour. (Renders take
// well under a second each: placed at a client's pace, they would be
// done as fast as they arrive.)
func (c *campaign) placeHeld(ctx context.Context, fans []*fan, also func() error) error {
	var held []*proc
	for _, w := range c.s.workers {
		if w.p.running() {
			held = append(held, w.p)
			syscall.Kill(w.p.pid(), syscall.SIGSTOP)
		}
	}
	defer func() {
		for _, p := range held {
			syscall.Kill(p.pid(), syscall.SIGCONT)
		}
	}()
	c.place(ctx, fans)
	if also != nil {
		return also()
	}
	return nil
}

// waitBusy waits until renders of the fans' items are running, so a
// fault lands mid-render; it notes the renders running and waiting.
func (c *campaign) waitBusy(ctx context.Context, r *result, fans []*fan) {
	items, err := c.s.itemsOf(ctx, fans)
	if err != nil {
		r.note("could not list the batch's items: %v", err)
		return
	}
	deadline := time.Now().Add(30 * time.Second)
	for ctx.Err() == nil && time.Now().Before(deadline) {
		if running, waiting, err := c.s.tasksOf(ctx, items); err == nil && running > 0 {
			r.note("fault injected with %d of the batch's renders running and %d waiting", running, waiting)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.note("no render was running when the fault was injected")
}

// finish waits for the scenario's orders to be final, measuring from
// clear, and checks them.
func (c *campaign) finish(ctx context.Context, r *result, fans []*fan, clear time.Time) {
	logf("%s: fault cleared; waiting up to %s for every order to be final", r.name, r.bound+c.slack)
	done, ok := c.s.waitFinal(ctx, ackedIDs(fans), clear.Add(r.bound+c.slack))
	r.recovered = ok
	if ok {
		r.recovery = max(0, done.Sub(clear))
	} else {
		r.recovery = time.Since(clear)
	}
	if !c.s.waitDrained(ctx, fans, 20*time.Second) {
		r.note("Redis still held render tasks of the batch 20 s after the wait for its orders ended")
	}
	c.verify(ctx, r, fans)
	if !ok && r.stuck == 0 && r.err == nil {
		r.note("every order was final when checked, %.0f s after the fault cleared: past the bound and the wait", time.Since(clear).Seconds())
	}
}

// midRender places a batch of n orders with a backlog, injects the
// fault once renders of it run, and waits and checks from when inject
// returns (the fault has cleared).
func (c *campaign) midRender(ctx context.Context, r *result, n int, inject func() error) error {
	fans, err := c.batch(ctx, r.name, n)
	if err != nil {
		return err
	}
	if err := c.placeHeld(ctx, fans, nil); err != nil {
		return err
	}
	c.waitBusy(ctx, r, fans)
	if err := inject(); err != nil {
		return err
	}
	c.finish(ctx, r, fans, time.Now())
	return nil
}

func (c *campaign) workerKill9(ctx context.Context, r *result) error {
	// Three batches' worth, so renders are still waiting at the last kill.
	return c.midRender(ctx, r, 3*c.orders, func() error {
		for k := range c.kills {
			w := c.busyWorker(ctx, r, k)
			logf("%s: kill -9 %s (pid %d)", r.name, w.p.name, w.p.pid())
			w.stop(syscall.SIGKILL, time.Minute)
			if err := c.s.startWorker(ctx, w); err != nil {
				return err
			}
		}
		return nil
	})
}

// busyWorker returns a worker that is rendering while more renders wait:
// one that used the CPU for at least a fifth of 200 ms (renders are
// CPU-bound; asynq's own record of a server's running tasks is written
// only every 5 s). It tries the workers in turn from the k-th, for up to
// 30 s, and then returns the k-th anyway, with a note.
func (c *campaign) busyWorker(ctx context.Context, r *result, k int) *slot {
	n := len(c.s.workers)
	deadline := time.Now().Add(30 * time.Second)
	for ctx.Err() == nil && time.Now().Before(deadline) {
		pending := c.s.pendingRenders(ctx)
		if pending == 0 {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		for i := range n {
			w := c.s.workers[(k+i)%n]
			if cpu := cpuShare(w.p.pid(), 200*time.Millisecond); cpu >= 0.2 {
				r.note("%s stopped at %.0f%% CPU with %d renders waiting", w.p.name, 100*cpu, pending)
				return w
			}
		}
	}
	w := c.s.workers[k%n]
	r.note("%s stopped with no render seen running", w.p.name)
	return w
}

// cpuShare is the share of one CPU the process used over d, from
// /proc/PID/stat (user and system ticks); -1 if it cannot be read.
func cpuShare(pid int, d time.Duration) float64 {
	ticks := func() int64 {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return -1
		}
		// The command is in parentheses and may hold spaces: count fields
		// after its closing one. utime and stime are fields 14 and 15.
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		if len(f) < 13 {
			return -1
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		s, _ := strconv.ParseInt(f[12], 10, 64)
		return u + s
	}
	t0 := ticks()
	time.Sleep(d)
	t1 := ticks()
	if pid == 0 || t0 < 0 || t1 < 0 {
		return -1
	}
	return float64(t1-t0) / clockTicks / d.Seconds()
}

// clockTicks is USER_HZ, the unit of /proc's CPU times: 100 on Linux.
const clockTicks = 100

func (c *campaign) workerSigterm(ctx context.Context, r *result) error {
	return c.midRender(ctx, r, c.orders, func() error {
		w := c.busyWorker(ctx, r, 0)
		logf("%s: SIGTERM %s (pid %d)", r.name, w.p.name, w.p.pid())
		took, state := w.stop(syscall.SIGTERM, time.Minute)
		r.note("%s stopped %.1f s after SIGTERM: %v", w.p.name, took.Seconds(), state)
		// asynq waits up to its ShutdownTimeout (30 s) for running renders.
		if state == nil || !state.Success() || took > 35*time.Second {
			r.problem("%s did not stop gracefully: %v after %.1f s", w.p.name, state, took.Seconds())
		}
		return c.s.startWorker(ctx, w)
	})
}

func (c *campaign) redisFlushall(ctx context.Context, r *result) error {
	return c.midRender(ctx, r, c.orders, func() error {
		logf("%s: FLUSHALL", r.name)
		return c.s.rdb.FlushAll(ctx).Err()
	})
}

func (c *campaign) minioOutage(ctx context.Context, r *result) error {
	return c.midRender(ctx, r, c.orders, func() error {
		logf("%s: MinIO stopped for %s", r.name, c.outage)
		c.s.minio.signal(syscall.SIGTERM, 10*time.Second)
		if err := sleep(ctx, c.outage); err != nil {
			return err
		}
		r.note("MinIO was down %s", c.outage)
		return c.s.startMinio(ctx)
	})
}

func (c *campaign) postgresRestart(ctx context.Context, r *result) error {
	return c.midRender(ctx, r, c.orders, func() error {
		logf("%s: PostgreSQL stopped for %s", r.name, c.pgDown)
		c.s.pg.signal(syscall.SIGINT, 30*time.Second) // fast shutdown: sessions are cut
		if err := sleep(ctx, c.pgDown); err != nil {
			return err
		}
		r.note("PostgreSQL was down %s", c.pgDown)
		return c.s.startPG(ctx)
	})
}

func (c *campaign) apiKill9(ctx context.Context, r *result) error {
	fans, err := c.batch(ctx, r.name, c.orders)
	if err != nil {
		return err
	}
	placed := make(chan struct{})
	go func() { c.place(ctx, fans); close(placed) }()
	// Kill it once a third of the burst is acknowledged: orders are in
	// flight, some committed and not yet answered.
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		n := 0
		for _, f := range fans {
			if f.done.Load() {
				n++
			}
		}
		if n >= len(fans)/3 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	logf("%s: kill -9 api (pid %d)", r.name, c.s.api.pid())
	c.s.api.kill9()
	if err := sleep(ctx, time.Second); err != nil {
		return err
	}
	if err := c.s.startAPI(ctx); err != nil {
		return err
	}
	clear := time.Now()
	<-placed
	retried, replayed := 0, 0
	for _, f := range fans {
		if f.attempts > 1 {
			retried++
		}
		if f.replayed {
			replayed++
		}
	}
	r.note("%d of %d orders were sent more than once with their Idempotency-Key; %d of those were answered as replays (created before the kill, the answer lost)",
		retried, len(fans), replayed)
	c.finish(ctx, r, fans, clear)
	return nil
}

func (c *campaign) duplicates(ctx context.Context, r *result) error {
	fans, err := c.batch(ctx, r.name, c.orders)
	if err != nil {
		return err
	}
	// Every item's render task again twice, under other task ids, while
	// the workers are held: asynq delivers each three times, at once, to
	// both workers.
	n := 0
	err = c.placeHeld(ctx, fans, func() error {
		var err error
		n, err = c.redeliver(ctx, fans, "dup", 2)
		return err
	})
	if err != nil {
		return err
	}
	if _, ok := c.s.waitFinal(ctx, ackedIDs(fans), time.Now().Add(r.bound+c.slack)); ok {
		// And once more after it is done, as a redelivery after a lost ack.
		m, err := c.redeliver(ctx, fans, "again", 1)
		if err != nil {
			return err
		}
		n += m
	}
	r.note("%d extra render deliveries enqueued", n)
	c.finish(ctx, r, fans, time.Now())
	return nil
}

// redeliver enqueues copies of the fans' items' render tasks: the same
// type and payload as the API's, under task ids of their own.
func (c *campaign) redeliver(ctx context.Context, fans []*fan, tag string, copies int) (int, error) {
	rows, err := c.s.db.QueryContext(ctx, "SELECT id, kind FROM items WHERE order_id = ANY($1)", ackedIDs(fans))
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id, kind string
		if err := rows.Scan(&id, &kind); err != nil {
			return n, err
		}
		payload, _ := json.Marshal(map[string]string{"item_id": id})
		for k := range copies {
			t := asynq.NewTask("render:"+kind, payload, asynq.TaskID(fmt.Sprintf("%s-%s%d", id, tag, k)),
				asynq.Queue("render"), asynq.MaxRetry(5), asynq.Timeout(2*time.Minute))
			if _, err := c.s.enqueue.EnqueueContext(ctx, t); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, rows.Err()
}

// poison replaces the workers with two whose memory is capped (ulimit -d)
// below what the decode budget lets a render take, as a container sized
// without the budget in mind would be,
// and orders, among ordinary goods, a photo that such a worker dies
// rendering: a task that kills every worker that takes it. The
// supervisor restarts each dead worker. The poison's item must fail with
// a public reason within the bound of its order being acknowledged; the
// other orders must be made.
func (c *campaign) poison(ctx context.Context, r *result) error {
	for _, w := range c.s.workers {
		w.stop(syscall.SIGTERM, 40*time.Second)
	}
	capped := []*slot{c.s.newWorker("capped-worker-1", c.poisonMB), c.s.newWorker("capped-worker-2", c.poisonMB)}
	defer func() {
		for _, w := range capped {
			w.stop(syscall.SIGTERM, 10*time.Second)
		}
		for _, w := range c.s.workers {
			if err := c.s.startWorker(ctx, w); err != nil {
				logf("restart %s: %v", w.p.name, err)
			}
		}
	}()
	for _, w := range capped {
		if err := c.s.startWorker(ctx, w); err != nil {
			return err
		}
	}
	fans, err := c.batch(ctx, r.name, c.orders)
	if err != nil {
		return err
	}
	big, err := c.c.upload(ctx, "huge.png", interlacedPNG(7000, 7000))
	if err != nil {
		return err
	}
	p := newFan(r.name, len(fans), mixPhoto, big, c.run)
	p.poison = true
	fans = append(fans, p)
	r.note("workers capped at ulimit -d %d MiB, one render at a time; the poison is a 7000x7000 interlaced PNG", c.poisonMB)
	c.place(ctx, fans)
	if p.acked.IsZero() {
		return fmt.Errorf("the poison order was refused: %s", p.err)
	}
	done, ok := c.s.waitFinal(ctx, []string{p.id}, p.acked.Add(r.bound+c.slack/2))
	r.recovered = ok
	if ok {
		r.recovery = done.Sub(p.acked)
	} else {
		r.recovery = time.Since(p.acked)
	}
	deaths := 0
	for _, w := range capped {
		deaths += w.deathCount()
	}
	r.note("the capped workers died %d times", deaths)
	var status, reason string
	c.s.db.QueryRowContext(ctx, "SELECT status, error_message FROM items WHERE order_id = $1", p.id).Scan(&status, &reason)
	switch {
	case status == "failed" && reason != "":
		r.note("poison item failed after %.0f s: %q", r.recovery.Seconds(), reason)
	case status == "ready":
		r.problem("the poison rendered: the cap (%d MiB) is too high to make it a poison", c.poisonMB)
	default:
		r.problem("poison item still %q %.0f s after its order was acknowledged", status, r.recovery.Seconds())
	}
	// The others must be made by the same capped workers.
	var others []*fan
	for _, f := range fans {
		if !f.poison {
			others = append(others, f)
		}
	}
	if _, ok := c.s.waitFinal(ctx, ackedIDs(others), time.Now().Add(c.slack)); !ok {
		r.problem("ordinary orders not final beside the poison")
	}
	c.s.waitDrained(ctx, fans, 5*time.Second)
	c.verify(ctx, r, fans)
	if r.failed > 1 {
		r.problem("%d orders failed; only the poison should", r.failed)
	}
	// verify counts the poison as failed (a final state); its own checks
	// above decide.
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}
