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
//
// Beside the mails the folder holds an index, the hidden folder .ids: for
// each message id, a symbolic link named after the mail's file name
// without its date whose target is that file's name. It lets Write find
// the older file of a message resent under another date without listing
// the folder, whatever the number of mails. The links are only read, never
// followed: a target that is not a mail file name of the link's id (a
// tampered index) is ignored and replaced.
type Dir struct {
	dir string
	ids string // dir/.ids
}

var _ Sender = (*Dir)(nil)

// Names in the index folder. An entry is the mail's file name without its
// date (<id>.eml), so never "." or "..", and these never collide with one:
// a safe id never starts with "~" and never ends in "~".
const (
	indexName    = ".ids"
	lockName     = "~lock"           // locked by each Write (flock), where the system has it
	tmpLinkName  = "~tmp"            // a link being made, renamed over its entry
	pendingMark  = "~"               // <entry>~: the older file being replaced, while it is
	buildPattern = "~ids-*"          // in the mail folder: an index being built
	dateLayout   = "20060102-150405" // a mail file name's date, before its id
	dateLen      = len(dateLayout)
	dateDash     = len("20060102") // where dateLayout has its dash
)

// NewDir returns a Dir writing into dir, which it creates (mode 0700: the
// messages hold fans' names and addresses) if it does not exist. An
// existing folder keeps its mode.
//
// A folder without an index (new, or written before the index existed)
// gets one, built from one listing of the folder in a temporary folder
// renamed into place, so that a crash leaves no half index and two
// processes starting together use the same one. Building it keeps, of
// files of one message id under several dates (left by a crash of an
// older version between writing a resend and removing the older file),
// the latest and removes the others, as the next Write of that id would.
func NewDir(dir string) (*Dir, error) {
	if dir == "" {
		return nil, errors.New("configure mail folder: no folder given")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create mail folder: %w", err)
	}
	d := &Dir{dir: dir, ids: filepath.Join(dir, indexName)}
	if err := d.buildIndex(); err != nil {
		return nil, err
	}
	return d, nil
}

// Path returns the file m is written to:
// <dir>/<YYYYMMDD-HHMMSS>-<message id>.eml, the time being m.Date in UTC
// and the id m.MessageID without angle brackets, with any byte other than
// ASCII letters, digits and . _ @ + - written as %XX (so two ids never
// share a file), and cut to 180 bytes plus a hash when longer. It does not
// check m; Write does.
func (d *Dir) Path(m Message) string {
	return filepath.Join(d.dir, m.Date.UTC().Format(dateLayout)+"-"+safeID(m.MessageID)+".eml")
}

// Write writes m to Path(m) atomically (a temporary file in the folder,
// synced, then renamed over it), mode 0600, and returns the path. Writing
// the same message again rewrites the same file with the same bytes; a
// file of the same MessageID under another date (the message's Date
// changed) is removed, so the folder has one file per MessageID. It
// returns a *MessageError for a bad message, and the file system's errors.
//
// It finds that older file through the index, in a constant number of
// system calls, and never lists the folder. Writes to one folder, from
// goroutines or processes, take turns on the index (flock on
// .ids/~lock; without flock, one process per folder). Synced: the
// file's bytes before the rename; the index folder before the rename when
// its entry changes (a new id or a new date: the entry must be on disk
// before the file it names is, or a crash could leave a file the index
// does not know); the mail folder after the rename and the removal of the
// older file. Rewriting a message under the same date syncs what it did
// before the index: the file and the mail folder. While a file is
// replaced by one of another date, the entry <id>.eml~ names the older
// file, so that a crash between writing the new file and removing the
// older one leaves the older one to the next Write of that id to remove.
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
	unlock, err := d.lock()
	if err != nil {
		return "", err
	}
	defer unlock()
	if err := d.replace(tmp.Name(), filepath.Base(path)); err != nil {
		return "", err
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
const datePrefix = dateLen + 1

// replace renames tmp to name in the folder and removes the older file of
// name's message id, keeping the index right; the index is locked.
func (d *Dir) replace(tmp, name string) error {
	entry := name[datePrefix:]
	cur, _ := d.readEntry(entry)
	pending, hasPending := d.readEntry(entry + pendingMark)
	// A pending file is one a crash left behind: remove it now, unless it
	// is the file being written or the current one (still to replace).
	if pending != "" && pending != name && pending != cur {
		if err := d.remove(pending); err != nil {
			return err
		}
	}
	changed := cur != name
	if changed {
		if cur != "" && cur != pending {
			if err := d.setEntry(entry+pendingMark, cur); err != nil {
				return err
			}
			hasPending = true
		}
		if err := d.setEntry(entry, name); err != nil {
			return err
		}
		if err := syncDir(d.ids); err != nil {
			return fmt.Errorf("sync mail folder index: %w", err)
		}
	}
	if err := os.Rename(tmp, filepath.Join(d.dir, name)); err != nil {
		return fmt.Errorf("rename mail file: %w", err)
	}
	if changed && cur != "" {
		if err := d.remove(cur); err != nil {
			return err
		}
	}
	// The rename and the removal are durable once the folder is synced.
	if err := syncDir(d.dir); err != nil {
		return fmt.Errorf("sync mail folder: %w", err)
	}
	if hasPending {
		// Not synced: should it come back, it names a removed file.
		os.Remove(filepath.Join(d.ids, entry+pendingMark))
	}
	return nil
}

// readEntry returns the file name the index entry names, or "" when there
// is none or it is not the name of a mail file of the entry's id (never a
// path: the name is only ever joined to the folder). ok is whether the
// entry exists at all.
func (d *Dir) readEntry(entry string) (name string, ok bool) {
	target, err := os.Readlink(filepath.Join(d.ids, entry))
	if err != nil {
		return "", !errors.Is(err, os.ErrNotExist) // not a link: replaced
	}
	if mailEntry(target) != strings.TrimSuffix(entry, pendingMark) {
		return "", true
	}
	return target, true
}

// setEntry makes the index entry name target, atomically: a link under a
// temporary name renamed over the entry.
func (d *Dir) setEntry(entry, target string) error {
	tmp := filepath.Join(d.ids, tmpLinkName)
	err := os.Symlink(target, tmp)
	if errors.Is(err, os.ErrExist) { // left by a crash
		os.Remove(tmp)
		err = os.Symlink(target, tmp)
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(d.ids, entry))
	}
	if err != nil {
		return fmt.Errorf("update mail folder index: %w", err)
	}
	return nil
}

// remove removes the mail file name; one already gone is not an error.
func (d *Dir) remove(name string) error {
	if err := os.Remove(filepath.Join(d.dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove older mail file: %w", err)
	}
	return nil
}

// lock takes the index's lock, rebuilding the index if it was removed.
func (d *Dir) lock() (unlock func(), err error) {
	unlock, err = lockFile(filepath.Join(d.ids, lockName))
	if errors.Is(err, os.ErrNotExist) {
		if err = d.buildIndex(); err == nil {
			unlock, err = lockFile(filepath.Join(d.ids, lockName))
		}
	}
	if err != nil {
		return nil, fmt.Errorf("lock mail folder index: %w", err)
	}
	return unlock, nil
}

// buildIndex makes the index from one listing of the folder, unless there
// is one.
func (d *Dir) buildIndex() error {
	if fi, err := os.Lstat(d.ids); err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("mail folder index %s is not a folder", d.ids)
		}
		return nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("mail folder index: %w", err)
	}
	tmp, err := os.MkdirTemp(d.dir, buildPattern) // mode 0700
	if err != nil {
		return fmt.Errorf("build mail folder index: %w", err)
	}
	defer os.RemoveAll(tmp) // nothing is left there after the rename
	entries, err := os.ReadDir(d.dir)
	if err != nil {
		return fmt.Errorf("list mail folder: %w", err)
	}
	latest := make(map[string]string) // entry -> file name
	for _, e := range entries {
		name := e.Name()
		entry := mailEntry(name)
		if entry == "" || !e.Type().IsRegular() {
			continue
		}
		if older, ok := latest[entry]; ok {
			if older > name { // the same length: the earlier date sorts first
				older, name = name, older
			}
			if err := d.remove(older); err != nil {
				return err
			}
		}
		latest[entry] = name
	}
	for entry, name := range latest {
		if err := os.Symlink(name, filepath.Join(tmp, entry)); err != nil {
			return fmt.Errorf("build mail folder index: %w", err)
		}
	}
	// The lock file also keeps the index from being empty, which another
	// process's index, renamed over it, could replace.
	if err := os.WriteFile(filepath.Join(tmp, lockName), nil, 0o600); err != nil {
		return fmt.Errorf("build mail folder index: %w", err)
	}
	if err := syncDir(tmp); err != nil {
		return fmt.Errorf("sync mail folder index: %w", err)
	}
	if err := os.Rename(tmp, d.ids); err != nil {
		if fi, serr := os.Lstat(d.ids); serr == nil && fi.IsDir() {
			return nil // another process's index came first
		}
		return fmt.Errorf("build mail folder index: %w", err)
	}
	if err := syncDir(d.dir); err != nil {
		return fmt.Errorf("sync mail folder: %w", err)
	}
	return nil
}

// mailEntry returns the index entry of a mail file's name (the name
// without its date), or "" when name is not of the form
// YYYYMMDD-HHMMSS-<safe id>.eml.
func mailEntry(name string) string {
	if len(name) <= datePrefix || !strings.HasSuffix(name, ".eml") || name[dateDash] != '-' || name[dateLen] != '-' {
		return ""
	}
	for i := range dateLen {
		if i != dateDash && (name[i] < '0' || name[i] > '9') {
			return ""
		}
	}
	for i := datePrefix; i < len(name); i++ {
		c := name[i]
		if !plainIDByte(c) && c != '%' && c != '~' { // safeID's escapes and hash mark
			return ""
		}
	}
	return name[datePrefix:]
}

// syncDir syncs the folder dir, making the names made and removed in it
// durable.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// plainIDByte reports whether safeID keeps c as it is: ASCII letters,
// digits and . _ @ + -.
func plainIDByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("._@+-", c) >= 0
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
		if plainIDByte(c) {
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
