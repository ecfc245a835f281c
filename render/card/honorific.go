package card

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"oshigoods/render"
)

// Honorific is the "honorific" part of a card spec: the 敬称 the letter
// calls the fan by. {to} in the recipient and the body is the fan's name
// with it, added only when the fan did not write one already: 「ゆい」 is
// 「ゆいさん」, 「ゆいちゃん♡」 stays as it is, never 「ゆいちゃんさん」.
//
//	"recipient": "{to}へ",
//	"honorific": {"default": "さん", "choices": ["さん", "ちゃん", "くん", "様", "none"]}
type Honorific struct {
	// Default is the honorific added to a name that has none, e.g. "さん";
	// "none" adds nothing. Default "さん".
	Default string `json:"default"`
	// Choices, when given, are offered to the fan as the choice field
	// "honorific" (呼び方), Default selected; "none" is offered as 「なし
	// （お名前だけ）」. Default must be one of them. Each is at most 4
	// characters, with no space or brace. Empty means no choice: Default
	// is used.
	Choices []string `json:"choices"`
}

// NoHonorific is the honorific that adds nothing: the fan's name alone.
const NoHonorific = "none"

// FieldHonorific is the choice field of a template whose honorific offers
// choices.
const FieldHonorific = "honorific"

// honorifics are the 敬称 a fan may already have written after a name: a
// name ending with one gets no other. Besides the polite ones, the terms
// of address fans use of themselves and of each other (たん, っち, 姫). A
// template's own choices are added to them. Names are compared in NFKC,
// which makes half-width kana full-width and joins sound marks (ﾊﾟ is パ),
// so these are written in full-width, composed kana.
var honorifics = []string{
	"さん", "サン", "ちゃん", "チャン", "ちゃま", "くん", "クン", "君",
	"様", "さま", "サマ", "殿", "氏", "嬢", "たん", "タン", "っち", "ッチ",
	"先輩", "せんぱい", "センパイ", "先生", "せんせい", "姫", "王子",
}

// maxHonorific is the most characters a template's honorific takes.
const maxHonorific = 4

// honorificRule is a validated Honorific: the text added ("" for none) and
// every honorific a name may already end with.
type honorificRule struct {
	add   string
	known []string
}

// rule validates h, resolving "none" and the default.
func (h Honorific) rule() (honorificRule, error) {
	if h.Default == "" {
		h.Default = "さん"
	}
	check := func(v string) error {
		if v == "" || utf8.RuneCountInString(v) > maxHonorific || strings.ContainsAny(v, "{}") || strings.IndexFunc(v, unicode.IsSpace) >= 0 {
			return fmt.Errorf("honorific %q: want 1 to %d characters, with no space or brace, or %q", v, maxHonorific, NoHonorific)
		}
		return nil
	}
	if err := check(h.Default); err != nil {
		return honorificRule{}, err
	}
	for i, c := range h.Choices {
		if err := check(c); err != nil {
			return honorificRule{}, fmt.Errorf("honorific.choices[%d]: %w", i, err)
		}
		if slices.Contains(h.Choices[:i], c) {
			return honorificRule{}, fmt.Errorf("honorific.choices[%d]: %q is there twice", i, c)
		}
	}
	if len(h.Choices) > 0 && !slices.Contains(h.Choices, h.Default) {
		return honorificRule{}, fmt.Errorf("honorific.default %q: want one of honorific.choices", h.Default)
	}
	r := honorificRule{known: slices.Clone(honorifics)}
	for _, v := range append([]string{h.Default}, h.Choices...) {
		if v = norm.NFKC.String(v); v != NoHonorific && !slices.Contains(r.known, v) {
			r.known = append(r.known, v)
		}
	}
	r.add = addition(h.Default)
	return r, nil
}

// addition is the text an honorific value adds.
func addition(v string) string {
	if v == NoHonorific {
		return ""
	}
	return v
}

// field is the fan's choice of honorific; ok is false when the template
// offers none.
func (h Honorific) field() (f render.Field, ok bool) {
	if len(h.Choices) == 0 {
		return render.Field{}, false
	}
	f = render.Field{Name: FieldHonorific, Type: render.FieldChoice, Label: "呼び方（敬称）", Default: h.Default}
	if f.Default == "" {
		f.Default = "さん"
	}
	for _, c := range h.Choices {
		label := c
		if c == NoHonorific {
			label = "なし（お名前だけ）"
		}
		f.Choices = append(f.Choices, render.Choice{Value: c, Label: label})
	}
	return f, true
}

// address returns the name as the letter calls the fan: name with add
// after it, unless the name already ends with an honorific of known.
// Trailing marks (♡, ！, ☆, emoji, spaces) are not part of the name: the
// honorific goes before them, 「ゆい♡」 becomes 「ゆいさん♡」, and
// 「ゆいちゃん♡」 ends with ちゃん. Half-width kana count as full-width
// (ｻﾝ is サン). Spaces between a name and the honorific the fan wrote are
// dropped, as {to} is also set mid-sentence: 「田中　様」 is 「田中様」. A
// name that is all marks gets add at its end; an empty name stays empty.
// A へ after the fan's honorific is dropped (「ゆいちゃんへ」 is 「ゆいちゃん」):
// the template's own text addresses the letter.
func address(name, add string, known []string) string {
	if name == "" || add == "" {
		return name
	}
	core := strings.TrimRightFunc(name, func(r rune) bool { return !isNameRune(r) })
	if core == "" {
		return name + add
	}
	// 「ゆいちゃんへ」: the fan wrote the letter's へ too, which the
	// template adds where it belongs. Only after an honorific: a name
	// may end in へ.
	if c, ok := strings.CutSuffix(core, "へ"); ok && endingHonorific(c, known) != "" {
		name, core = c+name[len(core):], c
	}
	h := endingHonorific(core, known)
	if h == "" {
		return core + add + name[len(core):]
	}
	// Where the honorific starts in what the fan wrote: NFKC may join a
	// half-width kana and its sound mark.
	for i := len(core) - 1; i > 0; i-- {
		if utf8.RuneStart(core[i]) && norm.NFKC.String(core[i:]) == h {
			if before := strings.TrimRightFunc(core[:i], unicode.IsSpace); before != "" {
				return before + core[i:] + name[len(core):]
			}
			break
		}
	}
	return name
}

// endingHonorific returns the first honorific of known that s, read as
// NFKC (ｻﾝ is サン), ends with, or "".
func endingHonorific(s string, known []string) string {
	folded := norm.NFKC.String(s)
	for _, h := range known {
		if strings.HasSuffix(folded, h) {
			return h
		}
	}
	return ""
}

// isNameRune reports whether r may end a name: a letter (kana, kanji, ー
// and 々 included), a digit or a combining mark.
func isNameRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r)
}

// followingHonorific returns the longest honorific of known that s starts
// with, or "".
func followingHonorific(s string, known []string) string {
	best := ""
	for _, h := range known {
		if strings.HasPrefix(s, h) && len(h) > len(best) {
			best = h
		}
	}
	return best
}
