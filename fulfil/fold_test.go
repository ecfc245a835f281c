package fulfil

import (
	"slices"
	"testing"
)

// TestFold: what Shift_JIS cannot hold is replaced by the documented
// rules, and only lossy changes are reported.
func TestFold(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		in, want string
		changes  []string
	}{
		{"plain Japanese stays", "山田 花子", "山田 花子", nil},
		{"code page 932 extensions stay", "髙橋 﨑 ①", "髙橋 﨑 ①", nil},
		{"wave dash becomes its twin, unreported", "10〜12時", "10～12時", nil},
		{"minus and em dash become their twins", "1−2—3", "1－2―3", nil},
		{"a kanji variant becomes its standard form", "𠮷田", "吉田", []string{`"𠮷"→"吉"`}},
		{"compatibility form", "㋿8年", "令和8年", []string{`"㋿"→"令和"`}},
		{"accents dropped", "Café", "Cafe", []string{`"é"→"e"`}},
		{"emoji removed", "さくら🌸", "さくら", []string{`"🌸" removed`}},
		{"emoji sequence removed whole", "推し❤️‍🔥です", "推しです", []string{`"❤" removed`, `U+FE0F removed`, `U+200D removed`, `"🔥" removed`}},
		{"hearts removed", "ありがとう♡", "ありがとう", []string{`"♡" removed`}},
		{"a rare kanji becomes geta", "𩸽の干物", "〓の干物", []string{`"𩸽"→"〓"`}},
		{"each change once", "🌸🌸", "", []string{`"🌸" removed`}},
		{"control characters become spaces", "一\t二", "一 二", nil},
		{"combining sound mark composed", "か\u3099", "が", nil},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			got, changes := Fold(tc.in, sjisCan)
			if got != tc.want || !slices.Equal(changes, tc.changes) {
				t.Errorf("Fold(%q) = %q, %q; want %q, %q", tc.in, got, changes, tc.want, tc.changes)
			}
			if !all(got, sjisCan) {
				t.Errorf("Fold(%q) = %q still has a character Shift_JIS cannot hold", tc.in, got)
			}
		})
	}
}
