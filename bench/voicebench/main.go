// Command voicebench renders one voice clip from the shipped
// voice-alarm-morning template and writes its files to a folder. It is the
// oshigoods side of bench/voice.sh: a whole process (load and compile the
// voice template, render, write), timed against ffmpeg and sox doing the
// same chain. It compiles only the voice template, so other kinds' assets
// do not count towards its time.
//
// Usage: voicebench -out DIR name=sakura lines=ohayou,asadayo repeat=3 preset=phone
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"oshigoods/render"
	"oshigoods/render/voice"
	"oshigoods/templates"
)

func main() {
	out := flag.String("out", "", "folder to write the rendered files to")
	id := flag.String("template", "voice-alarm-morning", "voice template id")
	flag.Parse()
	if err := run(*id, *out, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "voicebench:", err)
		os.Exit(1)
	}
}

func run(id, out string, fields []string) error {
	if out == "" {
		return fmt.Errorf("-out is required")
	}
	b, err := fs.ReadFile(templates.FS(), id+"/template.json")
	if err != nil {
		return err
	}
	var m struct {
		Voice json.RawMessage `json:"voice"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("decode manifest: %w", err)
	}
	r, err := voice.Compile(m.Voice, templates.FS())
	if err != nil {
		return fmt.Errorf("compile %s: %w", id, err)
	}
	in := render.Inputs{Fields: map[string]string{}}
	for _, kv := range fields {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return fmt.Errorf("field %q: want name=value", kv)
		}
		in.Fields[k] = v
	}
	res, err := r.Render(context.Background(), in)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for _, f := range res.Files {
		if err := os.WriteFile(filepath.Join(out, f.Name), f.Data, 0o644); err != nil {
			return err
		}
	}
	for _, w := range res.Warnings {
		fmt.Fprintln(os.Stderr, "warning:", w)
	}
	return nil
}
