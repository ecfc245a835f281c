package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"oshigoods/orders"
)

const adminKeysUsage = `usage:
  oshigoods admin-keys create --name NAME
  oshigoods admin-keys list
  oshigoods admin-keys revoke ID`

// cmdAdminKeys manages the operator's keys in the configured database:
// create (shown once, stored hashed), list and revoke. A key signs in to
// the console (/admin) and the admin API, beside OSHIGOODS_ADMIN_TOKEN.
func cmdAdminKeys(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, adminKeysUsage)
		return errUsage
	}
	fs := flag.NewFlagSet("admin-keys "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	var name *string
	if args[0] == "create" {
		name = fs.String("name", "", "who the key is for, e.g. the operator's name or their laptop")
	}
	svc, done, err := operatorService(ctx, fs, args[1:], getenv)
	if err != nil {
		return err
	}
	defer done()
	switch {
	case args[0] == "create" && fs.NArg() == 0:
		key, k, err := svc.CreateAdminKey(ctx, *name)
		if err != nil {
			return userError(err)
		}
		fmt.Fprintf(stderr, "created operator key %s for %q; it is shown once, keep it safe:\n", k.ID, k.Name)
		fmt.Fprintln(stdout, key)
		return nil
	case args[0] == "list" && fs.NArg() == 0:
		return listAdminKeys(ctx, svc, stdout)
	case args[0] == "revoke" && fs.NArg() == 1:
		if err := svc.RevokeAdminKey(ctx, fs.Arg(0)); err != nil {
			return userError(err)
		}
		fmt.Fprintf(stderr, "revoked operator key %s; it and its console sessions no longer work\n", fs.Arg(0))
		return nil
	}
	fmt.Fprintln(stderr, adminKeysUsage)
	return errUsage
}

// listAdminKeys prints one line per operator key.
func listAdminKeys(ctx context.Context, svc *orders.Service, w io.Writer) error {
	keys, err := svc.AdminKeys(ctx)
	if err != nil {
		return userError(err)
	}
	fmt.Fprintf(w, "%-30s %-8s %-25s %s\n", "ID", "STATE", "CREATED", "NAME")
	for _, k := range keys {
		state := "active"
		if !k.Active() {
			state = "revoked"
		}
		fmt.Fprintf(w, "%-30s %-8s %-25s %s\n", k.ID, state, k.CreatedAt.Format(time.RFC3339), k.Name)
	}
	return nil
}
