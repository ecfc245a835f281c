package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"oshigoods"
	"oshigoods/orders"
	"oshigoods/orders/sqlstore"
)

// cmdShopKeys manages print-shop keys in the configured database.
func cmdShopKeys(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(stderr, "usage: oshigoods shop-keys create --name NAME")
		return errUsage
	}
	var cfg config
	fs := flag.NewFlagSet("shop-keys create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.bind(fs, getenv)
	name := fs.String("name", "", "the print shop's name")
	if err := fs.Parse(args[1:]); err != nil {
		return errUsage
	}
	if err := cfg.validate(); err != nil {
		return err
	}
	dbURL := cfg.DatabaseURL
	if dbURL == "" {
		if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
			return err
		}
		dbURL = filepath.Join(cfg.DataDir, "oshigoods.db")
	}
	store, err := sqlstore.Open(ctx, dbURL)
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer store.Close()
	svc := &orders.Service{Store: store}
	key, k, err := svc.CreateShopKey(ctx, *name)
	if err != nil {
		return userError(err)
	}
	fmt.Fprintf(stderr, "created print-shop key %s for %q; it is shown once, keep it safe:\n", k.ID, k.Name)
	fmt.Fprintln(stdout, key)
	return nil
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
