package templates_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	_ "image/jpeg"
	"image/png"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"oshigoods/internal/testenv"
	"oshigoods/render"
	"oshigoods/templates"
)

func jpStandard(t *testing.T) render.Profile {
	t.Helper()
	p, err := render.LookupProfile("jp-standard")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// find returns the template's report, failing the test without one.
func find(t *testing.T, r *templates.Report, id string) *templates.TemplateReport {
	t.Helper()
	for i := range r.Templates {
		if r.Templates[i].ID == id {
			return &r.Templates[i]
		}
	}
	t.Fatalf("no report of %s", id)
	return nil
}

func reportText(t *testing.T, r *templates.Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := r.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestCheckBuiltin checks the built-in catalogue: no error, no warning on
// a card or a photo, and a sample of each template written and readable by the tools a print
// shop uses.
func TestCheckBuiltin(t *testing.T) {
	out := t.TempDir()
	r, err := templates.Check(context.Background(), templates.FS(), templates.CheckOptions{Out: out, Profile: jpStandard(t)})
	if err != nil {
		t.Fatal(err)
	}
	text := reportText(t, r)
	if r.Errors() != 0 || len(r.Templates) != 4 {
		t.Fatalf("built-in catalogue: %d errors, %d templates:\n%s", r.Errors(), len(r.Templates), text)
	}
	// The card's and the photo's Lint are this package's neighbours'; the
	// voice renderer's judges recordings, and the built-in ones are
	// synthesised samples.
	for _, tr := range r.Templates {
		if tr.Kind != render.KindVoice && tr.Warnings() != 0 {
			t.Errorf("%s: %d warnings:\n%s", tr.ID, tr.Warnings(), text)
		}
	}
	want := map[string][]string{
		"card-letter-tate":    {"card.pdf", "preview.png"},
		"card-letter-yoko":    {"card.pdf", "preview.png"},
		"photo-2shot-l":       {"photo.jpg", "preview.jpg"},
		"voice-alarm-morning": {"alarm.wav"},
	}
	for id, files := range want {
		tr := find(t, r, id)
		if !tr.Rendered || len(tr.Samples) < len(files) {
			t.Fatalf("%s: rendered %v, samples %v", id, tr.Rendered, tr.Samples)
		}
		for _, f := range files {
			if _, err := os.Stat(filepath.Join(out, id, f)); err != nil {
				t.Errorf("%s: %v", id, err)
			}
		}
		if !strings.Contains(text, "ok    "+id) {
			t.Errorf("report has no ok line for %s:\n%s", id, text)
		}
	}
	// The photo: L判 with jp-standard's 3 mm bleed at 300 dpi.
	f, err := os.Open(filepath.Join(out, "photo-2shot-l", "photo.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, format, err := image.DecodeConfig(f)
	if err != nil || format != "jpeg" || cfg.Width != 1122 || cfg.Height != 1571 {
		t.Errorf("photo.jpg: %s %d×%d, %v; want a 1122×1571 JPEG", format, cfg.Width, cfg.Height, err)
	}
	// The card: a clean PDF with the sample name in its text.
	testenv.Tool(t, "qpdf")
	testenv.Tool(t, "pdftotext")
	pdf := filepath.Join(out, "card-letter-yoko", "card.pdf")
	if b, err := exec.Command("qpdf", "--check", pdf).CombinedOutput(); err != nil || strings.Contains(string(b), "WARNING") {
		t.Errorf("qpdf --check card.pdf: %v\n%s", err, b)
	}
	if b, err := exec.Command("pdftotext", pdf, "-").Output(); err != nil || !strings.Contains(string(b), templates.SampleName+"さんへ") {
		t.Errorf("pdftotext card.pdf: %v\n%s", err, b)
	}
	// The clip: 16-bit PCM at the phone preset's 44.1 kHz.
	testenv.Tool(t, "ffprobe")
	b, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "stream=codec_name,sample_rate", "-of", "csv=p=0", filepath.Join(out, "voice-alarm-morning", "alarm.wav")).Output()
	if got := strings.TrimSpace(string(b)); err != nil || got != "pcm_s16le,44100" {
		t.Errorf("ffprobe alarm.wav = %q, %v; want pcm_s16le,44100", got, err)
	}
}

// builtinManifest returns a built-in template's manifest as a map, its id
// changed to id and its spec edited.
func builtinManifest(t *testing.T, from, id string, edit func(m, spec map[string]any)) []byte {
	t.Helper()
	data, err := fs.ReadFile(templates.FS(), from+"/template.json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	m["id"] = id
	if edit != nil {
		edit(m, m[m["kind"].(string)].(map[string]any))
	}
	out, _ := json.Marshal(m)
	return out
}

// TestCheckNamesTheField breaks built-in templates the way a shop might
// and checks that Check reports each break as an error on the manifest
// with the field it is in.
func TestCheckNamesTheField(t *testing.T) {
	for _, tc := range []struct {
		scenario, from string
		edit           func(m, spec map[string]any)
		files          fstest.MapFS // more files of the template "bad"
		field          string
		message        string
	}{
		{scenario: "paper rules misspelt", from: "card-letter-yoko",
			edit:  func(m, s map[string]any) { s["paper"].(map[string]any)["rules"] = "lined" },
			field: "card.paper.rules", message: `paper.rules "lined": want ruled or plain`},
		{scenario: "font file missing", from: "card-letter-yoko",
			edit:  func(m, s map[string]any) { s["font"] = "fonts/NoSuch-Regular.ttf" },
			field: "card.font", message: "fonts/NoSuch-Regular.ttf"},
		{scenario: "font lacks a character of the body", from: "card-letter-tate",
			edit: func(m, s map[string]any) {
				s["fallback_font"] = ""
				s["body"] = s["body"].(string) + "🌸"
			},
			field: "card.body", message: "lacks 「🌸」(U+1F338)"},
		{scenario: "unknown spec key", from: "card-letter-yoko",
			edit:  func(m, s map[string]any) { s["colour"] = "red" },
			field: "card.colour", message: `unknown field "colour"`},
		{scenario: "a number as a string", from: "card-letter-yoko",
			edit:  func(m, s map[string]any) { s["font_size_pt"] = "11" },
			field: "card.font_size_pt", message: "cannot unmarshal string"},
		{scenario: "font sizes the wrong way round", from: "card-letter-yoko",
			edit:  func(m, s map[string]any) { s["min_font_size_pt"] = 12.0 },
			field: "card", message: "font sizes 12..11 pt"},
		{scenario: "canvas resolution", from: "photo-2shot-l",
			edit:  func(m, s map[string]any) { s["canvas"].(map[string]any)["dpi"] = 50 },
			field: "photo.canvas.dpi", message: "canvas: dpi must be between 72 and 1200; got 50"},
		{scenario: "cutout missing", from: "photo-2shot-l",
			edit:  func(m, s map[string]any) { s["cutout"].(map[string]any)["asset"] = "bad/cutout.png" },
			field: "photo.cutout.asset", message: "bad/cutout.png"},
		{scenario: "cutout not a PNG", from: "photo-2shot-l",
			edit:  func(m, s map[string]any) { s["cutout"].(map[string]any)["asset"] = "bad/cutout.png" },
			files: fstest.MapFS{"bad/cutout.png": {Data: []byte("GIF89a")}},
			field: "photo.cutout.asset", message: "decode bad/cutout.png"},
		{scenario: "name default the font lacks", from: "photo-2shot-l",
			edit:  func(m, s map[string]any) { s["name"].(map[string]any)["default"] = "🌸" },
			field: "photo.name.default", message: "U+1F338"},
		{scenario: "no name calls", from: "voice-alarm-morning",
			edit:  func(m, s map[string]any) { delete(s, "names_file"); s["names"] = []any{} },
			field: "voice.names", message: "want at least one name call"},
		{scenario: "background music louder than the voice", from: "voice-alarm-morning",
			edit:  func(m, s map[string]any) { s["bgm"].(map[string]any)["gain_db"] = 3 },
			field: "voice.bgm.gain_db", message: "must not be positive"},
		{scenario: "a line's recording missing", from: "voice-alarm-morning",
			edit: func(m, s map[string]any) {
				s["lines"].([]any)[1].(map[string]any)["file"] = "bad/line-asadayo.wav"
			},
			field: "voice.lines[1].file", message: "bad/line-asadayo.wav"},
		{scenario: "a line's recording not a WAV", from: "voice-alarm-morning",
			edit: func(m, s map[string]any) {
				s["lines"].([]any)[1].(map[string]any)["file"] = "bad/line-asadayo.wav"
			},
			files: fstest.MapFS{"bad/line-asadayo.wav": {Data: []byte("ID3 not a wav")}},
			field: "voice.lines[1].file", message: "not a RIFF/WAVE file"},
		{scenario: "price zero", from: "card-letter-yoko",
			edit:  func(m, s map[string]any) { m["price"] = 0 },
			field: "price", message: "price 0: give the price of one piece in whole yen"},
		{scenario: "price as text", from: "card-letter-yoko",
			edit:  func(m, s map[string]any) { m["price"] = "880円" },
			field: "price", message: "want a whole number, not a JSON string"},
		{scenario: "no title", from: "photo-2shot-l",
			edit:  func(m, s map[string]any) { delete(m, "title") },
			field: "title", message: "title is required"},
		{scenario: "unknown kind", from: "photo-2shot-l",
			edit:  func(m, s map[string]any) { m["kind"] = "sticker" },
			field: "kind", message: `kind "sticker": want card, photo, voice`},
		{scenario: "id not its folder's", from: "photo-2shot-l",
			edit:  func(m, s map[string]any) { m["id"] = "other" },
			field: "id", message: `id "other" does not match its folder "bad"`},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			top := fstest.MapFS{"bad/template.json": {Data: builtinManifest(t, tc.from, "bad", tc.edit)}}
			for p, f := range tc.files {
				top[p] = f
			}
			r, err := templates.Check(context.Background(), templates.Overlay(top, templates.FS()), templates.CheckOptions{IDs: []string{"bad"}, Profile: jpStandard(t)})
			if err != nil {
				t.Fatal(err)
			}
			tr := find(t, r, "bad")
			if tr.Errors() != 1 {
				t.Fatalf("%d errors, want 1:\n%s", tr.Errors(), reportText(t, r))
			}
			var p render.Problem
			for _, p = range tr.Problems {
				if !p.Warning {
					break
				}
			}
			if p.Warning || p.File != "bad/template.json" || p.Field != tc.field || !strings.Contains(p.Message, tc.message) {
				t.Fatalf("problem = %s: %s: %s (warning %v)\nwant bad/template.json: %s: …%s…", p.File, p.Field, p.Message, p.Warning, tc.field, tc.message)
			}
			if tr.Rendered {
				t.Error("a broken template was rendered")
			}
		})
	}
}

// writeTemplate starts a template of kind in dir/id with New and returns
// its folder.
func writeTemplate(t *testing.T, dir string, kind render.Kind, id string) string {
	t.Helper()
	if _, err := templates.New(dir, templates.NewOptions{Kind: kind, ID: id}); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, id)
}

// edit rewrites a JSON file through fn.
func edit(t *testing.T, file string, fn func(m map[string]any)) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	fn(m)
	data, _ = json.MarshalIndent(m, "", "  ")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCheckFolder checks a shop's folder broken in the ways a shop breaks
// one, on disk as the command reads it: each problem names its file and
// field; warnings alone leave the template passing.
func TestCheckFolder(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		kind     render.Kind
		breakIt  func(t *testing.T, dir, folder string)
		// want is "file|field|error or warning|text" of the problem looked for.
		want   string
		errors int
	}{
		{scenario: "bad JSON", kind: render.KindCard,
			breakIt: func(t *testing.T, dir, folder string) {
				p := filepath.Join(folder, "template.json")
				data, _ := os.ReadFile(p)
				os.WriteFile(p, bytes.Replace(data, []byte(`"kind": "card",`), []byte(`"kind": "card"`), 1), 0o644)
			},
			want: `x/template.json|line 5, column 3|error|not valid JSON: invalid character '"' after object key:value pair`, errors: 1},
		{scenario: "missing asset", kind: render.KindPhoto,
			breakIt: func(t *testing.T, dir, folder string) { os.Remove(filepath.Join(folder, "frame.png")) },
			want:    "x/template.json|photo.frame.asset|error|open x/frame.png", errors: 1},
		{scenario: "cutout without alpha", kind: render.KindPhoto,
			breakIt: func(t *testing.T, dir, folder string) {
				p := filepath.Join(folder, "cutout.png")
				f, _ := os.Open(p)
				img, err := png.Decode(f)
				f.Close()
				if err != nil {
					t.Fatal(err)
				}
				flat := image.NewRGBA(img.Bounds())
				for y := range flat.Bounds().Dy() {
					for x := range flat.Bounds().Dx() {
						r, g, b, _ := img.At(x, y).RGBA()
						flat.Pix[flat.PixOffset(x, y)], flat.Pix[flat.PixOffset(x, y)+1], flat.Pix[flat.PixOffset(x, y)+2], flat.Pix[flat.PixOffset(x, y)+3] = uint8(r>>8), uint8(g>>8), uint8(b>>8), 0xff
					}
				}
				var b bytes.Buffer
				png.Encode(&b, flat)
				os.WriteFile(p, b.Bytes(), 0o644)
			},
			want: "x/cutout.png|photo.cutout.asset|error|cutout.png has no transparent pixel (it has no alpha channel", errors: 1},
		{scenario: "font lacks a character of the body", kind: render.KindCard,
			breakIt: func(t *testing.T, dir, folder string) {
				edit(t, filepath.Join(folder, "template.json"), func(m map[string]any) {
					c := m["card"].(map[string]any)
					c["fallback_font"] = ""
					c["body"] = c["body"].(string) + "\n🌸"
				})
			},
			want: "x/template.json|card.body|error|font fonts/KleeOne-Regular.ttf lacks 「🌸」(U+1F338)", errors: 1},
		{scenario: "price zero", kind: render.KindVoice,
			breakIt: func(t *testing.T, dir, folder string) {
				edit(t, filepath.Join(folder, "template.json"), func(m map[string]any) { m["price"] = 0 })
			},
			want: "x/template.json|price|error|price 0", errors: 1},
		{scenario: "id not its folder's", kind: render.KindCard,
			breakIt: func(t *testing.T, dir, folder string) {
				edit(t, filepath.Join(folder, "template.json"), func(m map[string]any) { m["id"] = "y" })
			},
			want: `x/template.json|id|error|id "y" does not match its folder "x"`, errors: 1},
		{scenario: "manifest misnamed", kind: render.KindCard,
			breakIt: func(t *testing.T, dir, folder string) {
				os.Rename(filepath.Join(folder, "template.json"), filepath.Join(folder, "Template.json"))
			},
			want: "x/Template.json|template.json|error|is not named template.json", errors: 1},
		{scenario: "a backup of the manifest is no problem", kind: render.KindCard,
			breakIt: func(t *testing.T, dir, folder string) {
				data, _ := os.ReadFile(filepath.Join(folder, "template.json"))
				os.WriteFile(filepath.Join(folder, "template.json.bak"), data, 0o644)
				edit(t, filepath.Join(folder, "template.json"), func(m map[string]any) { m["descripton"] = "typo" })
			},
			want: "x/template.json|descripton|warning|unknown key, ignored", errors: 0},
		{scenario: "misspelt key is a warning", kind: render.KindCard,
			breakIt: func(t *testing.T, dir, folder string) {
				edit(t, filepath.Join(folder, "template.json"), func(m map[string]any) { m["descripton"] = "typo" })
			},
			want: "x/template.json|descripton|warning|unknown key, ignored", errors: 0},
		{scenario: "a font without its licence is a warning", kind: render.KindCard,
			breakIt: func(t *testing.T, dir, folder string) {
				data, err := fs.ReadFile(templates.FS(), "fonts/Symbola_hint.ttf")
				if err != nil {
					t.Fatal(err)
				}
				os.MkdirAll(filepath.Join(dir, "fonts"), 0o755)
				os.WriteFile(filepath.Join(dir, "fonts", "Emoji-Regular.ttf"), data, 0o644)
				edit(t, filepath.Join(folder, "template.json"), func(m map[string]any) {
					m["card"].(map[string]any)["fallback_font"] = "fonts/Emoji-Regular.ttf"
				})
			},
			want: "fonts/Emoji-Regular.ttf|card.fallback_font|warning|no licence file beside the font: put its licence in fonts/ (e.g. OFL-Emoji.txt", errors: 0},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			dir := t.TempDir()
			folder := writeTemplate(t, dir, tc.kind, "x")
			tc.breakIt(t, dir, folder)
			r, err := templates.CheckFolder(context.Background(), dir, templates.CheckOptions{Profile: jpStandard(t)})
			if err != nil {
				t.Fatal(err)
			}
			text := reportText(t, r)
			for _, tr := range r.Templates {
				if tr.ID != "x" {
					t.Errorf("checked %s, not in the folder", tr.ID)
				}
			}
			if r.Errors() != tc.errors {
				t.Fatalf("%d errors, want %d:\n%s", r.Errors(), tc.errors, text)
			}
			parts := strings.SplitN(tc.want, "|", 4)
			found := false
			var all []render.Problem
			all = append(all, r.Problems...)
			for _, tr := range r.Templates {
				all = append(all, tr.Problems...)
			}
			for _, p := range all {
				severity := "error"
				if p.Warning {
					severity = "warning"
				}
				if p.File == parts[0] && p.Field == parts[1] && severity == parts[2] && strings.Contains(p.Message, parts[3]) {
					found = true
				}
			}
			if !found {
				t.Fatalf("no problem %s in:\n%s", tc.want, text)
			}
			// The report's line for it: FILE: FIELD: [warning: ]message.
			mark := ""
			if parts[2] == "warning" {
				mark = "warning: "
			}
			if line := parts[0] + ": " + parts[1] + ": " + mark; !strings.Contains(text, line) {
				t.Errorf("report has no line starting %q:\n%s", line, text)
			}
		})
	}
}
