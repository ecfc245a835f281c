// Package card renders letter cards (推しからの手紙風メッセージカード): a
// letter from the idol to the fan, set in a handwriting font (with a
// fallback font for emoji and symbols it lacks) by render/jptext, as a
// print-ready PDF (gofpdf) finished by the print shop's profile, and a PNG
// preview.
package card
