package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTemplatesCommand runs oshigoods templates new and check as an
// operator would: exit status (run's error) and what they print.
func TestTemplatesCommand(t *testing.T) {
	// check without --out makes its folder under TMPDIR: the test's.
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	shop := t.TempDir()
	noEnv := func(string) string { return "" }
	templatesRun := func(args ...string) (string, string, error) {
		var out, errb bytes.Buffer
		err := run(context.Background(), append([]string{"templates"}, args...), noEnv, &out, &errb)
		return out.String(), errb.String(), err
	}
	for _, kind := range []string{"card", "photo", "voice"} {
		if out, stderr, err := templatesRun("new", "--kind", kind, filepath.Join(shop, "my-"+kind)); err != nil || !strings.Contains(out, "template.json") {
			t.Fatalf("new --kind %s: %v\n%s%s", kind, err, out, stderr)
		}
	}
	if out, stderr, err := templatesRun("new", "--kind", "card", "--id", "by-id", "--title", "ありがとうカード", "--price", "990", shop); err != nil {
		t.Fatalf("new --id: %v\n%s%s", err, out, stderr)
	}
	if data, err := os.ReadFile(filepath.Join(shop, "by-id", "template.json")); err != nil || !strings.Contains(string(data), `"title": "ありがとうカード"`) || !strings.Contains(string(data), `"price": 990`) {
		t.Fatalf("new --id --title --price wrote %s, %v", data, err)
	}
	// A copy of the shop's folder, broken: a price of zero.
	broken := t.TempDir()
	if _, _, err := templatesRun("new", "--kind", "card", filepath.Join(broken, "free")); err != nil {
		t.Fatal(err)
	}
	manifest := filepath.Join(broken, "free", "template.json")
	writeFile(t, manifest, bytes.Replace(readFile(t, manifest), []byte(`"price": 880`), []byte(`"price": 0`), 1))
	// Another with a warning only: a misspelt key.
	warned := t.TempDir()
	if _, _, err := templatesRun("new", "--kind", "card", filepath.Join(warned, "typo")); err != nil {
		t.Fatal(err)
	}
	manifest = filepath.Join(warned, "typo", "template.json")
	writeFile(t, manifest, bytes.Replace(readFile(t, manifest), []byte(`"price"`), []byte(`"descripton": "x", "price"`), 1))

	samples := t.TempDir()
	for _, tc := range []struct {
		scenario string
		args     []string
		err      error  // errUsage, errTemplatesFailed, nil, or
		errText  string // any other error, containing this
		out      []string
	}{
		{scenario: "the built-in catalogue", args: []string{"check", "--out", samples},
			out: []string{"checking the built-in catalogue; print profile jp-standard", "ok    photo-2shot-l", "4 templates checked: 4 ok, 0 failed; 0 errors", "Samples are in " + samples}},
		{scenario: "the built-in catalogue with crop marks", args: []string{"check", "--builtin", "--profile", "jp-tombo", "--out", t.TempDir()},
			out: []string{"print profile jp-tombo", "photo-2shot-l: photo.pdf, preview.jpg", "4 templates checked: 4 ok"}},
		{scenario: "a new template of each kind", args: []string{"check", "--out", samples, shop},
			out: []string{"ok    my-card", "ok    my-photo", "ok    my-voice", "ok    by-id", "4 templates checked: 4 ok, 0 failed; 0 errors"}},
		{scenario: "one template's folder", args: []string{"check", filepath.Join(shop, "my-photo")},
			out: []string{"ok    my-photo", "1 template checked: 1 ok", "Samples are in " + os.TempDir()}},
		{scenario: "a price of zero", args: []string{"check", broken}, err: errTemplatesFailed,
			out: []string{"free/template.json: price: price 0: give the price of one piece in whole yen", "FAIL  free", "1 template checked: 0 ok, 1 failed; 1 error, 0 warnings."}},
		{scenario: "a warning alone passes", args: []string{"check", warned},
			out: []string{"typo/template.json: descripton: warning: unknown key, ignored", "ok    typo", "0 errors, 1 warning."}},
		{scenario: "no such folder", args: []string{"check", filepath.Join(shop, "nope")}, errText: "nope"},
		{scenario: "a folder without templates", args: []string{"check", t.TempDir()}, errText: "holds no template"},
		{scenario: "unknown profile", args: []string{"check", "--profile", "a3", shop}, errText: `unknown print profile "a3"`},
		{scenario: "folder and --builtin", args: []string{"check", "--builtin", shop}, err: errUsage},
		{scenario: "two folders", args: []string{"check", shop, shop}, err: errUsage},
		{scenario: "no subcommand", args: nil, err: errUsage},
		{scenario: "unknown subcommand", args: []string{"lint"}, err: errUsage},
		{scenario: "new without a kind", args: []string{"new", filepath.Join(shop, "x")}, err: errUsage},
		{scenario: "new of an unknown kind", args: []string{"new", "--kind", "sticker", filepath.Join(shop, "x")}, errText: "kind: kind \"sticker\""},
		{scenario: "new over a template", args: []string{"new", "--kind", "photo", filepath.Join(shop, "my-card")}, errText: "exists and is not empty"},
		{scenario: "new with a bad id", args: []string{"new", "--kind", "card", filepath.Join(shop, "My Card")}, errText: `id: id "My Card"`},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			out, stderr, err := templatesRun(tc.args...)
			switch {
			case tc.errText != "":
				if err == nil || !strings.Contains(err.Error(), tc.errText) {
					t.Fatalf("err = %v, want one containing %q\n%s%s", err, tc.errText, out, stderr)
				}
			case !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil):
				t.Fatalf("err = %v, want %v\n%s%s", err, tc.err, out, stderr)
			}
			for _, w := range tc.out {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
	// Of the checks without --out, only the two that rendered (one
	// template's folder, a warning alone) left a folder.
	if left, _ := filepath.Glob(filepath.Join(tmp, "oshigoods-templates-check-*")); len(left) != 2 {
		t.Errorf("temporary sample folders left: %v, want the two with samples", left)
	}

	// The operator's folder, as serve would load it: check without a
	// folder checks it, --builtin the built-ins; render takes its template.
	env := func(k string) string {
		if k == "OSHIGOODS_TEMPLATES_DIR" {
			return broken
		}
		return ""
	}
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"templates", "check", "--out", t.TempDir()}, env, &out, &errb); !errors.Is(err, errTemplatesFailed) || !strings.Contains(out.String(), "checking "+broken) {
		t.Errorf("check with $OSHIGOODS_TEMPLATES_DIR of a broken folder: %v, want it checked and failed\n%s%s", err, &out, &errb)
	}
	out.Reset()
	if err := run(context.Background(), []string{"templates", "check", "--builtin", "--out", t.TempDir()}, env, &out, &errb); err != nil || !strings.Contains(out.String(), "checking the built-in catalogue") {
		t.Errorf("check --builtin with $OSHIGOODS_TEMPLATES_DIR: %v, want the built-ins checked\n%s%s", err, &out, &errb)
	}
	shopEnv := func(k string) string {
		if k == "OSHIGOODS_TEMPLATES_DIR" {
			return shop
		}
		return ""
	}
	rendered := t.TempDir()
	out.Reset()
	if err := run(context.Background(), []string{"render", "--template", "by-id", "--field", "to=さくら", "--out", rendered}, shopEnv, &out, &errb); err != nil {
		t.Fatalf("render of the shop's template: %v\n%s%s", err, &out, &errb)
	}
	if _, err := os.Stat(filepath.Join(rendered, "card.pdf")); err != nil {
		t.Errorf("render of the shop's template: %v", err)
	}
	if err := run(context.Background(), []string{"render", "--template", "by-id", "--templates-dir", filepath.Join(shop, "nope"), "--out", rendered}, noEnv, &out, &errb); err == nil || !strings.Contains(err.Error(), "not a folder") {
		t.Errorf("render with a mistyped --templates-dir: %v, want it named as not a folder", err)
	}
	if err := run(context.Background(), []string{"render", "--template", "by-id", "--out", rendered}, noEnv, &out, &errb); err == nil {
		t.Error("render of a shop template without its folder: no error")
	}
}
