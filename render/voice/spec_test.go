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
		{"unknown name key", func(s map[string]any) { s["names"].([]any)[0].(map[string]any)["voice"] = "x" }, `unknown field "voice"`},
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
