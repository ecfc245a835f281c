package fulfil_test

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
	"time"

	"oshigoods/fulfil"
	"oshigoods/orders"
)

// testShop is the sender of every test parcel.
func testShop() fulfil.Shop {
	return fulfil.Shop{
		Name:               "推しグッズ工房",
		PostalCode:         "150-0001",
		Address:            "東京都渋谷区神宮前1-2-3 オシビル4階",
		Phone:              "03-1234-5678",
		Email:              "shop@oshigoods.example",
		YamatoCustomerCode: "031234567801",
	}
}

var (
	nekopos = orders.ShippingMethod{ID: "nekopos", Name: "ネコポス", Carrier: "yamato", Fee: 300}
	compact = orders.ShippingMethod{ID: "compact", Name: "宅急便コンパクト", Carrier: "yamato", Fee: 800}
	// ordered is 2026-12-05 20:30 UTC: 12月6日 in Japan.
	ordered = time.Date(2026, 12, 5, 20, 30, 0, 0, time.UTC)
)

// testImage draws a w×h picture: a warm gradient with a dark frame and a
// diagonal, so scaling and aspect show in a golden image.
func testImage(w, h int) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.NRGBA{uint8(255 * x / w), uint8(120 + 100*y/h), 200, 255}
			if x < 6 || y < 6 || x >= w-6 || y >= h-6 || abs(x*h-y*w) < 4*w {
				c = color.NRGBA{40, 40, 90, 255}
			}
			img.Set(x, y, c)
		}
	}
	return img
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func testJPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, testImage(w, h), &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func testPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, testImage(w, h)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// testParcels are three parcels: an ordinary one with a portrait JPEG and
// a landscape PNG; one with the longest address checkout takes (32
// characters a line), a long name and long titles, one item without a
// thumbnail, and a note; and a single card by 宅急便コンパクト.
func testParcels(t testing.TB) []fulfil.Parcel {
	return []fulfil.Parcel{
		{
			OrderID:   "ord_aaaabbbbccccdddd",
			OrderedAt: ordered,
			Recipient: orders.ShippingAddress{PostalCode: "123-4567", Prefecture: "東京都", City: "千代田区",
				Line1: "千代田1-1-1", Line2: "メゾン桜201", Name: "山田 花子", Phone: "09012345678"},
			Method: nekopos,
			Items: []fulfil.ParcelItem{
				{ItemID: "itm_photo0000000001", Title: "推しとの合成写真 L判", Quantity: 2, UnitPrice: 1200, Thumbnail: testJPEG(t, 300, 420)},
				{ItemID: "itm_card00000000002", Title: "推しからの手紙風メッセージカード（縦書き）", Quantity: 1, UnitPrice: 880, Thumbnail: testPNG(t, 420, 300)},
			},
		},
		{
			OrderID:   "ord_eeeeffffgggghhhh",
			OrderedAt: ordered.Add(-30 * 24 * time.Hour),
			Recipient: orders.ShippingAddress{PostalCode: "0600001", Prefecture: "北海道",
				City:  strings.Repeat("札幌市中央区北一条西", 3) + "二丁",
				Line1: strings.Repeat("大通公園前通り一丁目", 3) + "十番",
				Line2: strings.Repeat("グランドメゾン", 4) + "201号",
				Name:  "長谷川部佐々木左衛門三郎太郎兵衛之助", Phone: "0111234567"},
			Method: nekopos,
			Note:   "お誕生日おめでとうございます！これからもずっと応援しています。いつもありがとう。",
			Items: []fulfil.ParcelItem{
				{ItemID: "itm_photo0000000003", Title: strings.Repeat("推しとの合成写真（特大・光沢仕上げ）", 4), Quantity: 1, UnitPrice: 1500},
				{ItemID: "itm_card00000000004", Title: "SuperLongLatinTitleWithoutAnySpacesThatCannotBreakAnywhereAtAll_v2", Quantity: 3, UnitPrice: 880, Thumbnail: testJPEG(t, 200, 200)},
				{ItemID: "itm_card00000000005", Title: "ありがとうカード", Quantity: 1, UnitPrice: 660, Thumbnail: testPNG(t, 120, 400)},
			},
		},
		{
			OrderID:   "ord_iiiijjjjkkkkllll",
			OrderedAt: ordered,
			Recipient: orders.ShippingAddress{PostalCode: "900-0001", Prefecture: "沖縄県", City: "那覇市",
				Line1: "港町2-3-4", Name: "比嘉 美咲", Phone: "09898765432"},
			Method: compact,
			Items: []fulfil.ParcelItem{
				{ItemID: "itm_card00000000006", Title: "推しからの手紙風メッセージカード", Quantity: 1, UnitPrice: 880, Thumbnail: testPNG(t, 300, 420)},
			},
		},
	}
}
