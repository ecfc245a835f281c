// Command gen turns BudouX's Japanese model, as its npm package ships it
// (src/data/models/ja.ts: `export const model: … = {…};`), into the JSON
// package phrase embeds, with its keys sorted so the same model gives the
// same bytes. scripts/gen-phrase-model runs it.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
)

// groups are the feature groups BudouX's parser reads; a model with any
// other group, or without one of these, is refused rather than half used.
var groups = []string{"UW1", "UW2", "UW3", "UW4", "UW5", "UW6", "BW1", "BW2", "BW3", "TW1", "TW2", "TW3", "TW4"}

func main() {
	src := flag.String("src", "", "the unpacked npm package (its package/ folder)")
	out := flag.String("out", "internal/phrase/model/ja.json", "the JSON to write")
	flag.Parse()
	if err := run(*src, *out); err != nil {
		log.Fatal(err)
	}
}

func run(src, out string) error {
	ts, err := os.ReadFile(filepath.Join(src, "src", "data", "models", "ja.ts"))
	if err != nil {
		return err
	}
	i := bytes.Index(ts, []byte("= {"))
	j := bytes.LastIndexByte(ts, '}')
	if i < 0 || j < i {
		return fmt.Errorf("ja.ts: no `= {…}` model object")
	}
	var model map[string]map[string]int
	if err := json.Unmarshal(ts[i+2:j+1], &model); err != nil {
		return fmt.Errorf("ja.ts: decode the model: %w", err)
	}
	for _, g := range groups {
		if len(model[g]) == 0 {
			return fmt.Errorf("ja.ts: feature group %s is missing or empty", g)
		}
	}
	if len(model) != len(groups) {
		var names []string
		for g := range model {
			names = append(names, g)
		}
		return fmt.Errorf("ja.ts: feature groups %s, want exactly %s", strings.Join(names, " "), strings.Join(groups, " "))
	}
	// encoding/json writes map keys sorted: the same model, the same bytes.
	b, err := json.Marshal(model)
	if err != nil {
		return err
	}
	return os.WriteFile(out, append(b, '\n'), 0o644)
}
