package main

import "testing"

func TestCleanTown(t *testing.T) {
	tests := []struct {
		scenario string
		in, want string
	}{
		{"plain", "千代田", "千代田"},
		{"empty", "", ""},
		{"no town listed", "以下に掲載がない場合", ""},
		{"number follows the city", "琴平町の次に番地がくる場合", ""},
		{"number from 427 follows the city", "琴平町の次に４２７番地以降がくる場合", ""},
		{"whole village", "利島村一円", ""},
		{"the place called 一円", "一円", "一円"},
		{"note: but for these buildings", "大手町（次のビルを除く）", "大手町"},
		{"note: block range", "大通西（１～１９丁目）", "大通西"},
		{"note: その他", "藤野（その他）", "藤野"},
		{"note with a list", "葛巻（第４０地割「５７番地１２５、１７６を除く」～第４５地割）", "葛巻"},
		{"note left open by a split record", "葛巻（第４０地割「５７番地１２５、１７６を除く」～", "葛巻"},
		{"floor", "丸の内新丸の内ビルディング（１階）", "丸の内新丸の内ビルディング１階"},
		{"floor, two digits", "丸の内新丸の内ビルディング（３８階）", "丸の内新丸の内ビルディング３８階"},
		{"no or unknown floor", "丸の内新丸の内ビルディング（地階・階層不明）", "丸の内新丸の内ビルディング"},
		{"building part and floor", "名駅ミッドランドスクエア（高層棟）（１階）", "名駅ミッドランドスクエア（高層棟）１階"},
		{"building part, unknown floor", "名駅ミッドランドスクエア（高層棟）（地階・階層不明）", "名駅ミッドランドスクエア"},
		{"cleaned already: floor", "名駅ミッドランドスクエア（高層棟）１階", "名駅ミッドランドスクエア（高層棟）１階"},
		{"real 番地 in a name", "江田島町国有無番地", "江田島町国有無番地"},
		{"real 地割 in a name", "杉名畑４４地割", "杉名畑４４地割"},
		{"a note alone", "（その他）", ""},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			if got := cleanTown(tc.in); got != tc.want {
				t.Errorf("cleanTown(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if got := cleanTown(tc.want); got != tc.want {
				t.Errorf("cleanTown(%q) = %q: cleaning a clean name changed it", tc.want, got)
			}
		})
	}
}
