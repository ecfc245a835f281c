package main

import (
	"bufio"
	"bytes"
	"cmp"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"oshigoods/postal"
)

// Fields of one record in jquery-jpostal-ja's json/NNN.json files; each file
// is a JSONP call, jQuery_jpostal_callback([[...], ...]), whose records have
// nine strings.
const (
	fKey      = iota // "_" and the 7-digit code; "_000info" holds the data version
	fPref            // 都道府県
	fCity            // 市区町村
	fTown            // 町域
	fStreet          // 大口事業所の番地 (business codes only)
	fBusiness        // 大口事業所の名称 (business codes only)
	fPrefKana
	fCityKana
	fTownKana
	nFields
)

// The package also holds entries keyed by a 3-digit prefix (for its
// partial-input lookup) and one for the data version: these keys start so.
const (
	infoKey   = "_000info"
	keyPrefix = "_"
)

type stats struct {
	dataVersion string
	codes       int
	addresses   int
	cities      int
	prefectures int
	business    int
}

type record struct {
	code uint32
	pref int // index into postal.Prefectures
	city string
	town string
}

type city struct {
	pref int
	name string
}

// convert reads src's json/*.json and writes the gzip'd data file that
// package postal parses (see postal/data/README.md for its layout). source
// names the package and version for the header. Business codes (大口事業所
// 個別番号) are left out: they name one office, not an area.
func convert(src fs.FS, source string, w io.Writer) (stats, error) {
	var st stats
	if strings.ContainsAny(source, "\t\n") {
		return st, fmt.Errorf("source %q has a tab or newline", source)
	}
	names, err := fs.Glob(src, "json/*.json")
	if err != nil {
		return st, fmt.Errorf("list json files: %w", err)
	}
	if len(names) == 0 {
		return st, fmt.Errorf("no json/*.json in the source: is -src the extracted package folder?")
	}
	slices.Sort(names)
	prefIndex := make(map[string]int, len(postal.Prefectures))
	for i, p := range postal.Prefectures {
		prefIndex[p] = i
	}

	var recs []record
	business := map[uint32]bool{}
	for _, name := range names {
		rows, err := readJSONP(src, name)
		if err != nil {
			return st, err
		}
		for i, row := range rows {
			if len(row) != nFields {
				return st, fmt.Errorf("%s: record %d: %d fields, want %d", name, i, len(row), nFields)
			}
			key := row[fKey]
			if key == infoKey {
				// e.g. "ver2.13 2025-09-25 2025-09-30": the package's
				// format, then the dates of Japan Post's list.
				st.dataVersion = strings.TrimSpace(row[fCity])
				continue
			}
			digits, ok := strings.CutPrefix(key, keyPrefix)
			if !ok {
				return st, fmt.Errorf("%s: record %d: key %q does not start with %q", name, i, key, keyPrefix)
			}
			if len(digits) != 7 {
				continue // a prefix entry, not a code
			}
			code, err := strconv.ParseUint(digits, 10, 32)
			if err != nil {
				return st, fmt.Errorf("%s: record %d: code %q: %w", name, i, digits, err)
			}
			if row[fStreet] != "" || row[fBusiness] != "" {
				business[uint32(code)] = true
				continue
			}
			pref, ok := prefIndex[strings.TrimSpace(row[fPref])]
			if !ok {
				return st, fmt.Errorf("%s: %s: unknown prefecture %q", name, digits, row[fPref])
			}
			r := record{
				code: uint32(code),
				pref: pref,
				city: strings.TrimSpace(row[fCity]),
				town: cleanTown(strings.TrimSpace(row[fTown])),
			}
			if r.city == "" {
				return st, fmt.Errorf("%s: %s: empty city", name, digits)
			}
			if strings.ContainsAny(r.city+r.town, "\t\n\r") {
				return st, fmt.Errorf("%s: %s: a tab or newline in %q %q", name, digits, r.city, r.town)
			}
			recs = append(recs, r)
		}
	}
	if st.dataVersion == "" || strings.ContainsAny(st.dataVersion, "\n\r") {
		return st, fmt.Errorf("no %s record, or a bad one (%q): cannot tell the data version", infoKey, st.dataVersion)
	}

	// Keep the source's order within a code (Japan Post's), drop the
	// duplicates that cleaning makes or that the list repeats.
	slices.SortStableFunc(recs, func(a, b record) int { return cmp.Compare(a.code, b.code) })
	recs = dedupe(recs)

	cities, cityIndex := cityTable(recs)
	prefs := map[int]bool{}
	for _, r := range recs {
		prefs[r.pref] = true
		// Japan Post gives business codes numbers of their own; one that is
		// also an area code means the input is not what we think it is.
		if business[r.code] {
			return st, fmt.Errorf("%07d is both an area and a business code", r.code)
		}
	}
	st.business = len(business)
	st.addresses = len(recs)
	st.cities = len(cities)
	st.prefectures = len(prefs)
	for i, r := range recs {
		if i == 0 || recs[i-1].code != r.code {
			st.codes++
		}
	}

	var text bytes.Buffer
	bw := bufio.NewWriter(&text)
	fmt.Fprintf(bw, "# oshigoods postal data 1\n")
	fmt.Fprintf(bw, "# Japan Post 郵便番号データ (KEN_ALL), from npm %s (%s)\n", source, st.dataVersion)
	fmt.Fprintf(bw, "# %d codes, %d addresses, %d cities; layout: postal/data/README.md\n", st.codes, st.addresses, st.cities)
	for _, c := range cities {
		fmt.Fprintf(bw, "%02d\t%s\n", c.pref+1, c.name)
	}
	bw.WriteString("\n")
	for _, r := range recs {
		fmt.Fprintf(bw, "%07d\t%d\t%s\n", r.code, cityIndex[city{r.pref, r.city}], r.town)
	}
	if err := bw.Flush(); err != nil {
		return st, err
	}

	// No name and a zero time in the gzip header: the bytes depend on the
	// input alone.
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return st, err
	}
	if _, err := zw.Write(text.Bytes()); err != nil {
		return st, fmt.Errorf("write output: %w", err)
	}
	if err := zw.Close(); err != nil {
		return st, fmt.Errorf("write output: %w", err)
	}
	return st, nil
}

// readJSONP decodes one jQuery_jpostal_callback([...]); file.
func readJSONP(src fs.FS, name string) ([][]string, error) {
	b, err := fs.ReadFile(src, name)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path.Base(name), err)
	}
	start, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if start < 0 || end < start {
		return nil, fmt.Errorf("%s: not a JSONP callback", name)
	}
	var rows [][]string
	if err := json.Unmarshal(b[start+1:end], &rows); err != nil {
		return nil, fmt.Errorf("decode %s: %w", name, err)
	}
	return rows, nil
}

// dedupe drops a record equal to an earlier one of the same code; recs is
// sorted by code.
func dedupe(recs []record) []record {
	out := recs[:0]
	start := 0 // first record in out of the current code
	for _, r := range recs {
		if len(out) > 0 && out[len(out)-1].code != r.code {
			start = len(out)
		}
		if !slices.Contains(out[start:], r) {
			out = append(out, r)
		}
	}
	return out
}

// cityTable lists the distinct (prefecture, city) pairs in JIS prefecture
// order, then by name, and maps each to its index.
func cityTable(recs []record) ([]city, map[city]int) {
	index := map[city]int{}
	for _, r := range recs {
		index[city{r.pref, r.city}] = 0
	}
	cities := make([]city, 0, len(index))
	for c := range index {
		cities = append(cities, c)
	}
	slices.SortFunc(cities, func(a, b city) int {
		return cmp.Or(cmp.Compare(a.pref, b.pref), strings.Compare(a.name, b.name))
	})
	for i, c := range cities {
		index[c] = i
	}
	return cities, index
}

// Sanity bounds on what a complete list holds (2025: 120,663 codes).
const (
	minCodes = 100_000
	maxCodes = 200_000
)

// check fails a conversion that does not look like the whole list, rather
// than ship a partial one: too few or too many codes, or a prefecture
// missing.
func check(st stats) error {
	if st.codes < minCodes || st.codes > maxCodes {
		return fmt.Errorf("%d codes, want between %d and %d: the list looks incomplete", st.codes, minCodes, maxCodes)
	}
	if st.prefectures != len(postal.Prefectures) {
		return fmt.Errorf("%d prefectures in the list, want %d", st.prefectures, len(postal.Prefectures))
	}
	return nil
}
