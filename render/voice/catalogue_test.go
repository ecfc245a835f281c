package voice_test

import (
	"io/fs"
	"strings"
	"testing"

	"oshigoods/render"
	"oshigoods/templates"
)

// TestCatalogue loads the shipped voice template through the catalogue
// with the built-in compilers, as the API and worker do.
func TestCatalogue(t *testing.T) {
	c, err := templates.Load(onlyVoice{templates.FS()}, templates.Compilers())
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := c.Get("voice-alarm-morning")
	if err != nil {
		t.Fatal(err)
	}
	if tpl.Kind != render.KindVoice || tpl.Renderer.Kind() != render.KindVoice {
		t.Fatalf("kind %s", tpl.Kind)
	}
	var names []string
	for _, f := range tpl.Fields() {
		names = append(names, f.Name+":"+string(f.Type))
	}
	if got := strings.Join(names, " "); got != "name:choice lines:list repeat:number preset:choice" {
		t.Errorf("fields %s", got)
	}
}

// onlyVoice shows Load only this package's template, so the test does not
// depend on other kinds' templates being finished.
type onlyVoice struct{ fs.FS }

func (onlyVoice) Glob(string) ([]string, error) {
	return []string{"voice-alarm-morning/template.json"}, nil
}
