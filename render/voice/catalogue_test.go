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
	// The name calls come from names.tsv: 40 of them, each
	// with the label the fan reads and its reading in hiragana.
	choices := tpl.Fields()[0].Choices
	if len(choices) != 40 {
		t.Fatalf("%d name calls; want 40", len(choices))
	}
	if c := choices[0]; c.Value != "aoi" || c.Label != "あおいちゃん" || c.Reading != "あおいちゃん" {
		t.Errorf("first name call %+v; want aoi あおいちゃん あおいちゃん", c)
	}
	for i, c := range choices {
		if c.Reading == "" || !strings.HasSuffix(c.Label, "ちゃん") && !strings.HasSuffix(c.Label, "くん") {
			t.Errorf("name call %d %+v: want a reading and an honorific", i, c)
		}
	}
}

// onlyVoice shows Load only this package's template, so the test does not
// depend on other kinds' templates being finished.
type onlyVoice struct{ fs.FS }

func (onlyVoice) Glob(string) ([]string, error) {
	return []string{"voice-alarm-morning/template.json"}, nil
}
