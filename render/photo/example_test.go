package photo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/jpeg"
	"io/fs"
	"log"

	"oshigoods/render"
	"oshigoods/render/photo"
	"oshigoods/templates"
)

// Compile a template's photo spec once, then render a fan's photo and name.
func ExampleCompile() {
	manifest, err := fs.ReadFile(templates.FS(), "photo-2shot-l/template.json")
	if err != nil {
		log.Fatal(err)
	}
	var m struct {
		Photo json.RawMessage `json:"photo"`
	}
	if err := json.Unmarshal(manifest, &m); err != nil {
		log.Fatal(err)
	}
	tmpl, err := photo.Compile(m.Photo, templates.FS())
	if err != nil {
		log.Fatal(err)
	}

	var upload bytes.Buffer // a fan's photo: JPEG, PNG, HEIC or WebP
	if err := jpeg.Encode(&upload, scene(900, 1200), nil); err != nil {
		log.Fatal(err)
	}
	res, err := tmpl.Render(context.Background(), render.Inputs{
		Fields: map[string]string{"name": "みゆ"},
		Images: map[string][]byte{"photo": upload.Bytes()},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range res.Files {
		cfg, _ := jpeg.DecodeConfig(bytes.NewReader(f.Data))
		fmt.Println(f.Name, f.Role, f.ContentType, cfg.Width, cfg.Height)
	}
	// Output:
	// photo.jpg output image/jpeg 1051 1500
	// preview.jpg preview image/jpeg 336 480
}
