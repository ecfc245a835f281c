package voice

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"oshigoods"
	"oshigoods/internal/testenv"
	"oshigoods/render"
)

// templatesFS is the catalogue folder. The tests read it from disk
// because package templates imports this one.
var templatesFS = os.DirFS("../../templates")

// The shipped template, compiled once for all tests.
var (
	morningOnce sync.Once
	morning     *Template
	morningErr  error
)

func loadMorning(t testing.TB) *Template {
	t.Helper()
	morningOnce.Do(func() {
		var m struct {
			Voice json.RawMessage `json:"voice"`
		}
		b, err := fs.ReadFile(templatesFS, "voice-alarm-morning/template.json")
		if err != nil {
			morningErr = err
			return
		}
		if morningErr = json.Unmarshal(b, &m); morningErr != nil {
			return
		}
		morning, morningErr = compile(m.Voice, templatesFS)
	})
	if morningErr != nil {
		t.Fatalf("compile voice-alarm-morning: %v", morningErr)
	}
	return morning
}

func inputs(kv ...string) render.Inputs {
	in := render.Inputs{Fields: map[string]string{}}
	for i := 0; i+1 < len(kv); i += 2 {
		in.Fields[kv[i]] = kv[i+1]
	}
	return in
}

// probe is what ffprobe says about a file's first audio stream.
type probe struct {
	codec      string
	rate       int
	channels   int
	sampleFmt  string
	durationS  float64
	formatName string
}

func ffprobe(t *testing.T, path string) probe {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-print_format", "json", "-show_streams", "-show_format", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var r struct {
		Streams []struct {
			CodecName  string `json:"codec_name"`
			SampleRate string `json:"sample_rate"`
			Channels   int    `json:"channels"`
			SampleFmt  string `json:"sample_fmt"`
		} `json:"streams"`
		Format struct {
			FormatName string `json:"format_name"`
			Duration   string `json:"duration"`
		} `json:"format"`
	}
	if err := json.Unmarshal(out, &r); err != nil || len(r.Streams) != 1 {
		t.Fatalf("ffprobe %s: %v: %s", path, err, out)
	}
	s := r.Streams[0]
	p := probe{codec: s.CodecName, channels: s.Channels, sampleFmt: s.SampleFmt, formatName: r.Format.FormatName}
	p.rate, _ = strconv.Atoi(s.SampleRate)
	p.durationS, _ = strconv.ParseFloat(r.Format.Duration, 64)
	return p
}

var (
	ebuI  = regexp.MustCompile(`(?s)Integrated loudness:\s*I:\s*(-?[\d.]+|-inf) LUFS`)
	ebuTP = regexp.MustCompile(`(?s)True peak:\s*Peak:\s*(-?[\d.]+|-inf) dBFS`)
)

// ebur128 measures a file with ffmpeg's ebur128 filter and returns the
// integrated loudness (LUFS) and true peak (dBTP) of its Summary.
func ebur128(t *testing.T, path string) (lufs, tp float64) {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-hide_banner", "-nostats", "-i", path, "-af", "ebur128=peak=true", "-f", "null", "-").CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg ebur128 %s: %v\n%s", path, err, out)
	}
	s := string(out)
	if i := strings.LastIndex(s, "Summary:"); i >= 0 {
		s = s[i:]
	}
	mi, mt := ebuI.FindStringSubmatch(s), ebuTP.FindStringSubmatch(s)
	if mi == nil || mt == nil {
		t.Fatalf("no ebur128 summary for %s:\n%s", path, s)
	}
	lufs, _ = strconv.ParseFloat(mi[1], 64)
	tp, _ = strconv.ParseFloat(mt[1], 64)
	return lufs, tp
}

func writeFiles(t *testing.T, res *render.Result) map[string]string {
	t.Helper()
	dir := t.TempDir()
	paths := map[string]string{}
	for _, f := range res.Files {
		p := filepath.Join(dir, f.Name)
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
		paths[f.Name] = p
	}
	return paths
}

func fileNames(res *render.Result) []string {
	var names []string
	for _, f := range res.Files {
		names = append(names, fmt.Sprintf("%s:%s:%s", f.Name, f.Role, f.ContentType))
	}
	return names
}

// TestRenderPresets renders each preset and checks what a player and a
// loudness meter see: container, codec, rate, channels, duration (equal to
// the length Check computes), integrated loudness within ±1 LU of the
// preset's target and true peak at or under its ceiling, both measured by
// ffmpeg's ebur128 filter.
func TestRenderPresets(t *testing.T) {
	testenv.Tool(t, "ffprobe")
	testenv.Tool(t, "ffmpeg")
	tpl := loadMorning(t)
	for _, tc := range []struct {
		scenario string
		in       render.Inputs
		files    []string
		rate     int
		channels int
	}{
		{
			scenario: "phone, three lines, three repeats",
			in:       inputs("name", "sakura", "lines", "ohayou,asadayo,okite", "repeat", "3", "preset", "phone"),
			files:    phoneFiles(),
			rate:     44100, channels: 2,
		},
		{
			scenario: "phone defaults: one line, default repeats",
			in:       inputs("name", "taro", "lines", "daisuki"),
			files:    phoneFiles(),
			rate:     44100, channels: 2,
		},
		{
			scenario: "phone, a name call from the end of the names file",
			in:       inputs("name", "ryota", "lines", "okite,daisuki", "repeat", "2", "preset", "phone"),
			files:    phoneFiles(),
			rate:     44100, channels: 2,
		},
		{
			scenario: "module, five lines, two repeats",
			in:       inputs("name", "yui", "lines", "ohayou,asadayo,okite,chikoku,ganbatte", "repeat", "2", "preset", "module"),
			files:    moduleFiles(),
			rate:     22050, channels: 1,
		},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			if _, err := tpl.Check(context.Background(), tc.in); err != nil {
				t.Fatalf("Check: %v", err)
			}
			res, err := tpl.Render(context.Background(), tc.in)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if got := fileNames(res); strings.Join(got, " ") != strings.Join(tc.files, " ") {
				t.Fatalf("files = %v; want %v", got, tc.files)
			}
			if !mp3Available && tc.rate == 44100 && (len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "-tags lame")) {
				t.Errorf("warnings = %q; want one saying MP3 needs -tags lame", res.Warnings)
			}
			o, _ := tpl.parse(tc.in)
			wantSecs := tpl.seconds(o, o.repeat)
			paths := writeFiles(t, res)

			p := ffprobe(t, paths["alarm.wav"])
			if p.formatName != "wav" || p.codec != "pcm_s16le" || p.rate != tc.rate || p.channels != tc.channels {
				t.Errorf("alarm.wav: %+v; want wav pcm_s16le %d Hz %d ch", p, tc.rate, tc.channels)
			}
			if math.Abs(p.durationS-wantSecs) > 0.001 || p.durationS > o.preset.MaxSeconds {
				t.Errorf("alarm.wav: %.3f s; want %.3f s, at most %.0f s", p.durationS, wantSecs, o.preset.MaxSeconds)
			}
			lufs, tp := ebur128(t, paths["alarm.wav"])
			t.Logf("alarm.wav: %.3f s, %.1f LUFS, %.1f dBTP", p.durationS, lufs, tp)
			if math.Abs(lufs-o.preset.TargetLUFS) > 1 {
				t.Errorf("alarm.wav: integrated loudness %.1f LUFS; want %.0f ± 1", lufs, o.preset.TargetLUFS)
			}
			if tp > o.preset.CeilingTP {
				t.Errorf("alarm.wav: true peak %.2f dBTP; want ≤ %.0f", tp, o.preset.CeilingTP)
			}

			if mp3 := paths["alarm.mp3"]; mp3 != "" {
				p := ffprobe(t, mp3)
				if p.codec != "mp3" || p.rate != 44100 || p.channels != 2 || math.Abs(p.durationS-wantSecs) > 0.1 {
					t.Errorf("alarm.mp3: %+v; want mp3 44100 Hz 2 ch %.1f s", p, wantSecs)
				}
				lufs, tp := ebur128(t, mp3)
				t.Logf("alarm.mp3: %.1f LUFS, %.1f dBTP", lufs, tp)
				if math.Abs(lufs-o.preset.TargetLUFS) > 1 {
					t.Errorf("alarm.mp3: integrated loudness %.1f LUFS; want %.0f ± 1", lufs, o.preset.TargetLUFS)
				}
			}

			prev := paths["preview.wav"]
			if mp3Available {
				prev = paths["preview.mp3"]
			}
			pp := ffprobe(t, prev)
			if pp.rate != previewPreset.Rate || pp.channels != 1 || pp.durationS > previewPreset.MaxSeconds+0.1 {
				t.Errorf("preview: %+v; want 22050 Hz mono ≤ 12 s", pp)
			}
		})
	}
}

func phoneFiles() []string {
	if mp3Available {
		return []string{"alarm.wav:output:audio/wav", "alarm.mp3:output:audio/mpeg", "preview.mp3:preview:audio/mpeg"}
	}
	return []string{"alarm.wav:output:audio/wav", "preview.wav:preview:audio/wav"}
}

func moduleFiles() []string {
	if mp3Available {
		return []string{"alarm.wav:output:audio/wav", "preview.mp3:preview:audio/mpeg"}
	}
	return []string{"alarm.wav:output:audio/wav", "preview.wav:preview:audio/wav"}
}

// clickBound is the largest sample-to-sample step, in full scale, allowed
// within ±clickWindow of every cut (where a clip starts or ends). A cut
// without a fade in speech at −16 LUFS jumps by 0.05 to 0.5; the 5 ms
// raised-cosine fades keep the step near a cut to what the quiet edge of
// the signal itself does.
const (
	clickBound  = 0.02
	clickWindow = 0.001 // s
)

// TestNoClicks renders a clip and checks the sample-to-sample step around
// every cut in the decoded alarm.wav stays under clickBound.
func TestNoClicks(t *testing.T) {
	tpl := loadMorning(t)
	for _, tc := range []struct {
		scenario string
		in       render.Inputs
	}{
		{"phone, all cuts", inputs("name", "hanako", "lines", "okite,chikoku,daisuki", "repeat", "3", "preset", "phone")},
		{"module, all cuts", inputs("name", "kenta", "lines", "ohayou,mattetayo", "repeat", "4", "preset", "module")},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			res, err := tpl.Render(context.Background(), tc.in)
			if err != nil {
				t.Fatal(err)
			}
			audio, err := readWAV(res.Files[0].Data)
			if err != nil {
				t.Fatal(err)
			}
			o, _ := tpl.parse(tc.in)
			segs, _ := tpl.layout(o, tpl.banks[o.preset.Rate], o.repeat)
			w := int(clickWindow * float64(audio.rate))
			var worst float32
			for _, s := range segs {
				for _, cut := range []int{s.start, s.start + s.n} {
					for _, x := range audio.ch {
						for i := max(cut-w, 1); i < min(cut+w, len(x)); i++ {
							worst = max(worst, abs32(x[i]-x[i-1]))
						}
					}
				}
			}
			t.Logf("%d cuts, largest step within ±%.0f ms: %.4f (bound %.2f)", 2*len(segs), clickWindow*1000, worst, clickBound)
			if worst >= clickBound {
				t.Errorf("largest step at a cut %.4f; want < %.2f", worst, clickBound)
			}
		})
	}
}

// TestCheckTooLong checks that a clip over its preset's length is refused
// with a 422 naming the field and saying by how much.
func TestCheckTooLong(t *testing.T) {
	tpl := loadMorning(t)
	for _, tc := range []struct {
		scenario string
		in       render.Inputs
		field    string // "" for accepted
	}{
		{"phone, ten repeats of five lines", inputs("name", "sakura", "lines", "chikoku,ganbatte,mattetayo,chikoku,ganbatte", "repeat", "10", "preset", "phone"), "repeat"},
		{"phone, two short repeats fit", inputs("name", "mai", "lines", "okite", "repeat", "2", "preset", "phone"), ""},
		{"module allows 60 s", inputs("name", "sakura", "lines", "chikoku,ganbatte,mattetayo,chikoku,ganbatte", "repeat", "3", "preset", "module"), ""},
		{"module, ten repeats", inputs("name", "sakura", "lines", "chikoku,ganbatte,mattetayo,chikoku,ganbatte", "repeat", "10", "preset", "module"), "repeat"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			_, err := tpl.Check(context.Background(), tc.in)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("Check: %v; want accepted", err)
				}
				return
			}
			if oshigoods.ErrorCode(err) != oshigoods.EUNPROCESSABLE || oshigoods.ErrorField(err) != tc.field {
				t.Fatalf("Check: %v; want EUNPROCESSABLE on %s", err, tc.field)
			}
			o, _ := tpl.parse(tc.in)
			over := tpl.seconds(o, o.repeat) - o.preset.MaxSeconds
			want := fmt.Sprintf("%.1f s over the %.0f s limit", over, o.preset.MaxSeconds)
			if msg := oshigoods.ErrorMessage(err); !strings.Contains(msg, want) {
				t.Errorf("message %q; want it to say %q", msg, want)
			}
			if _, err := tpl.Render(context.Background(), tc.in); oshigoods.ErrorCode(err) != oshigoods.EUNPROCESSABLE {
				t.Errorf("Render: %v; want the same refusal", err)
			}
		})
	}
}

// TestRenderBadInputs checks that bad field values are refused with a
// field error rather than rendered.
func TestRenderBadInputs(t *testing.T) {
	tpl := loadMorning(t)
	for _, tc := range []struct {
		scenario string
		in       render.Inputs
		field    string
	}{
		{"unknown name", inputs("name", "bob", "lines", "okite"), "name"},
		{"no lines", inputs("name", "yui"), "lines"},
		{"unknown line", inputs("name", "yui", "lines", "okite,sayonara"), "lines"},
		{"too many lines", inputs("name", "yui", "lines", "okite,okite,okite,okite,okite,okite"), "lines"},
		{"repeat zero", inputs("name", "yui", "lines", "okite", "repeat", "0"), "repeat"},
		{"repeat eleven", inputs("name", "yui", "lines", "okite", "repeat", "11"), "repeat"},
		{"unknown preset", inputs("name", "yui", "lines", "okite", "preset", "cd"), "preset"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			_, err := tpl.Render(context.Background(), tc.in)
			if oshigoods.ErrorCode(err) != oshigoods.EUNPROCESSABLE || oshigoods.ErrorField(err) != tc.field {
				t.Fatalf("Render: %v; want EUNPROCESSABLE on %s", err, tc.field)
			}
		})
	}
}

// TestDeterministic renders the same inputs twice, concurrently, and
// expects the same bytes.
func TestDeterministic(t *testing.T) {
	tpl := loadMorning(t)
	in := inputs("name", "sakura", "lines", "ohayou,daisuki", "repeat", "2")
	var wg sync.WaitGroup
	res := make([]*render.Result, 2)
	errs := make([]error, 2)
	for i := range res {
		wg.Go(func() { res[i], errs[i] = tpl.Render(context.Background(), in) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := range res[0].Files {
		if a, b := res[0].Files[i], res[1].Files[i]; a.Name != b.Name || !bytes.Equal(a.Data, b.Data) {
			t.Errorf("%s differs between renders", a.Name)
		}
	}
}

// TestRenderCancelled checks ctx is honoured.
func TestRenderCancelled(t *testing.T) {
	tpl := loadMorning(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := tpl.Render(ctx, inputs("name", "yui", "lines", "okite"))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Render: %v; want context.Canceled", err)
	}
}

// BenchmarkRenderVoice renders a full phone clip (three lines, three
// repeats) and its preview.
func BenchmarkRenderVoice(b *testing.B) {
	tpl := loadMorning(b)
	in := inputs("name", "sakura", "lines", "ohayou,asadayo,okite", "repeat", "3", "preset", "phone")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tpl.Render(context.Background(), in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPreview renders only the 試聴 clip, as a page does while the
// fan chooses.
func BenchmarkPreview(b *testing.B) {
	tpl := loadMorning(b)
	in := inputs("name", "sakura", "lines", "ohayou,asadayo,okite,chikoku,ganbatte", "repeat", "3")
	for b.Loop() {
		if _, err := tpl.Preview(context.Background(), in); err != nil {
			b.Fatal(err)
		}
	}
}
