package main

import (
	"regexp"
	"strings"
)

// Japan Post's placeholders and notes in 町域名 (see its readme for the
// list, 郵便番号データの説明).
const (
	noTown    = "以下に掲載がない場合" // the code covers the rest of the city
	wholeCity = "一円"         // "〇〇村一円": the whole municipality
)

var (
	// "〇〇町の次に番地がくる場合", "〇〇村の次に６６４番地以降がくる場合": the
	// block number follows the city name, so there is no town.
	numberNext = regexp.MustCompile(`の次に.*番地.*がくる場合$`)
	// A floor of a high-rise, as in "（１階）" or "（10階）".
	floor = regexp.MustCompile(`^[0-9０-９]+階$`)
)

// cleanTown turns a town name (町域名) as Japan Post writes it into what an
// address form should fill in:
//
//   - "以下に掲載がない場合" becomes "";
//   - "〇〇の次に番地がくる場合" (and "…の次に６６４番地以降がくる場合") becomes "";
//   - "〇〇村一円" becomes "", while the place called just 一円
//     (滋賀県犬上郡多賀町一円) stays;
//   - a high-rise's floor note keeps the floor: "…ビル（１階）" becomes
//     "…ビル１階", and "…ビル（地階・階層不明）" (no or unknown floor)
//     becomes "…ビル";
//   - every other note in （…） at the end is dropped, as in
//     "大手町（次のビルを除く）" → "大手町" and "大通西（１～１９丁目）" →
//     "大通西", and so is a note left open by a record split over lines.
//
// A name already cleaned comes back as it is.
func cleanTown(town string) string {
	for strings.HasSuffix(town, "）") {
		open := strings.LastIndex(town, "（")
		if open < 0 {
			break
		}
		note := strings.TrimSuffix(town[open+len("（"):], "）")
		town = town[:open]
		if floor.MatchString(note) {
			town += note
			break
		}
	}
	if open := strings.LastIndex(town, "（"); open >= 0 && !strings.Contains(town[open:], "）") {
		town = town[:open]
	}
	switch {
	case town == noTown,
		numberNext.MatchString(town),
		town != wholeCity && strings.HasSuffix(town, wholeCity):
		return ""
	}
	return town
}
