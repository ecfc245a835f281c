// Package postal fills in the prefecture, city and town for a Japanese
// postal code (〒), from Japan Post's public postal-code list embedded in the
// binary, so the server answers the storefront and no fan's browser calls an
// outside service.
//
// Normalize turns what a fan typed ("〒１２３－４５６７") into the 7 digits,
// Lookup gives the addresses for them, and Prefectures lists the 47
// prefectures in JIS X 0401 order.
//
// The data is Japan Post's 郵便番号データ (KEN_ALL, the list by area;
// business codes are left out), which Japan Post publishes for anyone to use
// and redistribute, as shipped in the npm package jquery-jpostal-ja (MIT
// licence, © Aoki Makoto, Ninton G.K.) at the version pinned in
// scripts/gen-postal; postal/data/README.md names the version and the date
// of the list. Town names are cleaned as usual: Japan Post's placeholders
// such as "以下に掲載がない場合" become "", and notes such as
// "（次のビルを除く）" are dropped. To bring in a newer list, raise the
// version and checksum in scripts/gen-postal and run it (it needs npm and
// Go), then run go test ./postal/... and commit postal/data.
package postal
