package card

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Date styles: how a card's {date}, the month its item was ordered in
// Japan time, is written (Spec.DateStyle).
const (
	// DateKanji is the Western year in kanji digits, for 縦書き:
	// 二〇二六年十二月. The default of vertical cards.
	DateKanji = "kanji"
	// DateWestern is the Western year in Arabic digits: 2026年12月. The
	// default of horizontal cards.
	DateWestern = "western"
	// DateReiwa is the Japanese era: 令和8年12月, and 令和元年 for its first
	// year, 2019 (from 1 May; before it, 平成31年).
	DateReiwa = "reiwa"
	// DateReiwaKanji is the Japanese era in kanji numerals: 令和八年十二月.
	DateReiwaKanji = "reiwa-kanji"
)

// jst is Japan time: a card is dated by Japan's calendar. Japan has no
// daylight saving time, so a fixed zone is exact and needs no tzdata.
var jst = time.FixedZone("JST", 9*60*60)

// era is a Japanese era and the day it began, in Japan time.
type era struct {
	name  string
	start time.Time
}

// eras are the eras a card may be dated in, latest first. A date before
// the first is written in the Western year.
var eras = []era{
	{"令和", time.Date(2019, 5, 1, 0, 0, 0, 0, jst)},
	{"平成", time.Date(1989, 1, 8, 0, 0, 0, 0, jst)},
}

// formatDate writes the month of t, in Japan time, in the given style
// (one of the Date* constants; anything else is DateWestern).
func formatDate(t time.Time, style string) string {
	t = t.In(jst)
	y, m := t.Year(), int(t.Month())
	switch style {
	case DateKanji:
		return kanjiDigits(y) + "年" + kanjiNumber(m) + "月"
	case DateReiwa, DateReiwaKanji:
		for _, e := range eras {
			if t.Before(e.start) {
				continue
			}
			n := y - e.start.Year() + 1
			year := strconv.Itoa(n)
			if style == DateReiwaKanji {
				year = kanjiNumber(n)
			}
			if n == 1 {
				year = "元"
			}
			month := strconv.Itoa(m)
			if style == DateReiwaKanji {
				month = kanjiNumber(m)
			}
			return e.name + year + "年" + month + "月"
		}
	}
	return fmt.Sprintf("%d年%d月", y, m)
}

const kanjiDigit = "〇一二三四五六七八九"

// kanjiDigits writes n digit by digit, as a year is in 縦書き: 二〇二六.
func kanjiDigits(n int) string {
	var b strings.Builder
	for _, d := range strconv.Itoa(n) {
		b.WriteRune([]rune(kanjiDigit)[d-'0'])
	}
	return b.String()
}

// kanjiNumber writes 1 to 99 as a number is read: 八, 十, 十二, 二十, 二十八.
func kanjiNumber(n int) string {
	digit := func(d int) string { return string([]rune(kanjiDigit)[d]) }
	tens, ones := n/10, n%10
	var s string
	switch {
	case n < 1 || n > 99:
		return strconv.Itoa(n)
	case tens == 0:
		return digit(ones)
	case tens == 1:
		s = "十"
	default:
		s = digit(tens) + "十"
	}
	if ones > 0 {
		s += digit(ones)
	}
	return s
}
