package render

// CommonRunes are the characters a fan's name or message most often has:
// hiragana and katakana (with ー, ・, 、 and 。) and the ASCII letters and
// digits. A template's font should draw every one of them; a Linter warns
// when it does not, since an order with such a character is refused.
// Kanji are too many to list: a font made for Japanese has the common ones.
func CommonRunes() []rune {
	var rs []rune
	add := func(lo, hi rune) {
		for r := lo; r <= hi; r++ {
			rs = append(rs, r)
		}
	}
	add('ぁ', 'ゖ')
	add('ァ', 'ヶ')
	rs = append(rs, 'ー', '・', '、', '。')
	add('0', '9')
	add('A', 'Z')
	add('a', 'z')
	return rs
}
