package shopclient

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"
)

// TestManifestCSVOpensInExcel: the manifest.csv a pull writes is the API's
// CSV: UTF-8 with a BOM and CRLF lines for Japanese Excel, and a fan's name
// or e-mail that starts like a formula is prefixed with ' so that no
// spreadsheet runs it.
func TestManifestCSVOpensInExcel(t *testing.T) {
	srv := startServer(t)
	tests := []struct {
		scenario            string
		name, email         string
		wantName, wantEmail string
	}{
		{"hyperlink formula in the name", `=HYPERLINK("http://x","y")`, "a@example.com", `'=HYPERLINK("http://x","y")`, "a@example.com"},
		{"plus in the name", "+1", "b@example.com", "'+1", "b@example.com"},
		{"minus in the name", "-2", "c@example.com", "'-2", "c@example.com"},
		{"at sign in the name", "@SUM(A1)", "d@example.com", "'@SUM(A1)", "d@example.com"},
		{"formula in the e-mail", "推し活 花子", "=1+2@example.com", "推し活 花子", "'=1+2@example.com"},
		{"plain name untouched", "推し活 花子", "hanako@example.com", "推し活 花子", "hanako@example.com"},
	}
	byOrder := map[string]int{}
	for i, tc := range tests {
		byOrder[srv.readyOrderBy(t, tc.name, tc.email)] = i
	}
	dir := t.TempDir()
	c, err := New(Config{Server: srv.base, Key: srv.key, Dir: dir, Max: 20})
	if err != nil {
		t.Fatal(err)
	}
	if st, err := c.Run(context.Background()); err != nil || st.Claims != 1 || st.Orders != len(tests) {
		t.Fatalf("run: %+v %v; want one claim of %d orders", st, err, len(tests))
	}
	csvs, _ := filepath.Glob(filepath.Join(dir, "*", "manifest.csv"))
	if len(csvs) != 1 {
		t.Fatalf("manifest.csv files: %v, want one", csvs)
	}
	data, err := os.ReadFile(csvs[0])
	if err != nil {
		t.Fatal(err)
	}
	rest, ok := bytes.CutPrefix(data, []byte("\xef\xbb\xbf"))
	if !ok {
		t.Fatalf("no UTF-8 BOM: starts %q", data[:min(len(data), 20)])
	}
	rows, err := csv.NewReader(bytes.NewReader(rest)).ReadAll()
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, rest)
	}
	// No cell here holds a newline: every line break is a record's CRLF.
	if n := bytes.Count(rest, []byte("\r\n")); !bytes.HasSuffix(rest, []byte("\r\n")) || n != bytes.Count(rest, []byte("\n")) || n != len(rows) {
		t.Errorf("lines do not all end with CRLF:\n%q", rest)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	if _, ok := col["claim_id"]; !ok {
		t.Fatalf("header %q: no claim_id column", rows[0])
	}
	rowsOf := map[int][][]string{} // scenario → its order's rows, one per file
	for _, row := range rows[1:] {
		i, ok := byOrder[row[col["order_id"]]]
		if !ok {
			t.Fatalf("row for an unknown order: %q", row)
		}
		rowsOf[i] = append(rowsOf[i], row)
	}
	for i, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			if len(rowsOf[i]) == 0 {
				t.Fatal("no row for the order")
			}
			for _, row := range rowsOf[i] {
				if got := row[col["customer_name"]]; got != tc.wantName {
					t.Errorf("customer_name %q, want %q", got, tc.wantName)
				}
				if got := row[col["customer_email"]]; got != tc.wantEmail {
					t.Errorf("customer_email %q, want %q", got, tc.wantEmail)
				}
			}
		})
	}
}
