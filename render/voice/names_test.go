package voice

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// TestNamesFile compiles templates whose name calls come from a names file
// and checks what is read from a good file, and that each kind of bad file
// is refused naming the file and the line.
func TestNamesFile(t *testing.T) {
	const header = "id\tlabel\treading\tfile\n"
	wav := speechLike(48000, 2.0/3, -6).wav16()
	lengths := map[string]float64{"t/name-yui.wav": 2.0 / 3, "t/name-taro.wav": 1, "t/more/name-mai.wav": 0.5}
	many := func(n int) string {
		var b strings.Builder
		b.WriteString(header)
		for i := range n {
			fmt.Fprintf(&b, "n%d\tなまえ%d\t\tname-yui.wav\n", i, i)
		}
		return b.String()
	}
	type name struct{ id, label, reading, file string }
	for _, tc := range []struct {
		scenario string
		list     string
		want     []name // when it compiles
		wantErr  string // else a part of the error
	}{
		{
			scenario: "good file: comments, blank lines, a BOM, CRLF, quotes, an empty reading, a subfolder",
			list: "\ufeff# name calls\r\n" + header +
				"yui\tゆいちゃん\tゆいちゃん\tname-yui.wav\r\n" +
				"\n" +
				"taro\t\"太郎くん\"\tたろうくん\tname-taro.wav\n" +
				"# a comment between\n" +
				"mai\tまいちゃん\t\tmore/name-mai.wav\n",
			want: []name{
				{"yui", "ゆいちゃん", "ゆいちゃん", "t/name-yui.wav"},
				{"taro", "太郎くん", "たろうくん", "t/name-taro.wav"},
				{"mai", "まいちゃん", "", "t/more/name-mai.wav"},
			},
		},
		{
			scenario: "duplicate id",
			list:     header + "yui\tゆいちゃん\t\tname-yui.wav\ntaro\tたろうくん\t\tname-taro.wav\nyui\tゆいさん\t\tname-mai.wav\n",
			wantErr:  `t/names.tsv:4: id "yui" is already on line 2`,
		},
		{
			scenario: "missing wav",
			list:     header + "yui\tゆいちゃん\t\tname-yui.wav\nken\tけんくん\t\tname-ken.wav\n",
			wantErr:  "t/names.tsv:3: open t/name-ken.wav: no such file",
		},
		{
			scenario: "not a WAV",
			list:     header + "yui\tゆいちゃん\t\tnames.tsv\n",
			wantErr:  "t/names.tsv:2 t/names.tsv: bad WAV: not a RIFF/WAVE file",
		},
		{
			scenario: "at the limit",
			list:     many(MaxNames),
		},
		{
			scenario: "over the limit",
			list:     many(MaxNames + 1),
			wantErr:  fmt.Sprintf("t/names.tsv:%d: more than %d names; the limit is %d", MaxNames+2, MaxNames, MaxNames),
		},
		{
			scenario: "bad line: three columns",
			list:     header + "yui\tゆいちゃん\t\tname-yui.wav\ntaro\tたろうくん\tname-taro.wav\n",
			wantErr:  "t/names.tsv:3: 3 columns; want 4 separated by tabs",
		},
		{
			scenario: "bad line: spaces for tabs",
			list:     header + "yui ゆいちゃん ゆいちゃん name-yui.wav\n",
			wantErr:  "t/names.tsv:2: 1 columns; want 4",
		},
		{
			scenario: "bad line: a bare quote",
			list:     header + "yui\tゆい\"ちゃん\t\tname-yui.wav\n",
			wantErr:  `t/names.tsv:2: bare " in non-quoted`,
		},
		{
			scenario: "no header",
			list:     "yui\tゆいちゃん\t\tname-yui.wav\n",
			wantErr:  `t/names.tsv:1: want the header line "id<TAB>label<TAB>reading<TAB>file"`,
		},
		{
			scenario: "header only",
			list:     header,
			wantErr:  "t/names.tsv: no names",
		},
		{
			scenario: "bad id",
			list:     header + "Yui\tゆいちゃん\t\tname-yui.wav\n",
			wantErr:  `t/names.tsv:2: id "Yui": want 1 to 32 lower-case letters`,
		},
		{
			scenario: "empty label",
			list:     header + "yui\t\tゆいちゃん\tname-yui.wav\n",
			wantErr:  "t/names.tsv:2: label is empty",
		},
		{
			scenario: "label too long",
			list:     header + "yui\t" + strings.Repeat("ゆ", 33) + "\t\tname-yui.wav\n",
			wantErr:  "t/names.tsv:2: label \"" + strings.Repeat("ゆ", 33) + "\" is 33 characters; the limit is 32",
		},
		{
			scenario: "control character in the label",
			list:     header + "yui\tゆい\u202eちゃん\t\tname-yui.wav\n",
			wantErr:  "t/names.tsv:2: label contains a control character (U+202E",
		},
		{
			scenario: "katakana reading",
			list:     header + "yui\t結衣ちゃん\tユイチャン\tname-yui.wav\n",
			wantErr:  `t/names.tsv:2: reading "ユイチャン": want hiragana only`,
		},
		{
			scenario: "empty file",
			list:     header + "yui\tゆいちゃん\tゆいちゃん\t\n",
			wantErr:  "t/names.tsv:2: file is empty",
		},
		{
			scenario: "file outside the catalogue",
			list:     header + "yui\tゆいちゃん\t\t../../name-yui.wav\n",
			wantErr:  `t/names.tsv:2: file "../../name-yui.wav": want a path relative to the folder of t/names.tsv`,
		},
		{
			scenario: "absolute file",
			list:     header + "yui\tゆいちゃん\t\t/etc/passwd\n",
			wantErr:  `t/names.tsv:2: file "/etc/passwd": want a path relative`,
		},
		{
			scenario: "Shift_JIS",
			list:     header + "yui\tゆいちゃん\t\tname-yui.wav\nmai\t\x82\xdc\x82\xa2\t\tname-mai.wav\n",
			wantErr:  "t/names.tsv:3: not UTF-8 (Shift_JIS?)",
		},
		{
			scenario: "UTF-16",
			list:     "\xff\xfei\x00d\x00",
			wantErr:  "t/names.tsv: the file is UTF-16",
		},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			files := map[string][]byte{
				"t/names.tsv":         []byte(tc.list),
				"t/name-yui.wav":      wav,
				"t/name-taro.wav":     speechLike(48000, 1, -6).wav16(),
				"t/name-mai.wav":      wav,
				"t/more/name-mai.wav": speechLike(44100, 0.5, -6).wav16(),
				"t/line-a.wav":        wav,
			}
			tpl, err := compileDir(t, `{"names_file": "t/names.tsv", "lines": [{"id": "a", "text": "あ", "file": "t/line-a.wav"}]}`, files)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("compile: %v; want an error with %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("compile: %v", err)
			}
			choices := tpl.Fields()[0].Choices
			if tc.want == nil {
				if len(choices) != strings.Count(tc.list, "\n")-1 {
					t.Fatalf("%d names; want %d", len(choices), strings.Count(tc.list, "\n")-1)
				}
				return
			}
			var got []name
			for i, n := range tpl.spec.Names {
				got = append(got, name{n.ID, n.Label, n.Reading, n.File})
				if c := choices[i]; c.Value != n.ID || c.Label != n.Label || c.Reading != n.Reading {
					t.Errorf("choice %d = %+v; want %s %s %s", i, c, n.ID, n.Label, n.Reading)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("names %v; want %v", got, tc.want)
			}
			// Each name plays the recording its line gives: they differ in
			// length.
			for _, n := range tc.want {
				p := tpl.banks[22050].names[tpl.names[n.id]]
				if secs := float64(p.frames()) / 22050; math.Abs(secs-lengths[n.file]) > 0.01 {
					t.Errorf("name %s plays %.2f s; %s is %.2f s", n.id, secs, n.file, lengths[n.file])
				}
			}
		})
	}
}
