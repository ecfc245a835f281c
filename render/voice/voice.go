package voice

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"regexp"
	"strconv"
	"sync"

	"oshigoods/render"
)

// Spec is the "voice" part of a template manifest.
type Spec struct {
	// MaxLines is the most lines a fan may pick. Zero means 5.
	MaxLines int `json:"max_lines"`
	// GapMS is the silence between the chime, the name call and the lines.
	// Zero means 350 ms.
	GapMS int `json:"gap_ms"`
	// RepeatGapMS is the silence between repeats. Zero means 1200 ms.
	RepeatGapMS int `json:"repeat_gap_ms"`
	// DefaultRepeat is the repeat count when the fan gives none. Zero
	// means 1.
	DefaultRepeat int `json:"default_repeat"`
	// Chime is the path of a WAV played at the start of every repeat, or
	// "" for none.
	Chime string `json:"chime"`
	// BGM is optional background music, looped under the whole clip.
	BGM *BGMSpec `json:"bgm"`
	// Names are the recorded name calls; the fan picks one. Give either
	// Names or NamesFile, not both; at most MaxNames either way.
	Names []NameSpec `json:"names"`
	// NamesFile is the path of a names file, for templates offering more
	// name calls than a manifest comfortably holds: UTF-8 text, one name
	// call a line in four tab-separated columns under the header line
	// "id<TAB>label<TAB>reading<TAB>file", e.g.
	//
	//	id	label	reading	file
	//	yui	結衣ちゃん	ゆいちゃん	name-yui.wav
	//
	// with the meanings of NameSpec's fields, except that file is relative
	// to the names file's own folder. reading may be empty. Lines starting
	// with "#" and blank lines are skipped; a UTF-8 byte order mark, CRLF
	// line ends and spreadsheet-style quoted fields are accepted. The lines'
	// order is the form's. Errors name the file and the line.
	NamesFile string `json:"names_file"`
	// Lines are the recorded lines; the fan picks 1 to MaxLines in order.
	Lines []LineSpec `json:"lines"`
}

// BGMSpec is looped background music, ducked under the voice.
type BGMSpec struct {
	File string `json:"file"`
	// GainDB is its level relative to the voice before normalisation.
	// Zero means −20 dB.
	GainDB float64 `json:"gain_db"`
	// DuckDB is how much further it drops while the voice speaks. Zero
	// means −10 dB.
	DuckDB float64 `json:"duck_db"`
}

// NameSpec is one recorded name call.
type NameSpec struct {
	// ID is the value stored with an order: 1 to 32 of a–z, 0–9, "_", "-".
	ID string `json:"id"`
	// Label is what the fan reads, e.g. "ゆいちゃん"; at most 32 characters.
	Label string `json:"label"`
	// Reading is Label in hiragana (ー allowed), for filtering the list as
	// the fan types; optional.
	Reading string `json:"reading"`
	// File is the recording, relative to the catalogue root.
	File string `json:"file"`
}

// LineSpec is one recorded line; Text is what the fan is shown.
type LineSpec struct {
	ID   string `json:"id"`
	Text string `json:"text"`
	File string `json:"file"`
}

// Preset is an output format.
type Preset struct {
	Name       string
	Rate       int     // Hz
	Channels   int     // 1 or 2
	MaxSeconds float64 // longest clip accepted at order time
	TargetLUFS float64 // integrated loudness, EBU R128
	CeilingTP  float64 // dBTP, true-peak ceiling
	MP3Kbps    int     // also write alarm.mp3 at this bit rate; 0 for none
	MP3Quality int     // LAME's algorithm quality, 0 (best, slowest) to 9
}

// Presets are the output formats a fan chooses from. phone: a stereo
// 44.1 kHz 16-bit WAV no longer than 30 s (iOS plays custom alarm sounds
// only under 30 s) plus a 128 kbps MP3; module: a mono 22.05 kHz 16-bit WAV
// for alarm-clock sound modules, at most 60 s (their flash is small).
var Presets = []Preset{
	{Name: "phone", Rate: 44100, Channels: 2, MaxSeconds: 30, TargetLUFS: -16, CeilingTP: -1, MP3Kbps: 128, MP3Quality: 3},
	{Name: "module", Rate: 22050, Channels: 1, MaxSeconds: 60, TargetLUFS: -16, CeilingTP: -1},
}

// previewPreset is the 試聴 clip: one pass of the sequence, mono, 22.05 kHz,
// at most 12 s, with a watermark tone every 3 s.
var previewPreset = Preset{Name: "preview", Rate: 22050, Channels: 1, MaxSeconds: 12, TargetLUFS: -16, CeilingTP: -1, MP3Kbps: 48, MP3Quality: 7}

var choiceID = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

// Template is a compiled voice template. It is immutable and safe for
// concurrent use.
type Template struct {
	spec   Spec // Names holds the names file's entries when there is one
	fields []render.Field
	names  map[string]int
	lines  map[string]int
	banks  map[int]*bank // the template's audio at each output rate
	fsys   fs.FS         // the catalogue, read again by Lint
	clips  []clipRef     // every file the template plays, for Lint
}

var (
	_ render.Renderer  = (*Template)(nil)
	_ render.Previewer = (*Template)(nil)
	_ render.Linter    = (*Template)(nil)
)

// bank is every clip of a template at one sample rate.
type bank struct {
	rate  int
	chime *sound // nil without a chime
	bgm   *sound // nil without BGM
	names []*sound
	lines []*sound
}

// sound is one recording at one output rate. Its length is known at once;
// its samples are resampled on first use and kept, so a template with
// many name calls resamples only those that are ordered. It is safe for
// concurrent use.
type sound struct {
	src  *recording
	rate int
	n    int // frames at rate
	once sync.Once
	at   *pcm
}

// newSound returns src as played at rate.
func newSound(src *recording, rate int) *sound {
	return &sound{src: src, rate: rate, n: resampledLen(src.n, src.f.rate, rate)}
}

// frames returns the clip's length at its rate, without resampling.
func (c *sound) frames() int { return c.n }

// pcm returns the clip's samples at its rate, resampling them the first
// time.
func (c *sound) pcm() *pcm {
	c.once.Do(func() { c.at = resamplePCM(c.src.pcm(), c.rate) })
	return c.at
}

// Compile validates a voice spec, reads its names file if it has one, and
// reads and checks every WAV it names once, so a bad file fails here and
// not in an order. Each is decoded (see recording) and resampled to a
// preset's rate (see sound) the first time a render plays it. Asset paths are relative to fsys. Errors name the
// manifest field ("names[3]: ...") or the names file and line
// ("voice-alarm-morning/names.tsv:12: ...").
func Compile(spec json.RawMessage, fsys fs.FS) (render.Renderer, error) {
	return compile(spec, fsys)
}

func compile(raw json.RawMessage, fsys fs.FS) (*Template, error) {
	// Unknown keys are refused, as the photo and card specs refuse them: a
	// misspelt key would otherwise be silently ignored.
	var s Spec
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("decode voice spec: %w", err)
	}
	if s.MaxLines == 0 {
		s.MaxLines = 5
	}
	if s.GapMS == 0 {
		s.GapMS = 350
	}
	if s.RepeatGapMS == 0 {
		s.RepeatGapMS = 1200
	}
	if s.DefaultRepeat == 0 {
		s.DefaultRepeat = 1
	}
	if s.BGM != nil {
		if s.BGM.GainDB == 0 {
			s.BGM.GainDB = -20
		}
		if s.BGM.DuckDB == 0 {
			s.BGM.DuckDB = -10
		}
	}
	switch {
	case s.MaxLines < 1 || s.MaxLines > 20:
		return nil, fmt.Errorf("max_lines %d: want 1 to 20", s.MaxLines)
	case s.GapMS < 0 || s.GapMS > 5000 || s.RepeatGapMS < 0 || s.RepeatGapMS > 10000:
		return nil, fmt.Errorf("gap_ms %d, repeat_gap_ms %d: want 0–5000 and 0–10000", s.GapMS, s.RepeatGapMS)
	case s.DefaultRepeat < 1 || s.DefaultRepeat > maxRepeat:
		return nil, fmt.Errorf("default_repeat %d: want 1 to %d", s.DefaultRepeat, maxRepeat)
	case len(s.Names) > 0 && s.NamesFile != "":
		return nil, fmt.Errorf("names and names_file: give one of them, not both")
	case len(s.Names) == 0 && s.NamesFile == "":
		return nil, fmt.Errorf("names: want at least one name call, or a names_file")
	case len(s.Names) > MaxNames:
		return nil, fmt.Errorf("names: %d name calls; the limit is %d", len(s.Names), MaxNames)
	case len(s.Lines) == 0:
		return nil, fmt.Errorf("lines: want at least one line")
	case s.BGM != nil && (s.BGM.GainDB > 0 || s.BGM.DuckDB > 0):
		return nil, fmt.Errorf("bgm: gain_db and duck_db must not be positive")
	}
	var names []nameEntry
	if s.NamesFile != "" {
		var err error
		if names, err = readNames(fsys, s.NamesFile); err != nil {
			return nil, err
		}
	} else {
		for i, n := range s.Names {
			if err := checkName(n); err != nil {
				return nil, fmt.Errorf("names[%d]: %w", i, err)
			}
			names = append(names, nameEntry{NameSpec: n, where: fmt.Sprintf("names[%d]", i), field: fmt.Sprintf("voice.names[%d].file", i)})
		}
	}
	byID := map[string]int{}
	s.Names = make([]NameSpec, len(names))
	for i, n := range names {
		if _, dup := byID[n.ID]; dup {
			return nil, fmt.Errorf("%s: id %q is repeated", n.where, n.ID)
		}
		byID[n.ID] = i
		s.Names[i] = n.NameSpec
	}
	t := &Template{spec: s, names: byID, lines: map[string]int{}, banks: map[int]*bank{}, fsys: fsys}
	for i, l := range s.Lines {
		if _, dup := t.lines[l.ID]; dup || !choiceID.MatchString(l.ID) {
			return nil, fmt.Errorf("lines[%d]: id %q is malformed or repeated", i, l.ID)
		}
		t.lines[l.ID] = i
	}

	// Decode each file once, then resample to every rate we write.
	read := map[string]*recording{}
	load := func(what, path string) (*recording, error) {
		if r := read[path]; r != nil {
			return r, nil
		}
		b, err := fs.ReadFile(fsys, path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		r, err := newRecording(b)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", what, path, err)
		}
		read[path] = r
		return r, nil
	}
	var src struct {
		chime, bgm   *recording
		names, lines []*recording
	}
	var err error
	if s.Chime != "" {
		if src.chime, err = load("chime", s.Chime); err != nil {
			return nil, err
		}
		t.clips = append(t.clips, clipRef{role: roleChime, path: s.Chime, field: "voice.chime"})
	}
	if s.BGM != nil {
		if src.bgm, err = load("bgm", s.BGM.File); err != nil {
			return nil, err
		}
		t.clips = append(t.clips, clipRef{role: roleBGM, path: s.BGM.File, field: "voice.bgm.file"})
	}
	for _, n := range names {
		p, err := load(n.where, n.File)
		if err != nil {
			return nil, err
		}
		src.names = append(src.names, p)
		t.clips = append(t.clips, clipRef{role: roleName, path: n.File, field: n.field})
	}
	for i, l := range s.Lines {
		p, err := load(fmt.Sprintf("lines[%d]", i), l.File)
		if err != nil {
			return nil, err
		}
		src.lines = append(src.lines, p)
		t.clips = append(t.clips, clipRef{role: roleLine, path: l.File, field: fmt.Sprintf("voice.lines[%d].file", i)})
	}
	// A file used twice (the same WAV as two lines) is one sound per rate.
	type key struct {
		p    *recording
		rate int
	}
	sounds := map[key]*sound{}
	at := func(p *recording, rate int) *sound {
		if p == nil {
			return nil
		}
		c := sounds[key{p, rate}]
		if c == nil {
			c = newSound(p, rate)
			sounds[key{p, rate}] = c
		}
		return c
	}
	for _, pr := range append([]Preset{previewPreset}, Presets...) {
		if t.banks[pr.Rate] != nil {
			continue
		}
		b := &bank{rate: pr.Rate, chime: at(src.chime, pr.Rate), bgm: at(src.bgm, pr.Rate)}
		for _, p := range src.names {
			b.names = append(b.names, at(p, pr.Rate))
		}
		for _, p := range src.lines {
			b.lines = append(b.lines, at(p, pr.Rate))
		}
		t.banks[pr.Rate] = b
	}
	t.fields = t.buildFields()
	return t, nil
}

// maxRepeat is the most repeats a fan may ask for.
const maxRepeat = 10

func (t *Template) buildFields() []render.Field {
	names := make([]render.Choice, len(t.spec.Names))
	for i, n := range t.spec.Names {
		names[i] = render.Choice{Value: n.ID, Label: n.Label, Reading: n.Reading}
	}
	lines := make([]render.Choice, len(t.spec.Lines))
	for i, l := range t.spec.Lines {
		lines[i] = render.Choice{Value: l.ID, Label: l.Text}
	}
	presets := make([]render.Choice, len(Presets))
	for i, p := range Presets {
		presets[i] = render.Choice{Value: p.Name, Label: presetLabels[p.Name]}
	}
	return []render.Field{
		{Name: "name", Type: render.FieldChoice, Label: "呼び名", Required: true, Choices: names},
		{Name: "lines", Type: render.FieldList, Label: "セリフ（順番どおり）", Required: true, MinItems: 1, MaxItems: t.spec.MaxLines, Choices: lines},
		{Name: "repeat", Type: render.FieldNumber, Label: "くり返し回数", Min: 1, Max: maxRepeat, Default: strconv.Itoa(t.spec.DefaultRepeat)},
		{Name: "preset", Type: render.FieldChoice, Label: "用途", Choices: presets, Default: Presets[0].Name},
	}
}

var presetLabels = map[string]string{
	"phone":  "スマホのアラーム音（iPhone・Android で使えます。30秒まで）",
	"module": "目覚まし時計の音声モジュール用（60秒まで）",
}

// Kind returns render.KindVoice.
func (t *Template) Kind() render.Kind { return render.KindVoice }

// Fields lists name, lines, repeat and preset.
func (t *Template) Fields() []render.Field { return t.fields }

// Output says the clip is a WAV (the phone preset adds an MP3).
func (t *Template) Output() render.Output { return render.Output{Format: "wav"} }
