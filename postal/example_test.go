package postal_test

import (
	"fmt"

	"oshigoods/postal"
)

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
