// Command gen converts Japan Post's postal-code list (郵便番号データ), as
// shipped in the npm package jquery-jpostal-ja, into the compact file that
// package postal embeds. scripts/gen-postal fetches the pinned package and
// runs it; run it by hand only to try another extracted copy:
//
//	go run ./postal/internal/gen -src DIR -source jquery-jpostal-ja@VERSION -out postal/data/codes.txt.gz
//
// DIR is the extracted package (the folder holding json/). The output is
// written to a temporary file beside -out and renamed over it only when the
// conversion succeeded and the result looks like the whole list (100,000 to
// 200,000 codes, all 47 prefectures), so a failed run leaves the committed
// file alone. The same input always gives the same bytes.
package main
