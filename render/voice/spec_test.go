package voice

import (
	"encoding/json"
	"io/fs"
	"strings"
	"testing"
)

// TestSpecUnknownKeys checks that a voice spec with a key the Spec does not
// know is refused, naming the key, as photo and card specs are.
func TestSpecUnknownKeys(t *testing.T) {
	b, err := fs.ReadFile(templatesFS, "voice-alarm-morning/template.json")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Voice map[string]any `json:"voice"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		scenario string
		edit     func(map[string]any)
		wantErr  string // "" means it compiles
	}{
		{"shipped spec", func(map[string]any) {}, ""},
		{"unknown top-level key", func(s map[string]any) { s["max_line"] = 3 }, `unknown field "max_line"`},
		{"unknown bgm key", func(s map[string]any) { s["bgm"].(map[string]any)["volume"] = -3 }, `unknown field "volume"`},
		{"inline names instead of the names file", func(s map[string]any) { inlineYui(s) }, ""},
		{"unknown name key", func(s map[string]any) { inlineYui(s)[0].(map[string]any)["voice"] = "x" }, `unknown field "voice"`},
		{"names and names_file both", func(s map[string]any) {
			inlineYui(s)
			s["names_file"] = "voice-alarm-morning/names.tsv"
		}, "give one of them, not both"},
		{"neither names nor names_file", func(s map[string]any) { delete(s, "names_file"); delete(s, "names") }, "want at least one name call"},
		{"inline name without a label", func(s map[string]any) { delete(inlineYui(s)[0].(map[string]any), "label") }, "names[0]: label is empty"},
		{"inline name with a katakana reading", func(s map[string]any) { inlineYui(s)[0].(map[string]any)["reading"] = "ユイチャン" }, `names[0]: reading "ユイチャン": want hiragana only`},
		{"inline names repeating an id", func(s map[string]any) {
			n := inlineYui(s)
			s["names"] = append(n, n[0])
		}, `names[1]: id "yui" is repeated`},
		{"unknown line key", func(s map[string]any) { s["lines"].([]any)[0].(map[string]any)["txt"] = "x" }, `unknown field "txt"`},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			spec := clone(t, m.Voice)
			tc.edit(spec)
			raw, err := json.Marshal(spec)
			if err != nil {
				t.Fatal(err)
			}
			_, err = compile(raw, templatesFS)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("compile: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("compile: %v; want an error with %s", err, tc.wantErr)
			}
		})
	}
}

// clone deep-copies a decoded JSON object.
func clone(t *testing.T, v map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// inlineYui replaces the spec's names file by an inline list of one name
// call and returns the list.
func inlineYui(s map[string]any) []any {
	delete(s, "names_file")
	names := []any{map[string]any{"id": "yui", "label": "ゆいちゃん", "reading": "ゆいちゃん", "file": "voice-alarm-morning/name-yui.wav"}}
	s["names"] = names
	return names
}
