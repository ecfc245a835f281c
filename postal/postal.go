package postal

import (
	"bytes"
	"compress/gzip"
	"embed"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Address is what a postal code stands for.
type Address struct {
	// Prefecture is one of Prefectures, e.g. "東京都".
	Prefecture string `json:"prefecture"`
	// City is the 市区町村 with its 郡 or 政令市, e.g. "千代田区",
	// "札幌市中央区", "犬上郡多賀町".
	City string `json:"city"`
	// Town is the 町域, e.g. "千代田"; "" where Japan Post lists none (the
	// code covers the rest of the city, or the whole of it).
	Town string `json:"town"`
}

// data holds the list, data/codes.txt.gz, made by scripts/gen-postal;
// data/README.md describes its layout. The folder is embedded rather than
// the file so that the package, and the generator that imports it for
// Prefectures, still build before the file is first made.
//
//go:embed data
var data embed.FS

const dataFile = "data/codes.txt.gz"

// maxText bounds the memory parse sets aside up front from the size a gzip
// trailer claims; the list is about 3 MB.
const maxText = 64 << 20

// table is the parsed list: the text kept whole as one string, which every
// Address's City and Town slice into, and an index of where each code's
// lines start.
type table struct {
	text   string
	cities []city
	codes  []uint32 // sorted, distinct
	starts []uint32 // starts[i]: offset in text of codes[i]'s first line
}

type city struct {
	pref uint8 // index into Prefectures
	name string
}

// load parses the embedded list on first use: about 3 MB of text and 1 MB
// of index, kept for the life of the process.
var load = sync.OnceValue(func() (t *table) {
	gz, err := data.ReadFile(dataFile)
	if err == nil {
		t, err = parse(gz)
	}
	if err != nil {
		// The list is built and tested with this package; a bad one is a
		// broken build, not a condition to serve around.
		panic("postal: embedded data: " + err.Error())
	}
	return t
})

// Lookup returns the addresses a normalized 7-digit code (see Normalize)
// stands for, in Japan Post's order, or nil if the list has no such code or
// code is not 7 ASCII digits. A code may cover several towns, and a few
// cover towns in two prefectures (498-0000: 愛知県弥富市 and 三重県桑名郡
// 木曽岬町). The slice is the caller's own. Business codes (大口事業所個別
// 番号) are not in the list. The first call parses the embedded list, which
// takes some tens of milliseconds.
func Lookup(code string) []Address {
	n, ok := parseCode(code)
	if !ok {
		return nil
	}
	t := load()
	i, found := slices.BinarySearch(t.codes, n)
	if !found {
		return nil
	}
	start := t.text[t.starts[i]:]
	count := 0
	for rest := start; strings.HasPrefix(rest, code); count++ {
		_, rest, _ = strings.Cut(rest, "\n")
	}
	out := make([]Address, 0, count)
	for rest := start; strings.HasPrefix(rest, code); {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		c, town := t.entry(line)
		out = append(out, Address{Prefecture: Prefectures[c.pref], City: c.name, Town: town})
	}
	return out
}

// entry splits a line "CODE\tCITY\tTOWN" checked by parse.
func (t *table) entry(line string) (city, string) {
	_, rest, _ := strings.Cut(line, "\t")
	idx, town, _ := strings.Cut(rest, "\t")
	i, _ := strconv.Atoi(idx)
	return t.cities[i], town
}

// parseCode reads 7 ASCII digits.
func parseCode(code string) (uint32, bool) {
	if len(code) != 7 {
		return 0, false
	}
	var n uint32
	for i := 0; i < len(code); i++ {
		c := code[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint32(c-'0')
	}
	return n, true
}

// parse reads the gzip'd list: '#' comment lines, the city lines
// "PP\tNAME" (PP the JIS prefecture code), a blank line, then the address
// lines "CODE\tCITY\tTOWN" (CITY an index into the city lines) sorted by
// code. Every line is checked here, so that Lookup need not.
func parse(gz []byte) (*table, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("gunzip: %w", err)
	}
	var sb strings.Builder
	if len(gz) >= 4 {
		// gzip's trailer ends with the text's size (mod 4 GiB): grow once.
		if size := binary.LittleEndian.Uint32(gz[len(gz)-4:]); size <= maxText {
			sb.Grow(int(size))
		}
	}
	if _, err := io.Copy(&sb, zr); err != nil {
		return nil, fmt.Errorf("gunzip: %w", err)
	}
	t := &table{text: sb.String()}
	// One line a code at most, so this is enough and little too much.
	lines := strings.Count(t.text, "\n")
	t.codes = make([]uint32, 0, lines)
	t.starts = make([]uint32, 0, lines)
	off := 0
	lineNo := 0
	next := func() (string, bool) {
		if off >= len(t.text) {
			return "", false
		}
		line, _, _ := strings.Cut(t.text[off:], "\n")
		off += len(line) + 1
		lineNo++
		return line, true
	}

	for {
		line, ok := next()
		if !ok {
			return nil, fmt.Errorf("no address lines")
		}
		if strings.HasPrefix(line, "#") {
			continue
		}
		if line == "" {
			break
		}
		pp, name, ok := strings.Cut(line, "\t")
		pref, err := strconv.Atoi(pp)
		if !ok || err != nil || pref < 1 || pref > len(Prefectures) || name == "" {
			return nil, fmt.Errorf("line %d: bad city line %q", lineNo, line)
		}
		t.cities = append(t.cities, city{pref: uint8(pref - 1), name: name})
	}

	for {
		start := off
		line, ok := next()
		if !ok {
			break
		}
		code, rest, ok1 := strings.Cut(line, "\t")
		idx, _, ok2 := strings.Cut(rest, "\t")
		n, ok3 := parseCode(code)
		i, err := strconv.Atoi(idx)
		if !ok1 || !ok2 || !ok3 || err != nil || i < 0 || i >= len(t.cities) {
			return nil, fmt.Errorf("line %d: bad address line %q", lineNo, line)
		}
		switch last := len(t.codes) - 1; {
		case last >= 0 && t.codes[last] == n:
			continue
		case last >= 0 && t.codes[last] > n:
			return nil, fmt.Errorf("line %d: code %s out of order", lineNo, code)
		}
		t.codes = append(t.codes, n)
		t.starts = append(t.starts, uint32(start))
	}
	if len(t.codes) == 0 {
		return nil, fmt.Errorf("no address lines")
	}
	return t, nil
}

// PrefecturesOf returns the prefectures a code's addresses lie in, each
// once, in the list's order (a few codes span two); nil for an unknown
// code. orders.Service.Postal takes it.
func PrefecturesOf(code string) []string {
	var out []string
	for _, a := range Lookup(code) {
		if !slices.Contains(out, a.Prefecture) {
			out = append(out, a.Prefecture)
		}
	}
	return out
}
