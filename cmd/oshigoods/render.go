package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"oshigoods"
	"oshigoods/orders"
	"oshigoods/render"
	"oshigoods/templates"
)

// pairs collects repeated name=value flags.
type pairs map[string]string

func (p pairs) String() string { return "" }
func (p pairs) Set(v string) error {
	name, value, ok := strings.Cut(v, "=")
	if !ok || name == "" {
		return fmt.Errorf("want name=value, got %q", v)
	}
	p[name] = value
	return nil
}

type manifestFile struct {
	Name        string      `json:"name"`
	Role        render.Role `json:"role"`
	ContentType string      `json:"content_type"`
	Size        int         `json:"size"`
	SHA256      string      `json:"sha256"`
}

type manifest struct {
	Files    []manifestFile `json:"files"`
	Warnings []string       `json:"warnings"`
}

// cmdRender renders one item offline, with no services, into --out and
// prints a JSON manifest of the files on stdout. The item is rendered as
// ordered now: a card is dated this month in Japan. The template comes from
// --templates-dir (default $OSHIGOODS_TEMPLATES_DIR) laid over the built-in
// catalogue, as serve loads it; without one, from the built-ins.
func cmdRender(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("render", flag.ContinueOnError)
	fs.SetOutput(stderr)
	id := fs.String("template", "", "template id (see GET /v1/templates)")
	out := fs.String("out", "", "folder to write the files into (created if missing)")
	dir := fs.String("templates-dir", getenv("OSHIGOODS_TEMPLATES_DIR"), "the shop's template folder, over the built-ins (default $OSHIGOODS_TEMPLATES_DIR; none: the built-ins)")
	profileName := fs.String("profile", render.DefaultProfileName, "print profile: "+strings.Join(render.ProfileNames(), ", "))
	fields, files := pairs{}, pairs{}
	fs.Var(fields, "field", "a field value, name=value (repeatable)")
	fs.Var(files, "file", "an image field from a file, name=path (repeatable)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *id == "" || *out == "" {
		fmt.Fprintln(stderr, "render needs --template and --out")
		fs.Usage()
		return errUsage
	}
	oneShotGC(getenv)
	// Only this template is compiled: the catalogue's other fonts, art
	// and sounds would cost more than the render.
	fsys := templates.FS()
	if *dir != "" {
		// A mistyped folder is named, not taken for a missing template.
		if info, err := os.Stat(*dir); err != nil || !info.IsDir() {
			return fmt.Errorf("--templates-dir (OSHIGOODS_TEMPLATES_DIR) %q: not a folder", *dir)
		}
		fsys = templates.Folder(*dir)
	}
	// The template compiles (decoding its art or parsing its fonts) while
	// the input files are read and checked: each is a sizeable part of a
	// one-off render, and they share nothing. A template that cannot be
	// loaded is reported before a bad file, as it would be one after the
	// other.
	type loaded struct {
		tpl *templates.Template
		err error
	}
	load := make(chan loaded, 1)
	go func() {
		tpl, err := templates.LoadOne(fsys, *id, templates.Compilers())
		load <- loaded{tpl, err}
	}()
	images, fileErr := readImages(files)
	l := <-load
	tpl, err := l.tpl, l.err
	if oshigoods.ErrorCode(err) == oshigoods.ENOTFOUND {
		return userError(err)
	} else if err != nil {
		return fmt.Errorf("load template: %w", err)
	}
	if fileErr != nil {
		return fileErr
	}
	profile, err := render.LookupProfile(*profileName)
	if err != nil {
		return userError(err)
	}
	in := render.Inputs{Fields: map[string]string(fields), Images: images, Profile: profile, OrderedAt: time.Now()}
	for name := range images {
		in.Fields[name] = files[name]
	}
	warnings, err := tpl.Validate(ctx, in)
	if err != nil {
		return userError(err)
	}
	res, err := tpl.Render(ctx, in)
	if err != nil {
		return userError(err)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	// Check and Render may give the same warning; list each once.
	m := manifest{Files: []manifestFile{}, Warnings: []string{}}
	seen := map[string]bool{}
	for _, w := range append(warnings, res.Warnings...) {
		if !seen[w] {
			seen[w] = true
			m.Warnings = append(m.Warnings, w)
		}
	}
	for _, f := range res.Files {
		if err := os.WriteFile(filepath.Join(*out, f.Name), f.Data, 0o644); err != nil {
			return err
		}
		m.Files = append(m.Files, manifestFile{f.Name, f.Role, f.ContentType, len(f.Data), f.SHA256()})
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(m)
}

// readImages reads each --file and checks it is an image the shop takes
// (orders.CheckImage, as an upload is), by field name.
func readImages(files pairs) (map[string][]byte, error) {
	images := map[string][]byte{}
	for name, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("--file %s: %w", name, err)
		}
		if _, _, _, err := orders.CheckImage(data, orders.Limits{}, templates.ProbeImage); err != nil {
			return nil, fmt.Errorf("--file %s=%s: %w", name, path, userError(err))
		}
		images[name] = data
	}
	return images, nil
}

// renderMemoryLimit is the heap at which a one-off render collects
// garbage (oneShotGC): above what a 24 MP photo's render holds at once.
const renderMemoryLimit = 512 << 20

// oneShotGC turns the collector off for a process that renders one item
// and exits, up to renderMemoryLimit: what it allocates is mostly held
// to the end, so collecting earlier frees little and takes a core the
// render's own goroutines use. GOGC or GOMEMLIMIT in the environment
// leave the collector as they set it.
func oneShotGC(getenv func(string) string) {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetMemoryLimit(renderMemoryLimit)
	debug.SetGCPercent(-1)
}
