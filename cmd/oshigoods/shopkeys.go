package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"oshigoods"
	"oshigoods/orders"
	"oshigoods/orders/sqlstore"
)

const shopKeysUsage = `usage:
  oshigoods shop-keys create --name NAME --kinds card,photo [--templates ID,…]
  oshigoods shop-keys list
  oshigoods shop-keys revoke ID
  oshigoods shop-keys rotate ID`

// cmdShopKeys manages print-shop keys in the configured database: create
// (with what the shop makes), list (with each shop's open orders and the
// orders waiting for a shop), revoke and rotate.
func cmdShopKeys(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, shopKeysUsage)
		return errUsage
	}
	fs := flag.NewFlagSet("shop-keys "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	var name, kinds, tpls *string
	if args[0] == "create" {
		name = fs.String("name", "", "the print shop's name")
		kinds = fs.String("kinds", "", "comma-separated kinds the shop makes: photo, card")
		tpls = fs.String("templates", "", "comma-separated template ids the shop makes besides its kinds'")
	}
	svc, done, err := operatorService(ctx, fs, args[1:], getenv)
	if err != nil {
		return err
	}
	defer done()
	switch args[0] {
	case "create":
		if fs.NArg() != 0 {
			fmt.Fprintln(stderr, shopKeysUsage)
			return errUsage
		}
		var req = orders.NewShopKey{Name: *name, Templates: splitFlag(*tpls)}
		for _, k := range splitFlag(*kinds) {
			req.Kinds = append(req.Kinds, orders.Kind(k))
		}
		key, k, err := svc.CreateShopKey(ctx, req)
		if err != nil {
			return userError(err)
		}
		fmt.Fprintf(stderr, "created print-shop key %s for %q; it is shown once, keep it safe:\n", k.ID, k.Name)
		fmt.Fprintln(stdout, key)
		return nil
	case "list":
		return listShopKeys(ctx, svc, stdout)
	case "revoke", "rotate":
		if fs.NArg() != 1 {
			fmt.Fprintln(stderr, shopKeysUsage)
			return errUsage
		}
		id := fs.Arg(0)
		if args[0] == "revoke" {
			if err := svc.RevokeShopKey(ctx, id); err != nil {
				return userError(err)
			}
			fmt.Fprintf(stderr, "revoked print-shop key %s; its open orders go to another shop or wait\n", id)
			return nil
		}
		key, err := svc.RotateShopKey(ctx, id)
		if err != nil {
			return userError(err)
		}
		fmt.Fprintf(stderr, "rotated print-shop key %s: the old key no longer works; the new one is shown once:\n", id)
		fmt.Fprintln(stdout, key)
		return nil
	}
	fmt.Fprintln(stderr, shopKeysUsage)
	return errUsage
}

// listShopKeys prints one line per key, then the orders waiting for a
// shop that makes them.
func listShopKeys(ctx context.Context, svc *orders.Service, w io.Writer) error {
	keys, err := svc.ShopKeys(ctx)
	if err != nil {
		return userError(err)
	}
	fmt.Fprintf(w, "%-30s %-8s %-10s %-12s %-24s %s\n", "ID", "STATE", "OPEN", "KINDS", "TEMPLATES", "NAME")
	for _, k := range keys {
		state := "active"
		if !k.Active() {
			state = "revoked"
		}
		kinds := make([]string, len(k.Kinds))
		for i, kd := range k.Kinds {
			kinds[i] = string(kd)
		}
		fmt.Fprintf(w, "%-30s %-8s %-10d %-12s %-24s %s\n", k.ID, state, k.OpenOrders,
			dash(strings.Join(kinds, ",")), dash(strings.Join(k.Templates, ",")), k.Name)
	}
	waiting, err := svc.UnroutedOrders(ctx)
	if err != nil {
		return userError(err)
	}
	fmt.Fprintf(w, "\n%d orders wait for a shop that makes them:\n", len(waiting))
	for _, o := range waiting {
		var tpls []string
		for _, it := range o.Items {
			if orders.Physical(it) {
				tpls = append(tpls, it.Template)
			}
		}
		fmt.Fprintf(w, "%s %s %s %s\n", o.ID, o.CreatedAt.Format(time.RFC3339), o.Status, strings.Join(tpls, ","))
	}
	return nil
}

// cmdAudit prints the audit log: one line per entry, or JSON lines.
func cmdAudit(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	since := fs.Duration("since", 24*time.Hour, "how far back")
	asJSON := fs.Bool("json", false, "one JSON object a line")
	svc, done, err := operatorService(ctx, fs, args, getenv)
	if err != nil {
		return err
	}
	defer done()
	list, err := svc.AuditLog(ctx, time.Now().Add(-*since), 0)
	if err != nil {
		return userError(err)
	}
	enc := json.NewEncoder(stdout)
	for _, e := range list {
		if *asJSON {
			if err := enc.Encode(e); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintf(stdout, "%s %s %s %s %s\n", e.At.Format(time.RFC3339), e.Actor, e.Action, e.Subject, e.Detail)
	}
	return nil
}

// operatorService parses an operator command's flags (with the
// configuration's) and opens the database and the catalogue: a service
// for the commands that manage keys and read the audit log. done closes it.
func operatorService(ctx context.Context, fs *flag.FlagSet, args []string, getenv func(string) string) (*orders.Service, func(), error) {
	var cfg config
	return operatorServiceConfig(ctx, fs, args, getenv, &cfg)
}

// operatorServiceConfig is operatorService that also fills cfg.
func operatorServiceConfig(ctx context.Context, fs *flag.FlagSet, args []string, getenv func(string) string, cfg *config) (*orders.Service, func(), error) {
	cfg.bind(fs, getenv)
	if err := fs.Parse(args); err != nil {
		return nil, nil, errUsage
	}
	if err := cfg.validate(); err != nil {
		return nil, nil, err
	}
	dbURL := cfg.DatabaseURL
	if dbURL == "" {
		if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
			return nil, nil, err
		}
		dbURL = filepath.Join(cfg.DataDir, "oshigoods.db")
	}
	catalog, err := cfg.catalogLoader()()
	if err != nil {
		return nil, nil, err
	}
	store, err := sqlstore.OpenConfig(ctx, dbURL, cfg.DB)
	if err != nil {
		return nil, nil, fmt.Errorf("open database: %w", err)
	}
	svc := &orders.Service{Store: store, Catalog: catalog, Payments: cfg.Payments, Shipping: cfg.Shipping, PublicURL: cfg.publicURL()}
	return svc, func() { store.Close() }, nil
}

func splitFlag(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// userError turns a domain error into its public message.
func userError(err error) error {
	var e *oshigoods.Error
	if errors.As(err, &e) {
		if e.Field != "" {
			return fmt.Errorf("%s: %s", e.Field, e.Message)
		}
		return errors.New(e.Message)
	}
	return err
}
