package testenv

// Address returns a valid Japanese shipping address as the order API
// takes it ("shipping_address"): an order with printed goods needs one.
func Address() map[string]string {
	return map[string]string{
		"postal_code": "100-0001", "prefecture": "東京都", "city": "千代田区", "line1": "千代田1-1",
		"line2": "推しマンション101", "name": "山田 花子", "phone": "090-1234-5678",
	}
}

// Checkout adds what every order request needs besides its items to
// body: the terms accepted and, for printed goods, Address. It returns
// body.
func Checkout(body map[string]any) map[string]any {
	body["terms_accepted"] = true
	if _, ok := body["shipping_address"]; !ok {
		body["shipping_address"] = Address()
	}
	return body
}
