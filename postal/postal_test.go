package postal

import "testing"

func TestNormalize(t *testing.T) {
	tests := []struct {
		scenario string
		in       string
		want     string
		ok       bool
	}{
		{"hyphenated", "100-0001", "1000001", true},
		{"bare digits", "1000001", "1000001", true},
		{"leading zero kept", "060-0000", "0600000", true},
		{"full-width digits and hyphen", "１００－０００１", "1000001", true},
		{"full-width digits, no hyphen", "１０００００１", "1000001", true},
		{"mixed widths", "１００-0001", "1000001", true},
		{"post mark", "〒100-0001", "1000001", true},
		{"post mark and space", "〒 100-0001", "1000001", true},
		{"full-width spaces around", "\u3000〒１００－０００１\u3000", "1000001", true},
		{"spaces around", "  100-0001 ", "1000001", true},
		{"spaces around the hyphen", "100 - 0001", "1000001", true},
		{"space for hyphen", "100 0001", "1000001", true},
		{"katakana long-vowel mark for hyphen", "１００ー０００１", "1000001", true},
		{"unicode hyphen", "100‐0001", "1000001", true},
		{"minus sign", "100−0001", "1000001", true},
		{"trailing newline", "100-0001\n", "1000001", true},

		{"empty", "", "", false},
		{"only the post mark", "〒", "", false},
		{"six digits", "100-001", "", false},
		{"eight digits", "1000-0001", "", false},
		{"eight bare digits", "10000011", "", false},
		{"hyphen in the wrong place", "1000-001", "", false},
		{"two hyphens", "100--0001", "", false},
		{"trailing hyphen", "100-0001-", "", false},
		{"leading hyphen", "-1000001", "", false},
		{"space in the wrong place", "1 000001", "", false},
		{"letters", "abc-defg", "", false},
		{"a letter among digits", "100-000a", "", false},
		{"two post marks", "〒〒100-0001", "", false},
		{"post mark after", "100-0001〒", "", false},
		{"other script's digits", "١٠٠-٠٠٠١", "", false},
		{"two codes", "100-0001 100-0002", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			got, ok := Normalize(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Errorf("Normalize(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestPrefectures(t *testing.T) {
	tests := []struct {
		jis  int
		name string
	}{
		{1, "北海道"}, {2, "青森県"}, {3, "岩手県"}, {4, "宮城県"}, {5, "秋田県"},
		{6, "山形県"}, {7, "福島県"}, {8, "茨城県"}, {9, "栃木県"}, {10, "群馬県"},
		{11, "埼玉県"}, {12, "千葉県"}, {13, "東京都"}, {14, "神奈川県"}, {15, "新潟県"},
		{16, "富山県"}, {17, "石川県"}, {18, "福井県"}, {19, "山梨県"}, {20, "長野県"},
		{21, "岐阜県"}, {22, "静岡県"}, {23, "愛知県"}, {24, "三重県"}, {25, "滋賀県"},
		{26, "京都府"}, {27, "大阪府"}, {28, "兵庫県"}, {29, "奈良県"}, {30, "和歌山県"},
		{31, "鳥取県"}, {32, "島根県"}, {33, "岡山県"}, {34, "広島県"}, {35, "山口県"},
		{36, "徳島県"}, {37, "香川県"}, {38, "愛媛県"}, {39, "高知県"}, {40, "福岡県"},
		{41, "佐賀県"}, {42, "長崎県"}, {43, "熊本県"}, {44, "大分県"}, {45, "宮崎県"},
		{46, "鹿児島県"}, {47, "沖縄県"},
	}
	if len(tests) != len(Prefectures) {
		t.Fatalf("%d cases for %d prefectures", len(tests), len(Prefectures))
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Prefectures[tc.jis-1]; got != tc.name {
				t.Errorf("Prefectures[%d] (JIS %02d) = %q, want %q", tc.jis-1, tc.jis, got, tc.name)
			}
		})
	}
}

func BenchmarkNormalize(b *testing.B) {
	b.ReportAllocs()
	for range b.N {
		Normalize("〒１００－０００１")
	}
}
