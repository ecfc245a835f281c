package voice

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"oshigoods/render"
)

// TestRenderGolden pins the bytes of the WAV files the shipped template
// renders, so that work on the renderer's speed cannot change its output
// unnoticed. The sums are of amd64 builds: other architectures may fuse
// multiply-adds (arm64 does), which moves the last bits of the float
// arithmetic, so they skip. MP3s are not pinned: their bytes are LAME's.
func TestRenderGolden(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skipf("golden sums are of amd64 builds; this is %s", runtime.GOARCH)
	}
	tpl := loadMorning(t)
	tests := []struct {
		name, preset, who, lines, repeat string
		want                             map[string]string // file → SHA-256
	}{
		{"phone, three lines, three repeats", "phone", "sakura", "ohayou,asadayo,okite", "3", map[string]string{
			"alarm.wav":   "795722961e57bbeefda78864568fb216e262e025a44ef28282fa963aa36f4c26",
			"preview.wav": "760958c0c80ce4633b9ce1249b7fdb3a889d153b65463c9ae52beef5dcdc21d4",
		}},
		{"phone, one line once", "phone", "yui", "daisuki", "1", map[string]string{
			"alarm.wav":   "da475e25b7553145845e8e1b18a9b231d15e85e9c51893a07c5ff4959949c43d",
			"preview.wav": "54a481e4df0056780ad26209d842242617eb178d080bf5847fcefec76297a452",
		}},
		{"phone, five lines, preview cut at 12 s", "phone", "taro", "chikoku,ganbatte,mattetayo,okite,daisuki", "2", map[string]string{
			"alarm.wav":   "c2a55798e0fa4f695a938826fef9ae103e3b6918c1b5423e72ca724935d546ee",
			"preview.wav": "b8fbbc2b240cd80b3526ce7350ca1de4b315a3405eab4c376095b298c44e24af",
		}},
		{"module, three lines, three repeats", "module", "sakura", "ohayou,asadayo,okite", "3", map[string]string{
			"alarm.wav":   "1bd6f77c1b14c4c2a89f2110149c546a697207c62bb955cc5bbfe0bdc14efd65",
			"preview.wav": "760958c0c80ce4633b9ce1249b7fdb3a889d153b65463c9ae52beef5dcdc21d4",
		}},
		{"module, five lines twice", "module", "taro", "chikoku,ganbatte,mattetayo,okite,daisuki", "2", map[string]string{
			"alarm.wav":   "feacec2738434d8ea5dbb5a99e9f7e08c00a6c804a5df8436492c11a30537c1f",
			"preview.wav": "b8fbbc2b240cd80b3526ce7350ca1de4b315a3405eab4c376095b298c44e24af",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := tpl.Render(context.Background(), inputs("name", tc.who, "lines", tc.lines, "repeat", tc.repeat, "preset", tc.preset))
			if err != nil {
				t.Fatal(err)
			}
			seen := 0
			for _, f := range res.Files {
				want, ok := tc.want[f.Name]
				if !ok {
					if !strings.HasSuffix(f.Name, ".mp3") {
						t.Errorf("unexpected file %s", f.Name)
					}
					continue
				}
				seen++
				sum := sha256.Sum256(f.Data)
				if got := hex.EncodeToString(sum[:]); got != want {
					t.Errorf("%s: SHA-256 %s, want %s", f.Name, got, want)
				}
			}
			if seen != len(tc.want) && !mp3Available {
				t.Errorf("%d of the %d pinned files were rendered", seen, len(tc.want))
			}
		})
	}
}

// TestRenderConcurrent renders on a freshly compiled template from many
// goroutines at once, so clips are decoded and resampled on first use by
// renders racing for them (run it with -race), and checks every render
// gives the bytes of the first.
func TestRenderConcurrent(t *testing.T) {
	fresh, err := compile(morningSpec(t), templatesFS)
	if err != nil {
		t.Fatal(err)
	}
	orders := []render.Inputs{
		inputs("name", "sakura", "lines", "ohayou,asadayo,okite", "repeat", "2", "preset", "phone"),
		inputs("name", "sakura", "lines", "okite", "repeat", "1", "preset", "module"),
		inputs("name", "yui", "lines", "ohayou,daisuki", "repeat", "1", "preset", "phone"),
	}
	const each = 3
	sums := make([][each][]string, len(orders))
	var wg sync.WaitGroup
	for o, in := range orders {
		for k := range each {
			wg.Go(func() {
				res, err := fresh.Render(context.Background(), in)
				if err != nil {
					t.Error(err)
					return
				}
				for _, f := range res.Files {
					sum := sha256.Sum256(f.Data)
					sums[o][k] = append(sums[o][k], f.Name+" "+hex.EncodeToString(sum[:]))
				}
			})
		}
	}
	wg.Wait()
	for o := range orders {
		for k := 1; k < each; k++ {
			if !slices.Equal(sums[o][k], sums[o][0]) {
				t.Errorf("order %d, render %d: %v; first render %v", o, k, sums[o][k], sums[o][0])
			}
		}
	}
}

// rawSpec returns the voice spec of the shipped template's manifest.
func morningSpec(t *testing.T) json.RawMessage {
	t.Helper()
	var m struct {
		Voice json.RawMessage `json:"voice"`
	}
	b, err := fs.ReadFile(templatesFS, "voice-alarm-morning/template.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m.Voice
}
