package jptext

import (
	"reflect"
	"testing"
)

// fakeFont has every character but emoji; CJK is 1 em, ASCII 0.5 em, and it
// has vertical forms for 「」 only.
type fakeFont struct{}

func (fakeFont) Has(r rune) bool { return r < 0x1F000 }
func (fakeFont) Advance(r rune) float64 {
	if r < 0x80 {
		return 0.5
	}
	return 1
}
func (fakeFont) VertGlyph(r rune) (uint16, bool) {
	switch r {
	case '「':
		return 1001, true
	case '」':
		return 1002, true
	}
	return 0, false
}

func lineTexts(l *Layout) []string {
	var out []string
	for _, ln := range l.Lines {
		out = append(out, ln.Text)
	}
	return out
}

func TestLineBreaking(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		paras    []Paragraph
		vertical bool
		noHang   bool
		want     []string
	}{
		{"fits on one line", []Paragraph{{Text: "あいう"}}, true, false, []string{"あいう"}},
		{"plain wrap", []Paragraph{{Text: "あいうえおかき"}}, true, false, []string{"あいうえお", "かき"}},
		{"。 at line start hangs", []Paragraph{{Text: "あいうえお。かき"}}, true, false, []string{"あいうえお。", "かき"}},
		{"、 at line start hangs", []Paragraph{{Text: "あいうえお、かき"}}, false, false, []string{"あいうえお、", "かき"}},
		{"。 at line start pushed out without hanging", []Paragraph{{Text: "あいうえお。かき"}}, true, true, []string{"あいうえ", "お。かき"}},
		{"」 at line start pushes the character before", []Paragraph{{Text: "あいうえお」か"}}, true, false, []string{"あいうえ", "お」か"}},
		{"。」 at line start: no hang, both pushed", []Paragraph{{Text: "あいうえお。」か"}}, true, false, []string{"あいうえ", "お。」か"}},
		{"」。 at line start", []Paragraph{{Text: "あいうえお」。か"}}, true, false, []string{"あいうえ", "お」。か"}},
		{"「 at line end moves down", []Paragraph{{Text: "あいうえ「お」"}}, true, false, []string{"あいうえ", "「お」"}},
		{"small kana っ at line start", []Paragraph{{Text: "あいうえおっか"}}, true, false, []string{"あいうえ", "おっか"}},
		{"small katakana ャ at line start", []Paragraph{{Text: "アイウエキャベツ"}}, true, false, []string{"アイウエ", "キャベツ"}},
		{"ー at line start", []Paragraph{{Text: "あいうえおーか"}}, true, false, []string{"あいうえ", "おーか"}},
		{"！ at line start", []Paragraph{{Text: "あいうえお！か"}}, false, false, []string{"あいうえ", "お！か"}},
		{"・ at line start", []Paragraph{{Text: "あいうえお・か"}}, false, false, []string{"あいうえ", "お・か"}},
		{"々 at line start", []Paragraph{{Text: "あいうえ時々"}}, false, false, []string{"あいうえ", "時々"}},
		{"…… never split", []Paragraph{{Text: "あいうえ……か"}}, true, false, []string{"あいうえ", "……か"}},
		{"—— never split", []Paragraph{{Text: "あいうえお——か"}}, true, false, []string{"あいうえお", "——か"}},
		{"number never split", []Paragraph{{Text: "あいうえ123か"}}, false, false, []string{"あいうえ", "123か"}},
		{"Latin word never split", []Paragraph{{Text: "あいうえLove"}}, false, false, []string{"あいうえ", "Love"}},
		{"Latin words break at spaces", []Paragraph{{Text: "I love you all"}}, false, false, []string{"I love you", "all"}},
		{"indent", []Paragraph{{Text: "あいうえおか", Indent: 1}}, true, false, []string{"あいうえ", "おか"}},
		{"paragraphs start new lines", []Paragraph{{Text: "あい"}, {Text: "うえ"}}, true, false, []string{"あい", "うえ"}},
		{"empty paragraph is a blank line", []Paragraph{{Text: "あ"}, {}, {Text: "う"}}, true, false, []string{"あ", "", "う"}},
		{"surrogate pair is one character", []Paragraph{{Text: "𠮷野家のお弁当"}}, true, false, []string{"𠮷野家のお", "弁当"}},
		{"unbreakable line breaks where it overflows", []Paragraph{{Text: "ーーーーーーー"}}, true, false, []string{"ーーーーー", "ーー"}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			l, err := Set(tc.paras, Params{Vertical: tc.vertical, CharsPerLine: 5, NoHang: tc.noHang}, fakeFont{})
			if err != nil {
				t.Fatal(err)
			}
			if got := lineTexts(l); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("lines %q, want %q", got, tc.want)
			}
			n := 0
			for _, para := range tc.paras {
				c, _, err := LineCount(para, l.Params, fakeFont{})
				if err != nil {
					t.Fatal(err)
				}
				n += c
			}
			if n != len(l.Lines) {
				t.Errorf("LineCount adds up to %d lines, Set set %d", n, len(l.Lines))
			}
			for i, ln := range l.Lines {
				if i > 0 && ln.Text != "" && tc.paras[0].Text != "ーーーーーーー" {
					if r := []rune(ln.Text)[0]; NoLineStart(r) {
						t.Errorf("line %d starts with %q", i, r)
					}
				}
				if rs := []rune(ln.Text); len(rs) > 0 && NoLineEnd(rs[len(rs)-1]) {
					t.Errorf("line %d ends with %q", i, rs[len(rs)-1])
				}
			}
		})
	}
}

func TestGlyphs(t *testing.T) {
	set := func(t *testing.T, text string, vertical bool) *Layout {
		t.Helper()
		l, err := Set([]Paragraph{{Text: text}}, Params{Vertical: vertical, CharsPerLine: 10, Lines: 2, Pitch: 2}, fakeFont{})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	t.Run("vertical columns run right to left", func(t *testing.T) {
		l, _ := Set([]Paragraph{{Text: "あ"}, {Text: "い"}}, Params{Vertical: true, CharsPerLine: 10, Lines: 2, Pitch: 2}, fakeFont{})
		a, b := l.Lines[0].Glyphs[0], l.Lines[1].Glyphs[0]
		if a.X != 2.5 || b.X != 0.5 || a.Y != 0.88 {
			t.Errorf("あ at %v,%v, い at %v; want 2.5,0.88 and 0.5", a.X, a.Y, b.X)
		}
		if w, h := l.Size(); w != 4 || h != 10 {
			t.Errorf("size %v×%v, want 4×10", w, h)
		}
	})
	t.Run("vertical form from the font", func(t *testing.T) {
		g := set(t, "「あ」", true).Lines[0].Glyphs
		if g[0].GID != 1001 || g[2].GID != 1002 || g[1].GID != 0 {
			t.Errorf("GIDs %d %d %d, want 1001 0 1002", g[0].GID, g[1].GID, g[2].GID)
		}
	})
	t.Run("no vertical form: brackets and ー turn", func(t *testing.T) {
		for _, g := range set(t, "（ー）〜…", true).Lines[0].Glyphs {
			if !g.Rotate {
				t.Errorf("%q not rotated", g.Rune)
			}
		}
	})
	t.Run("no vertical form: 、。 and small kana move up and right", func(t *testing.T) {
		g := set(t, "あ。っ", true).Lines[0].Glyphs
		if !(g[1].X > g[0].X+0.5 && g[1].Y < 1+0.88-0.5) {
			t.Errorf("。 at %v,%v, あ at %v,%v", g[1].X, g[1].Y, g[0].X, g[0].Y)
		}
		if !(g[2].X > g[0].X && g[2].Y < 2+0.88) {
			t.Errorf("っ at %v,%v", g[2].X, g[2].Y)
		}
	})
	t.Run("horizontal: nothing turns", func(t *testing.T) {
		for _, g := range set(t, "「ー」Love12。", false).Lines[0].Glyphs {
			if g.Rotate || g.GID != 0 || g.TCY {
				t.Errorf("%q set as %+v", g.Rune, g)
			}
		}
	})
	t.Run("Latin word turns in vertical", func(t *testing.T) {
		g := set(t, "Love", true).Lines[0].Glyphs
		for i, gl := range g {
			if !gl.Rotate || gl.Y != float64(i)*0.5 {
				t.Errorf("%q: %+v", gl.Rune, gl)
			}
		}
	})
	t.Run("two-digit number upright side by side", func(t *testing.T) {
		g := set(t, "12月", true).Lines[0].Glyphs
		if !g[0].TCY || !g[1].TCY || g[0].Y != g[1].Y || g[1].X != g[0].X+0.5 || g[2].Y != 1.88 {
			t.Errorf("glyphs %+v", g)
		}
	})
	t.Run("three-digit number turns", func(t *testing.T) {
		for _, g := range set(t, "123", true).Lines[0].Glyphs {
			if !g.Rotate {
				t.Errorf("%q not rotated", g.Rune)
			}
		}
	})
	t.Run("hanging 。 sits past the last cell", func(t *testing.T) {
		l, _ := Set([]Paragraph{{Text: "あいう。"}}, Params{Vertical: true, CharsPerLine: 3}, fakeFont{})
		g := l.Lines[0].Glyphs[3]
		if !g.Hanging || l.Lines[0].Length != 3 {
			t.Errorf("。 %+v, length %v", g, l.Lines[0].Length)
		}
	})
	t.Run("align end", func(t *testing.T) {
		l, _ := Set([]Paragraph{{Text: "より", AlignEnd: true}}, Params{CharsPerLine: 10}, fakeFont{})
		if g := l.Lines[0].Glyphs[0]; g.X != 8 {
			t.Errorf("よ at x %v, want 8", g.X)
		}
	})
}

func TestFits(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		text     string
		fits     bool
		missing  []rune
	}{
		{"fits", "あいうえおかきくけこ", true, nil},
		{"one line too many", "あいうえおかきくけこさ", false, nil},
		{"emoji is missing", "あ😀い", false, []rune{'😀'}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			l, err := Set([]Paragraph{{Text: tc.text}}, Params{Vertical: true, CharsPerLine: 5, Lines: 2}, fakeFont{})
			if err != nil {
				t.Fatal(err)
			}
			if l.Fits() != tc.fits || !reflect.DeepEqual(l.Missing, tc.missing) {
				t.Errorf("fits %v missing %q, want %v %q", l.Fits(), l.Missing, tc.fits, tc.missing)
			}
			n, complete, err := LineCount(Paragraph{Text: tc.text}, l.Params, fakeFont{})
			if err != nil {
				t.Fatal(err)
			}
			if fits := complete && n <= l.Params.Lines; fits != tc.fits {
				t.Errorf("LineCount: %d lines, complete %v: fits %v, want %v", n, complete, fits, tc.fits)
			}
		})
	}
}
