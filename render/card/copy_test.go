package card

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"oshigoods"
	"oshigoods/internal/testenv"
	"oshigoods/render"
)

// TestHonorific is what a fan reads at the top of the shipped letters
// (recipient "{to}へ", default さん) and in their body (「客席に{to}の笑顔」)
// for the name they wrote and the honorific they chose: an honorific is
// added only when the name has none, never 「ちゃんさん」.
func TestHonorific(t *testing.T) {
	for _, tc := range []struct {
		scenario  string
		name      string
		honorific string // the fan's choice; "" leaves the template's default
		want      string // {to}
	}{
		{"a name alone gets the default", "たろう", "", "たろうさん"},
		{"ちゃん written by the fan", "ゆいちゃん", "", "ゆいちゃん"},
		{"様 written by the fan", "田中様", "", "田中様"},
		{"さま in kana", "みかさま", "", "みかさま"},
		{"くん", "たろうくん", "", "たろうくん"},
		{"君", "太郎君", "", "太郎君"},
		{"殿", "佐藤殿", "", "佐藤殿"},
		{"氏", "山田氏", "", "山田氏"},
		{"先輩", "さくら先輩", "", "さくら先輩"},
		{"先生", "鈴木先生", "", "鈴木先生"},
		{"たん", "みなみたん", "", "みなみたん"},
		{"っち", "ゆいっち", "", "ゆいっち"},
		{"ちゃま", "ばあちゃま", "", "ばあちゃま"},
		{"katakana チャン", "ユイチャン", "", "ユイチャン"},
		{"half-width katakana ﾁｬﾝ", "ﾕｲﾁｬﾝ", "", "ﾕｲﾁｬﾝ"},
		{"full-width space before 様", "田中　様", "", "田中様"},
		{"half-width spaces before さん", "田中  さん", "", "田中さん"},
		{"a space between family and given name", "田中 花子", "", "田中 花子さん"},
		{"a space in the name and before 様", "田中 花子 様", "", "田中 花子様"},
		{"half-width katakana with a sound mark", "ﾕｲｾﾝﾊﾟｲ", "", "ﾕｲｾﾝﾊﾟｲ"},
		{"a space before half-width ｾﾝﾊﾟｲ", "ﾕｲ ｾﾝﾊﾟｲ", "", "ﾕｲｾﾝﾊﾟｲ"},
		{"an honorific alone", "様", "", "様"},
		{"spaces around the name", "　 たろう 　", "", "たろうさん"},
		{"a heart after ちゃん", "ゆいちゃん♡", "", "ゆいちゃん♡"},
		{"a heart and a space after ちゃん", "ゆいちゃん ♡", "", "ゆいちゃん ♡"},
		{"exclamation marks after ちゃん", "ゆいちゃん！！", "", "ゆいちゃん！！"},
		{"the honorific goes before a heart", "ゆい♡", "", "ゆいさん♡"},
		{"the honorific goes before ！", "ゆい！", "", "ゆいさん！"},
		{"the honorific goes before an emoji", "ゆい🌸", "", "ゆいさん🌸"},
		{"a name that is all marks", "★", "", "★さん"},
		{"a Latin name", "Yui", "", "Yuiさん"},
		{"a name ending in ー", "ルー", "", "ルーさん"},
		{"choice ちゃん", "ゆい", "ちゃん", "ゆいちゃん"},
		{"choice くん", "たろう", "くん", "たろうくん"},
		{"choice 様", "田中", "様", "田中様"},
		{"choice さん, as the default", "たろう", "さん", "たろうさん"},
		{"choice none", "たろう", "none", "たろう"},
		{"choice none on a name with ちゃん", "ゆいちゃん", "none", "ゆいちゃん"},
		{"choice ちゃん on a name ending in くん", "たろうくん", "ちゃん", "たろうくん"},
		{"choice さん on a name ending in ちゃん", "ゆいちゃん", "さん", "ゆいちゃん"},
		{"choice ちゃん on a name with a heart", "ゆい♡", "ちゃん", "ゆいちゃん♡"},
		// A fan who writes the letter's 「へ」 too: the template adds it.
		{"へ after ちゃん", "ゆいちゃんへ", "", "ゆいちゃん"},
		{"へ after 様 and a heart", "田中様へ♡", "", "田中様♡"},
		{"へ after ﾁｬﾝ", "ﾕｲﾁｬﾝへ", "", "ﾕｲﾁｬﾝ"},
		{"へ after ちゃん, choice さん", "ゆいちゃんへ", "さん", "ゆいちゃん"},
		{"a name ending in へ with no honorific", "ゆいへ", "", "ゆいへさん"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			for _, id := range ids {
				tpl := compileShipped(t, id)
				fields := map[string]string{"to": tc.name}
				if tc.honorific != "" {
					fields[FieldHonorific] = tc.honorific
				}
				in := render.Inputs{Fields: fields, OrderedAt: ordered}
				if err := render.ValidateFields(tpl.Fields(), in); err != nil {
					t.Fatalf("%s: refused: %v", id, err)
				}
				ps := tpl.letter(tpl.text(in))
				if got := ps[0].Text; got != tc.want+"へ" {
					t.Errorf("%s: recipient %q, want %q", id, got, tc.want+"へ")
				}
				if body := ps[1].Text; !strings.Contains(body, "客席に"+tc.want+"の笑顔") {
					t.Errorf("%s: body %q, want 「客席に%sの笑顔」", id, body, tc.want)
				}
				for _, p := range ps {
					for _, doubled := range []string{"ちゃんさん", "さんさん", "様さん", "くんちゃん", "ちゃんちゃん"} {
						if strings.Contains(p.Text, doubled) {
							t.Errorf("%s: %q has %s", id, p.Text, doubled)
						}
					}
				}
			}
		})
	}
}

// TestHonorificRefused: a name that is spaces alone is no name, and an
// honorific the template does not offer is refused naming the field.
func TestHonorificRefused(t *testing.T) {
	tpl := compileShipped(t, "card-letter-tate")
	for _, tc := range []struct {
		scenario string
		fields   map[string]string
		field    string
		message  string
	}{
		{"empty name", map[string]string{"to": ""}, "to", "to is required"},
		{"spaces alone", map[string]string{"to": " 　 "}, "to", "to is required"},
		{"an honorific not offered", map[string]string{"to": "たろう", FieldHonorific: "殿"}, FieldHonorific, "honorific must be one of さん, ちゃん, くん, 様, none"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			in := render.Inputs{Fields: tc.fields, OrderedAt: ordered}
			err := render.ValidateFields(tpl.Fields(), in)
			if err == nil {
				_, err = tpl.Check(context.Background(), in)
			}
			if oshigoods.ErrorCode(err) != oshigoods.EUNPROCESSABLE || oshigoods.ErrorField(err) != tc.field ||
				!strings.Contains(oshigoods.ErrorMessage(err), tc.message) {
				t.Fatalf("got %v; want a 422 on %s saying %q", err, tc.field, tc.message)
			}
		})
	}
}

// TestFields: the shipped cards offer the honorific as a choice between
// the name and the message, the template's default selected.
func TestFields(t *testing.T) {
	for _, id := range ids {
		fs := compileShipped(t, id).Fields()
		var names []string
		for _, f := range fs {
			names = append(names, f.Name)
		}
		if strings.Join(names, ",") != "to,honorific,message" {
			t.Fatalf("%s: fields %v, want to, honorific, message", id, names)
		}
		h := fs[1]
		var choices []string
		for _, c := range h.Choices {
			choices = append(choices, c.Value+"="+c.Label)
		}
		if h.Type != render.FieldChoice || h.Required || h.Default != "さん" ||
			strings.Join(choices, ",") != "さん=さん,ちゃん=ちゃん,くん=くん,様=様,none=なし（お名前だけ）" {
			t.Errorf("%s: honorific field %+v", id, h)
		}
	}
}

// TestFormatDate: the month an item was ordered, in Japan time, in each
// style.
func TestFormatDate(t *testing.T) {
	utc := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, time.UTC) }
	for _, tc := range []struct {
		scenario string
		at       time.Time
		style    string
		want     string
	}{
		{"kanji", utc(2026, 12, 6, 15, 0), DateKanji, "二〇二六年十二月"},
		{"kanji, New Year's Day in Japan, still 2026 in UTC", utc(2026, 12, 31, 16, 0), DateKanji, "二〇二七年一月"},
		{"kanji, the last minute of 2026 in Japan", utc(2026, 12, 31, 14, 59), DateKanji, "二〇二六年十二月"},
		{"kanji, the same instant in another zone", time.Date(2026, 12, 31, 11, 0, 0, 0, time.FixedZone("EST", -5*3600)), DateKanji, "二〇二七年一月"},
		{"kanji, zeros", utc(2000, 10, 1, 3, 0), DateKanji, "二〇〇〇年十月"},
		{"western", utc(2026, 12, 6, 15, 0), DateWestern, "2026年12月"},
		{"western, New Year's Day in Japan", utc(2026, 12, 31, 16, 0), DateWestern, "2027年1月"},
		{"reiwa", utc(2026, 12, 6, 15, 0), DateReiwa, "令和8年12月"},
		{"reiwa, its first day", time.Date(2019, 5, 1, 0, 0, 0, 0, jst), DateReiwa, "令和元年5月"},
		{"reiwa, its first year", utc(2019, 12, 6, 0, 0), DateReiwa, "令和元年12月"},
		{"reiwa, the day before: 平成", time.Date(2019, 4, 30, 23, 59, 0, 0, jst), DateReiwa, "平成31年4月"},
		{"reiwa, its second year", utc(2020, 1, 6, 0, 0), DateReiwa, "令和2年1月"},
		{"reiwa-kanji", utc(2026, 12, 6, 15, 0), DateReiwaKanji, "令和八年十二月"},
		{"reiwa-kanji, 元年", utc(2019, 11, 6, 0, 0), DateReiwaKanji, "令和元年十一月"},
		{"reiwa-kanji, year 10", utc(2028, 6, 6, 0, 0), DateReiwaKanji, "令和十年六月"},
		{"reiwa-kanji, year 20", utc(2038, 6, 6, 0, 0), DateReiwaKanji, "令和二十年六月"},
		{"reiwa-kanji, year 23", utc(2041, 6, 6, 0, 0), DateReiwaKanji, "令和二十三年六月"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			if got := formatDate(tc.at, tc.style); got != tc.want {
				t.Errorf("formatDate(%s, %s) = %q, want %q", tc.at, tc.style, got, tc.want)
			}
		})
	}
}

// TestOrderedToday renders the shipped cards as ordered now and reads the
// print file with pdftotext: the date is this month, in Japan, in the
// card's style. Without the order's date the line is left out.
func TestOrderedToday(t *testing.T) {
	testenv.Tool(t, "pdftotext")
	now := time.Now()
	today := now.In(jst)
	for _, tc := range []struct {
		id   string
		want string
	}{
		{"card-letter-tate", kanjiDigits(today.Year()) + "年" + kanjiNumber(int(today.Month())) + "月"},
		{"card-letter-yoko", strings.TrimSpace(today.Format("2006年1月"))},
	} {
		t.Run(tc.id, func(t *testing.T) {
			tpl := compileShipped(t, tc.id)
			text := func(at time.Time) string {
				res, err := tpl.Render(context.Background(), render.Inputs{Fields: map[string]string{"to": "ゆいちゃん♡"}, OrderedAt: at})
				if err != nil {
					t.Fatal(err)
				}
				file := filepath.Join(t.TempDir(), "card.pdf")
				if err := os.WriteFile(file, res.Files[0].Data, 0o644); err != nil {
					t.Fatal(err)
				}
				return strip(run(t, "pdftotext", "-enc", "UTF-8", file, "-"))
			}
			got := text(now)
			if !strings.Contains(got, tc.want) {
				t.Errorf("ordered now, the card does not say %s:\n%s", tc.want, got)
			}
			if !strings.Contains(got, "ゆいちゃん♡へ") || strings.Contains(got, "ちゃんさん") {
				t.Errorf("ordered by ゆいちゃん♡, the card reads:\n%s", got)
			}
			for _, dated := range []string{"2024", "二〇二四", "冬", "12月の", "ツアー"} {
				if strings.Contains(got, dated) {
					t.Errorf("the card says %q:\n%s", dated, got)
				}
			}
			if got := text(time.Time{}); strings.Contains(got, "年") {
				t.Errorf("without the order's date, the card has a date:\n%s", got)
			}
		})
	}
}

// TestDefaultLetterAtFullSize: the shipped letter, with a name of ordinary
// length and any honorific offered, is set at its full size, not shrunk.
func TestDefaultLetterAtFullSize(t *testing.T) {
	for _, id := range ids {
		tpl := compileShipped(t, id)
		for _, h := range tpl.c.Honorific.Choices {
			w, err := tpl.Check(context.Background(), render.Inputs{Fields: map[string]string{"to": "たかはしさくら", FieldHonorific: h}, OrderedAt: ordered})
			if err != nil || len(w) != 0 {
				t.Errorf("%s, %s: warnings %q, err %v; want the letter at full size", id, h, w, err)
			}
		}
	}
}

// legacySpec is card-letter-tate as manifests wrote it before honorifics
// and order dates.
func legacySpec(t *testing.T, edit func(map[string]any)) *Template {
	t.Helper()
	return compileSpec(t, shippedSpec(t, "card-letter-tate", func(m map[string]any) {
		delete(m, "honorific")
		delete(m, "date_style")
		m["recipient"] = "{to}さんへ"
		m["body"] = "いつも応援してくれて、本当にありがとう。ライブで「{to}さん」のうちわを見つけたよ。\n{to}、またね！"
		m["date"] = "二〇二四年　冬"
		if edit != nil {
			edit(m)
		}
	}))
}

// TestLegacyManifest: a manifest from before honorifics still compiles; the
// honorific it wrote after {to} is its default, added only to a name that
// has none, {to} without it is the name as written, and a fixed date is
// printed as written. It offers no choice.
func TestLegacyManifest(t *testing.T) {
	for _, tc := range []struct {
		scenario        string
		edit            func(map[string]any)
		name            string
		recipient, body string
	}{
		{"a name alone", nil, "たろう", "たろうさんへ", "「たろうさん」のうちわ"},
		{"a name with ちゃん", nil, "ゆいちゃん", "ゆいちゃんへ", "「ゆいちゃん」のうちわ"},
		{"the default recipient", func(m map[string]any) { delete(m, "recipient") }, "ゆいちゃん", "ゆいちゃんへ", "「ゆいちゃん」のうちわ"},
		{"様 after {to}", func(m map[string]any) { m["recipient"], m["body"] = "{to}様へ", "{to}様、ありがとう。" }, "たろう", "たろう様へ", "たろう様、"},
		{"no honorific written", func(m map[string]any) { m["recipient"], m["body"] = "{to}へ", "{to}、ありがとう。" }, "たろう", "たろうへ", "たろう、"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			tpl := legacySpec(t, tc.edit)
			for _, f := range tpl.Fields() {
				if f.Name == FieldHonorific {
					t.Errorf("a legacy manifest offers an honorific field")
				}
			}
			ps := tpl.letter(tpl.text(render.Inputs{Fields: map[string]string{"to": tc.name}, OrderedAt: ordered}))
			if ps[0].Text != tc.recipient || !strings.Contains(ps[1].Text, tc.body) {
				t.Errorf("recipient %q, body %q; want %q and %q", ps[0].Text, ps[1].Text, tc.recipient, tc.body)
			}
			if tc.edit == nil && ps[2].Text != tc.name+"、またね！" {
				t.Errorf("{to} without an honorific: %q, want the name as written", ps[2].Text)
			}
			if date := ps[len(ps)-2].Text; date != "二〇二四年　冬" {
				t.Errorf("date line %q, want the fixed text", date)
			}
		})
	}
}

// TestCompileRefusesCopy: manifests whose honorific, placeholders or date
// cannot be right are refused, saying what to write.
func TestCompileRefusesCopy(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		edit     func(map[string]any)
		want     string
	}{
		{"an honorific after {to}", func(m map[string]any) { m["recipient"] = "{to}さんへ" }, `{to} is followed by the honorific "さん"`},
		{"an honorific after {to} in the body", func(m map[string]any) { m["body"] = "「{to}ちゃん」、ありがとう。" }, `{to} is followed by the honorific "ちゃん"`},
		{"an honorific after {name}", func(m map[string]any) { m["body"] = "{name}ちゃん、ありがとう。" }, `{name} is followed by the honorific "ちゃん"`},
		{"an offered honorific after {to}", func(m map[string]any) {
			m["honorific"] = map[string]any{"default": "たそ", "choices": []any{"たそ", "none"}}
			m["recipient"] = "{to}たそへ"
		}, `followed by the honorific "たそ"`},
		{"an unknown placeholder", func(m map[string]any) { m["body"] = "{too}、ありがとう。" }, "unknown placeholder {too}: want {to} or {name}"},
		{"{date} in the body", func(m map[string]any) { m["body"] = "{date}、ありがとう。" }, "unknown placeholder {date}"},
		{"{to} in the date", func(m map[string]any) { m["date"] = "{to}" }, "unknown placeholder {to}: want {date}"},
		{"no name in the recipient", func(m map[string]any) { m["recipient"] = "あなたへ" }, "must contain {to} or {name}"},
		{"an unknown date style", func(m map[string]any) { m["date_style"] = "showa" }, `date_style "showa": want kanji, western, reiwa or reiwa-kanji`},
		{"a date style with a fixed date", func(m map[string]any) { m["date"] = "二〇二四年　冬" }, "has no {date}"},
		{"a default not offered", func(m map[string]any) {
			m["honorific"] = map[string]any{"default": "殿", "choices": []any{"さん", "none"}}
		}, "want one of honorific.choices"},
		{"an honorific too long", func(m map[string]any) {
			m["honorific"] = map[string]any{"choices": []any{"さん", "おねえちゃん"}}
		}, `honorific.choices[1]: honorific "おねえちゃん": want 1 to 4 characters`},
		{"an honorific with a space", func(m map[string]any) { m["honorific"] = map[string]any{"default": "お 様"} }, "no space"},
		{"an honorific offered twice", func(m map[string]any) { m["honorific"] = map[string]any{"choices": []any{"さん", "さん"}} }, "there twice"},
		{"an honorific the fonts lack", func(m map[string]any) { m["honorific"] = map[string]any{"choices": []any{"さん", "🥰"}} }, "lacks 「🥰」"},
		{"an unknown honorific key", func(m map[string]any) { m["honorific"] = map[string]any{"defualt": "さん"} }, `unknown field "defualt"`},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			_, err := Compile(shippedSpec(t, "card-letter-tate", tc.edit), os.DirFS(templatesDir))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error about %q", err, tc.want)
			}
		})
	}
	t.Run("a legacy manifest with two honorifics", func(t *testing.T) {
		_, err := Compile(shippedSpec(t, "card-letter-tate", func(m map[string]any) {
			delete(m, "honorific")
			m["recipient"], m["body"] = "{to}さんへ", "{to}ちゃん、ありがとう。"
		}), os.DirFS(templatesDir))
		if err == nil || !strings.Contains(err.Error(), `both "さん" and "ちゃん" after {to}: declare "honorific"`) {
			t.Fatalf("got %v, want an error asking to declare the honorific", err)
		}
	})
}

// TestLetter: the text a card is set from, as Letter gives it to a caller
// (bench/cardbench sets the same letter in HTML).
func TestLetter(t *testing.T) {
	tpl := compileShipped(t, "card-letter-yoko")
	fields := map[string]string{"to": "ゆい", FieldHonorific: "ちゃん"}
	l := tpl.Letter(render.Inputs{Fields: fields, OrderedAt: ordered})
	if l.Recipient != "ゆいちゃんへ" || len(l.Body) != 3 || !strings.Contains(l.Body[0], "客席にゆいちゃんの笑顔") ||
		l.Date != "2026年12月" || l.Signature != "ひかり より" {
		t.Errorf("Letter %+v", l)
	}
	if l := tpl.Letter(render.Inputs{Fields: fields}); l.Date != "" {
		t.Errorf("without the order's date, Letter has the date %q", l.Date)
	}
	fields["message"] = "{to}、{date}"
	if l := tpl.Letter(render.Inputs{Fields: fields, OrderedAt: ordered}); len(l.Body) != 1 || l.Body[0] != "{to}、{date}" {
		t.Errorf("the fan's message %q, want it as written", l.Body)
	}
}
