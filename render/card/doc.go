// Package card renders letter cards (推しからの手紙風メッセージカード): a
// letter from the idol to the fan, set in a handwriting font by
// render/jptext, as a print-ready PDF (gofpdf) and a PNG preview.
package card
