package storefront

import (
	"testing"

	"oshigoods/orders"
)

func TestYen(t *testing.T) {
	for _, tc := range []struct {
		n    orders.Yen
		want string
	}{{0, "￥0"}, {880, "￥880"}, {1980, "￥1,980"}, {1234567, "￥1,234,567"}, {-300, "￥-300"}} {
		if got := yen(tc.n); got != tc.want {
			t.Errorf("yen(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestViewShipping(t *testing.T) {
	for _, tc := range []struct {
		m    orders.ShippingMethod
		want string
	}{
		{orders.ShippingMethod{Fee: 300, FreeFrom: 5000, MaxItems: 20}, "￥300（5,000円以上で送料無料・20点まで）"},
		{orders.ShippingMethod{Fee: 800, FreeFrom: 10000}, "￥800（10,000円以上で送料無料）"},
		{orders.ShippingMethod{Fee: 520}, "￥520"},
		{orders.ShippingMethod{Fee: 0, FreeFrom: 3000}, "送料無料"},
	} {
		if got := viewShipping(tc.m).Terms; got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.m, got, tc.want)
		}
	}
}
