package fulfil

import (
	"bytes"
	"sync"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"
)

// The carriers' import files are Shift_JIS as Windows writes it (code
// page 932: JIS X 0208 with the NEC and IBM extensions, such as ① and 髙),
// which is what golang.org/x/text/encoding/japanese.ShiftJIS encodes.

// sjisTable holds, for every BMP code point, how many bytes Shift_JIS
// takes for it: 0 when it has none, 1 (ASCII, half-width katakana) or 2.
var sjisTable = sync.OnceValue(func() []uint8 {
	t := make([]uint8, 0x10000)
	enc := japanese.ShiftJIS.NewEncoder()
	var buf [utf8.UTFMax]byte
	for r := rune(0); r < 0x10000; r++ {
		if r >= 0xD800 && r <= 0xDFFF || r == utf8.RuneError {
			continue
		}
		n := utf8.EncodeRune(buf[:], r)
		b, err := enc.Bytes(buf[:n])
		if err == nil && !(len(b) == 1 && b[0] == '?' && r != '?') {
			t[r] = uint8(len(b))
		}
	}
	return t
})

// sjisCan reports whether Shift_JIS holds r. Control characters are
// refused: a label field holds no tab or newline.
func sjisCan(r rune) bool {
	return r >= 0x20 && r < 0x10000 && r != 0x7F && sjisTable()[r] != 0
}

// sjisWidth is the length of s in Shift_JIS bytes: the carriers count a
// field's length in half-width units, a full-width character being two.
// A character Shift_JIS cannot hold counts 2.
func sjisWidth(s string) int {
	n := 0
	for _, r := range s {
		n += runeWidth(r)
	}
	return n
}

func runeWidth(r rune) int {
	if r < 0x10000 {
		if w := sjisTable()[r]; w != 0 {
			return int(w)
		}
	}
	return 2
}

// cutWidth splits s after as many whole characters as fit in max
// half-width units: a multibyte character is never split.
func cutWidth(s string, max int) (head, tail string) {
	n := 0
	for i, r := range s {
		w := runeWidth(r)
		if n+w > max {
			return s[:i], s[i:]
		}
		n += w
	}
	return s, ""
}

// encodeSJIS encodes text already folded to Shift_JIS (Fold with
// sjisCan).
func encodeSJIS(s []byte) ([]byte, error) {
	b, err := japanese.ShiftJIS.NewEncoder().Bytes(s)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// decodeText returns r's text: UTF-8 when it starts with a byte order mark
// (which is dropped) or is valid UTF-8, else Shift_JIS.
func decodeText(b []byte) (string, error) {
	if rest, ok := bytes.CutPrefix(b, []byte("\xEF\xBB\xBF")); ok {
		return string(rest), nil
	}
	if utf8.Valid(b) {
		return string(b), nil
	}
	s, err := japanese.ShiftJIS.NewDecoder().Bytes(b)
	if err != nil {
		return "", err
	}
	return string(s), nil
}
