package phrase_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"oshigoods/internal/phrase"
)

// TestSplit: known phrase splits. The plain Japanese ones are what the
// reference BudouX parser (the npm package's Parser with the same model)
// gives for the same text; the rest show the rules for spaces, ASCII words
// and text without Japanese.
func TestSplit(t *testing.T) {
	cases := []struct {
		scenario string
		text     string
		want     []string
	}{
		{"BudouX's own example", "今日は天気です。", []string{"今日は", "天気です。"}},
		{"a verb stays whole (お届けしま/す)", "プリントしてお届けします", []string{"プリントしてお届けします"}},
		{"a bracketed word stays whole ((L/判))", "推しと2ショット写真（L判）", []string{"推しと", "2ショット写真", "（L判）"}},
		{"the hero line (カタチに/しよう)", "推しとの思い出、カタチにしよう♡", []string{"推しとの", "思い出、", "カタチに", "しよう", "♡"}},
		{"a sentence of the catalogue", "グッズをえらんで、お名前やセリフを入れるだけ。", []string{"グッズを", "えらんで、", "お名前や", "セリフを", "入れるだけ。"}},
		{"katakana word", "完成したらすぐダウンロード", []string{"完成したら", "すぐ", "ダウンロード"}},
		{"digits in Japanese", "郵便番号は7桁の数字で入れてください", []string{"郵便番号は", "7桁の", "数字で", "入れてください"}},
		{"a consent sentence", "ご注文には、内容をご確認のうえ同意のチェックが必要です。", []string{"ご注文には、", "内容を", "ご確認の", "うえ同意の", "チェックが", "必要です。"}},
		{"a hint", "もう少し大きい写真だとよりきれいです", []string{"もう", "少し", "大きい", "写真だと", "より", "きれいです"}},
		{"quotes", "あなたの写真に、オリジナルアイドル「ゆめかわちゃん」が並んで2ショットに。", []string{"あなたの", "写真に、", "オリジナルアイドル", "「ゆめかわちゃん」が", "並んで", "2ショットに。"}},
		{"a phrase ends after a space", "Stripe のお支払いページ", []string{"Stripe ", "の", "お支払い", "ページ"}},
		{"spaces stay with the phrase before", "ございます ♡ この", []string{"ございます ", "♡ ", "この"}},
		{"no Japanese: one phrase", "89 × 127 mm", []string{"89 × 127 mm"}},
		{"a short name is one phrase (は|な|こちゃん)", "はなこちゃん", []string{"はなこちゃん"}},
		{"kept whole: 縦書き (the model: （縦|書き便箋）)", "推しからの手紙（縦書き便箋）", []string{"推しからの", "手紙", "（縦書き便箋）"}},
		{"kept whole: はがき, 仕上がり", "はがきサイズ。推しと並んだ仕上がりになります。", []string{"はがきサイズ。", "推しと", "並んだ", "仕上がりに", "なります。"}},
		{"kept whole: もどる (the model: にも|どる)", "グッズ一覧にもどる", []string{"グッズ一覧にもどる"}},
		{"kept whole: その場 (the model: その|場で)", "入力しながら仕上がりをその場で確かめられます。", []string{"入力しながら", "仕上がりを", "その場で", "確かめられます。"}},
		{"a separator ends a phrase", "名称・住所・お問い合わせ窓口", []string{"名称・", "住所・", "お問い合わせ窓口"}},
		{"one character", "あ", []string{"あ"}},
		{"empty", "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.scenario, func(t *testing.T) {
			got := phrase.Split(tc.text)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("Split(%q) = %q, want %q", tc.text, got, tc.want)
			}
			if strings.Join(got, "") != tc.text {
				t.Fatalf("phrases %q do not join to the text", got)
			}
		})
	}
}

// TestNoSplitInsideASCIIWords: whatever the model says, a run of ASCII
// letters and digits is never split, and a boundary is never inside a
// run of spaces.
func TestNoSplitInsideASCIIWords(t *testing.T) {
	for _, s := range []string{"推しのInstagramとTikTokで2024年12月", "Best Shot ♡ をカードに", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789あいう"} {
		r := []rune(s)
		for _, b := range phrase.Boundaries(s) {
			a, c := r[b-1], r[b]
			if a < 0x80 && c < 0x80 && (isAlnum(a) && isAlnum(c)) {
				t.Errorf("%q split inside an ASCII word at %d (%q|%q)", s, b, a, c)
			}
			if c == ' ' {
				t.Errorf("%q split before a space at %d", s, b)
			}
		}
	}
}

func isAlnum(r rune) bool {
	return r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
}

// TestHTML: text becomes HTML with a <wbr> between phrases, none beside a
// space; a heart or a note joins the phrase before it in a no-break span;
// markup in the text is escaped.
func TestHTML(t *testing.T) {
	cases := []struct {
		scenario string
		text     string
		want     string
	}{
		{"phrases", "推しと2ショット写真（L判）", "推しと<wbr>2ショット写真<wbr>（L判）"},
		{"a heart stays with its word", "推しとの思い出、カタチにしよう♡", `推しとの<wbr>思い出、<wbr>カタチに<wbr><span class="nobr">しよう♡</span>`},
		{"a heart after a space stays too", "注文を確定する（銀行振込） ♡", `注文を<wbr>確定する<wbr><span class="nobr">（銀行振込） ♡</span>`},
		{"text goes on after the heart", "ございます ♡ このページ", `<span class="nobr">ございます ♡</span> この<wbr>ページ`},
		{"a number keeps its unit", "はがきサイズ（100×148 mm）", "はがきサイズ<wbr>（100×148\u00a0mm）"},
		{"escaped", "<b>「A&B」</b>を入れる", "&lt;b&gt;<wbr>「A&amp;B」<wbr>&lt;/b&gt;を<wbr>入れる"},
		{"no Japanese: only escaped", `5 < 6 & "x"`, "5 &lt; 6 &amp; &#34;x&#34;"},
	}
	for _, tc := range cases {
		t.Run(tc.scenario, func(t *testing.T) {
			if got := phrase.HTML(tc.text); got != tc.want {
				t.Fatalf("HTML(%q) =\n%s\nwant\n%s", tc.text, got, tc.want)
			}
		})
	}
}

// TestDocument: only text nodes with Japanese change; tags, attributes,
// comments, scripts, styles, titles, options and textareas stay as they
// are, entities are read as the characters they stand for.
func TestDocument(t *testing.T) {
	cases := []struct {
		scenario string
		doc      string
		want     string
	}{
		{"text between tags", `<p class="x">推しと2ショット写真（L判）</p>`, `<p class="x">推しと<wbr>2ショット写真<wbr>（L判）</p>`},
		{"attributes are not text", `<input placeholder="例：推しと2ショット写真" title='a>b 今日は天気です'>今日は天気です。`, `<input placeholder="例：推しと2ショット写真" title='a>b 今日は天気です'>今日は<wbr>天気です。`},
		{"script, style, title, option, textarea kept", "<title>今日は天気です</title><script>x='今日は天気です'</script><style>p{}</style><select><option>今日は天気です</option></select><textarea>今日は天気です</textarea>",
			"<title>今日は天気です</title><script>x='今日は天気です'</script><style>p{}</style><select><option>今日は天気です</option></select><textarea>今日は天気です</textarea>"},
		{"comments kept", "<!-- 今日は天気です -->今日は天気です", "<!-- 今日は天気です -->今日は<wbr>天気です"},
		{"entities", "「A&amp;B」&#34;今日は天気です&#34;", "「A&amp;B」&#34;今日は<wbr>天気です&#34;"},
		{"ASCII text untouched, entities and all", "<p>5 &lt; 6 &#39;x&#39;</p>", "<p>5 &lt; 6 &#39;x&#39;</p>"},
		{"an unfinished tag is copied", "今日は天気です<p class=\"x", "今日は<wbr>天気です<p class=\"x"},
	}
	for _, tc := range cases {
		t.Run(tc.scenario, func(t *testing.T) {
			if got := phrase.Document(tc.doc); got != tc.want {
				t.Fatalf("Document(%q) =\n%s\nwant\n%s", tc.doc, got, tc.want)
			}
		})
	}
}

// TestModel: the embedded model has the thirteen groups with windows of
// the lengths the scoring reads (a key of another length would never
// match), and names its version.
func TestModel(t *testing.T) {
	var m map[string]map[string]int
	if err := json.Unmarshal(phrase.ModelJSON(), &m); err != nil {
		t.Fatal(err)
	}
	lengths := map[string]int{"UW1": 1, "UW2": 1, "UW3": 1, "UW4": 1, "UW5": 1, "UW6": 1, "BW1": 2, "BW2": 2, "BW3": 2, "TW1": 3, "TW2": 3, "TW3": 3, "TW4": 3}
	if len(m) != len(lengths) {
		t.Fatalf("%d feature groups, want %d", len(m), len(lengths))
	}
	for g, n := range lengths {
		if len(m[g]) == 0 {
			t.Fatalf("group %s is empty", g)
		}
		for k := range m[g] {
			if utf8.RuneCountInString(k) != n {
				t.Fatalf("group %s has key %q, want %d characters", g, k, n)
			}
		}
	}
	if v := phrase.ModelVersion(); !strings.HasPrefix(v, "budoux ") {
		t.Fatalf("ModelVersion %q", v)
	}
}
