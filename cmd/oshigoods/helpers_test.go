package main

import (
	"database/sql"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

func crc32IEEE(b []byte) uint32 { return crc32.ChecksumIEEE(b) }

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// countRows counts the rows of the embedded SQLite database's tables.
func countRows(t *testing.T, dataDir string) map[string]int {
	t.Helper()
	counts := map[string]int{}
	for _, table := range []string{"orders", "items", "files", "uploads"} {
		counts[table] = queryCount(t, dataDir, "SELECT count(*) FROM "+table)
	}
	return counts
}

// paymentRecords counts an order's payment records in the embedded
// SQLite database.
func paymentRecords(t *testing.T, dataDir, orderID string) int {
	t.Helper()
	return queryCount(t, dataDir, "SELECT count(*) FROM payments WHERE order_id = ?", orderID)
}

// queryCount runs a count query on the embedded SQLite database.
func queryCount(t *testing.T, dataDir, query string, args ...any) int {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(dataDir, "oshigoods.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// countObjects counts the embedded S3 server's objects whose key starts
// with prefix, by walking its folder.
func countObjects(t *testing.T, dataDir, prefix string) int {
	t.Helper()
	n := 0
	root := filepath.Join(dataDir, "s3", "buckets")
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		parts := strings.SplitN(filepath.ToSlash(rel), "/", 2) // bucket/key
		if len(parts) == 2 && strings.HasPrefix(parts[1], prefix) {
			n++
		}
		return nil
	})
	return n
}
