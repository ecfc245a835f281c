package fulfil_test

import (
	"fmt"
	"time"

	"oshigoods/fulfil"
	"oshigoods/orders"
)

// A B2クラウド file for one parcel whose recipient's name has an emoji:
// the file is still written, and the warning says what changed.
func ExampleCarrierCSV() {
	shop := fulfil.Shop{Name: "推しグッズ工房", PostalCode: "150-0001", Address: "東京都渋谷区神宮前1-2-3",
		Phone: "03-1234-5678", YamatoCustomerCode: "031234567801"}
	parcel := fulfil.Parcel{
		OrderID: "ord_aaaabbbbccccdddd",
		Recipient: orders.ShippingAddress{PostalCode: "123-4567", Prefecture: "東京都", City: "千代田区",
			Line1: "千代田1-1-1", Name: "山田 花子🌸", Phone: "09012345678"},
		Method: orders.ShippingMethod{ID: "nekopos", Name: "ネコポス", Carrier: "yamato"},
		Items:  []fulfil.ParcelItem{{ItemID: "itm_1", Title: "推しとの合成写真 L判", Quantity: 1}},
	}
	ship := time.Date(2026, 12, 7, 9, 0, 0, 0, time.FixedZone("JST", 9*60*60))
	data, contentType, filename, warnings, err := fulfil.CarrierCSV(fulfil.CarrierYamatoB2, shop, []fulfil.Parcel{parcel}, ship)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(contentType, filename, len(data) > 0)
	for _, w := range warnings {
		fmt.Println(w)
	}
	// Output:
	// text/csv; charset=Shift_JIS yamato-b2-20261207.csv true
	// ord_aaaabbbbccccdddd: お届け先名: not in Shift_JIS: "🌸" removed
}

func ExampleTrackingURL() {
	fmt.Println(fulfil.TrackingURL("yamato", "4444-1375-8703"))
	fmt.Println(fulfil.CheckTracking("yamato", "444413758704"))
	// Output:
	// https://jizen.kuronekoyamato.co.jp/jizen/servlet/crjz.b.NQ0010?id=444413758703
	// oshigoods: unprocessable: tracking_number: "444413758704" fails the ヤマト運輸 check digit: the first 11 digits modulo 7 give 3, not 4.
}
