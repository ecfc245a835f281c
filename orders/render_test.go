package orders_test

import (
	"fmt"
	"slices"
	"testing"

	"oshigoods/orders"
)

func TestMergeWarnings(t *testing.T) {
	soft := "The photo … prints at about 233 dpi …; below 300 dpi it may look soft."
	shrunk := "The name is set at 80% to fit its box."
	tests := []struct {
		scenario      string
		order, render []string
		want          []string
	}{
		{"none", nil, nil, nil},
		{"order-time kept when the render adds none", []string{soft}, nil, []string{soft}},
		{"render-time added after", []string{soft}, []string{shrunk}, []string{soft, shrunk}},
		{"the same warning from both once, in order-time place", []string{shrunk, soft}, []string{soft, shrunk}, []string{shrunk, soft}},
		{"duplicates within one list once", nil, []string{shrunk, shrunk}, []string{shrunk}},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			if got := orders.MergeWarnings(tc.order, tc.render); !slices.Equal(got, tc.want) {
				t.Errorf("MergeWarnings(%q, %q) = %q, want %q", tc.order, tc.render, got, tc.want)
			}
		})
	}
}

func ExampleMergeWarnings() {
	ordered := []string{"The photo prints at about 233 dpi; it may look soft."}
	rendered := []string{"The photo prints at about 233 dpi; it may look soft.", "The name is set smaller to fit."}
	fmt.Printf("%q\n", orders.MergeWarnings(ordered, rendered))
	// Output: ["The photo prints at about 233 dpi; it may look soft." "The name is set smaller to fit."]
}
