// Package jptext lays out Japanese text in a box, vertically (縦書き) or
// horizontally (横書き), with line breaking rules (禁則処理) after JIS X 4051
// and the W3C's Requirements for Japanese Text Layout (JLReq). It is pure:
// it takes text and font metrics and returns positioned glyphs, which the
// PDF and PNG backends in render/card draw the same way.
package jptext
