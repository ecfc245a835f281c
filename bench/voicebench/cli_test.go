package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"oshigoods/render"
	"oshigoods/templates"
)

// BenchmarkCLIRender is what `oshigoods render --template
// voice-alarm-morning` does after start-up, as bench/voice.sh runs it:
// load the one template (read, hash and compile its files), validate the
// fields, render the clip and its preview, and write them. Run it with
// -cpuprofile/-memprofile to see where the command's time goes.
func BenchmarkCLIRender(b *testing.B) {
	out := b.TempDir()
	fields := map[string]string{"name": "sakura", "lines": "ohayou,asadayo,okite", "repeat": "3", "preset": "phone"}
	profile, err := render.LookupProfile(render.DefaultProfileName)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		tpl, err := templates.LoadOne(templates.FS(), "voice-alarm-morning", templates.Compilers())
		if err != nil {
			b.Fatal(err)
		}
		in := render.Inputs{Fields: fields, Images: map[string][]byte{}, Profile: profile, OrderedAt: time.Now()}
		if _, err := tpl.Validate(ctx, in); err != nil {
			b.Fatal(err)
		}
		res, err := tpl.Render(ctx, in)
		if err != nil {
			b.Fatal(err)
		}
		for _, f := range res.Files {
			if err := os.WriteFile(filepath.Join(out, f.Name), f.Data, 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
}
