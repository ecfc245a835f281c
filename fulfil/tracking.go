package fulfil

import (
	"encoding/csv"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"oshigoods"
	"oshigoods/orders"
)

// Tracking is one issued label: the order it ships and its tracking
// number (お問い合わせ番号), digits or letters only.
type Tracking = orders.Tracking

// ParseTracking reads the file of issued labels a carrier exports, as
// written for the layout CarrierCSV makes, and returns one Tracking per
// row that has a tracking number, in file order.
//
// "yamato-b2" reads B2クラウド's 発行済データ export, which is the same
// standard layout (入出力用) with 伝票番号 filled: お客様管理番号 is our order
// id, 伝票番号 the tracking number. The columns are found by those header
// names when the first row is a header, else at their positions (1 and 4).
// The file may be Shift_JIS or UTF-8 (with or without a byte order mark).
// Hyphens and spaces in a number are dropped; rows without a number (not
// issued) are skipped.
//
// An unknown carrier, or one without an export layout (クリックポスト has
// none), is EINVALID on "carrier". A row without an order id or with a
// number CheckTracking refuses is EUNPROCESSABLE naming the line; a file
// that is not CSV is EUNPROCESSABLE.
func ParseTracking(carrier string, r io.Reader) ([]Tracking, error) {
	if carrier != CarrierYamatoB2 {
		return nil, &oshigoods.Error{Code: oshigoods.EINVALID, Field: "carrier",
			Message: fmt.Sprintf("carrier must be %s, the layout with an export of issued labels; got %q.", CarrierYamatoB2, carrier)}
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read tracking export: %w", err)
	}
	text, err := decodeText(b)
	if err != nil {
		return nil, oshigoods.Wrapf(err, oshigoods.EUNPROCESSABLE, "the tracking export is neither UTF-8 nor Shift_JIS.")
	}
	cr := csv.NewReader(strings.NewReader(text))
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	rows, err := cr.ReadAll()
	if err != nil {
		return nil, oshigoods.Wrapf(err, oshigoods.EUNPROCESSABLE, "the tracking export is not a CSV file: %v", err)
	}
	idCol, numCol, start := b2CustomerRef-1, b2Tracking-1, 0
	if len(rows) > 0 {
		if i, j := index(rows[0], "お客様管理番号"), index(rows[0], "伝票番号", "送り状番号"); i >= 0 && j >= 0 {
			idCol, numCol, start = i, j, 1
		}
	}
	var out []Tracking
	for n := start; n < len(rows); n++ {
		row := rows[n]
		line := n + 1
		if len(row) <= max(idCol, numCol) {
			if len(row) == 1 && strings.TrimSpace(row[0]) == "" {
				continue
			}
			return nil, oshigoods.Errorf(oshigoods.EUNPROCESSABLE, "line %d of the tracking export has %d columns; お客様管理番号 and 伝票番号 are columns %d and %d.", line, len(row), idCol+1, numCol+1)
		}
		number := strings.Map(func(r rune) rune {
			if r == '-' || r == ' ' || r == '　' {
				return -1
			}
			return r
		}, row[numCol])
		if number == "" {
			continue
		}
		id := strings.TrimSpace(row[idCol])
		if id == "" {
			return nil, oshigoods.Errorf(oshigoods.EUNPROCESSABLE, "line %d of the tracking export has 伝票番号 %s but no お客様管理番号.", line, number)
		}
		if err := CheckTracking("yamato", number); err != nil {
			return nil, oshigoods.Wrapf(err, oshigoods.EUNPROCESSABLE, "line %d of the tracking export (order %s): %s", line, id, oshigoods.ErrorMessage(err))
		}
		out = append(out, Tracking{OrderID: id, Number: number})
	}
	return out, nil
}

// index returns the column whose header is one of names, or -1.
func index(header []string, names ...string) int {
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF"))
		for _, n := range names {
			if h == n {
				return i
			}
		}
	}
	return -1
}

var (
	digitsRE = regexp.MustCompile(`^[0-9]+$`)
	// upuS10RE is a UPU S10 item id: two letters, eight digits, a check
	// digit, two letters (the country, JP for Japan Post).
	upuS10RE = regexp.MustCompile(`^[A-Z]{2}[0-9]{9}JP$`)
)

// carrierOf takes the carrier out of a CSV layout name ("yamato-b2" is
// "yamato"), so both names work.
func carrierOf(carrier string) string {
	c, _, _ := strings.Cut(carrier, "-")
	return c
}

// CheckTracking reports whether number is a tracking number the carrier
// issues, by its length, characters and check digit. carrier is an
// orders.ShippingMethod.Carrier ("yamato", "japanpost", "sagawa") or a
// CarrierCSV layout name. Hyphens and spaces should be removed first.
//
//   - yamato: 12 digits, the last being the first eleven as a number
//     modulo 7 (7DR).
//   - sagawa: 12 digits, the same modulo 7 check digit.
//   - japanpost: 11 to 13 digits (domestic: ゆうパック, ゆうパケット,
//     クリックポスト, 書留; no check digit is published for all of them), or
//     a UPU S10 id of two letters, nine digits and JP whose ninth digit is
//     the S10 check digit (weights 8 6 4 2 3 5 9 7, modulo 11).
//
// The error is EUNPROCESSABLE on "tracking_number" and names the rule
// broken; an unknown carrier is EINVALID on "carrier".
func CheckTracking(carrier, number string) error {
	bad := func(format string, args ...any) error {
		return oshigoods.FieldErrorf("tracking_number", format, args...)
	}
	switch carrierOf(carrier) {
	case "yamato", "sagawa":
		name := map[string]string{"yamato": "ヤマト運輸", "sagawa": "佐川急便"}[carrierOf(carrier)]
		if !digitsRE.MatchString(number) {
			return bad("a %s tracking number is 12 digits; %q has other characters.", name, number)
		}
		if len(number) != 12 {
			return bad("a %s tracking number is 12 digits; %q has %d.", name, number, len(number))
		}
		body, _ := strconv.ParseInt(number[:11], 10, 64)
		if want := byte('0' + body%7); number[11] != want {
			return bad("%q fails the %s check digit: the first 11 digits modulo 7 give %c, not %c.", number, name, want, number[11])
		}
		return nil
	case "japanpost":
		if upuS10RE.MatchString(number) {
			if want := s10Check(number[2:10]); number[10] != want {
				return bad("%q fails the UPU S10 check digit: digits %s give %c, not %c.", number, number[2:10], want, number[10])
			}
			return nil
		}
		if !digitsRE.MatchString(number) {
			return bad("a 日本郵便 tracking number is 11 to 13 digits, or two letters, nine digits and JP; %q is neither.", number)
		}
		if len(number) < 11 || len(number) > 13 {
			return bad("a 日本郵便 tracking number is 11 to 13 digits; %q has %d.", number, len(number))
		}
		return nil
	}
	return &oshigoods.Error{Code: oshigoods.EINVALID, Field: "carrier",
		Message: fmt.Sprintf("carrier must be yamato, japanpost or sagawa; got %q.", carrier)}
}

// s10Check is the UPU S10 check digit of eight serial digits.
func s10Check(serial string) byte {
	weights := [8]int{8, 6, 4, 2, 3, 5, 9, 7}
	sum := 0
	for i := range 8 {
		sum += int(serial[i]-'0') * weights[i]
	}
	switch c := 11 - sum%11; c {
	case 10:
		return '0'
	case 11:
		return '5'
	default:
		return byte('0' + c)
	}
}

// TrackingURL is the carrier's public tracking page for number, for the
// fan: ヤマト運輸's 荷物お問い合わせ, 日本郵便's 個別番号検索, 佐川急便's
// お問い合わせサービス. carrier is as for CheckTracking; hyphens and spaces
// in number are dropped. It is "" when the carrier is unknown or the
// number fails CheckTracking, so a page never links a number the carrier
// cannot find.
func TrackingURL(carrier, number string) string {
	number = strings.NewReplacer("-", "", " ", "").Replace(strings.ToUpper(strings.TrimSpace(number)))
	if CheckTracking(carrier, number) != nil {
		return ""
	}
	q := url.QueryEscape(number)
	switch carrierOf(carrier) {
	case "yamato":
		return "https://jizen.kuronekoyamato.co.jp/jizen/servlet/crjz.b.NQ0010?id=" + q
	case "japanpost":
		return "https://trackings.post.japanpost.jp/services/srv/search/direct?reqCodeNo1=" + q + "&searchKind=S002&locale=ja"
	case "sagawa":
		return "https://k2k.sagawa-exp.co.jp/p/web/okurijosearch.do?okurijoNo=" + q
	}
	return ""
}
