package templates

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
)

// Overlay returns the catalogue tree of a shop's template folder laid over
// base (usually FS, the built-in catalogue): a path is read from top when
// top has it, otherwise from base. So a folder adds templates (new
// <id>/template.json), replaces a built-in one (the same id), and may use
// the built-in fonts (fonts/…) without copying them. Listing a folder lists
// both trees' entries, top's first where a name is in both.
func Overlay(top, base fs.FS) fs.FS { return overlay{top: top, base: base} }

// Folder returns the catalogue tree of the template folder dir laid over
// the built-in catalogue (Overlay of os.DirFS(dir) over FS).
func Folder(dir string) fs.FS { return Overlay(os.DirFS(dir), FS()) }

// LoadFolder loads the catalogue of the template folder dir laid over the
// built-in one (Folder), with every kind's compiler. It fails when dir is
// not a readable folder (rather than quietly loading the built-ins alone),
// or on the first bad template, naming it.
func LoadFolder(dir string) (*Catalog, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("%s is not a folder", dir)
	}
	if _, err := os.ReadDir(dir); err != nil {
		return nil, err
	}
	return Load(Folder(dir), Compilers())
}

type overlay struct{ top, base fs.FS }

// Open opens name from top, else from base; a folder in both opens as one
// folder listing both (ReadDir).
func (o overlay) Open(name string) (fs.File, error) {
	f, err := o.top.Open(name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return o.base.Open(name)
		}
		return nil, err
	}
	info, err := f.Stat()
	if err != nil || !info.IsDir() {
		return f, err
	}
	if b, err := fs.Stat(o.base, name); err != nil || !b.IsDir() {
		return f, nil
	}
	entries, err := o.ReadDir(name)
	if err != nil {
		f.Close()
		return nil, err
	}
	return &mergedDir{File: f, entries: entries}, nil
}

// mergedDir is a folder in both trees: top's, listing both trees' entries.
type mergedDir struct {
	fs.File
	entries []fs.DirEntry
	off     int
}

func (d *mergedDir) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.off:]
	if n <= 0 {
		d.off = len(d.entries)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(rest))
	d.off += n
	return rest[:n], nil
}

func (o overlay) ReadFile(name string) ([]byte, error) {
	data, err := fs.ReadFile(o.top, name)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return data, err
	}
	return fs.ReadFile(o.base, name)
}

func (o overlay) Stat(name string) (fs.FileInfo, error) {
	info, err := fs.Stat(o.top, name)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return info, err
	}
	return fs.Stat(o.base, name)
}

// ReadDir merges both trees' entries, sorted by name; where both have a
// name, top's entry is the one listed.
func (o overlay) ReadDir(name string) ([]fs.DirEntry, error) {
	top, errTop := fs.ReadDir(o.top, name)
	if errTop != nil && !errors.Is(errTop, fs.ErrNotExist) {
		return nil, errTop
	}
	base, errBase := fs.ReadDir(o.base, name)
	if errBase != nil && !errors.Is(errBase, fs.ErrNotExist) {
		return nil, errBase
	}
	if errTop != nil && errBase != nil {
		return nil, errTop
	}
	seen := make(map[string]bool, len(top))
	out := make([]fs.DirEntry, 0, len(top)+len(base))
	for _, e := range top {
		seen[e.Name()] = true
		out = append(out, e)
	}
	for _, e := range base {
		if !seen[e.Name()] {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return out, nil
}
