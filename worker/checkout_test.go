package worker_test

import "oshigoods/orders"

// testAddress is a valid shipping address: printed goods need one.
func testAddress() *orders.ShippingAddress {
	return &orders.ShippingAddress{PostalCode: "100-0001", Prefecture: "東京都", City: "千代田区", Line1: "千代田1-1", Name: "山田 花子", Phone: "09012345678"}
}
