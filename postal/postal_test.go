package postal

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
)

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

func TestLookup(t *testing.T) {
	tests := []struct {
		scenario string
		code     string
		want     []Address
	}{
		{"Tokyo", "1000001", []Address{{"東京都", "千代田区", "千代田"}}},
		{"Sapporo, no town listed", "0600000", []Address{{"北海道", "札幌市中央区", ""}}},
		{"Naha", "9000001", []Address{{"沖縄県", "那覇市", "港町"}}},
		{"two wards", "0040000", []Address{
			{"北海道", "札幌市厚別区", ""},
			{"北海道", "札幌市清田区", ""},
		}},
		{"two prefectures", "4980000", []Address{
			{"愛知県", "弥富市", ""},
			{"三重県", "桑名郡木曽岬町", ""},
		}},
		{"note dropped: （次のビルを除く）", "1000004", []Address{{"東京都", "千代田区", "大手町"}}},
		{"note dropped: （１～１９丁目）", "0600042", []Address{{"北海道", "札幌市中央区", "大通西"}}},
		{"high-rise floor kept", "4506201", []Address{{"愛知県", "名古屋市中村区", "名駅ミッドランドスクエア（高層棟）１階"}}},
		{"high-rise, no or unknown floor", "4506290", []Address{{"愛知県", "名古屋市中村区", "名駅ミッドランドスクエア"}}},
		{"placeholder 一円 becomes empty", "1000301", []Address{{"東京都", "利島村", ""}}},
		{"the place called 一円 stays", "5220317", []Address{{"滋賀県", "犬上郡多賀町", "一円"}}},
		{"placeholder の次に番地がくる場合 becomes empty", "4090211", []Address{{"山梨県", "北都留郡小菅村", ""}}},
		{"ward renamed in 2024", "4300906", []Address{{"静岡県", "浜松市中央区", "住吉"}}},

		{"unknown code", "0000000", nil},
		{"unknown code at the end", "9999999", nil},
		{"between two codes", "1000007", nil},
		{"not normalized", "100-0001", nil},
		{"full-width", "１０００００１", nil},
		{"too short", "100000", nil},
		{"empty", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			got := Lookup(tc.code)
			if !slices.Equal(got, tc.want) {
				t.Errorf("Lookup(%q) = %q, want %q", tc.code, got, tc.want)
			}
		})
	}
}

func TestLookupManyTowns(t *testing.T) {
	// 452-0961 covers 66 大字 of 清須市春日, in Japan Post's (kana) order.
	got := Lookup("4520961")
	if len(got) != 66 {
		t.Fatalf("Lookup(4520961): %d addresses, want 66", len(got))
	}
	for _, a := range got {
		if a.Prefecture != "愛知県" || a.City != "清須市" || !strings.HasPrefix(a.Town, "春日") {
			t.Errorf("Lookup(4520961): %q, want 愛知県 清須市 春日…", a)
		}
	}
	if got[0].Town != "春日明河原" || got[65].Town != "春日蓮花寺前" {
		t.Errorf("Lookup(4520961): first %q, last %q; want 春日明河原, 春日蓮花寺前", got[0].Town, got[65].Town)
	}
}

func TestLookupResultIsCallers(t *testing.T) {
	a := Lookup("1000001")
	a[0].Town = "changed"
	if got := Lookup("1000001")[0].Town; got != "千代田" {
		t.Errorf("after the caller changed its result, Lookup gives town %q", got)
	}
}

// TestData checks the whole embedded list: its size, that every prefecture
// is in it, and that no Japan Post placeholder or note survived cleaning.
func TestData(t *testing.T) {
	tab := load()
	if n := len(tab.codes); n < 110_000 || n > 200_000 {
		t.Errorf("%d codes, want about 120,000", n)
	}
	perPref := make(map[string]int)
	for _, n := range tab.codes {
		code := fmt.Sprintf("%07d", n)
		addrs := Lookup(code)
		if len(addrs) == 0 {
			t.Fatalf("Lookup(%s) = nil for a code in the list", code)
		}
		for _, a := range addrs {
			perPref[a.Prefecture]++
			if !slices.Contains(Prefectures[:], a.Prefecture) {
				t.Errorf("%s: prefecture %q is not one of Prefectures", code, a.Prefecture)
			}
			if a.City == "" {
				t.Errorf("%s: empty city", code)
			}
			switch town := a.Town; {
			case strings.Contains(town, "以下に掲載がない場合"),
				strings.Contains(town, "がくる場合"),
				town != "一円" && strings.HasSuffix(town, "一円"),
				strings.HasSuffix(town, "）"),
				strings.Count(town, "（") != strings.Count(town, "）"):
				t.Errorf("%s: town %q was not cleaned", code, town)
			}
		}
	}
	for _, p := range Prefectures {
		// The smallest, 沖縄県 and 佐賀県, have about a thousand.
		if perPref[p] < 500 {
			t.Errorf("%s: %d addresses in the list, want at least 500", p, perPref[p])
		}
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

func TestLookupConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				if got := Lookup("9000001"); len(got) != 1 || got[0].City != "那覇市" {
					t.Errorf("Lookup(9000001) = %q", got)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestParse(t *testing.T) {
	tests := []struct {
		scenario string
		text     string
		ok       bool
	}{
		{"good", "# c\n13\t千代田区\n01\t札幌市中央区\n\n0600000\t1\t\n1000001\t0\t千代田\n1000001\t0\t皇居外苑\n", true},
		{"no address lines", "13\t千代田区\n\n", false},
		{"no blank line", "13\t千代田区\n", false},
		{"prefecture 48", "48\t千代田区\n\n1000001\t0\t千代田\n", false},
		{"prefecture 0", "00\t千代田区\n\n1000001\t0\t千代田\n", false},
		{"empty city", "13\t\n\n1000001\t0\t千代田\n", false},
		{"city index out of range", "13\t千代田区\n\n1000001\t1\t千代田\n", false},
		{"no town field", "13\t千代田区\n\n1000001\t0\n", false},
		{"six-digit code", "13\t千代田区\n\n100001\t0\t千代田\n", false},
		{"codes out of order", "13\t千代田区\n\n1000002\t0\t\n1000001\t0\t千代田\n", false},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			var buf bytes.Buffer
			zw := gzip.NewWriter(&buf)
			zw.Write([]byte(tc.text))
			zw.Close()
			_, err := parse(buf.Bytes())
			if (err == nil) != tc.ok {
				t.Errorf("parse: error %v, want ok %v", err, tc.ok)
			}
		})
	}
	t.Run("not gzip", func(t *testing.T) {
		if _, err := parse([]byte("1000001\t0\t千代田\n")); err == nil {
			t.Error("parse: no error")
		}
	})
}

func BenchmarkLookup(b *testing.B) {
	load()
	for _, bc := range []struct{ scenario, code string }{
		{"one town", "1000001"},
		{"66 towns", "4520961"},
		{"unknown", "1234567"},
	} {
		b.Run(bc.scenario, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				Lookup(bc.code)
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

// BenchmarkParse is the cost of the first Lookup.
func BenchmarkParse(b *testing.B) {
	gz, err := data.ReadFile(dataFile)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for range b.N {
		if _, err := parse(gz); err != nil {
			b.Fatal(err)
		}
	}
}
