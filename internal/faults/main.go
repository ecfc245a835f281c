package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"
)

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "faults %s %s\n", time.Now().Format(time.TimeOnly), fmt.Sprintf(format, args...))
}

func main() {
	var (
		dir      = flag.String("dir", "", "temp dir to run in (required; the script makes and removes it)")
		bin      = flag.String("bin", "", "the oshigoods binary (required)")
		minio    = flag.String("minio", "", "the MinIO binary (required)")
		pgBin    = flag.String("pg-bin", "", "PostgreSQL's bin folder; default the newest /usr/lib/postgresql/*/bin, else PATH")
		short    = flag.Bool("short", false, "small batches, a short outage, the scenarios marked short")
		only     = flag.String("only", "", "comma-separated scenarios to run (default: all, or the short ones)")
		orders   = flag.Int("orders", 0, "orders per batch (default 12 short, 36 full; worker-kill9 places three batches)")
		poisonMB = flag.Int("poison-limit-mb", 320, "data-segment limit (ulimit -d) of the poison scenario's workers, MiB")
	)
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: faults -dir DIR -bin OSHIGOODS -minio MINIO [flags]\n\nscenarios:\n")
		for _, s := range scenarios {
			mark := ""
			if s.short {
				mark = " (short)"
			}
			fmt.Fprintf(flag.CommandLine.Output(), "  %-22s %s%s\n", s.name, s.fault, mark)
		}
		fmt.Fprintln(flag.CommandLine.Output())
		flag.PrintDefaults()
	}
	flag.Parse()
	if *dir == "" || *bin == "" || *minio == "" {
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code, err := run(ctx, *dir, *bin, *minio, *pgBin, *short, *only, *orders, *poisonMB, os.Stdout)
	if err != nil {
		logf("error: %v", err)
	}
	os.Exit(code)
}

// findPGBin returns the folder of initdb and postgres.
func findPGBin() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { // by major version, numerically
		vi, vj := filepath.Base(filepath.Dir(dirs[i])), filepath.Base(filepath.Dir(dirs[j]))
		return len(vi) < len(vj) || len(vi) == len(vj) && vi < vj
	})
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i], nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("no initdb: install PostgreSQL (Debian: postgresql) or pass -pg-bin")
}

func run(ctx context.Context, dir, bin, minio, pgBin string, short bool, only string, orders, poisonMB int, out io.Writer) (int, error) {
	var chosen []scenario
	names := strings.Split(only, ",")
	for _, s := range scenarios {
		if only != "" && slices.Contains(names, s.name) || only == "" && (s.short || !short) {
			chosen = append(chosen, s)
		}
	}
	if only != "" {
		for _, name := range names {
			if !slices.ContainsFunc(scenarios, func(s scenario) bool { return s.name == name }) {
				return 2, fmt.Errorf("no scenario %q (see -h)", name)
			}
		}
	}
	if pgBin == "" {
		var err error
		if pgBin, err = findPGBin(); err != nil {
			return 2, err
		}
	}
	c := &campaign{orders: 36, kills: 4, outage: time.Minute, pgDown: 10 * time.Second, slack: 3 * time.Minute,
		poisonMB: poisonMB, run: randomHex(3), photo: phonePhoto(1600, 1200)}
	if short {
		c.orders, c.kills, c.outage, c.pgDown, c.slack = 12, 2, 15*time.Second, 3*time.Second, 20*time.Second
	}
	if orders > 0 {
		c.orders = orders
	}
	s := &stack{dir: dir, bin: bin, minioBin: minio, pgBin: pgBin, reconcile: "1s", staleAfter: "3s"}
	c.s = s
	defer s.stopAll()
	start := time.Now()
	logf("starting Redis, PostgreSQL (%s) and MinIO under %s", pgBin, dir)
	if err := s.startServices(ctx); err != nil {
		return 2, err
	}
	if err := s.startAPI(ctx); err != nil {
		return 2, err
	}
	c.c = newClient(s.base)
	s.workers = []*slot{s.newWorker("worker-1", 0), s.newWorker("worker-2", 0)}
	for _, w := range s.workers {
		if err := s.startWorker(ctx, w); err != nil {
			return 2, err
		}
	}
	logf("API on %s, 2 workers, Redis :%d, PostgreSQL :%d, MinIO :%d; reconcile every %s, stale after %s",
		s.base, s.redisPort, s.pgPort, s.minioPort, s.reconcile, s.staleAfter)

	var results []*result
	for _, sc := range chosen {
		if ctx.Err() != nil {
			break
		}
		r := &result{name: sc.name, bound: sc.bound}
		results = append(results, r)
		logf("%s: %s", sc.name, sc.fault)
		if err := c.ensureUp(ctx); err != nil {
			r.err = err
			break
		}
		deaths := c.workerDeaths()
		t0 := time.Now()
		if err := sc.run(c, ctx, r); err != nil {
			r.err = err
		}
		if d := c.workerDeaths() - deaths; d > 0 && sc.name != "poison-task" {
			r.problem("workers died %d times on their own", d)
		}
		verdict := "PASS"
		if !r.pass() {
			verdict = "FAIL"
		}
		logf("%s: %s in %.0f s", sc.name, verdict, time.Since(t0).Seconds())
	}
	form := "full"
	if short {
		form = "short"
	}
	if ctx.Err() != nil {
		form += ", interrupted"
	}
	fmt.Fprintf(out, "\nfault campaign (%s form): %d orders a batch, %d scenarios, %.0f s\n\n",
		form, c.orders, len(results), time.Since(start).Seconds())
	failed := printTable(out, results)
	if ctx.Err() != nil {
		return 130, ctx.Err()
	}
	if failed {
		return 1, nil
	}
	return 0, nil
}

// ensureUp restarts whatever an earlier scenario left stopped.
func (c *campaign) ensureUp(ctx context.Context) error {
	s := c.s
	if !s.redis.running() {
		return errors.New("redis is not running")
	}
	if !s.pg.running() {
		if err := s.startPG(ctx); err != nil {
			return err
		}
	}
	if !s.minio.running() {
		if err := s.startMinio(ctx); err != nil {
			return err
		}
	}
	if !s.api.running() {
		if err := s.startAPI(ctx); err != nil {
			return err
		}
	}
	for _, w := range s.workers {
		if !w.p.running() {
			if err := s.startWorker(ctx, w); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *campaign) workerDeaths() int {
	n := 0
	for _, w := range c.s.workers {
		n += w.deathCount()
	}
	return n
}

// printTable prints the results and each scenario's notes; it reports
// whether any failed.
func printTable(out io.Writer, results []*result) bool {
	row := "%-21s %6s %8s %6s %5s %4s %10s %9s %11s %10s %7s  %s\n"
	fmt.Fprintf(out, row, "scenario", "orders", "final ok", "failed", "stuck", "lost", "dup orders", "dup files", "bad objects", "recovery s", "bound s", "result")
	anyFailed := false
	for _, r := range results {
		rec := fmt.Sprintf("%.1f", r.recovery.Seconds())
		if !r.recovered {
			rec = fmt.Sprintf(">%.0f", r.recovery.Seconds())
		}
		verdict := "PASS"
		if !r.pass() {
			verdict, anyFailed = "FAIL", true
		}
		n := func(v int) string { return fmt.Sprint(v) }
		fmt.Fprintf(out, row, r.name, n(r.orders), n(r.ok), n(r.failed), n(r.stuck), n(r.lost), n(r.dupOrd), n(r.dupFile),
			n(r.badObj), rec, fmt.Sprintf("%.0f", r.bound.Seconds()), verdict)
	}
	fmt.Fprintln(out)
	for _, r := range results {
		lines := append([]string{}, r.problems...)
		if r.err != nil {
			lines = append([]string{"error: " + r.err.Error()}, lines...)
		}
		for i := range lines {
			lines[i] = "FAIL: " + lines[i]
		}
		lines = append(lines, r.notes...)
		if len(lines) == 0 {
			continue
		}
		fmt.Fprintf(out, "%s:\n", r.name)
		for _, l := range lines {
			fmt.Fprintf(out, "  - %s\n", l)
		}
	}
	return anyFailed
}
