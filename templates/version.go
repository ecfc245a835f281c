package templates

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"sync"
	"time"

	"oshigoods/render"
)

// A template's version names exactly what it was compiled from: the
// SHA-256 of a listing, sorted by path, of every file the loader and its
// kind's compiler read (its manifest, its own assets and shared ones such as
// fonts/…), each with the SHA-256 of its bytes; the first VersionLength hex
// digits of it. The same files give the same version whatever the order of
// loading; a changed byte in any of them gives another.
//
// The compiler reads its files through a recorder, which also snapshots
// each file that may change (a shop's folder), so the template compiled,
// its version and its bundle (Template.Bundle) are all of the same bytes,
// even if the folder is edited while it loads.

// VersionLength is how many hex digits of the SHA-256 a version keeps (80
// bits).
const VersionLength = 20

// recorder is the file system a template is compiled from: it reads
// through to base and records every file read.
type recorder struct {
	base  fs.FS
	mu    sync.Mutex
	files map[string]*asset
}

// asset is one file a template was compiled from.
type asset struct {
	path string
	sum  [sha256.Size]byte
	// data is the bytes read of a file that may change (a folder's, an
	// archive's); nil for a file of an embed.FS, which never changes and
	// is read again from src when bundling.
	data []byte
	src  embed.FS
	size int64
}

func newRecorder(base fs.FS) *recorder {
	return &recorder{base: base, files: map[string]*asset{}}
}

// InMemory reports that every file Open returns stays in memory,
// unchanged, for as long as the process runs (an embedded file, or the
// snapshot of one that may change): the photo renderer parses fonts from it
// in place rather than copying them.
func (r *recorder) InMemory() bool { return true }

// source returns the tree name is read from, looking through overlays
// (Overlay): top's when top has it, base's otherwise.
func source(fsys fs.FS, name string) fs.FS {
	for {
		o, ok := fsys.(overlay)
		if !ok {
			return fsys
		}
		if _, err := fs.Stat(o.top, name); err == nil || !errors.Is(err, fs.ErrNotExist) {
			fsys = o.top
		} else {
			fsys = o.base
		}
	}
}

// read records the file name and returns its asset: the snapshot of a
// file that may change, or the sum of an embedded one. A file read before
// is not read again.
func (r *recorder) read(name string) (*asset, error) {
	r.mu.Lock()
	a := r.files[name]
	r.mu.Unlock()
	if a != nil {
		return a, nil
	}
	a = &asset{path: name}
	switch src := source(r.base, name).(type) {
	case embed.FS:
		sum, err := embedSum(src, name)
		if err != nil {
			return nil, err
		}
		info, err := fs.Stat(src, name)
		if err != nil {
			return nil, err
		}
		a.sum, a.src, a.size = sum, src, info.Size()
	default:
		data, err := fs.ReadFile(src, name)
		if err != nil {
			return nil, err
		}
		a.sum, a.data, a.size = sha256.Sum256(data), data, int64(len(data))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if first := r.files[name]; first != nil {
		return first, nil // read at once by two of the compiler's goroutines
	}
	r.files[name] = a
	return a, nil
}

// embedSums caches the SHA-256 of embedded files, which never change: the
// built-in fonts are hashed once per process, not once per template.
var embedSums sync.Map // embedKey → [sha256.Size]byte

type embedKey struct {
	fsys embed.FS
	name string
}

func embedSum(fsys embed.FS, name string) ([sha256.Size]byte, error) {
	key := embedKey{fsys, name}
	if v, ok := embedSums.Load(key); ok {
		return v.([sha256.Size]byte), nil
	}
	f, err := fsys.Open(name)
	if err != nil {
		return [sha256.Size]byte{}, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return [sha256.Size]byte{}, err
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	embedSums.Store(key, sum)
	return sum, nil
}

// Open opens a file for the compiler, recording it. A folder is opened
// from base as it is, and not recorded: only files' bytes make a version.
func (r *recorder) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	info, err := fs.Stat(r.base, name)
	if err != nil {
		return nil, err
	}
	if info.IsDir() {
		return r.base.Open(name)
	}
	a, err := r.read(name)
	if err != nil {
		return nil, err
	}
	if a.data == nil {
		return a.src.Open(name)
	}
	return &memFile{info: sizedInfo{info, int64(len(a.data))}, Reader: bytes.NewReader(a.data)}, nil
}

// ReadFile returns a copy of the file's bytes, recording it.
func (r *recorder) ReadFile(name string) ([]byte, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "readfile", Path: name, Err: fs.ErrInvalid}
	}
	a, err := r.read(name)
	if err != nil {
		return nil, err
	}
	if a.data == nil {
		return a.src.ReadFile(name)
	}
	return bytes.Clone(a.data), nil
}

func (r *recorder) Stat(name string) (fs.FileInfo, error)      { return fs.Stat(r.base, name) }
func (r *recorder) ReadDir(name string) ([]fs.DirEntry, error) { return fs.ReadDir(r.base, name) }

// memFile is a snapshot opened: it reads, seeks and reads at, like an
// embedded file.
type memFile struct {
	info fs.FileInfo
	*bytes.Reader
}

func (f *memFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *memFile) Close() error               { return nil }

// sizedInfo is a file's information with the size of its snapshot.
type sizedInfo struct {
	fs.FileInfo
	size int64
}

func (i sizedInfo) Size() int64 { return i.size }

// freeze returns the recorded files, sorted by path, and the version they
// make.
func (r *recorder) freeze() ([]*asset, string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	list := make([]*asset, 0, len(r.files))
	for _, a := range r.files {
		list = append(list, a)
	}
	slices.SortFunc(list, func(a, b *asset) int {
		switch {
		case a.path < b.path:
			return -1
		case a.path > b.path:
			return 1
		}
		return 0
	})
	return list, version(list)
}

// version hashes the listing of sorted assets: "<path>\x00<hex sum>\n"
// each.
func version(list []*asset) string {
	h := sha256.New()
	for _, a := range list {
		fmt.Fprintf(h, "%s\x00%x\n", a.path, a.sum)
	}
	return hex.EncodeToString(h.Sum(nil))[:VersionLength]
}

// bundleTime is the modification time of every file in a bundle, so that
// a bundle depends only on the files' paths and bytes.
var bundleTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// Bundle returns the files the template was compiled from as one zip
// archive: its manifest and every asset, shared fonts too, by path from
// the catalogue's root, sorted, stored uncompressed with one fixed time.
// The same version always gives the same bytes. LoadBundle compiles it
// again. A template with no recorded files (not made by Load, LoadOne or
// LoadBundle) has no bundle: an error.
func (t *Template) Bundle() ([]byte, error) {
	if len(t.files) == 0 {
		return nil, fmt.Errorf("template %s: no files recorded to bundle", t.ID)
	}
	var size int64
	for _, a := range t.files {
		size += a.size + 128 + 2*int64(len(a.path))
	}
	var buf bytes.Buffer
	buf.Grow(int(size) + 1024)
	zw := zip.NewWriter(&buf)
	for _, a := range t.files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: a.path, Method: zip.Store, Modified: bundleTime})
		if err != nil {
			return nil, fmt.Errorf("bundle %s: %w", a.path, err)
		}
		if a.data != nil {
			_, err = w.Write(a.data)
		} else {
			err = copyEmbedded(w, a)
		}
		if err != nil {
			return nil, fmt.Errorf("bundle %s: %w", a.path, err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	return buf.Bytes(), nil
}

func copyEmbedded(w io.Writer, a *asset) error {
	f, err := a.src.Open(a.path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

// LoadBundle compiles the template id from a bundle (Template.Bundle) with
// the given compilers, and checks that it is the version asked for: the
// template as it was when orders were taken with that version. It fails on
// an archive that is not a bundle, a template that does not compile, or
// files of another version.
func LoadBundle(bundle []byte, id, version string, compilers map[render.Kind]Compiler) (*Template, error) {
	zr, err := zip.NewReader(bytes.NewReader(bundle), int64(len(bundle)))
	if err != nil {
		return nil, fmt.Errorf("template %s version %s: read bundle: %w", id, version, err)
	}
	t, err := LoadOne(zr, id, compilers)
	if err != nil {
		return nil, fmt.Errorf("template %s version %s: %w", id, version, err)
	}
	if t.Version != version {
		return nil, fmt.Errorf("template %s version %s: the bundle holds version %s", id, version, t.Version)
	}
	return t, nil
}
