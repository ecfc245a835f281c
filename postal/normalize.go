package postal

import "strings"

// postMark is the postal mark written before a code on envelopes and forms.
const postMark = "〒"

// Normalize returns the 7 ASCII digits of a postal code written the ways a
// fan types one: "123-4567", "1234567", with full-width digits or hyphen
// ("１２３－４５６７"), with a "〒" in front, or with spaces (ASCII or
// full-width) around it or around the hyphen. Besides '-' and '－' the
// hyphen may be any dash a Japanese keyboard gives (‐ ‑ – — ― − ー ｰ), and a
// space alone may stand for it ("123 4567"); the separator goes after the
// third digit and nowhere else. ok is false, and digits "", for anything
// that is not 7 digits so written. Normalize does not say whether the code
// exists: Lookup does.
func Normalize(s string) (digits string, ok bool) {
	s = strings.TrimSpace(s)
	if rest, found := strings.CutPrefix(s, postMark); found {
		s = strings.TrimSpace(rest)
	}
	var d [7]byte
	n := 0
	hyphen := false
	for _, r := range s {
		switch {
		case '0' <= r && r <= '9':
			r -= '0'
		case '０' <= r && r <= '９':
			r -= '０'
		case isSpace(r) && n == 3:
			continue
		case isHyphen(r) && n == 3 && !hyphen:
			hyphen = true
			continue
		default:
			return "", false
		}
		if n == len(d) {
			return "", false
		}
		d[n] = byte('0' + r)
		n++
	}
	if n != len(d) {
		return "", false
	}
	return string(d[:]), true
}

func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\u3000'
}

func isHyphen(r rune) bool {
	switch r {
	case '-', '－', // ASCII and full-width hyphen-minus
		'‐', '‑', // hyphen, non-breaking hyphen
		'–', '—', '―', // en dash, em dash, horizontal bar
		'−',      // minus sign
		'ー', 'ｰ': // the katakana long-vowel mark an IME often gives for "-"
		return true
	}
	return false
}
