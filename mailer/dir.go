package mailer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Dir "sends" messages by writing each to a file in a folder, as .eml
// files that any mail program opens: the sender used when no SMTP server
// is configured, so that a shop without one still sees every e-mail its
// fans would get.
type Dir struct {
	dir string
}

var _ Sender = (*Dir)(nil)

// NewDir returns a Dir writing into dir, which it creates (mode 0700: the
// messages hold fans' names and addresses) if it does not exist. An
// existing folder keeps its mode.
func NewDir(dir string) (*Dir, error) {
	if dir == "" {
		return nil, errors.New("configure mail folder: no folder given")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create mail folder: %w", err)
	}
	return &Dir{dir: dir}, nil
}

// Path returns the file m is written to:
// <dir>/<YYYYMMDD-HHMMSS>-<message id>.eml, the time being m.Date in UTC
// and the id m.MessageID without angle brackets, with any byte other than
// ASCII letters, digits and . _ @ + - written as %XX (so two ids never
// share a file), and cut to 180 bytes plus a hash when longer. It does not
// check m; Write does.
func (d *Dir) Path(m Message) string {
	return filepath.Join(d.dir, m.Date.UTC().Format("20060102-150405")+"-"+safeID(m.MessageID)+".eml")
}

// Write writes m to Path(m) atomically (a temporary file in the folder,
// synced, then renamed over it), mode 0600, and returns the path. Writing
// the same message again rewrites the same file with the same bytes; a
// file of the same MessageID under another date (the message's Date
// changed) is removed, so the folder has one file per MessageID. It
// returns a *MessageError for a bad message, and the file system's errors.
func (d *Dir) Write(m Message) (string, error) {
	raw, err := m.Bytes()
	if err != nil {
		return "", err
	}
	path := d.Path(m)
	tmp, err := os.CreateTemp(d.dir, ".tmp-*.eml") // mode 0600
	if err != nil {
		return "", fmt.Errorf("create mail file: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	if _, err := tmp.Write(raw); err != nil {
		tmp.Close()
		return "", fmt.Errorf("write mail file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", fmt.Errorf("sync mail file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("close mail file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("rename mail file: %w", err)
	}
	if err := d.removeOthers(filepath.Base(path)); err != nil {
		return "", err
	}
	// The rename is durable once the folder is synced.
	if f, err := os.Open(d.dir); err == nil {
		f.Sync()
		f.Close()
	}
	return path, nil
}

// Send writes m as Write does; the path is Path(m).
func (d *Dir) Send(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("write mail file: %w", err)
	}
	_, err := d.Write(m)
	return err
}

// datePrefix is the length of "YYYYMMDD-HHMMSS-".
const datePrefix = len("20060102-150405-")

// removeOthers removes the files of the same message id as name under
// another date.
func (d *Dir) removeOthers(name string) error {
	entries, err := os.ReadDir(d.dir)
	if err != nil {
		return fmt.Errorf("list mail folder: %w", err)
	}
	for _, e := range entries {
		n := e.Name()
		if n != name && n[0] >= '0' && n[0] <= '9' && len(n) == len(name) && n[datePrefix:] == name[datePrefix:] && n[datePrefix-1] == '-' {
			if err := os.Remove(filepath.Join(d.dir, n)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("remove older mail file: %w", err)
			}
		}
	}
	return nil
}

// maxIDBytes bounds the id in a file name, which may have 255 bytes.
const maxIDBytes = 180

// safeID returns id, without angle brackets, as a file name part: bytes
// other than letters, digits and . _ @ + - as %XX, which is one-to-one.
func safeID(id string) string {
	id = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(id), "<"), ">")
	var b strings.Builder
	for i := 0; i < len(id); i++ {
		c := id[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("._@+-", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	s := b.String()
	if len(s) > maxIDBytes {
		sum := sha256.Sum256([]byte(id))
		s = s[:maxIDBytes] + "~" + hex.EncodeToString(sum[:8])
	}
	return s
}
