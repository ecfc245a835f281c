package templates_test

import (
	"testing"

	"oshigoods"
	"oshigoods/templates"
)

func TestBuiltinOne(t *testing.T) {
	c, err := templates.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range c.List() {
		t.Run(want.ID, func(t *testing.T) {
			got, err := templates.BuiltinOne(want.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != want.ID || got.Kind != want.Kind || got.Title != want.Title || got.Output() != want.Output() || len(got.Fields()) != len(want.Fields()) {
				t.Errorf("BuiltinOne(%q) = %s %s %q %+v, want it as Builtin has it: %s %s %q %+v", want.ID, got.ID, got.Kind, got.Title, got.Output(), want.ID, want.Kind, want.Title, want.Output())
			}
		})
	}
	for _, scenario := range []struct{ name, id string }{
		{"unknown", "no-such-template"},
		{"not an id", "../templates"},
		{"a folder that is not a template", "fonts"},
		{"empty", ""},
	} {
		t.Run(scenario.name, func(t *testing.T) {
			if _, err := templates.BuiltinOne(scenario.id); oshigoods.ErrorCode(err) != oshigoods.ENOTFOUND {
				t.Errorf("BuiltinOne(%q): %v, want ENOTFOUND", scenario.id, err)
			}
		})
	}
}
