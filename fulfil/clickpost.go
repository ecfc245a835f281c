package fulfil

import (
	"time"
)

// 日本郵便 クリックポスト「まとめ申込」: up to 40 labels from one CSV file.
//
// Source: the まとめ申込 CSV template of the クリックポスト site
// (https://clickpost.jp/, まとめ申込 → CSVファイルのテンプレート), eight columns
// in this order with a header row, Shift_JIS: お届け先郵便番号, お届け先氏名,
// お届け先敬称 (様 or 御中), お届け先住所1行目 to 4行目, 内容品. Lengths: the
// name and each address line 全角20 (半角40), 内容品 全角15 (半角30); 40 rows
// a file. The template sits behind the site's login and was not reachable
// where this was written; the layout is as public converters write it
// (e.g. the gists mzsm/842f3b7a6569c52e4e9e6c00de8ec9c6 and
// takashicompany/d05f869c9f67af6753154cabcc342ca6, the latter cutting
// 内容品 at 全角15), which agree column for column. The sender is the
// クリックポスト account's registered address, so the shop is not in the
// file.

// クリックポスト column numbers, from 1.
const (
	cpPostal    = 1
	cpName      = 2
	cpHonorific = 3
	cpAddress1  = 4
	cpAddress2  = 5
	cpAddress3  = 6
	cpAddress4  = 7
	cpContents  = 8
	cpMaxRows   = 40
)

var clickPost = layout{
	carrier: "japanpost",
	columns: []column{
		{"お届け先郵便番号", 8}, {"お届け先氏名", 40}, {"お届け先敬称", 4},
		{"お届け先住所1行目", 40}, {"お届け先住所2行目", 40}, {"お届け先住所3行目", 40},
		{"お届け先住所4行目", 40}, {"内容品", 30},
	},
	maxRows: cpMaxRows,
	check:   func(Shop) error { return nil },
	fill: func(r *row, _ Shop, p Parcel, _ time.Time) {
		to := recipientOf(p)
		r.set(cpPostal, to.PostalCode)
		r.set(cpName, to.Name)
		r.set(cpHonorific, "様")
		r.spread([]int{cpAddress1, cpAddress2, cpAddress3, cpAddress4}, []piece{
			{to.Prefecture + to.City, 0}, {to.Line1, 0}, {to.Line2, 1},
		})
		// 内容品 keeps "他N点" whole and cuts the first title before it.
		first, rest := itemsSummary(p)
		if rest != "" {
			first = r.fold(cpContents, first)
			if head, tail := cutWidth(first, r.columns[cpContents-1].max-sjisWidth(rest)-1); tail != "" {
				r.warn(r.columns[cpContents-1].name, "cut to fit %q: %q dropped", rest, tail)
				first = head
			}
			first += " " + rest
		}
		r.set(cpContents, first)
	},
}
