// Command oshigoods turns fans' orders into print-ready goods.
//
//	oshigoods serve        HTTP API and worker in one process
//	oshigoods worker       the worker alone
//	oshigoods render       render one item offline, with no services
//	oshigoods shop-keys    manage print-shop API keys
//	oshigoods admin-keys   manage the operator's keys (console, admin API)
//	oshigoods orders       confirm a bank transfer (mark-paid)
//	oshigoods audit        print the audit log
//	oshigoods pull         pull claimed orders into a print shop's hot folder
//	oshigoods templates    check a template folder, or start a new template
//
// With no configuration, serve runs the embedded default: in-process Redis
// and S3-compatible servers and SQLite, all data under ./oshigoods-data.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

const usage = `usage: oshigoods <command> [flags]

commands:
  serve                     HTTP API and worker in one process
  worker                    the render worker alone (needs OSHIGOODS_REDIS_URL)
  render                    render one item offline into a folder
  shop-keys create|list|revoke|rotate
                            manage print-shop API keys and see unrouted orders
  admin-keys create|list|revoke
                            manage the operator's keys for /admin and /v1/admin/…
  orders mark-paid ORDER_ID confirm an order's bank transfer, so it is made
  audit [--since 24h]       print the audit log of shop and operator actions
  pull --server --key --dir  the print shop's hot-folder client
  templates check [DIR]     check a template folder and render samples
  templates new --kind K DIR/ID
                            write a starting template (card, photo, voice)

Run "oshigoods <command> -h" for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	warnUnknownVariables(newLogger(os.Stderr), os.Environ())
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, errUsage) {
			// One line per problem: a configuration error joins several.
			for _, line := range strings.Split(err.Error(), "\n") {
				fmt.Fprintln(os.Stderr, "oshigoods:", line)
			}
		}
		os.Exit(1)
	}
}

// errUsage means the usage was already printed.
var errUsage = errors.New("usage")

// run runs one command. getenv supplies the environment, so tests can run
// several systems side by side in one process.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	switch args[0] {
	case "serve":
		return cmdServe(ctx, args[1:], getenv, stderr, nil)
	case "worker":
		return cmdWorker(ctx, args[1:], getenv, stderr)
	case "render":
		return cmdRender(ctx, args[1:], getenv, stdout, stderr)
	case "pull":
		return cmdPull(ctx, args[1:], getenv, stdout, stderr)
	case "shop-keys":
		return cmdShopKeys(ctx, args[1:], getenv, stdout, stderr)
	case "admin-keys":
		return cmdAdminKeys(ctx, args[1:], getenv, stdout, stderr)
	case "orders":
		return cmdOrders(ctx, args[1:], getenv, stdout, stderr)
	case "audit":
		return cmdAudit(ctx, args[1:], getenv, stdout, stderr)
	case "templates":
		return cmdTemplates(ctx, args[1:], getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "unknown command %q\n\n%s", args[0], usage)
	return errUsage
}
