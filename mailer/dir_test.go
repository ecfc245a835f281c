package mailer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"sync"
	"testing"
	"time"

	"oshigoods/mailer"
)

// files lists the names in dir but its index, .ids.
func files(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if e.Name() != ".ids" {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names
}

func TestDirWrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mail")
	d, err := mailer.NewDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("folder mode %v (%v), want 0700", fi.Mode().Perm(), err)
	}
	m := orderReceived("fan@example.jp")
	path, err := d.Write(m)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "20250314-060926-order-A-1024.received@example.jp.eml"); path != want || d.Path(m) != want {
		t.Errorf("path %s, Path %s; want %s (the Date in UTC, then the id)", path, d.Path(m), want)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("file mode %v (%v), want 0600", fi.Mode().Perm(), err)
	}
	got, _ := os.ReadFile(path)
	want, _ := m.Bytes()
	if !bytes.Equal(got, want) {
		t.Error("the file is not the message's Bytes")
	}
	parse(t, got) // a mail reader reads it

	for _, tc := range []struct {
		scenario string
		change   func(*mailer.Message)
		files    int // in the folder after writing
	}{
		{"the same message again", func(*mailer.Message) {}, 1},
		{"the same id in angle brackets", func(m *mailer.Message) { m.MessageID = "<" + m.MessageID + ">" }, 1},
		{"the same id with another text", func(m *mailer.Message) { m.Text = "訂正版" }, 1},
		{"the same id at another date", func(m *mailer.Message) { m.Date = m.Date.Add(time.Hour) }, 1},
		{"another id", func(m *mailer.Message) { m.MessageID = "order-A-1024.paid@example.jp" }, 2},
		{"an id with a slash", func(m *mailer.Message) { m.MessageID = "order/A-1024@example.jp" }, 3},
		{"an id that the slash's escape must not meet", func(m *mailer.Message) { m.MessageID = "order_A-1024@example.jp" }, 4},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			m := orderReceived("fan@example.jp")
			tc.change(&m)
			path, err := d.Write(m)
			if err != nil {
				t.Fatal(err)
			}
			if path != d.Path(m) || filepath.Dir(path) != dir {
				t.Errorf("path %s, Path %s", path, d.Path(m))
			}
			got, _ := os.ReadFile(path)
			want, _ := m.Bytes()
			if !bytes.Equal(got, want) {
				t.Error("the file is not the message's Bytes")
			}
			if names := files(t, dir); len(names) != tc.files {
				t.Errorf("folder has %v, want %d files (one per id, no temporary file)", names, tc.files)
			}
		})
	}
}

func TestDirRefuses(t *testing.T) {
	dir := t.TempDir()
	d, err := mailer.NewDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := orderReceived("fan@example.jp")
	m.Subject = "件名\nBcc: victim@example.jp"
	err = d.Send(context.Background(), m)
	var me *mailer.MessageError
	if !errors.As(err, &me) || !mailer.Permanent(err) {
		t.Errorf("Send = %v, want a permanent *MessageError", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := d.Send(ctx, orderReceived("fan@example.jp")); !errors.Is(err, context.Canceled) {
		t.Errorf("Send with a cancelled ctx = %v, want context.Canceled", err)
	}
	if names := files(t, dir); len(names) != 0 {
		t.Errorf("folder has %v, want nothing written", names)
	}
	if _, err := mailer.NewDir(""); err == nil {
		t.Error("NewDir(\"\") gave no error")
	}
}

// TestDirAtomic rewrites one message while readers read its file: a
// reader sees the whole message or no file, never part of one.
func TestDirAtomic(t *testing.T) {
	dir := t.TempDir()
	d, err := mailer.NewDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := orderReceived("fan@example.jp")
	want, _ := m.Bytes()
	path := d.Path(m)
	var wg sync.WaitGroup
	done := make(chan struct{})
	for range 2 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				got, err := os.ReadFile(path)
				if errors.Is(err, os.ErrNotExist) {
					continue
				}
				if err != nil || !bytes.Equal(got, want) {
					t.Errorf("a reader saw %d bytes (%v), want %d", len(got), err, len(want))
					return
				}
			}
		})
	}
	var writers sync.WaitGroup
	for range 2 {
		writers.Go(func() {
			for range 50 {
				if err := d.Send(context.Background(), m); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	writers.Wait()
	close(done)
	wg.Wait()
	if names := files(t, dir); len(names) != 1 {
		t.Errorf("folder has %v, want one file", names)
	}
}

// byHand writes files named names into dir as a version of Dir without
// the index would have, and returns dir.
func byHand(t *testing.T, dir string, names ...string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("old "+n), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestDirBeforeIndex opens folders written before the index existed: the
// first NewDir indexes them, and a resend under a new date removes the
// file written by hand.
func TestDirBeforeIndex(t *testing.T) {
	const (
		old     = "20250314-060926-order-A-1024.received@example.jp.eml"
		older   = "20250313-000000-order-A-1024.received@example.jp.eml"
		other   = "20250314-060926-order-A-1024.paid@example.jp.eml"
		notMail = "notes.txt"
	)
	for _, tc := range []struct {
		scenario string
		names    []string // in the folder before NewDir
		date     time.Time
		want     []string // after NewDir and the resend; "new" is its file
	}{
		{"a resend under a new date", []string{old, other, notMail}, time.Date(2025, 3, 15, 0, 0, 0, 0, time.UTC),
			[]string{"20250315-000000-order-A-1024.received@example.jp.eml", other, notMail}},
		{"a resend under the old date", []string{old, other}, time.Date(2025, 3, 14, 6, 9, 26, 0, time.UTC),
			[]string{old, other}},
		{"two files of one id, left by a crash", []string{older, old, other}, time.Date(2025, 3, 15, 0, 0, 0, 0, time.UTC),
			[]string{"20250315-000000-order-A-1024.received@example.jp.eml", other}},
		{"an empty folder", nil, time.Date(2025, 3, 15, 0, 0, 0, 0, time.UTC),
			[]string{"20250315-000000-order-A-1024.received@example.jp.eml"}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			dir := byHand(t, filepath.Join(t.TempDir(), "mail"), tc.names...)
			d, err := mailer.NewDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			if fi, err := os.Lstat(filepath.Join(dir, ".ids")); err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 {
				t.Fatalf("index %v (%v), want a folder of mode 0700", fi, err)
			}
			if _, err := mailer.NewDir(dir); err != nil { // the index is there
				t.Fatal(err)
			}
			m := orderReceived("fan@example.jp")
			m.Date = tc.date
			path, err := d.Write(m)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(path)
			if want, _ := m.Bytes(); !bytes.Equal(got, want) {
				t.Error("the file is not the message's Bytes")
			}
			want := append([]string(nil), tc.want...)
			sort.Strings(want)
			if names := files(t, dir); !reflect.DeepEqual(names, want) {
				t.Errorf("folder has %v, want %v", names, want)
			}
		})
	}
}

// TestDirTamperedIndex writes messages whose index entries were changed
// by hand: Write removes nothing the entry names but a mail file of the
// same id in the folder, and repairs the entry.
func TestDirTamperedIndex(t *testing.T) {
	const (
		entry = "order-A-1024.received@example.jp.eml"
		other = "20250314-060926-order-A-1024.paid@example.jp.eml"
	)
	for _, tc := range []struct {
		scenario string
		target   func(root string) string // the entry's link target; root holds the mail folder
		file     bool                     // the entry is a plain file instead
	}{
		{"a relative path out of the folder", func(string) string { return "../x" }, false},
		{"a relative path out of the folder, named like a mail", func(string) string { return "../20250101-000000-" + entry }, false},
		{"an absolute path", func(root string) string { return filepath.Join(root, "x") }, false},
		{"the file of another id", func(string) string { return other }, false},
		{"the index folder itself", func(string) string { return "." }, false},
		{"a plain file", nil, true},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			root := t.TempDir()
			outside := []string{filepath.Join(root, "x"), filepath.Join(root, "20250101-000000-"+entry)}
			for _, p := range outside {
				if err := os.WriteFile(p, []byte("not a mail"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			dir := byHand(t, filepath.Join(root, "mail"), other)
			d, err := mailer.NewDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			m := orderReceived("fan@example.jp")
			if _, err := d.Write(m); err != nil {
				t.Fatal(err)
			}
			link := filepath.Join(dir, ".ids", entry)
			if err := os.Remove(link); err != nil {
				t.Fatal(err)
			}
			if tc.file {
				err = os.WriteFile(link, []byte("../x"), 0o600)
			} else {
				err = os.Symlink(tc.target(root), link)
			}
			if err != nil {
				t.Fatal(err)
			}
			m.Date = m.Date.Add(time.Hour)
			path, err := d.Write(m)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range append(outside, filepath.Join(dir, other)) {
				if _, err := os.Stat(p); err != nil {
					t.Errorf("%s: %v, want it kept", p, err)
				}
			}
			if target, err := os.Readlink(link); err != nil || target != filepath.Base(path) {
				t.Errorf("entry names %q (%v), want %q", target, err, filepath.Base(path))
			}
			// Repaired: the next resend removes the file the entry names.
			// (The hour before's file is left: the tampered entry hid it.)
			m.Date = m.Date.Add(time.Hour)
			if _, err := d.Write(m); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s: %v, want it removed by the resend", path, err)
			}
		})
	}
}

// TestDirCrashLeftovers writes a message into folders as a crash in the
// middle of replacing its file by one of another date leaves them: the
// next Write leaves one file.
func TestDirCrashLeftovers(t *testing.T) {
	const (
		entry = "order-A-1024.received@example.jp.eml"
		f0    = "20250314-000000-" + entry // the file being replaced
		f1    = "20250314-010000-" + entry // its replacement
	)
	date := time.Date(2025, 3, 14, 2, 0, 0, 0, time.UTC)
	f2 := "20250314-020000-" + entry // the next Write's
	for _, tc := range []struct {
		scenario string
		files    []string          // in the folder
		links    map[string]string // in the index
		date     time.Time         // of the next Write
		want     string
	}{
		{"after naming the older file pending", []string{f0}, map[string]string{entry: f0, entry + "~": f0}, date, f2},
		{"after pointing the entry to the new file", []string{f0}, map[string]string{entry: f1, entry + "~": f0}, date, f2},
		{"after the rename", []string{f0, f1}, map[string]string{entry: f1, entry + "~": f0}, date, f2},
		{"after the rename, written again", []string{f0, f1}, map[string]string{entry: f1, entry + "~": f0}, date.Add(-time.Hour), f1},
		{"after the removal", []string{f1}, map[string]string{entry: f1, entry + "~": f0}, date, f2},
		{"a temporary link left", []string{f0}, map[string]string{entry: f0, "~tmp": f1}, date, f2},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			dir := byHand(t, filepath.Join(t.TempDir(), "mail"))
			d, err := mailer.NewDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			byHand(t, dir, tc.files...)
			for name, target := range tc.links {
				if err := os.Symlink(target, filepath.Join(dir, ".ids", name)); err != nil {
					t.Fatal(err)
				}
			}
			m := orderReceived("fan@example.jp")
			m.Date = tc.date
			if _, err := d.Write(m); err != nil {
				t.Fatal(err)
			}
			if names := files(t, dir); !reflect.DeepEqual(names, []string{tc.want}) {
				t.Errorf("folder has %v, want %v", names, tc.want)
			}
			if _, err := os.Lstat(filepath.Join(dir, ".ids", entry+"~")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("pending entry: %v, want none", err)
			}
		})
	}
}

// atime returns when fi was last read, where the system tells.
func atime(fi os.FileInfo) (time.Time, bool) {
	v := reflect.Indirect(reflect.ValueOf(fi.Sys()))
	if v.Kind() != reflect.Struct {
		return time.Time{}, false
	}
	a := v.FieldByName("Atim")
	if !a.IsValid() || a.Kind() != reflect.Struct {
		return time.Time{}, false
	}
	return time.Unix(a.FieldByName("Sec").Int(), a.FieldByName("Nsec").Int()), true
}

// TestDirNoListing writes many mails into a folder and checks, by the
// folder's access time (which listing a folder sets), that no Write lists
// the folder or its index: finding the older file of a message is not a
// search through every mail.
func TestDirNoListing(t *testing.T) {
	past := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	// read reports whether dir was listed since its access time was set to
	// past.
	read := func(t *testing.T, dir string) bool {
		t.Helper()
		fi, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		at, ok := atime(fi)
		if !ok {
			t.Skip("the system gives no access time")
		}
		return !at.Equal(past)
	}
	reset := func(t *testing.T, dirs ...string) {
		t.Helper()
		for _, dir := range dirs {
			if err := os.Chtimes(dir, past, time.Time{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The file system must record a listing for the test to mean anything.
	probe := t.TempDir()
	reset(t, probe)
	if _, err := os.ReadDir(probe); err != nil {
		t.Fatal(err)
	}
	if !read(t, probe) {
		t.Skip("the file system does not record listings (noatime)")
	}

	for _, tc := range []struct {
		scenario string
		change   func(m *mailer.Message, i int)
		files    int
	}{
		{"new messages", func(m *mailer.Message, i int) { m.MessageID = fmt.Sprintf("order-%d.received@example.jp", i) }, 201},
		{"resends under new dates", func(m *mailer.Message, i int) { m.Date = m.Date.Add(time.Duration(i) * time.Second) }, 1},
		{"the same message again", func(*mailer.Message, int) {}, 1},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "mail")
			d, err := mailer.NewDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := d.Write(orderReceived("fan@example.jp")); err != nil {
				t.Fatal(err)
			}
			reset(t, dir, filepath.Join(dir, ".ids"))
			for i := range 200 {
				m := orderReceived("fan@example.jp")
				tc.change(&m, i+1)
				if _, err := d.Write(m); err != nil {
					t.Fatal(err)
				}
			}
			for _, dir := range []string{dir, filepath.Join(dir, ".ids")} {
				if read(t, dir) {
					t.Errorf("%s was listed while writing", dir)
				}
			}
			if names := files(t, dir); len(names) != tc.files {
				t.Errorf("folder has %d files, want %d", len(names), tc.files)
			}
		})
	}
}

// TestDirShared writes resends of one message under several dates from
// several Dirs on one folder at once, as processes sharing it would: one
// file is left, the one the index names.
func TestDirShared(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		before   []string // files written by hand before the Dirs open
	}{
		{"a new folder", nil},
		{"a folder from before the index", []string{"20250101-000000-order-A-1024.received@example.jp.eml"}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			dir := byHand(t, filepath.Join(t.TempDir(), "mail"), tc.before...)
			var wg sync.WaitGroup
			for w := range 4 {
				wg.Go(func() {
					d, err := mailer.NewDir(dir) // the index is built by one of them
					if err != nil {
						t.Error(err)
						return
					}
					for i := range 25 {
						m := orderReceived("fan@example.jp")
						m.Date = m.Date.Add(time.Duration(w*100+i) * time.Second)
						if _, err := d.Write(m); err != nil {
							t.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			names := files(t, dir)
			if len(names) != 1 {
				t.Fatalf("folder has %v, want one file", names)
			}
			if target, err := os.Readlink(filepath.Join(dir, ".ids", "order-A-1024.received@example.jp.eml")); err != nil || target != names[0] {
				t.Errorf("the index names %q (%v), want %q", target, err, names[0])
			}
			if idx := files(t, filepath.Join(dir, ".ids")); len(idx) != 2 { // the entry and ~lock
				t.Errorf("index has %v, want the entry and the lock", idx)
			}
		})
	}
}

func ExampleDir() {
	dir, _ := os.MkdirTemp("", "mail")
	defer os.RemoveAll(dir)
	d, err := mailer.NewDir(dir)
	if err != nil {
		panic(err)
	}
	path, err := d.Write(mailer.Message{
		From:      "ひかりグッズ <shop@example.jp>",
		To:        "fan@example.jp",
		Subject:   "ご注文を承りました",
		Text:      "ご注文ありがとうございます。\n",
		MessageID: "order-A-1024.received@example.jp",
		Date:      time.Date(2025, 3, 14, 15, 9, 26, 0, time.FixedZone("JST", 9*60*60)),
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(filepath.Base(path))
	// Output: 20250314-060926-order-A-1024.received@example.jp.eml
}

// BenchmarkDirWrite writes mails into a folder that already holds 20,000:
// each a new message, and every fourth the resend of an earlier one under
// a new date (its older file removed).
func BenchmarkDirWrite(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "mail")
	if err := os.Mkdir(dir, 0o700); err != nil {
		b.Fatal(err)
	}
	for i := range 20000 {
		name := fmt.Sprintf("20250101-000000-order-%d.received@example.jp.eml", i)
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600); err != nil {
			b.Fatal(err)
		}
	}
	d, err := mailer.NewDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	m := orderReceived("fan@example.jp")
	i := 0
	for b.Loop() {
		i++
		m.MessageID = fmt.Sprintf("bench-%d.received@example.jp", i)
		if i%4 == 0 {
			m.MessageID = fmt.Sprintf("order-%d.received@example.jp", i)
			m.Date = m.Date.Add(time.Second)
		}
		if _, err := d.Write(m); err != nil {
			b.Fatal(err)
		}
	}
}
