package mailer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"oshigoods/mailer"
)

// files lists the names in dir.
func files(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
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
