package postal_test

import (
	"fmt"

	"oshigoods/postal"
)

func ExampleLookup() {
	code, ok := postal.Normalize("〒１００－０００１")
	if !ok {
		fmt.Println("not a postal code")
		return
	}
	for _, a := range postal.Lookup(code) {
		fmt.Println(code, a.Prefecture, a.City, a.Town)
	}
	// Output: 1000001 東京都 千代田区 千代田
}

func ExampleNormalize() {
	for _, s := range []string{"100-0001", "〒 １２３ー４５６７", "123-456"} {
		digits, ok := postal.Normalize(s)
		fmt.Printf("%q %v\n", digits, ok)
	}
	// Output:
	// "1000001" true
	// "1234567" true
	// "" false
}
