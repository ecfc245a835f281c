// Package photo renders composite photos (推しとの合成写真).
package photo

import (
	"encoding/json"
	"errors"
	"io/fs"

	"oshigoods/render"
)

// Compile compiles a photo spec. (Being written.)
func Compile(spec json.RawMessage, fsys fs.FS) (render.Renderer, error) {
	return nil, errors.New("photo: not implemented yet")
}
