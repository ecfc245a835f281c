package templates

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"sync"
	"testing/fstest"
	"time"

	"oshigoods/orders"
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
// its version and what the file store keeps of it (Template.Manifest and
// Template.Blobs) are all of the same bytes, even if the folder is edited
// while it loads.

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
// snapshot of one that may change): the photo and card renderers parse
// fonts from it in place rather than copying them.
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
		info, err := fs.Stat(src, name)
		if err != nil {
			return nil, err
		}
		sum, err := embedSum(src, name, info.Size())
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

// sumsMinSize is the size from which a built-in file's SHA-256 is
// computed when the sources are generated (builtinSums), not when the
// file is first read: the fonts.
const sumsMinSize = 1 << 20

// builtinSum is a built-in file's size and SHA-256, in lower-case hex.
type builtinSum struct {
	size   int64
	sha256 string
}

// embedSums caches the SHA-256 of embedded files, which never change: the
// built-in fonts are hashed once per process, not once per template.
var embedSums sync.Map // embedKey → [sha256.Size]byte

type embedKey struct {
	fsys embed.FS
	name string
}

// embedSum returns the SHA-256 of the embedded file name, size bytes long.
// The sum of a large built-in file (a font; see builtinSums) is the one
// computed when the sources were generated, if the file still has the
// size it had then: hashing Klee One and Symbola cost a one-card render's
// process a tenth of its time. TestBuiltinSums checks every such sum
// against the file's bytes.
func embedSum(fsys embed.FS, name string, size int64) ([sha256.Size]byte, error) {
	if fsys == files {
		if s, ok := builtinSums[name]; ok && s.size == size {
			var sum [sha256.Size]byte
			if _, err := hex.Decode(sum[:], []byte(s.sha256)); err == nil {
				return sum, nil
			}
		}
	}
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

// Sum returns the SHA-256 of the file's bytes, recording it, without
// copying them: a renderer that caches what it parses by content (the
// card's fonts) looks there before reading the file.
func (r *recorder) Sum(name string) ([sha256.Size]byte, error) {
	if !fs.ValidPath(name) {
		return [sha256.Size]byte{}, &fs.PathError{Op: "sum", Path: name, Err: fs.ErrInvalid}
	}
	a, err := r.read(name)
	if err != nil {
		return [sha256.Size]byte{}, err
	}
	return a.sum, nil
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
	return list, versionOf(list)
}

// versionOf hashes the listing of sorted assets: "<path>\x00<hex sum>\n"
// each.
func versionOf(list []*asset) string {
	h := sha256.New()
	for _, a := range list {
		fmt.Fprintf(h, "%s\x00%x\n", a.path, a.sum)
	}
	return hex.EncodeToString(h.Sum(nil))[:VersionLength]
}

// storedManifest is a version's record in the file store
// (Template.Manifest): the template, its version, and every file it was
// compiled from, sorted by path, with the SHA-256 (lower-case hex) and size
// of its bytes, each kept under orders.TemplateBlobKey.
type storedManifest struct {
	ID      string       `json:"id"`
	Version string       `json:"version"`
	Files   []storedFile `json:"files"`
}

type storedFile struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Manifest returns the version's record as the file store keeps it under
// orders.TemplateManifestKey: JSON of the template's id, version, and
// files sorted by path, each with its SHA-256 and size. The same version
// always gives the same bytes; LoadStored compiles it again. A template
// with no recorded files (not made by Load, LoadOne or LoadStored) has no
// manifest: an error.
func (t *Template) Manifest() ([]byte, error) {
	if len(t.files) == 0 {
		return nil, fmt.Errorf("template %s: no files recorded", t.ID)
	}
	m := storedManifest{ID: t.ID, Version: t.Version, Files: make([]storedFile, 0, len(t.files))}
	for _, a := range t.files {
		m.Files = append(m.Files, storedFile{Path: a.path, SHA256: hex.EncodeToString(a.sum[:]), Size: a.size})
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("template %s: manifest: %w", t.ID, err)
	}
	return append(data, '\n'), nil
}

// Blobs returns the files the manifest lists, one per distinct SHA-256, in
// the manifest's order: what the file store keeps under
// orders.TemplateBlobKey. Data returns a snapshot's bytes as they are, or
// an embedded file's read again.
func (t *Template) Blobs() []orders.TemplateBlob {
	out := make([]orders.TemplateBlob, 0, len(t.files))
	seen := map[[sha256.Size]byte]bool{}
	for _, a := range t.files {
		if seen[a.sum] {
			continue
		}
		seen[a.sum] = true
		out = append(out, orders.TemplateBlob{SHA256: hex.EncodeToString(a.sum[:]), Size: a.size, Data: a.bytes})
	}
	return out
}

// bytes returns the asset's bytes: its snapshot, or the embedded file.
func (a *asset) bytes() ([]byte, error) {
	if a.data != nil {
		return a.data, nil
	}
	return a.src.ReadFile(a.path)
}

// LoadStored compiles the template id as it was at version from the file
// store, through fetch, which returns an object's bytes by key: the
// version's manifest (orders.TemplateManifestKey, Template.Manifest), then
// each file it lists (orders.TemplateBlobKey). It checks that the manifest
// is of that template and lists the files of that version, that each
// file's bytes have the SHA-256 and size listed, and that the compiled
// template is that version: the template as it was when orders were taken
// with it. A fetch error is returned as it is; any other error names the
// key of the manifest or file at fault.
func LoadStored(id, version string, fetch func(key string) ([]byte, error), compilers map[render.Kind]Compiler) (*Template, error) {
	key := orders.TemplateManifestKey(id, version)
	data, err := fetch(key)
	if err != nil {
		return nil, err
	}
	var m storedManifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("template %s version %s: manifest %s: %w", id, version, key, err)
	}
	if m.ID != id {
		return nil, fmt.Errorf("template %s version %s: manifest %s is of template %q", id, version, key, m.ID)
	}
	list := make([]*asset, 0, len(m.Files))
	for i, f := range m.Files {
		sum, err := hex.DecodeString(f.SHA256)
		if err != nil || len(sum) != sha256.Size || f.SHA256 != hex.EncodeToString(sum) {
			return nil, fmt.Errorf("template %s version %s: manifest %s: files[%d].sha256 %q is not 64 lower-case hex digits", id, version, key, i, f.SHA256)
		}
		if !fs.ValidPath(f.Path) || f.Size < 0 || (i > 0 && f.Path <= m.Files[i-1].Path) {
			return nil, fmt.Errorf("template %s version %s: manifest %s: files[%d] (%q, %d bytes) is not a valid path in order with a size", id, version, key, i, f.Path, f.Size)
		}
		a := &asset{path: f.Path, size: f.Size}
		copy(a.sum[:], sum)
		list = append(list, a)
	}
	// The listing's version first: a wrong manifest costs no blob.
	if listed := versionOf(list); listed != version || m.Version != version {
		return nil, fmt.Errorf("template %s version %s: manifest %s lists the files of version %s (it says %s)", id, version, key, listed, m.Version)
	}
	tree := make(fstest.MapFS, len(list))
	blobs := map[[sha256.Size]byte][]byte{}
	for _, a := range list {
		b, ok := blobs[a.sum]
		if !ok {
			blobKey := orders.TemplateBlobKey(hex.EncodeToString(a.sum[:]))
			if b, err = fetch(blobKey); err != nil {
				return nil, err
			}
			if got := sha256.Sum256(b); got != a.sum || int64(len(b)) != a.size {
				return nil, fmt.Errorf("template %s version %s: file %s (%s) is damaged: %d bytes of SHA-256 %x, want %d bytes of the SHA-256 it is stored under",
					id, version, blobKey, a.path, len(b), got, a.size)
			}
			blobs[a.sum] = b
		}
		tree[a.path] = &fstest.MapFile{Data: b, ModTime: storedTime}
	}
	t, err := LoadOne(tree, id, compilers)
	if err != nil {
		return nil, fmt.Errorf("template %s version %s: %w", id, version, err)
	}
	if t.Version != version {
		return nil, fmt.Errorf("template %s version %s: compiled from manifest %s it is version %s", id, version, key, t.Version)
	}
	return t, nil
}

// storedTime is the modification time of every file compiled from the
// file store, so that a compile depends only on the files' paths and
// bytes.
var storedTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
