package testenv

import (
	"os"
	"testing"
)

// Golden returns the golden file at path for the test to compare got
// with. With update it writes got there instead and returns nil, and the
// test has nothing to compare. A golden file that cannot be read fails
// the test, saying how to create it.
func Golden(t testing.TB, path string, got []byte, update bool) []byte {
	t.Helper()
	if update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return nil
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	return want
}
