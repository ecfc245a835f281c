package phrase

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"strings"
	"sync"
	"unicode"
)

//go:embed model/ja.json
var modelJSON []byte

//go:embed model/VERSION
var modelVersion string

// ModelJSON returns the Japanese model as JSON, an object of the thirteen
// feature groups (UW1–UW6, BW1–BW3, TW1–TW4), each mapping a window of one,
// two or three characters to its weight: the bytes a browser-side
// segmenter loads so it splits exactly as Split does.
func ModelJSON() []byte { return modelJSON }

// ModelVersion names the model's source, e.g. "budoux 0.9.2".
func ModelVersion() string { return strings.TrimSpace(modelVersion) }

// The feature groups, in the order of window: unigrams at the third
// character before the boundary up to the third after it (UW1–UW6),
// bigrams ending before, across and starting after it (BW1–BW3), trigrams
// (TW1–TW4). Each is [from, to) in characters relative to the boundary.
var windows = [...]struct {
	name     string
	from, to int
}{
	{"UW1", -3, -2}, {"UW2", -2, -1}, {"UW3", -1, 0}, {"UW4", 0, 1}, {"UW5", 1, 2}, {"UW6", 2, 3},
	{"BW1", -2, 0}, {"BW2", -1, 1}, {"BW3", 0, 2},
	{"TW1", -3, 0}, {"TW2", -2, 1}, {"TW3", -1, 2}, {"TW4", 0, 3},
}

type model struct {
	weights [len(windows)]map[string]int
	base    int // minus the sum of every weight: twice the base score
}

var loaded = sync.OnceValues(func() (*model, error) {
	var raw map[string]map[string]int
	if err := json.Unmarshal(modelJSON, &raw); err != nil {
		return nil, fmt.Errorf("phrase model: %w", err)
	}
	m := &model{}
	sum := 0
	for i, w := range windows {
		g := raw[w.name]
		if len(g) == 0 {
			return nil, fmt.Errorf("phrase model: feature group %s is missing", w.name)
		}
		for _, v := range g {
			sum += v
		}
		m.weights[i] = g
	}
	// Scores are kept doubled, in whole numbers: 2·score = -sum + 2·Σ.
	m.base = -sum
	return m, nil
})

func mustModel() *model {
	m, err := loaded()
	if err != nil {
		// The model is embedded and checked by the package's tests: a
		// broken one is a broken build.
		panic(err)
	}
	return m
}

// Boundaries returns the rune offsets in s where a new phrase starts
// (never 0 or len), by BudouX's method: at each gap between two
// characters, the weights of the thirteen character windows around it
// that the model knows are added to a base of minus half of all its
// weights, and the gap is a boundary when the sum is positive. Spaces
// and ASCII words follow simpler rules the model was not trained on: a
// phrase ends after a run of spaces and nowhere else beside one, and
// after a Japanese comma, full stop or middle dot (separators), two
// ASCII letters or digits ("Stripe", "2024") are never split, and the
// line-breaking rules of Japanese (禁則) hold: no phrase ends with an
// opening bracket or quote, and none starts with a closing one, a comma,
// a full stop, a small kana or a long vowel mark. A text of up to
// ShortText characters is one phrase, and a few words the model splits
// (words: 縦書き, はがき, 仕上がり, …) are kept whole.
func Boundaries(s string) []int {
	r := []rune(s)
	if len(r) < 2 {
		return nil
	}
	if len(r) <= ShortText && !strings.ContainsFunc(s, func(c rune) bool { return unicode.IsSpace(c) || strings.ContainsRune(separators, c) }) {
		return nil
	}
	m := mustModel()
	var out []int
	for i := 1; i < len(r); i++ {
		if unicode.IsSpace(r[i-1]) && !unicode.IsSpace(r[i]) {
			out = append(out, i) // a phrase ends with the spaces after it
			continue
		}
		if asciiAlnum(r[i-1]) && asciiAlnum(r[i]) || unicode.IsSpace(r[i-1]) || unicode.IsSpace(r[i]) ||
			noLineEnd(r[i-1]) || noLineStart(r[i]) {
			continue
		}
		if strings.ContainsRune(separators, r[i-1]) {
			out = append(out, i) // a list item or a clause ends at its mark
			continue
		}
		score := m.base
		for k, w := range windows {
			a, b := i+w.from, i+w.to
			if a < 0 || b > len(r) {
				continue
			}
			score += 2 * m.weights[k][string(r[a:b])]
		}
		if score > 0 && !inWord(r, i) {
			out = append(out, i)
		}
	}
	return out
}

// ShortText is the length up to which a text with no space or separator
// is one phrase: a name call or a label (はなこちゃん, お支払い待ち) reads
// as one word, and the model splits short kana names badly (は|な|こちゃん).
const ShortText = 6

// words are words the model splits that the shop's copy uses; no phrase
// boundary falls inside them. Add a word when a page shows it split.
var words = []string{"縦書き", "横書き", "はがき", "仕上がり", "もどる", "しなおし", "もらおう", "お問い合わせ", "その場"}

// Words returns the words no phrase boundary falls inside, besides the
// model's: the browser-side segmenter needs them too.
func Words() []string { return append([]string(nil), words...) }

// inWord reports whether gap i of r is inside an occurrence of one of
// words.
func inWord(r []rune, i int) bool {
	for _, w := range words {
		wr := []rune(w)
		for start := max(0, i-len(wr)+1); start < i && start+len(wr) <= len(r); start++ {
			if string(r[start:start+len(wr)]) == w {
				return true
			}
		}
	}
	return false
}

// closers are the characters a line of Japanese does not start with
// (行頭禁則), besides closing brackets and quotes.
const closers = "、。，．・：；！？!?,.:;…‥ーぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ々ゝゞヽヾ゛゜"

func noLineStart(r rune) bool {
	return unicode.In(r, unicode.Pe, unicode.Pf) || r == '"' || r == '\'' || strings.ContainsRune(closers, r)
}

// separators end a phrase wherever the model would go on: after 、 。 ・
// and the like a browser may break the line anyway, and the word before
// is whole ("名称・住所・電話番号", "iPhone・Android").
const separators = "、。，．・：；！？"

// noLineEnd: a line does not end with an opening bracket or quote (行末禁則).
func noLineEnd(r rune) bool {
	return unicode.In(r, unicode.Ps, unicode.Pi) || r == '"' || r == '\''
}

func asciiAlnum(r rune) bool {
	return r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// Split splits s into its phrases (see Boundaries); joined, they are s.
// Text with no Japanese in it is one phrase; "" is none.
func Split(s string) []string {
	if s == "" {
		return nil
	}
	if !HasJapanese(s) {
		return []string{s}
	}
	r := []rune(s)
	var out []string
	start := 0
	for _, b := range Boundaries(s) {
		out = append(out, string(r[start:b]))
		start = b
	}
	return append(out, string(r[start:]))
}

// HasJapanese reports whether s has a kana or a kanji, the text a phrase
// break is for.
func HasJapanese(s string) bool {
	for _, r := range s {
		if unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han) {
			return true
		}
	}
	return false
}

// attached are the marks that end a phrase and never start a line: a
// heart or a note after a word ("しよう♡", "大好き ♡") stays with it.
const attached = "♡♥♪"

// NoBreakClass is the class of the span HTML puts around a phrase and the
// mark attached to it: the page's style sheet must give it
// white-space: nowrap.
const NoBreakClass = "nobr"

// Phrases is s split for display: Split's phrases, with a mark of
// attached (♡ ♥ ♪), and the spaces before it, joined to the phrase before
// it. Joined, they are s.
func Phrases(s string) []string {
	ps := Split(s)
	out := ps[:0:0]
	for _, p := range ps {
		if len(out) > 0 && startsAttached(p) {
			out[len(out)-1] += p
			continue
		}
		out = append(out, p)
	}
	return out
}

func startsAttached(p string) bool {
	t := strings.TrimLeftFunc(p, unicode.IsSpace)
	return t != "" && strings.ContainsRune(attached, []rune(t)[0])
}

// HTML returns text s as HTML for a page in Japanese: escaped, with a
// <wbr> between its phrases, so a line breaks between phrases and the
// style sheet's word-break: keep-all keeps every phrase whole; a phrase
// with an attached mark is wrapped in <span class="nobr"> (NoBreakClass)
// so the mark never starts a line, even after a space ("大好き ♡").
//
// A number stays with its unit: the space between a digit and an ASCII
// letter ("127 mm", "30 MB") is written as a no-break space.
func HTML(s string) string {
	if !HasJapanese(s) && !strings.ContainsAny(s, attached) {
		return html.EscapeString(s)
	}
	s = numberUnit.ReplaceAllString(s, "$1\u00a0$2")
	var b strings.Builder
	prev := ""
	for i, p := range Phrases(s) {
		// A space is a break opportunity already.
		if i > 0 && !endsSpace(prev) && !startsSpace(p) {
			b.WriteString("<wbr>")
		}
		lead := len(p) - len(strings.TrimLeftFunc(p, unicode.IsSpace))
		core := strings.TrimRightFunc(p[lead:], unicode.IsSpace)
		b.WriteString(html.EscapeString(p[:lead]))
		if strings.ContainsAny(core, attached) {
			b.WriteString(`<span class="` + NoBreakClass + `">` + html.EscapeString(core) + "</span>")
		} else {
			b.WriteString(html.EscapeString(core))
		}
		b.WriteString(html.EscapeString(p[lead+len(core):]))
		prev = p
	}
	return b.String()
}

var numberUnit = regexp.MustCompile(`([0-9]) ([A-Za-z])`)

func endsSpace(s string) bool {
	r := []rune(s)
	return len(r) > 0 && unicode.IsSpace(r[len(r)-1])
}

func startsSpace(s string) bool {
	r := []rune(s)
	return len(r) > 0 && unicode.IsSpace(r[0])
}
