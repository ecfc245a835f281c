package orders

import "oshigoods"

// CheckText refuses text a fan may not type into a name or a field: C0
// controls (tab and newline too, unless newlines is set, when LF alone is
// allowed), DEL and C1 controls, and the Unicode bidi embeddings, overrides
// and isolates U+202A–U+202E and U+2066–U+2069, which make text read
// differently from what it is (in a spreadsheet, a file name, a card). It
// returns an EUNPROCESSABLE *oshigoods.Error naming field and the first
// character refused, or nil. The domain owns it because it checks customer
// names as well as template fields (render.CheckText is this function).
func CheckText(field, v string, newlines bool) error {
	for _, r := range v {
		switch {
		case r == '\n' && newlines:
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return oshigoods.FieldErrorf(field, "%s contains a control character (U+%04X).", field, r)
		case r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069:
			// Worded so that the storefront's "contains a control
			// character" rule shows it in Japanese too.
			return oshigoods.FieldErrorf(field, "%s contains a control character (U+%04X, a bidi control that can disguise text).", field, r)
		}
	}
	return nil
}
