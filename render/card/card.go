package card

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"oshigoods"
	"oshigoods/render"
	"oshigoods/render/jptext"
)

// Template is a compiled letter card template. It is immutable and safe for
// concurrent use.
type Template struct {
	c     *config
	fonts *fontSet
	// sig is the signature image, when the template has one: its PNG
	// file for the PDF, decoded for the preview, and its size in mm.
	sig *signature
	// box is the text box in mm, relative to the trim's top-left corner.
	boxX, boxY, boxW, boxH float64
	// steps are the sizes fit tries, in order, set by Compile.
	steps []fitStep
	// preview is what previews reuse.
	preview previewCache
}

var _ render.Renderer = (*Template)(nil)

const ptToMM = 25.4 / 72

// faces shares parsed fonts between templates: a CJK font is 20 MB and
// takes a tenth of a second to parse. Keyed by the SHA-256 of the file.
// Two fonts are parsed at once; a font being parsed is waited for.
var faces = struct {
	sync.Mutex
	m map[[32]byte]*faceEntry
}{m: map[[32]byte]*faceEntry{}}

// faceEntry is a font parsed, or being parsed until done is closed.
type faceEntry struct {
	done chan struct{}
	f    *Face
	err  error
}

// loadFace returns the font at p parsed, from faces when a font of the
// same bytes was parsed before.
//
// A font whose file stays in memory, unchanged, while the process runs
// (see render.OpenInPlace) is parsed in place through ReadAt: the face reads the
// few hundred KB of tables it keeps and, later, the glyphs a page draws,
// rather than a copy of the whole file (for Klee One, 21 MB copied and
// paged in: most of a render's process). Other file systems' fonts are
// read whole, so that no file is left open.
func loadFace(fsys fs.FS, p string) (*Face, error) {
	var key [sha256.Size]byte
	var data []byte
	if s, ok := fsys.(interface {
		Sum(string) ([sha256.Size]byte, error)
	}); ok {
		// The file system knows the sum (the template loader's): a font
		// parsed before is not read again.
		sum, err := s.Sum(p)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		key = sum
	} else {
		var err error
		if data, err = readAsset(fsys, p); err != nil {
			return nil, err
		}
		key = sha256.Sum256(data)
	}
	faces.Lock()
	if e := faces.m[key]; e != nil {
		faces.Unlock()
		<-e.done
		if e.err == nil {
			return e.f, nil
		}
		// Its parse failed: try again, as an error may be the reading's.
		faces.Lock()
		if faces.m[key] == e {
			delete(faces.m, key)
		}
		faces.Unlock()
		return loadFace(fsys, p)
	}
	e := &faceEntry{done: make(chan struct{})}
	faces.m[key] = e
	faces.Unlock()
	defer close(e.done)
	e.f, e.err = parseFont(fsys, p, data)
	if e.err != nil {
		faces.Lock()
		delete(faces.m, key)
		faces.Unlock()
		return nil, e.err
	}
	return e.f, nil
}

// parseFont parses the font at p: data when it was read, else in place
// when it can be, else read whole.
func parseFont(fsys fs.FS, p string, data []byte) (*Face, error) {
	var f *Face
	var err error
	switch ra, size, ok := render.OpenInPlace(fsys, p); {
	case data == nil && ok:
		f, err = parseFaceAt(ra, size)
	default:
		if data == nil {
			if data, err = readAsset(fsys, p); err != nil {
				return nil, err
			}
		}
		f, err = ParseFace(data)
	}
	if err != nil {
		return nil, fmt.Errorf("font %s: %w", p, err)
	}
	return f, nil
}

// Compile compiles a card spec, reading the fonts (the font and the
// fallback font) and the signature image from fsys. It checks that the
// text box stays 3 mm inside the trim, that the fonts have every character
// of the template's own text, and that its letter fits with the longest
// name a fan may give.
func Compile(spec json.RawMessage, fsys fs.FS) (render.Renderer, error) {
	c, err := parseSpec(spec)
	if err != nil {
		return nil, err
	}
	t := &Template{c: c, fonts: &fontSet{}}
	// The fallback font and the signature image are read while the font
	// is: each takes a few milliseconds of a one-card process.
	var fallbackErr, sigErr error
	var wg sync.WaitGroup
	if c.FallbackFont != "" {
		wg.Go(func() { t.fonts.fallback, fallbackErr = loadFace(fsys, c.FallbackFont) })
	}
	if c.SignatureImage != "" {
		wg.Go(func() { t.sig, sigErr = loadSignature(fsys, c.SignatureImage, c.SignatureLengthMM, c.vertical) })
	}
	t.fonts.primary, err = loadFace(fsys, c.Font)
	wg.Wait()
	for _, err := range []error{err, fallbackErr, sigErr} {
		if err != nil {
			return nil, err
		}
	}
	em := c.FontSizePt * ptToMM
	along, across := float64(c.CharsPerLine)*em, float64(c.Lines)*c.LinePitch*em
	if t.sig != nil {
		n := utf8.RuneCountInString(c.Signature)
		if c.Signature != "" {
			n++ // a space between the name and the image
		}
		if cells := t.sigCells(); n+cells > c.CharsPerLine {
			return nil, fmt.Errorf("signature and its image take %d cells: want at most chars_per_line, %d", n+cells, c.CharsPerLine)
		}
		if pitch := c.LinePitch * em; t.sig.across > pitch {
			return nil, fmt.Errorf("signature image %.1f mm across its line: want at most the line pitch, %.1f mm", t.sig.across, pitch)
		}
	}
	if c.vertical {
		t.boxW, t.boxH = across, along
	} else {
		t.boxW, t.boxH = along, across
	}
	t.boxX, t.boxY = (c.WidthMM-t.boxW)/2, (c.HeightMM-t.boxH)/2
	// A hanging 、。 takes one more cell past the end of a line.
	if mx, my := t.boxX-boolMM(!c.vertical, em), t.boxY-boolMM(c.vertical, em); mx < safeMM || my < safeMM {
		return nil, fmt.Errorf("text box %.1fx%.1f mm (with a hanging cell) leaves %.1f and %.1f mm to the trim: want at least %g", t.boxW, t.boxH, mx, my, float64(safeMM))
	}
	// The fit is checked with the longest name, the longest honorific
	// offered and the longest date.
	probe := letterText{name: strings.Repeat("あ", c.ToMaxLength), date: formatDate(probeDate, c.DateStyle)}
	longest := c.honor.add
	texts := []string{c.Recipient, c.Body, c.Date, probe.date, c.Signature, longest}
	if c.Honorific != nil {
		for _, h := range c.Honorific.Choices {
			if a := addition(h); utf8.RuneCountInString(a) > utf8.RuneCountInString(longest) {
				longest = a
			}
			texts = append(texts, addition(h))
		}
	}
	probe.to = probe.name + longest
	for _, s := range texts {
		if missing := t.missing(s); missing != "" {
			fonts := c.Font
			if c.FallbackFont != "" {
				fonts += " and " + c.FallbackFont
			}
			return nil, fmt.Errorf("font %s lacks %s", fonts, missing)
		}
	}
	t.steps = t.fitSteps()
	if _, _, err := t.fit(probe); err != nil {
		return nil, fmt.Errorf("the template's letter does not fit with a %d-character name: %w", c.ToMaxLength, err)
	}
	return t, nil
}

// probeDate is the date Compile checks the fit and the fonts with: a
// December, whose month takes the most characters, and a year whose era
// year does too.
var probeDate = time.Date(2047, 12, 1, 12, 0, 0, 0, jst)

// safeMM is how far text stays inside the trim.
const safeMM = 3

func boolMM(b bool, v float64) float64 {
	if b {
		return v
	}
	return 0
}

// Kind is render.KindCard.
func (t *Template) Kind() render.Kind { return render.KindCard }

// Fields are the fan's name (to); the honorific (FieldHonorific), when the
// template offers a choice of it; and an optional message replacing the
// template's letter.
func (t *Template) Fields() []render.Field {
	fs := []render.Field{{Name: "to", Type: render.FieldText, Label: "お名前（宛名）", Required: true, MaxLength: t.c.ToMaxLength}}
	if t.c.Honorific != nil {
		if f, ok := t.c.Honorific.field(); ok {
			fs = append(fs, f)
		}
	}
	return append(fs, render.Field{Name: "message", Type: render.FieldText, Label: "メッセージ（空欄ならテンプレートの手紙）", MaxLength: t.c.MessageMaxLength, Multiline: true})
}

// Output is the trim size and the preview resolution. BleedMM is zero: the
// bleed is the print profile's, added at render time.
func (t *Template) Output() render.Output {
	return render.Output{WidthMM: t.c.WidthMM, HeightMM: t.c.HeightMM, DPI: t.c.PreviewDPI, Format: "pdf"}
}

// Check sets the letter with the real layout. It refuses characters
// neither the font nor the fallback font has, naming them, and a message that does not fit even at the
// smallest allowed size, saying how many characters too many. It warns
// when the text was shrunk to fit.
func (t *Template) Check(ctx context.Context, in render.Inputs) ([]string, error) {
	txt := t.text(in)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	_, warnings, err := t.fitStep(txt)
	return warnings, err
}

// letterText is what a letter is set from: the fan's fields and the
// order's date, as its placeholders print them.
type letterText struct {
	name string // the fan's name as written, trimmed: {name}
	to   string // the name with its honorific: {to}
	msg  string // the fan's message; "" for the template's letter
	date string // the order's month: {date}; "" when unknown
}

// text reads a letter's text from in: the name with the honorific the
// fan chose (or the template's default; a value not offered is ignored,
// as ValidateFields refuses it) unless it has one already, and the date
// in Japan time.
func (t *Template) text(in render.Inputs) letterText {
	var txt letterText
	txt.name, txt.msg = inputs(in)
	add := t.c.honor.add
	if v := in.Fields[FieldHonorific]; v != "" && t.c.Honorific != nil && slices.Contains(t.c.Honorific.Choices, v) {
		add = addition(v)
	}
	txt.to = address(txt.name, add, t.c.honor.known)
	if !in.OrderedAt.IsZero() {
		txt.date = formatDate(in.OrderedAt, t.c.DateStyle)
	}
	return txt
}

func inputs(in render.Inputs) (to, msg string) {
	to = strings.TrimSpace(dropSelectors(in.Fields["to"]))
	msg = strings.ReplaceAll(dropSelectors(in.Fields["message"]), "\r\n", "\n")
	msg = strings.Trim(msg, "\n")
	return to, msg
}

// dropSelectors removes what phones add to emoji that only a colour emoji
// font can show: the variation selectors U+FE0E and U+FE0F (text or
// colour presentation, as after ❤), the skin tone modifiers U+1F3FB to
// U+1F3FF (👍🏻) and the zero width joiner U+200D (👨‍👩‍👧). None is a
// character a fan reads on its own; the card prints every character in
// one colour, in outline, so the emoji are drawn without them (a family
// as its members) rather than refused or drawn as swatches and gaps.
func dropSelectors(s string) string {
	return strings.Map(func(r rune) rune {
		if r == 0xFE0E || r == 0xFE0F || r == 0x200D || r >= 0x1F3FB && r <= 0x1F3FF {
			return -1
		}
		return r
	}, s)
}

// missing names the characters of s that neither font has, or "".
func (t *Template) missing(s string) string {
	var out []string
	seen := map[rune]bool{}
	for _, r := range s {
		if r != '\n' && !t.fonts.Has(r) && !seen[r] {
			seen[r] = true
			out = append(out, fmt.Sprintf("「%c」(U+%04X)", r, r))
		}
	}
	return strings.Join(out, ", ")
}

// Letter is a card's text for one item as it is set, placeholders filled.
type Letter struct {
	// Recipient is the first line: 「ゆいちゃんへ」.
	Recipient string
	// Body is the fan's message as written, or the template's letter, a
	// paragraph an entry.
	Body []string
	// Date is the date line; "" when there is none.
	Date string
	// Signature is the idol's name, without the signature image.
	Signature string
}

// Letter returns the text the card of in is set from: the honorific
// added to the fan's name as Spec.Honorific says, and the date the month
// of in.OrderedAt in Japan (no date line when it is zero).
func (t *Template) Letter(in render.Inputs) Letter { return t.words(t.text(in)) }

func (t *Template) words(txt letterText) Letter {
	body := txt.msg
	if body == "" {
		body = txt.fill(t.c.Body)
	}
	l := Letter{Recipient: txt.fill(t.c.Recipient), Body: strings.Split(body, "\n"), Signature: t.c.Signature}
	if d := t.c.Date; d != "" && (txt.date != "" || !strings.Contains(d, "{date}")) {
		l.Date = txt.fill(d)
	}
	return l
}

// fill replaces the placeholders {to}, {name} and {date} of s with txt's
// in one pass, left to right: a name that reads "{date}" stays as
// written. (A strings.Replacer does the same but is built for each
// letter.)
func (txt letterText) fill(s string) string {
	i := strings.IndexByte(s, '{')
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + len(txt.to) + len(txt.name))
	for i >= 0 {
		b.WriteString(s[:i])
		s = s[i:]
		switch {
		case strings.HasPrefix(s, "{to}"):
			b.WriteString(txt.to)
			s = s[len("{to}"):]
		case strings.HasPrefix(s, "{name}"):
			b.WriteString(txt.name)
			s = s[len("{name}"):]
		case strings.HasPrefix(s, "{date}"):
			b.WriteString(txt.date)
			s = s[len("{date}"):]
		default:
			b.WriteByte('{')
			s = s[1:]
		}
		i = strings.IndexByte(s, '{')
	}
	b.WriteString(s)
	return b.String()
}

// letter is the text as paragraphs: the recipient line, the body (the
// fan's message as written, or the template's letter), the date (left out
// when it has {date} and the date is unknown) and the signature.
func (t *Template) letter(txt letterText) []jptext.Paragraph {
	w := t.words(txt)
	indent := 1
	if t.c.NoIndent {
		indent = 0
	}
	ps := []jptext.Paragraph{{Text: w.Recipient}}
	for _, p := range w.Body {
		ps = append(ps, jptext.Paragraph{Text: p, Indent: indent})
	}
	if w.Date != "" {
		ps = append(ps, jptext.Paragraph{Text: w.Date, Indent: 2})
	}
	sign := w.Signature
	if t.sig != nil {
		// The image takes the end of the signature's line: ideographic
		// spaces keep its cells.
		if sign != "" {
			sign += "　"
		}
		sign += strings.Repeat("　", t.sigCells())
	}
	return append(ps, jptext.Paragraph{Text: sign, AlignEnd: true})
}

// sigCells is how many cells the signature image takes along its line.
// The image scales with the text, so the count holds at every size.
func (t *Template) sigCells() int {
	if t.sig == nil {
		return 0
	}
	return int(math.Ceil(t.sig.along/(t.c.FontSizePt*ptToMM) - 1e-6))
}

// setting is a fitted letter: its layout and the size it was set at.
type setting struct {
	layout *jptext.Layout
	sizePt float64
}

// fit sets the letter at the nominal size, shrinking by half points down
// to the minimum until it fits. The sizes are tried by counting lines
// (fits); the letter is set once, at the size that fits.
func (t *Template) fit(txt letterText) (*setting, []string, error) {
	i, warnings, err := t.fitStep(txt)
	if err != nil {
		return nil, nil, err
	}
	size := t.steps[i].size
	l, err := t.set(txt, size)
	if err != nil {
		return nil, nil, err
	}
	return &setting{layout: l, sizePt: size}, warnings, nil
}

// fitStep is fit without the layout, what Check needs: the index in
// t.steps of the largest size the letter fits at, and the warning when
// that is not the nominal size. Its errors are fit's.
func (t *Template) fitStep(txt letterText) (int, []string, error) {
	msg := txt.msg
	if txt.name == "" {
		return 0, nil, oshigoods.FieldErrorf("to", "to is required: spaces alone are no name.")
	}
	if m := t.missing(txt.name); m != "" {
		return 0, nil, oshigoods.FieldErrorf("to", "to contains characters this card cannot print: %s.", m)
	}
	if m := t.missing(msg); m != "" {
		return 0, nil, oshigoods.FieldErrorf("message", "message contains characters this card cannot print: %s.", m)
	}
	c := t.c
	ps := t.letter(txt)
	for i := range t.steps {
		ok, err := t.steps[i].fits(ps, t.fonts)
		if err != nil {
			return 0, nil, err
		}
		if ok {
			var warnings []string
			if size := t.steps[i].size; size < c.FontSizePt {
				warnings = append(warnings, fmt.Sprintf("The letter is set at %.1f pt instead of %.1f pt to fit.", size, c.FontSizePt))
			}
			return i, warnings, nil
		}
	}
	if msg == "" {
		return 0, nil, oshigoods.FieldErrorf("to", "to is too long for this card's letter.")
	}
	// The longest prefix of the message that fits says how many
	// characters are too many.
	smallest := &t.steps[len(t.steps)-1]
	rs := []rune(msg)
	lo, hi := 0, len(rs) // prefix lo fits (or is empty), prefix hi does not
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		prefix := txt
		prefix.msg = string(rs[:mid])
		ok, err := smallest.fits(t.letter(prefix), t.fonts)
		if err != nil {
			return 0, nil, err
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	return 0, nil, oshigoods.FieldErrorf("message", "message does not fit on the card: %d characters too many (it holds about %d of these %d characters).", len(rs)-lo, lo, utf8.RuneCountInString(msg))
}

// fitStep is one size fit tries: the box at that size, and the line
// counts there of the template's own paragraphs no field changes (its
// letter's paragraphs without a placeholder, its signature), counted once
// by Compile. The counts hold text of the template only, never a fan's.
type fitStep struct {
	size  float64
	p     jptext.Params
	fixed map[jptext.Paragraph]int
}

// fitSteps are the sizes fit tries: the nominal size, then down by half
// points, then the minimum.
func (t *Template) fitSteps() []fitStep {
	c := t.c
	var fixed []jptext.Paragraph
	// Each placeholder filled with itself marks the paragraphs a field
	// or the date changes.
	marked := letterText{name: "{name}", to: "{to}", date: "{date}"}
	for _, p := range t.letter(marked) {
		if !strings.Contains(p.Text, "{") {
			fixed = append(fixed, p)
		}
	}
	var steps []fitStep
	n := int(math.Round((c.FontSizePt - c.MinFontSizePt) / 0.5))
	for i := 0; i <= n; i++ {
		size := c.FontSizePt - 0.5*float64(i)
		if i == n {
			size = c.MinFontSizePt
		}
		s := fitStep{size: size, p: t.params(size), fixed: map[jptext.Paragraph]int{}}
		for _, p := range fixed {
			if lines, complete, err := jptext.LineCount(p, s.p, t.fonts); err == nil && complete {
				s.fixed[p] = lines
			}
		}
		steps = append(steps, s)
	}
	return steps
}

// fits reports whether the paragraphs ps fit at s, as the Fits of their
// layout (t.set) would: every character there and the lines they take
// within the box. Its errors are t.set's.
func (s *fitStep) fits(ps []jptext.Paragraph, f jptext.Font) (bool, error) {
	n, complete := 0, true
	for _, p := range ps {
		lines, ok := s.fixed[p]
		if !ok {
			var all bool
			var err error
			lines, all, err = jptext.LineCount(p, s.p, f)
			if err != nil {
				return false, fmt.Errorf("set letter: %w", err)
			}
			complete = complete && all
		}
		n += lines
	}
	return complete && (s.p.Lines == 0 || n <= s.p.Lines), nil
}

// set lays the letter out at sizePt in the template's box.
func (t *Template) set(txt letterText, sizePt float64) (*jptext.Layout, error) {
	l, err := jptext.Set(t.letter(txt), t.params(sizePt), t.fonts)
	if err != nil {
		return nil, fmt.Errorf("set letter: %w", err)
	}
	return l, nil
}

// params is the template's box at sizePt, for jptext.
func (t *Template) params(sizePt float64) jptext.Params {
	em := sizePt * ptToMM
	along, across := t.boxH, t.boxW
	if !t.c.vertical {
		along, across = t.boxW, t.boxH
	}
	return jptext.Params{
		Vertical:     t.c.vertical,
		CharsPerLine: int(along/em + 1e-6),
		Lines:        int(across/(t.c.LinePitch*em) + 1e-6),
		Pitch:        t.c.LinePitch,
		Ascent:       t.fonts.primary.ascent,
	}
}
