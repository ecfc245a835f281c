package webkit

import (
	"net/http"
	"testing"
	"testing/fstest"
)

// TestBearer: the token of a Bearer header, whatever the scheme's case;
// nothing for another scheme or none.
func TestBearer(t *testing.T) {
	for _, tc := range []struct{ scenario, header, want string }{
		{"bearer", "Bearer abc", "abc"},
		{"lower case, spaces", "bearer   abc ", "abc"},
		{"basic", "Basic YWJj", ""},
		{"none", "", ""},
		{"the scheme alone", "Bearer ", ""},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			r, _ := http.NewRequest("GET", "/", nil)
			if tc.header != "" {
				r.Header.Set("Authorization", tc.header)
			}
			if got := Bearer(r); got != tc.want {
				t.Fatalf("Bearer = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestContentVersion: the version changes with a file's content.
func TestContentVersion(t *testing.T) {
	a, err := ContentVersion(fstest.MapFS{"a.js": {Data: []byte("1")}})
	b, _ := ContentVersion(fstest.MapFS{"a.js": {Data: []byte("2")}})
	if err != nil || len(a) != 12 || a == b {
		t.Fatalf("versions %q %q, %v", a, b, err)
	}
}
