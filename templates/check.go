package templates

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"oshigoods"
	"oshigoods/render"
)

// CheckOptions say which templates Check checks and what it does with the
// samples it renders.
type CheckOptions struct {
	// IDs are the templates to check, by folder name; nil means every
	// */template.json of the tree.
	IDs []string
	// Out is the folder the samples are written to, one sub-folder per
	// template; "" means they are rendered and checked but not written.
	Out string
	// Profile is the print profile the samples are made for (usually the
	// installation's, render.LookupProfile). The zero Profile is a digital
	// one: no bleed, no marks.
	Profile render.Profile
	// Compilers compile each kind; nil means Compilers().
	Compilers map[render.Kind]Compiler
}

// Report is what Check found: per template, its problems and its samples.
type Report struct {
	// Problems are the folder's own, outside any template (a manifest
	// misnamed so that it is not loaded).
	Problems []render.Problem
	// Templates are in id order.
	Templates []TemplateReport
	// Out is where the samples were written, "" for nowhere.
	Out string
}

// TemplateReport is one template's check.
type TemplateReport struct {
	// ID is the template's folder name.
	ID string
	// Kind and Title are the manifest's, when it could be read.
	Kind  render.Kind
	Title string
	// Replaces is true when a built-in template has the same id: the
	// folder's template is served instead of it.
	Replaces bool
	// Problems are in order: the manifest's, the renderer's (compile or
	// Lint), the fonts' licences, then the sample render's.
	Problems []render.Problem
	// Samples are the paths of the sample files written, in the order the
	// renderer made them; empty when no sample was written.
	Samples []string
	// Rendered is true when the sample rendered (whether or not it was
	// written).
	Rendered bool
	// Notes are the sample render's own warnings, which depend on the
	// sample and the build rather than on the template (a shrunk name, no
	// MP3 encoder).
	Notes []string
}

// Errors counts the problems that are not warnings.
func (t *TemplateReport) Errors() int { return count(t.Problems, false) }

// Warnings counts the warnings.
func (t *TemplateReport) Warnings() int { return count(t.Problems, true) }

// Errors counts the errors of the folder and of every template.
func (r *Report) Errors() int {
	n := count(r.Problems, false)
	for i := range r.Templates {
		n += r.Templates[i].Errors()
	}
	return n
}

// Warnings counts the warnings of the folder and of every template.
func (r *Report) Warnings() int {
	n := count(r.Problems, true)
	for i := range r.Templates {
		n += r.Templates[i].Warnings()
	}
	return n
}

func count(ps []render.Problem, warnings bool) int {
	n := 0
	for _, p := range ps {
		if p.Warning == warnings {
			n++
		}
	}
	return n
}

// CheckFolder checks a shop's template folder laid over the built-in
// catalogue (Folder), as the server would load it: every template folder
// in dir (a sub-folder with a template.json). When dir is itself a
// template folder (it holds a template.json) only that template is
// checked, in its parent folder. opts.IDs is ignored. A folder whose
// manifest is misnamed (Template.json, template.json.txt) and that has no
// template.json is an error in Report.Problems. Returns an error when dir cannot be read or holds no
// template at all.
func CheckFolder(ctx context.Context, dir string, opts CheckOptions) (*Report, error) {
	root := dir
	var ids []string
	var problems []render.Problem
	if _, err := os.Stat(filepath.Join(dir, "template.json")); err == nil {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return nil, err
		}
		root, ids = filepath.Dir(abs), []string{filepath.Base(abs)}
	} else {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("read template folder: %w", err)
		}
		for _, e := range entries {
			if !e.IsDir() {
				continue
			}
			files, err := os.ReadDir(filepath.Join(dir, e.Name()))
			if err != nil {
				return nil, fmt.Errorf("read template folder: %w", err)
			}
			var misnamed []string
			found := false
			for _, f := range files {
				if name := f.Name(); name == "template.json" {
					found = true
				} else if strings.HasPrefix(strings.ToLower(name), "template.json") {
					misnamed = append(misnamed, name)
				}
			}
			if found {
				// A template.json.bak beside a template.json is a backup.
				ids = append(ids, e.Name())
				continue
			}
			for _, name := range misnamed {
				problems = append(problems, render.Problem{File: e.Name() + "/" + name, Field: "template.json",
					Message: "is not named template.json: the manifest's name is exactly template.json, in lower case, or the folder is not loaded."})
			}
		}
		if len(ids) == 0 && len(problems) == 0 {
			return nil, fmt.Errorf("%s holds no template: a template is a folder with a template.json (oshigoods templates new makes one)", dir)
		}
	}
	opts.IDs = append([]string{}, ids...) // none is none, not every template
	r, err := Check(ctx, Folder(root), opts)
	if err != nil {
		return nil, err
	}
	r.Problems = append(problems, r.Problems...)
	for i := range r.Templates {
		_, err := fs.Stat(FS(), r.Templates[i].ID+"/template.json")
		r.Templates[i].Replaces = err == nil
	}
	return r, nil
}

// Check checks templates of the catalogue tree fsys (paths relative to its
// root, as for Load): for each, the manifest's fields, the compile, the
// renderer's own Lint (render.Linter), the licences of its fonts, and a
// sample render from sample inputs (SampleInputs) whose files are checked
// (a PDF's trim box, a JPEG's pixel size, a WAV's format and level) and
// written to opts.Out/<id>/. Every problem names its file and manifest
// field. The error is for what stops the check itself (an unreadable tree,
// an Out that cannot be written), never for a bad template.
func Check(ctx context.Context, fsys fs.FS, opts CheckOptions) (*Report, error) {
	if opts.Compilers == nil {
		opts.Compilers = Compilers()
	}
	ids := opts.IDs
	if ids == nil {
		paths, err := fs.Glob(fsys, "*/template.json")
		if err != nil {
			return nil, fmt.Errorf("list templates: %w", err)
		}
		for _, p := range paths {
			ids = append(ids, path.Dir(p))
		}
	}
	ids = slices.Clone(ids)
	sort.Strings(ids)
	r := &Report{Out: opts.Out}
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		t, err := checkOne(ctx, fsys, id, opts)
		if err != nil {
			return nil, err
		}
		r.Templates = append(r.Templates, *t)
	}
	return r, nil
}

func checkOne(ctx context.Context, fsys fs.FS, id string, opts CheckOptions) (*TemplateReport, error) {
	file := id + "/template.json"
	tr := &TemplateReport{ID: id}
	m, specs, problems := checkManifest(fsys, id, opts.Compilers)
	tr.Kind, tr.Title, tr.Problems = m.Kind, m.Title, problems
	if tr.Errors() > 0 {
		return tr, nil
	}
	tpl, err := compile(fsys, file, opts.Compilers)
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), string(m.Kind)+": ")
		tr.Problems = append(tr.Problems, render.Problem{File: file, Field: specField(m.Kind, specs[string(m.Kind)], err), Message: msg})
		return tr, nil
	}
	if l, ok := tpl.Renderer.(render.Linter); ok {
		for _, p := range l.Lint() {
			if p.File == "" {
				p.File = file
			}
			if k := string(m.Kind); p.Field == "" {
				p.Field = k
			} else if p.Field != k && !strings.HasPrefix(p.Field, k+".") {
				p.Field = k + "." + p.Field
			}
			tr.Problems = append(tr.Problems, p)
		}
	}
	tr.Problems = append(tr.Problems, fontLicences(fsys, m.Kind, specs[string(m.Kind)])...)
	if err := sample(ctx, tpl, opts, tr); err != nil {
		return nil, err
	}
	return tr, nil
}

// manifestKeys are the keys a manifest may have, from the manifest type's
// JSON tags; a key starting with "_" is a comment and is ignored too.
var manifestKeys = func() map[string]bool {
	keys := map[string]bool{}
	t := reflect.TypeOf(manifest{})
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			keys[name] = true
		}
	}
	return keys
}()

// checkManifest reads id/template.json and checks what Load checks of it
// before compiling, reporting every problem rather than the first, each
// with its field: the JSON itself, unknown keys (a warning), id (its form
// and its folder), title, price, kind and its spec. It returns the
// manifest and its kinds' specs as far as they could be read.
func checkManifest(fsys fs.FS, id string, compilers map[render.Kind]Compiler) (manifest, map[string]json.RawMessage, []render.Problem) {
	file := id + "/template.json"
	var ps []render.Problem
	add := func(warning bool, field, format string, args ...any) {
		ps = append(ps, render.Problem{File: file, Field: field, Warning: warning, Message: fmt.Sprintf(format, args...)})
	}
	var m manifest
	data, err := fs.ReadFile(fsys, file)
	if err != nil {
		add(false, "template.json", "cannot read it: %v", err)
		return m, nil, ps
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := position(data, se.Offset)
			add(false, fmt.Sprintf("line %d, column %d", line, col), "not valid JSON: %v", err)
		} else {
			add(false, "template.json", "want a JSON object: %v", err)
		}
		return m, nil, ps
	}
	if err := json.Unmarshal(data, &m); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			add(false, te.Field, "want a %s, not a JSON %s.", jsonType(te.Type), te.Value)
		} else {
			add(false, "template.json", "%v", err)
		}
		return m, raw, ps
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !manifestKeys[k] && !strings.HasPrefix(k, "_") {
			add(true, k, "unknown key, ignored: the keys are id, kind, title, description, price and the kind's spec (%s); a key starting with _ is a comment.", kindList(compilers))
		}
	}
	ps = append(ps, m.problems(file, compilers)...)
	return m, raw, ps
}

// position is the line and column (both from 1) of the byte a JSON
// SyntaxError's Offset points after: the character that broke the parse.
func position(data []byte, off int64) (line, col int) {
	pos := min(max(off-1, 0), int64(len(data)))
	before := string(data[:pos])
	return 1 + strings.Count(before, "\n"), int(pos) - strings.LastIndexByte(before, '\n')
}

func jsonType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "whole number"
	case reflect.Float64, reflect.Float32:
		return "number"
	case reflect.Bool:
		return "true or false"
	}
	return t.String()
}

func kindList(compilers map[render.Kind]Compiler) string {
	var ks []string
	for k := range compilers {
		ks = append(ks, string(k))
	}
	sort.Strings(ks)
	return strings.Join(ks, ", ")
}

// specKey is a key, and maybe an index, at the start of a compiler's
// error: "cutout: …", "names[2]: …", "paper.rules …".
var specKey = regexp.MustCompile(`^([a-z][a-z0-9_]*)(?:\[(\d+)\])?`)

// specField finds the manifest field a compiler's error is about. The
// compilers name the spec's key at the start of their errors ("cutout:
// decode …", "names[2] …", "paper.rules …"), or the asset path (a font
// that lacks a character), or are JSON errors naming the key; what matches
// the spec's own keys becomes "<kind>.<path>". An error it cannot place is
// on the kind's spec as a whole ("card").
func specField(kind render.Kind, spec json.RawMessage, err error) string {
	base := string(kind)
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return base + "." + te.Field
	}
	msg := err.Error()
	if _, rest, ok := strings.Cut(msg, `json: unknown field "`); ok {
		if key, _, ok := strings.Cut(rest, `"`); ok {
			return base + "." + key
		}
	}
	var node any
	json.Unmarshal(spec, &node)
	// A character a font lacks is the fault of the text that has it.
	if m := citedRune.FindStringSubmatch(msg); m != nil {
		if leaf := textLeaf(node, m[1]); leaf != "" {
			return base + "." + leaf
		}
	}
	msg = strings.TrimPrefix(msg, base+": ")
	field := base
	for {
		sub := specKey.FindStringSubmatch(msg)
		if sub == nil {
			break
		}
		rest := msg[len(sub[0]):]
		next, ok := child(node, sub[1], sub[2])
		if !ok && !namesKey(rest, false) || ok && !namesKey(rest, true) {
			break
		}
		field += "." + sub[0]
		node = next
		if r, ok := strings.CutPrefix(rest, ": "); ok {
			msg = r
		} else if r, ok := strings.CutPrefix(rest, "."); ok {
			msg = r
		} else {
			break
		}
	}
	if leaf := assetLeaf(node, msg); leaf != "" {
		field += "." + leaf
	}
	return field
}

// namesKey reports whether what follows a word at the start of an error
// shows the word to be the key the error is about: "key: …", "key is
// required"; for a key the spec has, also "key.sub", "key 12", "key \"v\"",
// "key must …", "key is …" and "key and other_key …" (but not "font
// sizes …").
func namesKey(rest string, inSpec bool) bool {
	if strings.HasPrefix(rest, ": ") || strings.HasPrefix(rest, " is required") {
		return true
	}
	if !inSpec {
		return false
	}
	if rest == "" || rest[0] == '.' || rest[0] == ':' {
		return true
	}
	for _, p := range []string{" is ", " must ", " and "} {
		if strings.HasPrefix(rest, p) {
			return true
		}
	}
	return len(rest) > 1 && rest[0] == ' ' && strings.ContainsRune(`"0123456789-(`, rune(rest[1]))
}

// citedRune is a character as the compilers cite one: 「あ」(U+3042).
var citedRune = regexp.MustCompile(`「(.+?)」\(U\+[0-9A-F]{4,6}\)`)

// textLeaf is the path, below node, of the first string value that has
// the text s and is not a file path; "" if none.
func textLeaf(node any, s string) string {
	return findLeaf(node, func(v string) bool { return !isAssetPath(v) && strings.Contains(v, s) })
}

// assetLeaf is the path, below node, of the first string value that looks
// like a file path and that msg names; "" if none. The path is relative
// to node: "file", "bgm.file", "names[0].file".
func assetLeaf(node any, msg string) string {
	return findLeaf(node, func(v string) bool { return isAssetPath(v) && strings.Contains(msg, v) })
}

// isAssetPath reports whether a spec's string value looks like a path
// relative to the catalogue root: a folder, a slash and a file with an
// extension.
func isAssetPath(v string) bool {
	return strings.Contains(v, "/") && path.Ext(v) != "" && !strings.ContainsAny(v, " \n")
}

// findLeaf is the path, below node, of the first string value (keys in
// order) for which match is true; "" if none.
func findLeaf(node any, match func(string) bool) string {
	found := ""
	walkStrings(node, "", func(at, v string) bool {
		if match(v) {
			found = at
			return false
		}
		return true
	})
	return found
}

// walkStrings calls fn with the path ("a.b[2].c") and value of every
// string below node, keys in order, until fn returns false. It returns
// false when fn did.
func walkStrings(node any, at string, fn func(at, v string) bool) bool {
	switch v := node.(type) {
	case string:
		return fn(at, v)
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := k
			if at != "" {
				p = at + "." + k
			}
			if !walkStrings(v[k], p, fn) {
				return false
			}
		}
	case []any:
		for i, e := range v {
			if !walkStrings(e, fmt.Sprintf("%s[%d]", at, i), fn) {
				return false
			}
		}
	}
	return true
}

// child is node's value under key (and index, when not ""), if any.
func child(node any, key, index string) (any, bool) {
	obj, ok := node.(map[string]any)
	if !ok {
		return nil, false
	}
	v, ok := obj[key]
	if !ok || index == "" {
		return v, ok
	}
	arr, ok := v.([]any)
	i, err := strconv.Atoi(index)
	if !ok || err != nil || i >= len(arr) {
		return nil, false
	}
	return arr[i], true
}

// fontLicences warns about each font the spec names (a .ttf, .otf or .ttc
// path) that has no licence file beside it: a file in the same folder
// named OFL, LICENSE, LICENCE or COPYING (then anything), with the font's
// family (its name up to the first - or _) in its name or nothing else but
// an extension.
func fontLicences(fsys fs.FS, kind render.Kind, spec json.RawMessage) []render.Problem {
	var node any
	json.Unmarshal(spec, &node)
	var ps []render.Problem
	seen := map[string]bool{}
	walkStrings(node, "", func(at, v string) bool {
		ext := strings.ToLower(path.Ext(v))
		if (ext != ".ttf" && ext != ".otf" && ext != ".ttc") || seen[v] {
			return true
		}
		seen[v] = true
		if !hasLicence(fsys, v) {
			ps = append(ps, render.Problem{File: v, Field: string(kind) + "." + at, Warning: true,
				Message: fmt.Sprintf("no licence file beside the font: put its licence in %s/ (e.g. OFL-%s.txt for a font under the SIL Open Font License); a font goes into every print file, which its licence must allow.", path.Dir(v), family(v))})
		}
		return true
	})
	return ps
}

// family is a font file's family: its name up to the first -, _ or dot.
func family(font string) string {
	name := path.Base(font)
	if i := strings.IndexAny(name, "-_."); i > 0 {
		name = name[:i]
	}
	return name
}

func hasLicence(fsys fs.FS, font string) bool {
	entries, err := fs.ReadDir(fsys, path.Dir(font))
	if err != nil {
		return false
	}
	fam := strings.ToLower(family(font))
	for _, e := range entries {
		name := strings.ToLower(e.Name())
		stem := strings.TrimSuffix(name, path.Ext(name))
		for _, prefix := range []string{"ofl", "license", "licence", "copying"} {
			if strings.HasPrefix(name, prefix) && (stem == prefix || strings.Contains(name, fam)) {
				return true
			}
		}
	}
	return false
}

// problemOf turns a sample's error into a problem on the template's spec,
// naming the fan's field when the error does.
func problemOf(file string, kind render.Kind, what string, err error) render.Problem {
	field := string(kind)
	if f := oshigoods.ErrorField(err); f != "" {
		field = "sample." + f
	}
	msg := err.Error()
	if oshigoods.ErrorCode(err) != oshigoods.EINTERNAL {
		msg = oshigoods.ErrorMessage(err)
	}
	return render.Problem{File: file, Field: field, Message: what + ": " + msg}
}
