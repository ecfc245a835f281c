package card

import (
	"encoding/json"
	"fmt"
	"image/color"
	"io/fs"
	"regexp"
	"slices"
	"strings"
)

// Spec is the "card" part of a template manifest. Lengths are in
// millimetres, font sizes in points. Zero values mean the defaults stated.
// Bleed and crop marks are not the template's: they come with the print
// shop's profile (render.Inputs.Profile) at render time.
type Spec struct {
	// Direction is "vertical" (縦書き, the default) or "horizontal" (横書き).
	Direction string `json:"direction"`
	// WidthMM and HeightMM are the trim size. Default 100×148 (はがき).
	WidthMM  float64 `json:"width_mm"`
	HeightMM float64 `json:"height_mm"`
	// PreviewDPI is the resolution of the PNG preview. Default 150.
	PreviewDPI int   `json:"preview_dpi"`
	Paper      Paper `json:"paper"`
	// Font is the path of a TrueType font, relative to the catalogue root.
	Font string `json:"font"`
	// FallbackFont is the path of a second TrueType font, relative to the
	// catalogue root, that draws the characters Font lacks (emoji, rare
	// symbols); the layout takes each character's metrics from the font
	// that draws it. "" means none: such characters are refused.
	FallbackFont string `json:"fallback_font"`
	// FontSizePt is the nominal size; MinFontSizePt the smallest size
	// text may shrink to before an order is refused. Default 11 and equal
	// to FontSizePt (no shrinking).
	FontSizePt    float64 `json:"font_size_pt"`
	MinFontSizePt float64 `json:"min_font_size_pt"`
	// LinePitch is the distance between line centres in em. Default 1.8.
	LinePitch float64 `json:"line_pitch"`
	// CharsPerLine and Lines define the text box at FontSizePt, centred
	// on the trim; it must stay 3 mm inside the trim, hanging 、。 included.
	CharsPerLine int `json:"chars_per_line"`
	Lines        int `json:"lines"`
	// NoIndent turns off the one-character indent (字下げ) of body
	// paragraphs.
	NoIndent bool `json:"no_indent"`
	// TextColor is "#rrggbb". Default a dark brown ink, #3b2a26.
	TextColor string `json:"text_color"`
	// Recipient is the first line. {to} is the fan's name with its
	// honorific (Honorific), {name} the name alone, as the fan wrote it;
	// one of them is required. Neither may be followed by an honorific
	// written in the template ("{to}さんへ"): a fan who wrote 「ゆいちゃん」
	// would read 「ゆいちゃんさんへ」. Default "{to}へ".
	Recipient string `json:"recipient"`
	// Body is the letter used when the fan leaves message empty, with
	// {to} and {name} as in Recipient. A newline starts a paragraph.
	// Required. The fan's own message is printed as written.
	Body string `json:"body"`
	// Honorific is the 敬称 {to} adds to the fan's name, and the choice of
	// it the fan is offered. Nil is a manifest from before honorifics: an
	// honorific written after {to} in Recipient and Body ("{to}さんへ") is
	// read as the default, added only to a name without one, and {to}
	// written without one is the name alone; two different ones are an
	// error. Without any, the name is printed as written.
	Honorific *Honorific `json:"honorific"`
	// Date is a line after the body, indented two cells; "" means none.
	// {date} is the month the item was ordered, in Japan time, written in
	// DateStyle; the line is left out when the order's date is unknown
	// (render.Inputs.OrderedAt is zero). A fixed text ("二〇二四年　冬")
	// is printed as written on every card, whenever it is ordered.
	Date string `json:"date"`
	// DateStyle is how {date} is written: "kanji" (二〇二六年十二月),
	// "western" (2026年12月), "reiwa" (令和8年12月, 令和元年 for 2019) or
	// "reiwa-kanji" (令和八年十二月). Default "kanji" for vertical cards,
	// "western" for horizontal ones. Set only with {date} in Date.
	DateStyle string `json:"date_style"`
	// Signature is the idol's name, set flush with the end of the last
	// line. Required unless SignatureImage is set.
	Signature string `json:"signature"`
	// SignatureImage is the path of a PNG, relative to the catalogue root,
	// of the idol's handwritten signature (サイン), transparent where there
	// is no ink. It ends the signature's line, after the name, centred
	// across the line, and scales with the text when the text shrinks; ""
	// means none. The name, a space and the image must fit one line, and
	// the image must not be wider across than the line pitch.
	SignatureImage string `json:"signature_image"`
	// SignatureLengthMM is the image's size along the line at the nominal
	// font size: its height in vertical text, its width in horizontal
	// text; the other side follows its aspect ratio. Default 25.
	SignatureLengthMM float64 `json:"signature_length_mm"`
	// ToMaxLength and MessageMaxLength limit the fields in characters.
	// Default 20 and 400.
	ToMaxLength      int `json:"to_max_length"`
	MessageMaxLength int `json:"message_max_length"`
}

// Paper is the stationery.
type Paper struct {
	// Color is the paper colour, "#rrggbb". Default #fffdf7.
	Color string `json:"color"`
	// Rules is "ruled" (便箋: a rule between lines) or "plain" (the
	// default).
	Rules string `json:"rules"`
	// RuleColor is "#rrggbb". Default #e3b7b0.
	RuleColor string `json:"rule_color"`
}

// config is a validated spec with its defaults applied.
type config struct {
	Spec
	vertical         bool
	paper, rule, ink color.NRGBA
	// honor is the resolved honorific rule; Recipient and Body are
	// rewritten from a manifest from before honorifics.
	honor honorificRule
}

func parseSpec(raw json.RawMessage) (*config, error) {
	var s Spec
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("decode card spec: %w", err)
	}
	c := &config{Spec: s}
	def := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.WidthMM, 100)
	def(&c.HeightMM, 148)
	def(&c.FontSizePt, 11)
	def(&c.MinFontSizePt, c.FontSizePt)
	def(&c.LinePitch, 1.8)
	def(&c.SignatureLengthMM, 25)
	if c.PreviewDPI == 0 {
		c.PreviewDPI = 150
	}
	if c.ToMaxLength == 0 {
		c.ToMaxLength = 20
	}
	if c.MessageMaxLength == 0 {
		c.MessageMaxLength = 400
	}
	switch c.Direction {
	case "", "vertical":
		c.vertical = true
	case "horizontal":
	default:
		return nil, fmt.Errorf("direction %q: want vertical or horizontal", c.Direction)
	}
	if err := c.resolveText(); err != nil {
		return nil, err
	}
	switch c.Paper.Rules {
	case "", "plain", "ruled":
	default:
		return nil, fmt.Errorf("paper.rules %q: want ruled or plain", c.Paper.Rules)
	}
	var err error
	for _, p := range []struct {
		name, v, def string
		dst          *color.NRGBA
	}{
		{"paper.color", c.Paper.Color, "#fffdf7", &c.paper},
		{"paper.rule_color", c.Paper.RuleColor, "#e3b7b0", &c.rule},
		{"text_color", c.TextColor, "#3b2a26", &c.ink},
	} {
		if p.v == "" {
			p.v = p.def
		}
		if *p.dst, err = parseColor(p.v); err != nil {
			return nil, fmt.Errorf("%s: %w", p.name, err)
		}
	}
	switch {
	case c.WidthMM < 50 || c.HeightMM < 50 || c.WidthMM > 420 || c.HeightMM > 420:
		return nil, fmt.Errorf("trim %gx%g mm: want 50 to 420 mm a side", c.WidthMM, c.HeightMM)
	case c.PreviewDPI < 36 || c.PreviewDPI > 600:
		return nil, fmt.Errorf("preview_dpi %d: want 36 to 600", c.PreviewDPI)
	case c.Font == "":
		return nil, fmt.Errorf("font is required")
	case c.MinFontSizePt < 5 || c.MinFontSizePt > c.FontSizePt || c.FontSizePt > 40:
		return nil, fmt.Errorf("font sizes %g..%g pt: want 5 <= min <= size <= 40", c.MinFontSizePt, c.FontSizePt)
	case c.LinePitch < 1 || c.LinePitch > 4:
		return nil, fmt.Errorf("line_pitch %g: want 1 to 4 em", c.LinePitch)
	case c.CharsPerLine < 4 || c.Lines < 3:
		return nil, fmt.Errorf("chars_per_line %d and lines %d: want at least 4 and 3", c.CharsPerLine, c.Lines)
	case strings.TrimSpace(c.Body) == "":
		return nil, fmt.Errorf("body is required")
	case strings.TrimSpace(c.Signature) == "" && c.SignatureImage == "":
		return nil, fmt.Errorf("signature or signature_image is required")
	case c.SignatureImage != "" && (c.SignatureLengthMM < 5 || c.SignatureLengthMM > 100):
		return nil, fmt.Errorf("signature_length_mm %g: want 5 to 100", c.SignatureLengthMM)
	}
	return c, nil
}

// placeholder matches what is meant as a placeholder in a template's text.
var placeholder = regexp.MustCompile(`\{[A-Za-z_]+\}`)

// resolveText checks the placeholders of Recipient, Body and Date,
// rewrites the text of a manifest from before honorifics (see
// Spec.Honorific) and resolves the honorific rule and DateStyle.
func (c *config) resolveText() error {
	h := Honorific{}
	if c.Honorific != nil {
		h = *c.Honorific
		if c.Recipient == "" {
			c.Recipient = "{to}へ"
		}
	} else {
		if c.Recipient == "" {
			c.Recipient = "{to}さんへ" // the default before honorifics
		}
		var err error
		if h, err = legacyHonorific(&c.Recipient, &c.Body); err != nil {
			return err
		}
	}
	var err error
	if c.honor, err = h.rule(); err != nil {
		return err
	}
	for _, p := range []struct {
		field, text string
		allowed     []string
	}{
		{"recipient", c.Recipient, []string{"{to}", "{name}"}},
		{"body", c.Body, []string{"{to}", "{name}"}},
		{"date", c.Date, []string{"{date}"}},
	} {
		for _, loc := range placeholder.FindAllStringIndex(p.text, -1) {
			ph := p.text[loc[0]:loc[1]]
			if !slices.Contains(p.allowed, ph) {
				return fmt.Errorf("%s %q: unknown placeholder %s: want %s", p.field, p.text, ph, strings.Join(p.allowed, " or "))
			}
			if hon := followingHonorific(p.text[loc[1]:], c.honor.known); hon != "" {
				return fmt.Errorf("%s %q: %s is followed by the honorific %q, so a fan who wrote 「ゆいちゃん」 would read 「ゆいちゃん%s」: "+
					"write {to} alone, it adds the honorific (\"honorific\": {\"default\": %q})", p.field, p.text, ph, hon, hon, hon)
			}
		}
	}
	if !strings.Contains(c.Recipient, "{to}") && !strings.Contains(c.Recipient, "{name}") {
		return fmt.Errorf("recipient %q must contain {to} or {name}", c.Recipient)
	}
	switch c.DateStyle {
	case "":
		c.DateStyle = DateWestern
		if c.Direction == "" || c.Direction == "vertical" {
			c.DateStyle = DateKanji
		}
	case DateKanji, DateWestern, DateReiwa, DateReiwaKanji:
		if !strings.Contains(c.Date, "{date}") {
			return fmt.Errorf("date_style %q: date %q has no {date} to write", c.DateStyle, c.Date)
		}
	default:
		return fmt.Errorf("date_style %q: want %s, %s, %s or %s", c.DateStyle, DateKanji, DateWestern, DateReiwa, DateReiwaKanji)
	}
	return nil
}

// legacyHonorific reads the honorific of a manifest from before
// honorifics, where the template wrote it after {to}, and rewrites its
// texts: {to} followed by that honorific becomes {to}, {to} without it
// {name}. Two different honorifics after {to} are an error. Without any,
// the honorific is none.
func legacyHonorific(texts ...*string) (Honorific, error) {
	found := ""
	for _, t := range texts {
		for _, after := range strings.Split(*t, "{to}")[1:] {
			h := followingHonorific(after, honorifics)
			if h != "" && found != "" && h != found {
				return Honorific{}, fmt.Errorf("recipient and body write both %q and %q after {to}: declare \"honorific\" and write {to} alone", found, h)
			}
			if h != "" {
				found = h
			}
		}
	}
	if found == "" {
		return Honorific{Default: NoHonorific}, nil
	}
	for _, t := range texts {
		parts := strings.Split(*t, "{to}")
		var b strings.Builder
		b.WriteString(parts[0])
		for _, after := range parts[1:] {
			if rest, ok := strings.CutPrefix(after, found); ok {
				b.WriteString("{to}" + rest)
			} else {
				b.WriteString("{name}" + after)
			}
		}
		*t = b.String()
	}
	return Honorific{Default: found}, nil
}

func parseColor(s string) (color.NRGBA, error) {
	var r, g, b uint8
	if len(s) != 7 || s[0] != '#' {
		return color.NRGBA{}, fmt.Errorf("%q: want #rrggbb", s)
	}
	if _, err := fmt.Sscanf(s[1:], "%02x%02x%02x", &r, &g, &b); err != nil {
		return color.NRGBA{}, fmt.Errorf("%q: want #rrggbb", s)
	}
	return color.NRGBA{r, g, b, 255}, nil
}

func readAsset(fsys fs.FS, p string) ([]byte, error) {
	b, err := fs.ReadFile(fsys, p)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	return b, nil
}
