package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"oshigoods/orders"
	"oshigoods/render"
	"oshigoods/templates"
)

const templatesUsage = `usage:
  oshigoods templates check [--out DIR] [--profile NAME] [TEMPLATE_DIR | --builtin]
      check a template folder (or one template's folder) laid over the
      built-in catalogue (without one: $OSHIGOODS_TEMPLATES_DIR, when set),
      or the built-in catalogue itself; render a sample
      of each template into --out (default: a new temporary folder)
  oshigoods templates new --kind card|photo|voice [--title T] [--price YEN] TEMPLATE_DIR/ID
  oshigoods templates new --kind card|photo|voice --id ID [--title T] [--price YEN] TEMPLATE_DIR
      write a starting template that passes check`

// errTemplatesFailed is returned when a check found errors: the report
// already says which.
var errTemplatesFailed = errors.New("templates check found errors")

// cmdTemplates runs the operator's template commands: check and new.
func cmdTemplates(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, templatesUsage)
		return errUsage
	}
	switch args[0] {
	case "check":
		return cmdTemplatesCheck(ctx, args[1:], getenv, stdout, stderr)
	case "new":
		return cmdTemplatesNew(args[1:], stdout, stderr)
	}
	fmt.Fprintln(stderr, templatesUsage)
	return errUsage
}

// cmdTemplatesCheck prints the preflight report of a template folder (or
// of the built-in catalogue) and fails when it has an error; warnings
// alone pass.
func cmdTemplatesCheck(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("templates check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	builtin := fs.Bool("builtin", false, "check the built-in catalogue (the default without TEMPLATE_DIR and $OSHIGOODS_TEMPLATES_DIR)")
	out := fs.String("out", "", "folder to write the sample renders into, one folder per template (default: a new temporary folder)")
	defProfile := getenv("OSHIGOODS_PRINT_PROFILE")
	if defProfile == "" {
		defProfile = render.DefaultProfileName
	}
	profileName := fs.String("profile", defProfile, "print profile of the samples (default $OSHIGOODS_PRINT_PROFILE or "+render.DefaultProfileName+"): "+strings.Join(render.ProfileNames(), ", "))
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() > 1 || *builtin && fs.NArg() == 1 {
		fmt.Fprintln(stderr, templatesUsage)
		return errUsage
	}
	profile, err := render.LookupProfile(*profileName)
	if err != nil {
		return userError(err)
	}
	temp := *out == ""
	if temp {
		if *out, err = os.MkdirTemp("", "oshigoods-templates-check-"); err != nil {
			return err
		}
		// Nothing rendered (the folder is unreadable, every template
		// failed): no empty folder is left behind.
		defer os.Remove(*out)
	}
	opts := templates.CheckOptions{Out: *out, Profile: profile}
	var report *templates.Report
	dir := fs.Arg(0)
	if dir == "" && !*builtin {
		// The folder serve would load, when the operator has one.
		dir = getenv("OSHIGOODS_TEMPLATES_DIR")
	}
	if dir != "" {
		fmt.Fprintf(stdout, "checking %s over the built-in catalogue; print profile %s\n\n", dir, profile.Name)
		report, err = templates.CheckFolder(ctx, dir, opts)
	} else {
		fmt.Fprintf(stdout, "checking the built-in catalogue; print profile %s\n\n", profile.Name)
		report, err = templates.Check(ctx, templates.FS(), opts)
	}
	if err != nil {
		return err
	}
	if err := report.Write(stdout); err != nil {
		return err
	}
	if rendered(report) {
		fmt.Fprintf(stdout, "Samples are in %s: look at them before fans do.\n", *out)
	}
	if report.Errors() > 0 {
		return errTemplatesFailed
	}
	return nil
}

// cmdTemplatesNew writes a starting template folder.
func cmdTemplatesNew(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("templates new", flag.ContinueOnError)
	fs.SetOutput(stderr)
	kind := fs.String("kind", "", "card, photo or voice")
	id := fs.String("id", "", "the template's id (default: the folder's name)")
	title := fs.String("title", "", "the title fans see (default: a placeholder marked （仮）)")
	price := fs.Int64("price", 0, "the price of one piece in whole yen, tax included (default: the built-in template's)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() != 1 || *kind == "" {
		fmt.Fprintln(stderr, templatesUsage)
		return errUsage
	}
	dir := fs.Arg(0)
	if *id == "" {
		dir, *id = filepath.Dir(filepath.Clean(dir)), filepath.Base(filepath.Clean(dir))
	}
	written, err := templates.New(dir, templates.NewOptions{Kind: render.Kind(*kind), ID: *id, Title: *title, Price: orders.Yen(*price)})
	if err != nil {
		return userError(err)
	}
	folder := filepath.Join(dir, *id)
	fmt.Fprintf(stdout, "wrote %s:\n", folder)
	for _, p := range written {
		fmt.Fprintf(stdout, "  %s\n", filepath.Base(p))
	}
	fmt.Fprintf(stdout, "Edit template.json (README.md explains each key), then run: oshigoods templates check %s\n", folder)
	return nil
}

// rendered reports whether any template's sample was written.
func rendered(r *templates.Report) bool {
	for _, t := range r.Templates {
		if len(t.Samples) > 0 {
			return true
		}
	}
	return false
}
