package fulfil

import (
	"strings"
	"time"

	"oshigoods"
)

// ヤマト運輸 B2クラウド「外部データから発行」, standard layout, for 発払い.
//
// Source: ヤマト運輸「B2クラウド 送り状発行データレイアウト 入出力用」
// (https://bmypage.kuronekoyamato.co.jp/bmypage/pdf/new_exchange1.pdf),
// the layout B2クラウド's 外部データから発行 takes as its standard
// (基本レイアウト) and writes back for 発行済データ. The PDF itself could not
// be opened where this was written; the columns, each column's length
// (全角/半角: a full-width character counts two) and the codes below are as
// public integrations quote that document column by column:
// labocho/yamato_b2_cloud (Ruby; cites the PDF and numbers the columns it
// fills), and a shop integration's header row that carries each of the 95
// columns' lengths and codes. The older edition of the same document
// (「B2 送り状発行データレイアウト 入出力用」 for B2Web) agrees on the first
// columns and the 送り状種別 codes.
// The file is Shift_JIS with CRLF; the first row is the header, so B2's
// 取込み開始行 is 2.
//
// Codes used: 送り状種類 0 発払い, 7 ネコポス, 8 宅急便コンパクト (2 コレクト,
// 3 DM便, 9 宅急便コンパクトコレクト are not written); クール区分 0 通常;
// 請求先顧客コード (12 digits) and 運賃管理番号 (2 digits) are required
// for 宅急便 and ネコポス.

// B2 column numbers (from 1, as the layout counts them) that CarrierCSV
// fills.
const (
	b2CustomerRef    = 1  // お客様管理番号: the order id
	b2Type           = 2  // 送り状種類
	b2Cool           = 3  // クール区分
	b2Tracking       = 4  // 伝票番号: blank on input, B2 numbers the label
	b2ShipDate       = 5  // 出荷予定日 YYYY/MM/DD
	b2ToPhone        = 9  // お届け先電話番号
	b2ToPostal       = 11 // お届け先郵便番号 123-4567
	b2ToAddress      = 12 // お届け先住所
	b2ToBuilding     = 13 // お届け先アパートマンション名
	b2ToCompany1     = 14 // お届け先会社・部門１
	b2ToCompany2     = 15 // お届け先会社・部門２
	b2ToName         = 16 // お届け先名
	b2Honorific      = 18 // 敬称
	b2FromPhone      = 20 // ご依頼主電話番号
	b2FromPostal     = 22 // ご依頼主郵便番号
	b2FromAddress    = 23 // ご依頼主住所
	b2FromBuilding   = 24 // ご依頼主アパートマンション
	b2FromName       = 25 // ご依頼主名
	b2Item1          = 28 // 品名１
	b2Item2          = 30 // 品名２
	b2Handling1      = 31 // 荷扱い１
	b2CustomerCode   = 40 // 請求先顧客コード
	b2ClassCode      = 41 // 請求先分類コード
	b2FreightCode    = 42 // 運賃管理番号
	b2Columns        = 95
	b2DefaultFreight = "01"
)

// b2Type values: 送り状種類.
const (
	b2Prepaid = "0" // 発払い (宅急便)
	b2Nekopos = "7" // ネコポス
	b2Compact = "8" // 宅急便コンパクト
)

var yamatoB2 = layout{
	carrier: "yamato",
	columns: []column{
		{"お客様管理番号", 50}, {"送り状種類", 1}, {"クール区分", 1}, {"伝票番号", 12},
		{"出荷予定日", 10}, {"お届け予定日", 10}, {"配達時間帯", 4}, {"お届け先コード", 20},
		{"お届け先電話番号", 15}, {"お届け先電話番号枝番", 2}, {"お届け先郵便番号", 8},
		{"お届け先住所", 64}, {"お届け先アパートマンション名", 32},
		{"お届け先会社・部門１", 50}, {"お届け先会社・部門２", 50}, {"お届け先名", 32},
		{"お届け先名(ｶﾅ)", 50}, {"敬称", 4}, {"ご依頼主コード", 20}, {"ご依頼主電話番号", 15},
		{"ご依頼主電話番号枝番", 2}, {"ご依頼主郵便番号", 8}, {"ご依頼主住所", 64},
		{"ご依頼主アパートマンション", 32}, {"ご依頼主名", 32}, {"ご依頼主名(ｶﾅ)", 50},
		{"品名コード１", 30}, {"品名１", 50}, {"品名コード２", 30}, {"品名２", 50},
		{"荷扱い１", 20}, {"荷扱い２", 20}, {"記事", 44}, {"ｺﾚｸﾄ代金引換額（税込)", 7},
		{"内消費税額等", 7}, {"止置き", 1}, {"営業所コード", 6}, {"発行枚数", 2},
		{"個数口表示フラグ", 1}, {"請求先顧客コード", 12}, {"請求先分類コード", 3},
		{"運賃管理番号", 2}, {"クロネコwebコレクトデータ登録", 1},
		{"クロネコwebコレクト加盟店番号", 9}, {"クロネコwebコレクト申込受付番号１", 23},
		{"クロネコwebコレクト申込受付番号２", 23}, {"クロネコwebコレクト申込受付番号３", 23},
		{"お届け予定ｅメール利用区分", 1}, {"お届け予定ｅメールe-mailアドレス", 60}, {"入力機種", 1},
		{"お届け予定ｅメールメッセージ", 148}, {"お届け完了ｅメール利用区分", 1},
		{"お届け完了ｅメールe-mailアドレス", 60}, {"お届け完了ｅメールメッセージ", 318},
		{"クロネコ収納代行利用区分", 1}, {"予備", 1}, {"収納代行請求金額(税込)", 7},
		{"収納代行内消費税額等", 7}, {"収納代行請求先郵便番号", 8}, {"収納代行請求先住所", 64},
		{"収納代行請求先住所（アパートマンション名）", 32}, {"収納代行請求先会社・部門名１", 50},
		{"収納代行請求先会社・部門名２", 50}, {"収納代行請求先名(漢字)", 32},
		{"収納代行請求先名(カナ)", 50}, {"収納代行問合せ先名(漢字)", 32},
		{"収納代行問合せ先郵便番号", 8}, {"収納代行問合せ先住所", 64},
		{"収納代行問合せ先住所（アパートマンション名）", 32}, {"収納代行問合せ先電話番号", 15},
		{"収納代行管理番号", 20}, {"収納代行品名", 50}, {"収納代行備考", 28},
		{"複数口くくりキー", 20}, {"検索キータイトル1", 20}, {"検索キー1", 20},
		{"検索キータイトル2", 20}, {"検索キー2", 20}, {"検索キータイトル3", 20}, {"検索キー3", 20},
		{"検索キータイトル4", 20}, {"検索キー4", 20}, {"検索キータイトル5", 20}, {"検索キー5", 20},
		{"予備", 0}, {"予備", 0}, {"投函予定メール利用区分", 1},
		{"投函予定メールe-mailアドレス", 60}, {"投函予定メールメッセージ", 148},
		{"投函完了メール（お届け先宛）利用区分", 1}, {"投函完了メール（お届け先宛）e-mailアドレス", 60},
		{"投函完了メール（お届け先宛）メールメッセージ", 318},
		{"投函完了メール（ご依頼主宛）利用区分", 1}, {"投函完了メール（ご依頼主宛）e-mailアドレス", 60},
		{"投函完了メール（ご依頼主宛）メールメッセージ", 318},
	},
	check: func(s Shop) error {
		if s.YamatoCustomerCode == "" {
			return &oshigoods.Error{Code: oshigoods.EUNPROCESSABLE, Field: "Shop.YamatoCustomerCode",
				Message: "the yamato-b2 file needs the shop's B2クラウド ご請求先顧客コード (OSHIGOODS_YAMATO_CUSTOMER_CODE on the server); B2クラウド refuses 宅急便 and ネコポス rows without it."}
		}
		return nil
	},
	fill: func(r *row, shop Shop, p Parcel, day time.Time) {
		to := recipientOf(p)
		r.set(b2CustomerRef, p.OrderID)
		r.set(b2Type, b2TypeOf(p))
		r.set(b2Cool, "0")
		r.set(b2ShipDate, day.Format("2006/01/02"))
		r.set(b2ToPhone, to.Phone)
		r.set(b2ToPostal, to.PostalCode)
		r.spread([]int{b2ToAddress, b2ToBuilding, b2ToCompany1, b2ToCompany2}, []piece{
			{to.Prefecture + to.City, 0}, {to.Line1, 0}, {to.Line2, 1},
		})
		r.set(b2ToName, to.Name)
		r.set(b2Honorific, "様")
		r.set(b2FromPhone, shop.Phone)
		r.set(b2FromPostal, shop.PostalCode)
		r.spread([]int{b2FromAddress, b2FromBuilding}, []piece{{shop.Address, 0}})
		r.set(b2FromName, shop.Name)
		first, rest := itemsSummary(p)
		r.set(b2Item1, first)
		r.set(b2Item2, rest)
		// Printed photos and cards spoil when wet.
		r.set(b2Handling1, "水濡厳禁")
		r.set(b2CustomerCode, shop.YamatoCustomerCode)
		r.set(b2ClassCode, shop.YamatoClassCode)
		r.set(b2FreightCode, or(shop.YamatoFreightCode, b2DefaultFreight))
	},
}

// b2TypeOf is the parcel's 送り状種類 by its shipping method: ネコポス
// (method ID "nekopos", or a name with ネコポス) is 7, 宅急便コンパクト (ID
// "compact", or a name with コンパクト) is 8, any other Yamato method is 0,
// 宅急便 発払い.
func b2TypeOf(p Parcel) string {
	id, name := strings.ToLower(p.Method.ID), p.Method.Name
	switch {
	case id == "nekopos" || strings.Contains(name, "ネコポス"):
		return b2Nekopos
	case id == "compact" || strings.Contains(name, "コンパクト"):
		return b2Compact
	}
	return b2Prepaid
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
