package render

import (
	"context"
	"errors"
)

// Previewer is implemented by renderers that make a fan's preview faster
// than a full render: a small, watermarked image or a short clip, fast
// enough for a page to ask for as the fan types.
type Previewer interface {
	Preview(ctx context.Context, in Inputs) (*File, error)
}

// Preview returns the preview of in: r's own Preview when it is a
// Previewer, otherwise the first preview file of a full render. Inputs
// must have passed the template's validation.
func Preview(ctx context.Context, r Renderer, in Inputs) (*File, error) {
	if p, ok := r.(Previewer); ok {
		return p.Preview(ctx, in)
	}
	res, err := r.Render(ctx, in)
	if err != nil {
		return nil, err
	}
	for i := range res.Files {
		if res.Files[i].Role == RolePreview {
			return &res.Files[i], nil
		}
	}
	return nil, errors.New("render: the renderer made no preview file")
}
