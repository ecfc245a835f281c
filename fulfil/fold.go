package fulfil

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Fold rewrites s so that every character satisfies can (a font has the
// glyph, Shift_JIS has the code), by these rules, in order, for each
// character that does not:
//
//  1. A character that has a twin of the same meaning that can be held is
//     replaced by the twin, without a report: 〜 (U+301C WAVE DASH) by ～
//     (U+FF5E), − (U+2212) by －, — (U+2014) by ―, ‖ by ∥, ¢ £ ¬ ¥ ¦ by
//     their full-width forms, and the like (the JIS X 0208 and Windows
//     code page 932 mappings differ on them).
//  2. A known variant of a kanji is replaced by its standard form: 𠮷 by
//     吉, 𡈽 by 土, 﨑 by 崎, 髙 by 高 (reported).
//  3. Its compatibility form (Unicode NFKC), if that can be held: ㋿ by
//     令和, ½ by 1⁄2 only when ⁄ can be held (reported).
//  4. Its base letter without accents (é by e) (reported).
//  5. A symbol, emoji, emoji modifier, variation selector or joiner is
//     removed (reported): "さくら🌸" becomes "さくら".
//  6. Anything else (a rare kanji such as 𩸽, a letter of another script)
//     becomes 〓 (U+3013 GETA MARK), the printer's sign for a character
//     that cannot be set (reported).
//
// Control characters become a space first, and s is put in Unicode NFC so
// that a kana and a combining sound mark form one character. Fold returns
// the new text and one entry per reported change, such as `"𠮷"→"吉"`,
// `"🌸" removed` or `U+200D removed` (a character that cannot be seen is
// named by its code point), each change once.
func Fold(s string, can func(rune) bool) (string, []string) {
	s = norm.NFC.String(s)
	var b strings.Builder
	var changes []string
	seen := map[string]bool{}
	note := func(c string) {
		if !seen[c] {
			seen[c] = true
			changes = append(changes, c)
		}
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			r = ' '
		}
		if can(r) {
			b.WriteRune(r)
			continue
		}
		if t, ok := twins[r]; ok && can(t) {
			b.WriteRune(t)
			continue
		}
		if t, ok := variants[r]; ok && can(t) {
			b.WriteRune(t)
			note(fmt.Sprintf("%s→%q", show(r), string(t)))
			continue
		}
		if t := norm.NFKC.String(string(r)); t != string(r) && all(t, can) {
			b.WriteString(t)
			note(fmt.Sprintf("%s→%q", show(r), t))
			continue
		}
		if t := stripMarks(r); t != "" && t != string(r) && all(t, can) {
			b.WriteString(t)
			note(fmt.Sprintf("%s→%q", show(r), t))
			continue
		}
		if decoration(r) {
			note(show(r) + " removed")
			continue
		}
		b.WriteRune(geta)
		note(fmt.Sprintf("%s→%q", show(r), string(geta)))
	}
	return b.String(), changes
}

// geta is 〓, set for a character that cannot be held.
const geta = '〓'

// twins are characters of the same meaning under another code point: the
// usual differences between JIS X 0208 as Unicode maps it and code page
// 932, and the half-width signs Shift_JIS keeps only in full width.
var twins = map[rune]rune{
	'\u301C': '～', // WAVE DASH, as macOS and iOS type 〜
	'\u2212': '－', // MINUS SIGN
	'\u2014': '―', // EM DASH
	'\u2013': '－', // EN DASH
	'\u2016': '∥', // DOUBLE VERTICAL LINE
	'\u00A2': '￠',
	'\u00A3': '￡',
	'\u00AC': '￢',
	'\u00A5': '￥',
	'\u00A6': '￤',
	'\u00A0': ' ', // NO-BREAK SPACE
	'\u2011': '‐', // NON-BREAKING HYPHEN
	'\uFF5E': '〜', // FULLWIDTH TILDE, for a font that has only the wave dash
}

// variants are kanji variants (異体字) outside Shift_JIS, or outside a
// font's BMP cmap, and the standard form a label prints instead.
var variants = map[rune]rune{
	'\U00020BB7': '吉', // 𠮷 つちよし
	'\U0002123D': '土', // 𡈽
	'\uFA11':     '崎', // 﨑 たつさき
	'\u9AD9':     '高', // 髙 はしごだか
	'\uFA10':     '塚', // 塚
	'\U00020B9F': '叱', // 𠮟
	'\U0002A6B2': '祢', // 𪚲
}

// decoration reports whether r is a symbol, emoji, emoji modifier,
// variation selector or joiner: something a name or title can lose
// without losing a word.
func decoration(r rune) bool {
	switch {
	case unicode.In(r, unicode.So, unicode.Sk, unicode.Sm, unicode.Mn, unicode.Me, unicode.Cf):
		return true
	case r >= 0x1F000 && r <= 0x1FAFF: // emoji and pictographs
		return true
	case r >= 0xFE00 && r <= 0xFE0F, r >= 0xE0100 && r <= 0xE01EF: // variation selectors
		return true
	}
	return false
}

// show quotes r for a report, or names its code point when it cannot be
// seen (a joiner, a variation selector, a combining mark).
func show(r rune) string {
	if unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf) || !unicode.IsGraphic(r) {
		return fmt.Sprintf("U+%04X", r)
	}
	return strconv.Quote(string(r))
}

// stripMarks returns r decomposed (NFD) without its combining marks.
func stripMarks(r rune) string {
	var b strings.Builder
	for _, c := range norm.NFD.String(string(r)) {
		if !unicode.Is(unicode.Mn, c) {
			b.WriteRune(c)
		}
	}
	return b.String()
}

func all(s string, can func(rune) bool) bool {
	for _, r := range s {
		if !can(r) {
			return false
		}
	}
	return true
}
