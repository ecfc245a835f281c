package main

import (
	"bytes"
	"compress/gzip"
	"flag"
	"io"
	"os"
	"strings"
	"testing"
	"testing/fstest"
)

var update = flag.Bool("update", false, "rewrite testdata/want.txt from the converter's output")

// TestConvert converts a small copy of the package's layout and compares the
// text with testdata/want.txt; go test -run TestConvert -update rewrites it.
func TestConvert(t *testing.T) {
	var out bytes.Buffer
	st, err := convert(os.DirFS("testdata/package"), "jquery-jpostal-ja@0.0.0", &out)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(out.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if zr.Name != "" || !zr.ModTime.IsZero() {
		t.Errorf("gzip header has name %q, time %v; want none, so the bytes depend on the input alone", zr.Name, zr.ModTime)
	}
	got, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("testdata/want.txt", got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("testdata/want.txt")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from testdata/want.txt:\n%s", got)
	}
	wantStats := stats{dataVersion: "ver2.13 2025-09-25 2025-09-30", codes: 6, addresses: 9, cities: 6, prefectures: 4, business: 1}
	if st != wantStats {
		t.Errorf("stats %+v, want %+v", st, wantStats)
	}

	var again bytes.Buffer
	if _, err := convert(os.DirFS("testdata/package"), "jquery-jpostal-ja@0.0.0", &again); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), again.Bytes()) {
		t.Error("two conversions of the same input gave different bytes")
	}
}

func TestConvertRejects(t *testing.T) {
	const info = `["_000info","","ver2.13 2025-09-25 2025-09-30","","","","","",""]`
	tests := []struct {
		scenario string
		json     string
		wantErr  string
	}{
		{"no version record", `f([["_1000001","東京都","千代田区","千代田","","","","",""]]);`, "no _000info"},
		{"not JSONP", `[]`, "not a JSONP"},
		{"bad JSON", `f([[)`, "decode"},
		{"eight fields", `f([` + info + `,["_1000001","東京都","千代田区","千代田","","","",""]]);`, "8 fields"},
		{"unknown prefecture", `f([` + info + `,["_1000001","東京","千代田区","千代田","","","","",""]]);`, "unknown prefecture"},
		{"empty city", `f([` + info + `,["_1000001","東京都","","千代田","","","","",""]]);`, "empty city"},
		{"tab in a town", `f([` + info + `,["_1000001","東京都","千代田区","千\t代田","","","","",""]]);`, "tab or newline"},
		{"key without underscore", `f([` + info + `,["1000001","東京都","千代田区","千代田","","","","",""]]);`, "does not start"},
		{"code not digits", `f([` + info + `,["_100000x","東京都","千代田区","千代田","","","","",""]]);`, "code"},
		{"area and business code", `f([` + info + `,["_1000001","東京都","千代田区","千代田","","","","",""],["_1000001","東京都","千代田区","千代田","1","x","","",""]]);`, "both"},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			src := fstest.MapFS{"json/100.json": {Data: []byte(tc.json)}}
			_, err := convert(src, "x@1", io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("convert: error %v, want one saying %q", err, tc.wantErr)
			}
		})
	}
	t.Run("no json files", func(t *testing.T) {
		if _, err := convert(fstest.MapFS{}, "x@1", io.Discard); err == nil {
			t.Error("convert: no error")
		}
	})
}

func TestCheck(t *testing.T) {
	tests := []struct {
		scenario string
		st       stats
		ok       bool
	}{
		{"whole list", stats{codes: 120_663, prefectures: 47}, true},
		{"too few codes", stats{codes: 6, prefectures: 47}, false},
		{"too many codes", stats{codes: 300_000, prefectures: 47}, false},
		{"a prefecture missing", stats{codes: 120_000, prefectures: 46}, false},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			if err := check(tc.st); (err == nil) != tc.ok {
				t.Errorf("check(%+v) = %v, want ok %v", tc.st, err, tc.ok)
			}
		})
	}
}
