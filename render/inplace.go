package render

import (
	"embed"
	"io"
	"io/fs"
)

// OpenInPlace opens name in fsys to be read in place, without a copy, when
// fsys's files stay in memory, unchanged, while the process runs (an
// embed.FS, or a file system whose InMemory method says so, such as the
// template loader's) and the file reads at an offset. It returns the file,
// left open for the life of the process, and its size; ok is false
// otherwise, and the caller reads the file whole (which also says why a
// file cannot be opened).
func OpenInPlace(fsys fs.FS, name string) (ra io.ReaderAt, size int64, ok bool) {
	if !inMemory(fsys) {
		return nil, 0, false
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, 0, false
	}
	info, err := f.Stat()
	ra, ok = f.(io.ReaderAt)
	if err != nil || !ok || !info.Mode().IsRegular() {
		f.Close()
		return nil, 0, false
	}
	return ra, info.Size(), true
}

// inMemory reports whether fsys's files stay in memory, unchanged, while
// the process runs.
func inMemory(fsys fs.FS) bool {
	switch f := fsys.(type) {
	case embed.FS:
		return true
	case interface{ InMemory() bool }:
		return f.InMemory()
	}
	return false
}
