// Package webkit holds what the project's web front ends share: the
// storefront's and the console's versioned static files, and the Bearer
// credential the API, the storefront and the console read.
package webkit

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
)

// ContentVersion returns a short hash of every file in fsys, for static
// files' URLs (?v=…): a browser may keep them long and still never mixes
// an old file with a new page.
func ContentVersion(fsys fs.FS) (string, error) {
	h := sha256.New()
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, path)
		h.Write([]byte(path + "\x00"))
		h.Write(b)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("hash static files: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

// Bearer returns the token of an "Authorization: Bearer …" header, "" when
// there is none.
func Bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}
