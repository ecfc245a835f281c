package jptext

import "strings"

// Character classes after JLReq appendix A, as far as line breaking and
// vertical writing need them.
const (
	// openingBrackets may not end a line (cl-01, 行末禁則).
	openingBrackets = "「『（［｛〔〈《【〘〖〝‘“｟«([{"
	// closingBrackets may not start a line (cl-02, 行頭禁則).
	closingBrackets = "」』）］｝〕〉》】〙〗〟’”｠»)]}"
	// hyphens (cl-03), dividing punctuation (cl-04), middle dots (cl-05),
	// full stops (cl-06), commas (cl-07), iteration marks (cl-09), the
	// prolonged sound mark (cl-10) and small kana (cl-11) may not start a
	// line either.
	hyphens       = "‐゠–〜～"
	dividing      = "！？‼⁇⁈⁉!?"
	middleDots    = "・：；:;"
	fullStops     = "。．."
	commas        = "、，,"
	iteration     = "ヽヾゝゞ々〻"
	prolonged     = "ー"
	smallKana     = "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ"
	inseparable   = "—…‥―〳〴〵"
	hangable      = "、。，．,."
	rotatedInTate = openingBrackets + closingBrackets + "ー〜～…‥—―‐－＝＿｜→←"
	shiftedInTate = "、。，．" + smallKana
)

// NoLineStart reports whether r may not start a line (行頭禁則).
func NoLineStart(r rune) bool {
	return strings.ContainsRune(closingBrackets+hyphens+dividing+middleDots+fullStops+commas+iteration+prolonged+smallKana, r)
}

// NoLineEnd reports whether r may not end a line (行末禁則).
func NoLineEnd(r rune) bool { return strings.ContainsRune(openingBrackets, r) }

// Hangable reports whether r may hang past the end of a line (ぶら下げ).
func Hangable(r rune) bool { return strings.ContainsRune(hangable, r) }

// Inseparable reports whether a run of r must not be split (分離禁止).
func Inseparable(r rune) bool { return strings.ContainsRune(inseparable, r) }

// SmallKana reports whether r is a small kana (拗促音).
func SmallKana(r rune) bool { return strings.ContainsRune(smallKana, r) }

// rotateInTate reports whether r is drawn turned 90° clockwise in
// vertical text when the font has no vertical form for it.
func rotateInTate(r rune) bool { return strings.ContainsRune(rotatedInTate, r) }

// shiftInTate reports whether r moves to the upper right of its cell in
// vertical text when the font has no vertical form for it.
func shiftInTate(r rune) bool { return strings.ContainsRune(shiftedInTate, r) }

func isASCIIDigit(r rune) bool { return r >= '0' && r <= '9' }

// isLatin reports whether r belongs to a run set sideways in vertical text:
// Latin letters, and the ASCII punctuation and spaces inside such a run.
func isLatin(r rune) bool {
	return r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= 0xC0 && r <= 0x24F
}

func isLatinInner(r rune) bool {
	return isLatin(r) || isASCIIDigit(r) || strings.ContainsRune("'’-&.@_ ", r)
}
