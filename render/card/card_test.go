package card

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"oshigoods/render"
)

// templatesDir holds the shipped templates and fonts.
const templatesDir = "../../templates"

// compileShipped compiles a shipped card template by id.
func compileShipped(t testing.TB, id string) *Template {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(templatesDir, id, "template.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Card json.RawMessage `json:"card"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	r, err := Compile(m.Card, os.DirFS(templatesDir))
	if err != nil {
		t.Fatalf("compile %s: %v", id, err)
	}
	return r.(*Template)
}

func renderFiles(t testing.TB, tpl *Template, fields map[string]string) *render.Result {
	t.Helper()
	res, err := tpl.Render(context.Background(), render.Inputs{Fields: fields})
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	return res
}

func TestScratch(t *testing.T) {
	for _, id := range []string{"card-letter-tate", "card-letter-yoko"} {
		tpl := compileShipped(t, id)
		res := renderFiles(t, tpl, map[string]string{"to": "さくら"})
		for _, f := range res.Files {
			os.WriteFile("/tmp/"+id+"-"+f.Name, f.Data, 0o644)
		}
		t.Log(res.Warnings)
	}
}
