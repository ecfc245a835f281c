// Package phrase splits Japanese text into phrases (文節), the units a line
// of Japanese may break between without splitting a word, with the
// Japanese model of BudouX (npm package budoux, Apache-2.0; see
// model/README.md), and writes text and HTML with a <wbr> between them.
package phrase
