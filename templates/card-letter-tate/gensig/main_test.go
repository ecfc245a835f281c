package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestShippedSignature checks signature.png is what this program draws, so
// the shipped art can always be remade from its source.
func TestShippedSignature(t *testing.T) {
	dir := t.TempDir()
	spec, err := os.ReadFile("../template.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "template.json"), spec, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(dir); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "signature.png"))
	want, err := os.ReadFile("../signature.png")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("signature.png differs from what gensig draws: run go run ./templates/card-letter-tate/gensig")
	}
}
