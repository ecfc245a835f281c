package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"oshigoods/orders"
	"oshigoods/worker"
)

const ordersUsage = `usage:
  oshigoods orders mark-paid [--reference TEXT] ORDER_ID`

// cmdOrders runs the operator's order commands on the configured
// database: mark-paid confirms a bank transfer, so the order is rendered.
// With OSHIGOODS_REDIS_URL its items are queued at once; on the embedded
// default (whose Redis lives inside `oshigoods serve`) the running
// server's reconciler queues them within OSHIGOODS_STALE_AFTER plus
// OSHIGOODS_RECONCILE_INTERVAL.
func cmdOrders(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "mark-paid" {
		fmt.Fprintln(stderr, ordersUsage)
		return errUsage
	}
	fs := flag.NewFlagSet("orders "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	reference := fs.String("reference", "", "the transfer as the bank statement shows it, e.g. \"12/06 ヤマダ ハナコ\" (no personal data is required)")
	var cfg config
	svc, done, err := operatorServiceConfig(ctx, fs, args[1:], getenv, &cfg)
	if err != nil {
		return err
	}
	defer done()
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, ordersUsage)
		return errUsage
	}
	if cfg.RedisURL != "" {
		opt, err := worker.ParseRedisURL(cfg.RedisURL)
		if err != nil {
			return fmt.Errorf("OSHIGOODS_REDIS_URL %w", err)
		}
		q := worker.NewQueue(opt)
		defer q.Close()
		svc.Queue = q
	}
	o, err := svc.MarkPaid(ctx, orders.ActorOperator, fs.Arg(0), *reference)
	if err != nil {
		return userError(err)
	}
	fmt.Fprintf(stdout, "%s\t%s\tpayment %s\t%d yen\n", o.ID, o.Status, o.Payment.Status, o.Totals.Total)
	if svc.Queue == nil {
		fmt.Fprintln(stderr, "marked paid; the running server's worker starts rendering it within about a minute and a half")
	}
	return nil
}
