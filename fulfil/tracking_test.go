package fulfil_test

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"

	"oshigoods"
	"oshigoods/fulfil"
)

// TestCheckTracking: each carrier's length, characters and check digit,
// and an error that names the rule broken.
func TestCheckTracking(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		carrier  string
		number   string
		// rule is a phrase of the error; "" means valid.
		rule string
		code string
	}{
		{"ヤマト valid", "yamato", "444413758703", "", ""},
		{"ヤマト by its CSV layout's name", "yamato-b2", "123456789013", "", ""},
		{"ヤマト check digit wrong", "yamato", "444413758704", "modulo 7 give 3, not 4", oshigoods.EUNPROCESSABLE},
		{"ヤマト 11 digits", "yamato", "44441375870", "12 digits; \"44441375870\" has 11", oshigoods.EUNPROCESSABLE},
		{"ヤマト 13 digits", "yamato", "4444137587031", "has 13", oshigoods.EUNPROCESSABLE},
		{"ヤマト with a letter", "yamato", "44441375870A", "other characters", oshigoods.EUNPROCESSABLE},
		{"ヤマト with hyphens left in", "yamato", "4444-1375-8703", "other characters", oshigoods.EUNPROCESSABLE},
		{"佐川 valid", "sagawa", "512547514334", "", ""},
		{"佐川 check digit wrong", "sagawa", "512547514335", "佐川急便 check digit", oshigoods.EUNPROCESSABLE},
		{"日本郵便 12 digits", "japanpost", "405548424886", "", ""},
		{"日本郵便 11 digits", "japanpost", "12345678901", "", ""},
		{"日本郵便 13 digits", "japanpost-clickpost", "1234567890123", "", ""},
		{"日本郵便 10 digits", "japanpost", "1234567890", "11 to 13 digits; \"1234567890\" has 10", oshigoods.EUNPROCESSABLE},
		{"日本郵便 14 digits", "japanpost", "12345678901234", "has 14", oshigoods.EUNPROCESSABLE},
		{"日本郵便 international valid", "japanpost", "EE123456785JP", "", ""},
		{"日本郵便 international check digit wrong", "japanpost", "EE123456784JP", "UPU S10 check digit", oshigoods.EUNPROCESSABLE},
		{"日本郵便 international of another post", "japanpost", "AA473124829GB", "two letters, nine digits and JP", oshigoods.EUNPROCESSABLE},
		{"an unknown carrier", "fukuyama", "123456789012", "must be yamato, japanpost or sagawa", oshigoods.EINVALID},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			err := fulfil.CheckTracking(tc.carrier, tc.number)
			if tc.rule == "" {
				if err != nil {
					t.Errorf("CheckTracking(%s, %s): %v", tc.carrier, tc.number, err)
				}
				return
			}
			if oshigoods.ErrorCode(err) != tc.code || !strings.Contains(oshigoods.ErrorMessage(err), tc.rule) {
				t.Errorf("CheckTracking(%s, %s) = %v; want %s naming %q", tc.carrier, tc.number, err, tc.code, tc.rule)
			}
		})
	}
}

// TestParseTracking reads B2クラウド's export of issued labels, as the
// layout documents it: お客様管理番号 and 伝票番号 by header, Shift_JIS or
// UTF-8, rows not yet issued skipped.
func TestParseTracking(t *testing.T) {
	sjis, err := os.ReadFile("testdata/b2-issued.csv")
	if err != nil {
		t.Fatal(err)
	}
	utf8Text, err := japanese.ShiftJIS.NewDecoder().Bytes(sjis)
	if err != nil {
		t.Fatal(err)
	}
	// Without the header, the columns are at their layout positions.
	_, headerless, _ := bytes.Cut(utf8Text, []byte("\r\n"))
	badDigit := bytes.Replace(sjis, []byte("444413758703"), []byte("444413758704"), 1)
	noOrder := bytes.Replace(sjis, []byte("ord_iiiijjjjkkkkllll"), nil, 1)
	want := []fulfil.Tracking{
		{OrderID: "ord_aaaabbbbccccdddd", Number: "444413758703"},
		{OrderID: "ord_iiiijjjjkkkkllll", Number: "123456789013"},
	}
	for _, tc := range []struct {
		scenario string
		carrier  string
		data     []byte
		want     []fulfil.Tracking
		code     string
		inError  string
	}{
		{scenario: "Shift_JIS export", carrier: "yamato-b2", data: sjis, want: want},
		{scenario: "UTF-8 with a byte order mark", carrier: "yamato-b2", data: append([]byte("\xEF\xBB\xBF"), utf8Text...), want: want},
		{scenario: "no header row", carrier: "yamato-b2", data: headerless, want: want},
		{scenario: "a wrong check digit", carrier: "yamato-b2", data: badDigit, code: oshigoods.EUNPROCESSABLE, inError: "line 2 of the tracking export (order ord_aaaabbbbccccdddd)"},
		{scenario: "a number without an order", carrier: "yamato-b2", data: noOrder, code: oshigoods.EUNPROCESSABLE, inError: "line 3"},
		{scenario: "a layout without an export", carrier: "japanpost-clickpost", data: sjis, code: oshigoods.EINVALID, inError: "carrier"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			got, err := fulfil.ParseTracking(tc.carrier, bytes.NewReader(tc.data))
			if tc.code != "" {
				if oshigoods.ErrorCode(err) != tc.code || !strings.Contains(err.Error(), tc.inError) {
					t.Errorf("got %v; want %s mentioning %q", err, tc.code, tc.inError)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// TestTrackingURL links the carriers' public pages, and nothing for a
// number the carrier cannot have issued.
func TestTrackingURL(t *testing.T) {
	for _, tc := range []struct {
		scenario, carrier, number, want string
	}{
		{"ヤマト", "yamato", "444413758703", "https://jizen.kuronekoyamato.co.jp/jizen/servlet/crjz.b.NQ0010?id=444413758703"},
		{"ヤマト as printed, with hyphens", "yamato-b2", "4444-1375-8703", "https://jizen.kuronekoyamato.co.jp/jizen/servlet/crjz.b.NQ0010?id=444413758703"},
		{"日本郵便", "japanpost", "405548424886", "https://trackings.post.japanpost.jp/services/srv/search/direct?reqCodeNo1=405548424886&searchKind=S002&locale=ja"},
		{"日本郵便 international, lower case", "japanpost", "ee123456785jp", "https://trackings.post.japanpost.jp/services/srv/search/direct?reqCodeNo1=EE123456785JP&searchKind=S002&locale=ja"},
		{"佐川", "sagawa", "512547514334", "https://k2k.sagawa-exp.co.jp/p/web/okurijosearch.do?okurijoNo=512547514334"},
		{"a wrong check digit", "yamato", "444413758704", ""},
		{"an unknown carrier", "fukuyama", "444413758703", ""},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			if got := fulfil.TrackingURL(tc.carrier, tc.number); got != tc.want {
				t.Errorf("TrackingURL(%s, %s) = %q, want %q", tc.carrier, tc.number, got, tc.want)
			}
		})
	}
}
