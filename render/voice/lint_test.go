package voice

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"oshigoods/render"
)

// clip is test audio: one []float64 per channel at rate.
type clip struct {
	rate int
	ch   [][]float64
}

// speechLike returns seconds of a voice-like mono signal: a 200 Hz tone
// with 7 overtones falling at 6 dB an octave, in syllables (a sin²
// envelope, three a second, zero at both ends), scaled so its sample peak
// is peakDBFS.
func speechLike(rate int, seconds, peakDBFS float64) clip {
	n := int(seconds * float64(rate))
	syllables := max(math.Round(3*seconds), 1)
	x := make([]float64, n)
	var peak float64
	for i := range x {
		tt := float64(i) / float64(rate)
		var v float64
		for k := 1; k <= 8; k++ {
			v += math.Sin(2*math.Pi*200*float64(k)*tt) / float64(k)
		}
		e := math.Sin(math.Pi * syllables * tt / seconds)
		x[i] = v * e * e
		peak = max(peak, math.Abs(x[i]))
	}
	g := math.Pow(10, peakDBFS/20) / peak
	for i := range x {
		x[i] *= g
	}
	return clip{rate: rate, ch: [][]float64{x}}
}

// padded adds lead and trail seconds of digital silence.
func (c clip) padded(lead, trail float64) clip {
	out := clip{rate: c.rate}
	for _, x := range c.ch {
		y := make([]float64, int(lead*float64(c.rate)))
		y = append(y, x...)
		out.ch = append(out.ch, append(y, make([]float64, int(trail*float64(c.rate)))...))
	}
	return out
}

// gained scales by db and clamps at full scale, as an overdriven recorder
// clips.
func (c clip) gained(db float64) clip {
	g := math.Pow(10, db/20)
	out := clip{rate: c.rate}
	for _, x := range c.ch {
		y := make([]float64, len(x))
		for i, v := range x {
			y[i] = max(-1, min(1, v*g))
		}
		out.ch = append(out.ch, y)
	}
	return out
}

// stereo returns c on both channels, the right one scaled by right (1 for
// identical channels) and delayed by delay frames.
func (c clip) stereo(right float64, delay int) clip {
	x := c.ch[0]
	r := make([]float64, len(x))
	for i := delay; i < len(x); i++ {
		r[i] = x[i-delay] * right
	}
	return clip{rate: c.rate, ch: [][]float64{x, r}}
}

// wav encodes c as tag/bits.
func (c clip) wav(tag, bits int) []byte {
	return makeWAV(wavSpec{tag: tag, bits: bits, channels: len(c.ch), rate: c.rate,
		signal: func(ch, i int) float64 { return c.ch[ch][i] }}, len(c.ch[0]))
}

func (c clip) wav16() []byte { return c.wav(wavFormatPCM, 16) }

// lintFixture is a small voice template in a folder "t": three name calls
// from a names file and two lines, each 0.67 s of speechLike at 48 kHz
// mono 16-bit, peaking at −6 dBFS.
func lintFixture() map[string][]byte {
	good := speechLike(48000, 2.0/3, -6).wav16()
	files := map[string][]byte{
		"t/names.tsv": []byte("id\tlabel\treading\tfile\n" +
			"yui\tゆいちゃん\tゆいちゃん\tname-yui.wav\n" +
			"taro\tたろうくん\t\tname-taro.wav\n" +
			"mai\tまいちゃん\tまいちゃん\tname-mai.wav\n"),
		"t/name-yui.wav":  good,
		"t/name-taro.wav": good,
		"t/name-mai.wav":  good,
		"t/line-a.wav":    good,
		"t/line-b.wav":    good,
	}
	return files
}

const lintFixtureSpec = `{"names_file": "t/names.tsv", "lines": [
	{"id": "a", "text": "あ", "file": "t/line-a.wav"},
	{"id": "b", "text": "い", "file": "t/line-b.wav"}]}`

// compileDir writes files under a fresh folder and compiles spec there.
func compileDir(t *testing.T, spec string, files map[string][]byte) (*Template, error) {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return compile(json.RawMessage(spec), os.DirFS(dir))
}

// wantProblem matches one render.Problem.
type wantProblem struct {
	file, field string
	warning     bool
	says        string // a part of the message
}

func (w wantProblem) matches(p render.Problem) bool {
	return p.File == w.file && p.Field == w.field && p.Warning == w.warning && strings.Contains(p.Message, w.says)
}

func (w wantProblem) String() string {
	kind := "error"
	if w.warning {
		kind = "warning"
	}
	return fmt.Sprintf("%s %s %s: …%s…", kind, w.file, w.field, w.says)
}

func problemString(p render.Problem) string {
	kind := "error"
	if p.Warning {
		kind = "warning"
	}
	return fmt.Sprintf("%s %s %s: %s", kind, p.File, p.Field, p.Message)
}

// TestLint builds small templates whose recordings have one fault each and
// checks Lint reports exactly that fault, naming the file and the field.
func TestLint(t *testing.T) {
	voice := speechLike(48000, 2.0/3, -6)
	yui := func(warning bool, says string) []wantProblem {
		return []wantProblem{{file: "t/name-yui.wav", field: "voice.names_file:2", warning: warning, says: says}}
	}
	for _, tc := range []struct {
		scenario string
		spec     string // "" for lintFixtureSpec
		files    map[string][]byte
		want     []wantProblem
	}{
		{scenario: "clean: 48 kHz mono 16-bit, trimmed, at a good level"},
		{scenario: "44.1 kHz stereo with identical channels is accepted",
			files: map[string][]byte{"t/name-yui.wav": speechLike(44100, 2.0/3, -6).stereo(1, 0).wav16()}},
		{scenario: "22.05 kHz mono is accepted",
			files: map[string][]byte{"t/name-yui.wav": speechLike(22050, 2.0/3, -6).wav16()}},
		{scenario: "24-bit and 32-bit float are accepted",
			files: map[string][]byte{"t/name-yui.wav": voice.wav(wavFormatPCM, 24), "t/line-a.wav": voice.wav(wavFormatFloat, 32)}},
		{scenario: "44.1 kHz stereo with different channels is warned",
			files: map[string][]byte{"t/name-yui.wav": speechLike(44100, 2.0/3, -6).stereo(0.3, 0).wav16()},
			want:  yui(true, "stereo with different channels")},
		{scenario: "stereo in opposite phase is warned",
			files: map[string][]byte{"t/line-b.wav": voice.stereo(-1, 0).wav16()},
			want:  []wantProblem{{file: "t/line-b.wav", field: "voice.lines[1].file", warning: true, says: "stereo with channels in opposite phase"}}},
		{scenario: "16 kHz is warned",
			files: map[string][]byte{"t/name-yui.wav": speechLike(16000, 2.0/3, -6).wav16()},
			want:  yui(true, "16000 Hz: below 22050 Hz")},
		{scenario: "8-bit is warned",
			files: map[string][]byte{"t/name-yui.wav": voice.wav(wavFormatPCM, 8)},
			want:  yui(true, "8-bit samples")},
		{scenario: "clipped 16-bit",
			files: map[string][]byte{"t/name-yui.wav": voice.gained(12).wav16()},
			want:  yui(false, "clipped: ")},
		{scenario: "float over full scale",
			files: map[string][]byte{"t/line-b.wav": voice.gained(0).wav(wavFormatFloat, 32), "t/line-a.wav": speechLike(48000, 2.0/3, 6).wav(wavFormatFloat, 32)},
			want:  []wantProblem{{file: "t/line-a.wav", field: "voice.lines[0].file", says: "clipped: "}}},
		{scenario: "silent file",
			files: map[string][]byte{"t/line-b.wav": voice.gained(-100).wav16()},
			want:  []wantProblem{{file: "t/line-b.wav", field: "voice.lines[1].file", says: "no sound"}}},
		{scenario: "1 s of leading silence",
			files: map[string][]byte{"t/name-yui.wav": voice.padded(1, 0).wav16()},
			want:  yui(true, "s of silence before the name call starts")},
		{scenario: "0.5 s of trailing silence",
			files: map[string][]byte{"t/line-a.wav": voice.padded(0, 0.5).wav16()},
			want:  []wantProblem{{file: "t/line-a.wav", field: "voice.lines[0].file", warning: true, says: "s of silence after the line ends"}}},
		{scenario: "0.2 s of silence at each end is fine",
			files: map[string][]byte{"t/line-a.wav": voice.padded(0.2, 0.2).wav16()}},
		{scenario: "far too quiet",
			files: map[string][]byte{"t/name-yui.wav": voice.gained(-24).wav16()},
			want:  yui(true, "voice clips should be about -18 LUFS")},
		{scenario: "quieter than the other voice clips",
			files: map[string][]byte{"t/name-yui.wav": voice.gained(-7).wav16()},
			want:  yui(true, "quieter than the median of this template's voice clips")},
		{scenario: "name call too long",
			files: map[string][]byte{"t/name-yui.wav": speechLike(48000, 3, -6).wav16()},
			want:  yui(true, "3.0 s long; a name call is usually under 2.5 s")},
		{scenario: "two names share a recording",
			files: map[string][]byte{"t/names.tsv": []byte("id\tlabel\treading\tfile\nyui\tゆいちゃん\t\tname-yui.wav\ntaro\tたろうくん\t\tname-taro.wav\nmai\tまいちゃん\t\tname-yui.wav\n")},
			want:  []wantProblem{{file: "t/name-yui.wav", field: "voice.names_file:4", warning: true, says: "the same recording as voice.names_file:2"}}},
		{scenario: "inline names are named by index, chime and bgm by their fields",
			spec: `{"chime": "t/line-a.wav", "bgm": {"file": "t/line-b.wav"}, "names": [
				{"id": "yui", "label": "ゆいちゃん", "file": "t/name-yui.wav"},
				{"id": "mai", "label": "まいちゃん", "file": "t/name-mai.wav"}],
				"lines": [{"id": "a", "text": "あ", "file": "t/line-a.wav"}]}`,
			files: map[string][]byte{"t/name-mai.wav": voice.gained(12).wav16(), "t/line-b.wav": voice.gained(-100).wav16(), "t/line-a.wav": voice.padded(0.5, 0).wav16()},
			want: []wantProblem{
				{file: "t/line-a.wav", field: "voice.chime", warning: true, says: "s of silence before the chime starts"},
				{file: "t/line-b.wav", field: "voice.bgm.file", says: "no sound"},
				{file: "t/name-mai.wav", field: "voice.names[1].file", says: "clipped"},
				{file: "t/line-a.wav", field: "voice.lines[0].file", warning: true, says: "s of silence before the line starts"},
			}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			files := lintFixture()
			for k, v := range tc.files {
				files[k] = v
			}
			spec := tc.spec
			if spec == "" {
				spec = lintFixtureSpec
			}
			tpl, err := compileDir(t, spec, files)
			if err != nil {
				t.Fatalf("compile: %v", err)
			}
			got := tpl.Lint()
			for _, p := range got {
				t.Log(problemString(p))
			}
			ok := len(got) == len(tc.want)
			for i := 0; ok && i < len(got); i++ {
				ok = tc.want[i].matches(got[i])
			}
			if !ok {
				t.Errorf("Lint gave %d problems; want %d: %v", len(got), len(tc.want), tc.want)
			}
		})
	}
}

// TestLintMeasures checks the measurements Lint's rules stand on against
// the signals that made them: loudness of the fixture's voice within the
// target band, silence at the ends to within one 10 ms window, clipping
// counted where it is.
func TestLintMeasures(t *testing.T) {
	voice := speechLike(48000, 2.0/3, -6)
	for _, tc := range []struct {
		scenario    string
		c           clip
		lead, trail float64
		clipped     bool
	}{
		{"trimmed", voice, 0, 0, false},
		{"1 s before, 0.4 s after", voice.padded(1, 0.4), 1, 0.4, false},
		{"clipped", voice.gained(12), 0, 0, true},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			a, f, err := decodeWAV(tc.c.wav16())
			if err != nil {
				t.Fatal(err)
			}
			st := analyse(a, f)
			t.Logf("%.2f s, peak %.1f dBFS, %.1f LUFS, lead %.3f s, trail %.3f s, %d clipped runs", st.seconds, gainToDB(st.peak), st.lufs, st.lead, st.trail, st.clipRuns)
			if math.Abs(st.lead-tc.lead) > 0.02 || math.Abs(st.trail-tc.trail) > 0.02 {
				t.Errorf("lead %.3f s, trail %.3f s; want %.2f and %.2f (±0.02)", st.lead, st.trail, tc.lead, tc.trail)
			}
			if (st.clipRuns > 0) != tc.clipped {
				t.Errorf("%d clipped runs; want clipped=%v", st.clipRuns, tc.clipped)
			}
			if !tc.clipped && math.Abs(st.lufs-VoiceTargetLUFS) > 4 {
				t.Errorf("fixture voice at %.1f LUFS; the tests assume about %.0f", st.lufs, VoiceTargetLUFS)
			}
		})
	}
}

// TestLintBuiltin checks the shipped template: no errors, and no warnings
// either, since shops copy it.
func TestLintBuiltin(t *testing.T) {
	tpl := loadMorning(t)
	probs := tpl.Lint()
	for _, p := range probs {
		t.Error(problemString(p))
	}
	if want := 2 + len(tpl.spec.Names) + len(tpl.spec.Lines); len(tpl.clips) != want {
		t.Errorf("Lint looked at %d clips; want %d: chime, bgm, every name call and line", len(tpl.clips), want)
	}
}
