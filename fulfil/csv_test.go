package fulfil_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/japanese"

	"oshigoods"
	"oshigoods/fulfil"
	"oshigoods/orders"
)

// shipDate is 2026-12-06 16:00 UTC: 12月7日 in Japan, the day the file
// says.
var shipDate = time.Date(2026, 12, 6, 16, 0, 0, 0, time.UTC)

// readSJIS decodes a carrier file, checks that it is Shift_JIS that
// encodes back to the same bytes with CRLF line ends, and returns its
// records.
func readSJIS(t *testing.T, data []byte) [][]string {
	t.Helper()
	text, err := japanese.ShiftJIS.NewDecoder().Bytes(data)
	if err != nil {
		t.Fatalf("not Shift_JIS: %v", err)
	}
	if bytes.ContainsRune(text, '\uFFFD') {
		t.Errorf("decoding gave U+FFFD: a character was split or is not Shift_JIS")
	}
	back, err := japanese.ShiftJIS.NewEncoder().Bytes(text)
	if err != nil || !bytes.Equal(back, data) {
		t.Errorf("Shift_JIS round trip changed the file (%v)", err)
	}
	if n, crlf := bytes.Count(data, []byte("\n")), bytes.Count(data, []byte("\r\n")); n != crlf || n == 0 || !bytes.HasSuffix(data, []byte("\r\n")) {
		t.Errorf("%d line ends, %d of them CRLF; want every line to end in CRLF", n, crlf)
	}
	recs, err := csv.NewReader(bytes.NewReader(text)).ReadAll()
	if err != nil {
		t.Fatalf("read CSV: %v", err)
	}
	return recs
}

// sjisLen is s's length in Shift_JIS bytes, the carriers' half-width units.
func sjisLen(t *testing.T, s string) int {
	b, err := japanese.ShiftJIS.NewEncoder().String(s)
	if err != nil {
		t.Fatalf("%q is not Shift_JIS: %v", s, err)
	}
	return len(b)
}

// TestYamatoB2Layout checks the file against the B2クラウド standard
// layout: 95 columns with the documented headers, the fields filled at
// their documented positions, the ship date in Japan, Shift_JIS and CRLF.
func TestYamatoB2Layout(t *testing.T) {
	ps := testParcels(t)
	data, ct, name, warnings, err := fulfil.CarrierCSV(fulfil.CarrierYamatoB2, testShop(), []fulfil.Parcel{ps[0], ps[2]}, shipDate)
	if err != nil {
		t.Fatal(err)
	}
	if ct != "text/csv; charset=Shift_JIS" || name != "yamato-b2-20261207.csv" {
		t.Errorf("content type %q, file name %q", ct, name)
	}
	if len(warnings) != 0 {
		t.Errorf("ordinary parcels gave warnings: %v", warnings)
	}
	recs := readSJIS(t, data)
	if len(recs) != 3 {
		t.Fatalf("%d records, want the header and 2 parcels", len(recs))
	}
	for i, r := range recs {
		if len(r) != 95 {
			t.Errorf("record %d has %d columns, want the layout's 95", i, len(r))
		}
	}
	header := recs[0]
	for _, c := range []struct {
		n    int
		name string
	}{
		{1, "お客様管理番号"}, {2, "送り状種類"}, {3, "クール区分"}, {4, "伝票番号"}, {5, "出荷予定日"},
		{6, "お届け予定日"}, {7, "配達時間帯"}, {8, "お届け先コード"}, {9, "お届け先電話番号"},
		{11, "お届け先郵便番号"}, {12, "お届け先住所"}, {13, "お届け先アパートマンション名"},
		{16, "お届け先名"}, {18, "敬称"}, {20, "ご依頼主電話番号"}, {22, "ご依頼主郵便番号"},
		{23, "ご依頼主住所"}, {24, "ご依頼主アパートマンション"}, {25, "ご依頼主名"}, {28, "品名１"},
		{30, "品名２"}, {31, "荷扱い１"}, {40, "請求先顧客コード"}, {42, "運賃管理番号"},
		{74, "複数口くくりキー"}, {95, "投函完了メール（ご依頼主宛）メールメッセージ"},
	} {
		if header[c.n-1] != c.name {
			t.Errorf("header column %d is %q, want %q", c.n, header[c.n-1], c.name)
		}
	}
	for _, tc := range []struct {
		scenario string
		rec      []string
		want     map[int]string
	}{
		{"ネコポス to Tokyo", recs[1], map[int]string{
			1: "ord_aaaabbbbccccdddd", 2: "7", 3: "0", 4: "", 5: "2026/12/07", 6: "", 7: "",
			9: "09012345678", 11: "123-4567", 12: "東京都千代田区千代田1-1-1", 13: "メゾン桜201", 14: "", 15: "",
			16: "山田 花子", 18: "様", 20: "03-1234-5678", 22: "150-0001",
			23: "東京都渋谷区神宮前1-2-3 オシビル4階", 24: "", 25: "推しグッズ工房",
			28: "推しとの合成写真 L判", 30: "他1点", 31: "水濡厳禁", 34: "",
			40: "031234567801", 41: "", 42: "01",
		}},
		{"宅急便コンパクト to Okinawa", recs[2], map[int]string{
			1: "ord_iiiijjjjkkkkllll", 2: "8", 12: "沖縄県那覇市港町2-3-4", 13: "", 16: "比嘉 美咲",
			28: "推しからの手紙風メッセージカード", 30: "",
		}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			for n, want := range tc.want {
				if got := tc.rec[n-1]; got != want {
					t.Errorf("column %d (%s) is %q, want %q", n, header[n-1], got, want)
				}
			}
			for n, v := range tc.rec {
				if _, ok := tc.want[n+1]; !ok && v != "" && !slices.Contains([]int{2, 3, 5, 9, 11, 12, 13, 16, 18, 20, 22, 23, 25, 28, 30, 31, 40, 42}, n+1) {
					t.Errorf("column %d (%s) is %q, want it blank", n+1, header[n], v)
				}
			}
		})
	}
}

// TestYamatoB2Type maps the shipping method to 送り状種類.
func TestYamatoB2Type(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		method   orders.ShippingMethod
		want     string
	}{
		{"ネコポス by id", orders.ShippingMethod{ID: "nekopos", Name: "メール便", Carrier: "yamato"}, "7"},
		{"ネコポス by name", orders.ShippingMethod{ID: "thin", Name: "ネコポス（ポスト投函）", Carrier: "yamato"}, "7"},
		{"宅急便コンパクト by id", orders.ShippingMethod{ID: "compact", Name: "小さな箱", Carrier: "yamato"}, "8"},
		{"宅急便コンパクト by name", orders.ShippingMethod{ID: "box", Name: "宅急便コンパクト", Carrier: "yamato"}, "8"},
		{"宅急便 発払い", orders.ShippingMethod{ID: "takkyubin", Name: "宅急便", Carrier: "yamato"}, "0"},
		{"no carrier named", orders.ShippingMethod{ID: "standard", Name: "通常配送"}, "0"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			p := testParcels(t)[0]
			p.Method = tc.method
			data, _, _, _, err := fulfil.CarrierCSV(fulfil.CarrierYamatoB2, testShop(), []fulfil.Parcel{p}, shipDate)
			if err != nil {
				t.Fatal(err)
			}
			if got := readSJIS(t, data)[1][1]; got != tc.want {
				t.Errorf("送り状種類 %q, want %q", got, tc.want)
			}
		})
	}
}

// TestCarrierCSVAlters: text a label cannot hold is changed by the
// documented rules, never to '?', and every change is a warning naming
// the order and the column; lengths are cut between characters.
func TestCarrierCSVAlters(t *testing.T) {
	ps := testParcels(t)
	long := ps[1]
	emoji := ps[0]
	emoji.OrderID = "ord_emoji0000000000"
	emoji.Recipient.Name = "𠮷田 さくら🌸"
	emoji.Recipient.Line2 = "コーポ〜さくら 101"
	emoji.Items = []fulfil.ParcelItem{{ItemID: "itm_x", Title: "推しからのお手紙♡", Quantity: 1}}

	data, _, _, warnings, err := fulfil.CarrierCSV(fulfil.CarrierYamatoB2, testShop(), []fulfil.Parcel{long, emoji}, shipDate)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte("?")) {
		t.Error("the file has a '?'")
	}
	recs := readSJIS(t, data)
	lr, er := recs[1], recs[2]

	// Every column within its length, counted in Shift_JIS bytes.
	for _, r := range recs[1:] {
		for n, max := range map[int]int{12: 64, 13: 32, 14: 50, 15: 50, 16: 32, 28: 50, 30: 50} {
			if l := sjisLen(t, r[n-1]); l > max {
				t.Errorf("column %d (%s) is %d bytes, over its %d: %q", n, recs[0][n-1], l, max, r[n-1])
			}
		}
	}
	// The long address continues in the building and company columns and
	// loses nothing.
	to := long.Recipient.Normalize()
	if got, want := lr[11]+lr[12]+lr[13]+lr[14], to.Prefecture+to.City+to.Line1+to.Line2; got != want {
		t.Errorf("address columns 12–15 hold %q, want all of %q", got, want)
	}
	if lr[12] == "" || lr[13] == "" {
		t.Errorf("a long address should fill the building and company columns: %q", lr[11:15])
	}
	if got, want := lr[15], "長谷川部佐々木左衛門三郎太郎兵衛"; got != want {
		t.Errorf("the 18-character name is %q, want it cut to 16 full-width characters %q", got, want)
	}
	if !strings.HasPrefix(strings.Repeat("推しとの合成写真（特大・光沢仕上げ）", 4), lr[27]) || sjisLen(t, lr[27]) < 49 {
		t.Errorf("the long title is %q, want the first 25 full-width characters of it", lr[27])
	}
	if got, want := er[15], "吉田 さくら"; got != want {
		t.Errorf("the name is %q, want %q", got, want)
	}
	if got, want := er[12], "コーポ～さくら 101"; got != want {
		t.Errorf("the building is %q, want %q (wave dash as its code page 932 twin)", got, want)
	}
	if got, want := er[27], "推しからのお手紙"; got != want {
		t.Errorf("the title is %q, want %q", got, want)
	}

	type w struct{ order, field, has string }
	want := []w{
		{long.OrderID, "お届け先名", "cut to 32 half-width characters"},
		{long.OrderID, "品名１", "cut to 50 half-width characters"},
		{emoji.OrderID, "お届け先名", `"𠮷"→"吉", "🌸" removed`},
		{emoji.OrderID, "品名１", `"♡" removed`},
	}
	if len(warnings) != len(want) {
		t.Errorf("%d warnings, want %d:\n%s", len(warnings), len(want), fmt.Sprint(warnings))
	}
	for i, x := range want {
		if i >= len(warnings) {
			break
		}
		g := warnings[i]
		if g.OrderID != x.order || g.Field != x.field || !strings.Contains(g.Message, x.has) {
			t.Errorf("warning %d is %s; want %s: %s: …%s…", i, g, x.order, x.field, x.has)
		}
	}
}

// TestClickPost checks the クリックポスト まとめ申込 file: eight columns,
// the address on up to four lines of 全角20, the contents cut to 全角15
// keeping "他N点".
func TestClickPost(t *testing.T) {
	ps := testParcels(t)
	for i := range ps {
		ps[i].Method = orders.ShippingMethod{ID: "clickpost", Name: "クリックポスト", Carrier: "japanpost", Fee: 185}
	}
	data, ct, name, warnings, err := fulfil.CarrierCSV(fulfil.CarrierClickPost, testShop(), ps, shipDate)
	if err != nil {
		t.Fatal(err)
	}
	if ct != fulfil.CSVContentType || name != "japanpost-clickpost-20261207.csv" {
		t.Errorf("content type %q, file name %q", ct, name)
	}
	recs := readSJIS(t, data)
	if want := []string{"お届け先郵便番号", "お届け先氏名", "お届け先敬称", "お届け先住所1行目", "お届け先住所2行目", "お届け先住所3行目", "お届け先住所4行目", "内容品"}; !slices.Equal(recs[0], want) {
		t.Errorf("header %q, want %q", recs[0], want)
	}
	if len(recs) != 4 {
		t.Fatalf("%d records, want the header and 3", len(recs))
	}
	if want := []string{"123-4567", "山田 花子", "様", "東京都千代田区千代田1-1-1", "メゾン桜201", "", "", "推しとの合成写真 L判 他1点"}; !slices.Equal(recs[1], want) {
		t.Errorf("first row %q, want %q", recs[1], want)
	}
	// Four lines of 全角20 hold 160 bytes; the longest address checkout
	// takes is 195: it fills them and the rest is cut, with a warning.
	long := recs[2]
	to := ps[1].Recipient.Normalize()
	if got, full := strings.Join(long[3:7], ""), to.Prefecture+to.City+to.Line1+to.Line2; !strings.HasPrefix(full, got) || sjisLen(t, got) < 156 {
		t.Errorf("address lines hold %q, want the start of %q filling the four lines", got, full)
	}
	for n := 3; n < 7; n++ {
		if l := sjisLen(t, long[n]); l > 40 {
			t.Errorf("address line %d is %d bytes, over 40: %q", n-2, l, long[n])
		}
	}
	if l := sjisLen(t, long[7]); l > 30 || !strings.HasSuffix(long[7], " 他2点") {
		t.Errorf("内容品 %q (%d bytes): want at most 30 bytes ending in 他2点", long[7], l)
	}
	if got, want := recs[3][7], "推しからの手紙風メッセージカー"; got != want {
		t.Errorf("内容品 %q, want the title cut to 全角15 %q", got, want)
	}
	var got []string
	for _, w := range warnings {
		got = append(got, w.OrderID+" "+w.Field)
	}
	if want := []string{ps[1].OrderID + " お届け先住所1行目", ps[1].OrderID + " 内容品", ps[2].OrderID + " 内容品"}; !slices.Equal(got, want) {
		t.Errorf("warnings %v; want %v", warnings, want)
	}
}

// TestCarrierCSVRefuses names what is wrong.
func TestCarrierCSVRefuses(t *testing.T) {
	many := make([]fulfil.Parcel, 41)
	for i := range many {
		many[i] = testParcels(t)[2]
		many[i].Method = orders.ShippingMethod{ID: "clickpost", Name: "クリックポスト", Carrier: "japanpost"}
	}
	for _, tc := range []struct {
		scenario string
		carrier  string
		shop     func(*fulfil.Shop)
		parcels  []fulfil.Parcel
		date     time.Time
		code     string
		field    string
	}{
		{scenario: "an unknown layout", carrier: "sagawa-ehiden", code: oshigoods.EINVALID, field: "carrier"},
		{scenario: "B2 without the customer code", carrier: fulfil.CarrierYamatoB2, shop: func(s *fulfil.Shop) { s.YamatoCustomerCode = "" },
			code: oshigoods.EUNPROCESSABLE, field: "Shop.YamatoCustomerCode"},
		{scenario: "a parcel of another carrier", carrier: fulfil.CarrierClickPost, code: oshigoods.EUNPROCESSABLE, field: "parcels[0].method"},
		{scenario: "no ship date", carrier: fulfil.CarrierYamatoB2, date: time.Time{}, code: oshigoods.EUNPROCESSABLE, field: "ship_date"},
		{scenario: "41 parcels in one クリックポスト file", carrier: fulfil.CarrierClickPost, parcels: many, code: oshigoods.EUNPROCESSABLE, field: "parcels"},
		{scenario: "an invalid shop", carrier: fulfil.CarrierYamatoB2, shop: func(s *fulfil.Shop) { s.PostalCode = "1500" }, code: oshigoods.EUNPROCESSABLE},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			shop := testShop()
			if tc.shop != nil {
				tc.shop(&shop)
			}
			ps := tc.parcels
			if ps == nil {
				ps = testParcels(t)
			}
			date := shipDate
			if tc.scenario == "no ship date" {
				date = tc.date
			}
			_, _, _, _, err := fulfil.CarrierCSV(tc.carrier, shop, ps, date)
			if oshigoods.ErrorCode(err) != tc.code || oshigoods.ErrorField(err) != tc.field {
				t.Errorf("got %v (code %s, field %q); want code %s, field %q", err, oshigoods.ErrorCode(err), oshigoods.ErrorField(err), tc.code, tc.field)
			}
		})
	}
}

// TestShopValidate lists every bad setting.
func TestShopValidate(t *testing.T) {
	if err := testShop().Validate(); err != nil {
		t.Fatalf("the test shop: %v", err)
	}
	bad := fulfil.Shop{Name: "推しグッズ工房💖", PostalCode: "12345", Address: strings.Repeat("東京都", 20), Phone: "12-34",
		Email: "Shop <shop@example.jp>", YamatoCustomerCode: "abc", YamatoFreightCode: "1"}
	var fields []string
	for _, e := range oshigoods.ConfigErrors(bad.Validate()) {
		fields = append(fields, e.Field)
	}
	want := []string{"Shop.Name", "Shop.Address", "Shop.PostalCode", "Shop.Phone", "Shop.Email", "Shop.YamatoCustomerCode", "Shop.YamatoFreightCode"}
	if !slices.Equal(fields, want) {
		t.Errorf("Validate refused %v, want %v", fields, want)
	}
}
