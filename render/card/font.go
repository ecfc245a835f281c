package card

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"golang.org/x/image/font/sfnt"

	"oshigoods/render/jptext"
)

// Face is a TrueType font parsed once at compile: its character map, its
// vertical forms (GSUB feature vert), its advances, its outlines for the
// PNG preview, and its tables, from which each print file gets a cut of
// the font (see cut).
//
// gofpdf embeds a TrueType font as a CID font whose CIDs are the Unicode
// code points of the characters drawn, read from the font's BMP cmap. It
// therefore cannot reach a glyph that has no BMP code point: a vertical
// form, or a character outside the BMP such as 𠮷 (it panics on one). So
// the face gives each such glyph a private use code point, the font given
// to gofpdf maps it, and the PDF backend draws those code points inside a
// marked-content span whose ActualText carries the real text, so that
// copy and search in a reader, and pdftotext, see the real characters. Drawing the font's own vertical forms, rather than turning
// the horizontal glyph, keeps what the type designer drew: in Klee One the
// vertical 「」 and ー are not plain rotations, and 、。 and small kana
// sit where the designer put them.
type Face struct {
	sf       *sfnt.Font
	upem     float64
	cmap     *charMap
	vert     map[uint16]uint16
	advances []uint16        // by glyph ID, font units
	pua      map[uint16]rune // private use code point by glyph ID
	puaGID   map[rune]uint16 // the inverse of pua
	// tables are the font's tables in memory (keptTables; of post, its
	// header), by tag; glyf is read from glyf.
	tables  map[string][]byte
	glyf    *io.SectionReader
	version []byte // the sfnt version, the file's first 4 bytes
	loca    []uint32
	psName  string // PostScript name
	// ascent is the top of the ideographic em box above the baseline in em.
	ascent float64
	// outlines keeps glyph outlines the previews drew (see outline).
	outlines glyphCache
}

// ParseFace parses a TrueType font.
func ParseFace(data []byte) (*Face, error) {
	return parseFaceAt(bytes.NewReader(data), int64(len(data)))
}

// keptTables are the tables a face reads into memory when parsed: those
// ParseFace reads and those cut copies, but not glyf, by far the largest
// (20 of Klee One's 21 MB), whose glyphs are read when a page draws them.
var keptTables = map[string]bool{"GSUB": true, "OS/2": true, "cmap": true, "cvt ": true, "fpgm": true, "gasp": true,
	"head": true, "hhea": true, "hmtx": true, "loca": true, "maxp": true, "name": true, "post": true, "prep": true}

// postHeader is how much of the post table a face keeps: cut writes its
// header alone (version 3, no glyph names).
const postHeader = 32

// parseFaceAt parses a TrueType font of size bytes read through r. It
// reads the tables it uses except glyf, a few hundred KB of a CJK font,
// and keeps r to read glyphs from when they are drawn: r must stay
// readable, with the same bytes, for as long as the face is used (an
// embedded file, or a file's bytes in memory), and allow concurrent
// ReadAt calls.
func parseFaceAt(r io.ReaderAt, size int64) (*Face, error) {
	version, dir, err := tableDirectory(r, size)
	if err != nil {
		return nil, err
	}
	for _, tag := range []string{"cmap", "head", "hhea", "hmtx", "maxp", "glyf", "loca"} {
		if _, ok := dir[tag]; !ok {
			return nil, fmt.Errorf("font has no %s table: want TrueType outlines", tag)
		}
	}
	tables := make(map[string][]byte, len(keptTables))
	for tag, e := range dir {
		if !keptTables[tag] {
			continue
		}
		n := e.length
		if tag == "post" {
			n = min(n, postHeader)
		}
		b := make([]byte, n)
		if err := readAt(r, b, int64(e.off)); err != nil {
			return nil, fmt.Errorf("read table %s: %w", tag, err)
		}
		tables[tag] = b
	}
	glyf := dir["glyf"]
	f := &Face{}
	f.upem = float64(binary.BigEndian.Uint16(tables["head"][18:]))
	if f.cmap, err = parseCmap(tables["cmap"]); err != nil {
		return nil, fmt.Errorf("cmap: %w", err)
	}
	if f.vert, err = parseVert(tables["GSUB"]); err != nil {
		return nil, fmt.Errorf("GSUB: %w", err)
	}
	numGlyphs := int(binary.BigEndian.Uint16(tables["maxp"][4:]))
	nh := int(binary.BigEndian.Uint16(tables["hhea"][34:]))
	hmtx := tables["hmtx"]
	if nh == 0 || nh > numGlyphs || len(hmtx) < 4*nh {
		return nil, errors.New("hmtx: bad length")
	}
	f.advances = make([]uint16, numGlyphs)
	for g := range f.advances {
		i := min(g, nh-1)
		f.advances[g] = binary.BigEndian.Uint16(hmtx[4*i:])
	}
	f.ascent = 0.88
	if os2 := tables["OS/2"]; len(os2) >= 72 {
		asc := float64(int16(binary.BigEndian.Uint16(os2[68:])))
		desc := float64(int16(binary.BigEndian.Uint16(os2[70:])))
		if asc-desc > 0 {
			// Centre the em box on the typographic ascent and descent.
			f.ascent = 0.5 + (asc+desc)/2/f.upem
		}
	}
	if f.pua, err = privateUse(f.cmap, f.vert); err != nil {
		return nil, err
	}
	f.puaGID = make(map[rune]uint16, len(f.pua))
	for g, r := range f.pua {
		f.puaGID[r] = g
	}
	f.tables, f.version = tables, version
	f.glyf = io.NewSectionReader(r, int64(glyf.off), int64(glyf.length))
	if f.loca, err = parseLoca(tables, numGlyphs, glyf.length); err != nil {
		return nil, err
	}
	if f.sf, err = sfnt.ParseReaderAt(r); err != nil {
		return nil, fmt.Errorf("parse outlines: %w", err)
	}
	name, _ := f.sf.Name(nil, sfnt.NameIDPostScript)
	f.psName = strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return -1
	}, name)
	if f.psName == "" {
		f.psName = "Font"
	}
	return f, nil
}

// Has reports whether the font has a glyph for r.
func (f *Face) Has(r rune) bool { return f.cmap.glyph(r) != 0 }

// Advance is r's horizontal advance in em.
func (f *Face) Advance(r rune) float64 { return float64(f.advances[f.cmap.glyph(r)]) / f.upem }

// VertGlyph returns r's vertical form.
func (f *Face) VertGlyph(r rune) (uint16, bool) {
	g, ok := f.vert[f.cmap.glyph(r)]
	return g, ok
}

// pdfRune is the code point gofpdf draws for glyph gid, or for r when gid
// is zero.
func (f *Face) pdfRune(r rune, gid uint16) rune {
	if gid == 0 {
		if r <= 0xFFFF {
			return r
		}
		gid = f.cmap.glyph(r)
	}
	return f.pua[gid]
}

// readAt fills b from r at off.
func readAt(r io.ReaderAt, b []byte, off int64) error {
	n, err := r.ReadAt(b, off)
	if n == len(b) {
		return nil // io.ReaderAt may give io.EOF with the last bytes
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// tableEntry is where a table lies in a font file.
type tableEntry struct{ off, length uint32 }

// tableDirectory reads the sfnt version (the file's first 4 bytes) and
// where each table of a TrueType font lies, by tag.
func tableDirectory(r io.ReaderAt, size int64) ([]byte, map[string]tableEntry, error) {
	if size < 12 {
		return nil, nil, errors.New("font too short")
	}
	head := make([]byte, 12)
	if err := readAt(r, head, 0); err != nil {
		return nil, nil, fmt.Errorf("read font: %w", err)
	}
	if v := binary.BigEndian.Uint32(head); v != 0x00010000 && v != 0x74727565 {
		return nil, nil, fmt.Errorf("font version %#x: want TrueType outlines", v)
	}
	n := int(binary.BigEndian.Uint16(head[4:]))
	if size < int64(12+16*n) {
		return nil, nil, errors.New("table directory truncated")
	}
	recs := make([]byte, 16*n)
	if err := readAt(r, recs, 12); err != nil {
		return nil, nil, fmt.Errorf("read font: %w", err)
	}
	t := make(map[string]tableEntry, n)
	for i := range n {
		rec := recs[16*i:]
		off, length := binary.BigEndian.Uint32(rec[8:]), binary.BigEndian.Uint32(rec[12:])
		if uint64(off)+uint64(length) > uint64(size) {
			return nil, nil, fmt.Errorf("table %s out of bounds", rec[:4])
		}
		t[string(rec[:4])] = tableEntry{off, length}
	}
	return head[:4], t, nil
}

// charMap is a font's character map: the glyph of each code point, 0 for
// none. The BMP is a table, 128 KB, as a CJK font maps most of it; a
// map of 20,000 code points cost a tenth of a render's process to build.
type charMap struct {
	bmp    []uint16        // by code point, U+0000 to U+FFFF
	astral map[rune]uint16 // the code points above U+FFFF the font maps
	n      int             // how many code points were set
}

func newCharMap() *charMap {
	return &charMap{bmp: make([]uint16, 0x10000), astral: map[rune]uint16{}}
}

// glyph is the glyph of r, 0 for none.
func (m *charMap) glyph(r rune) uint16 {
	if r >= 0 && r <= 0xFFFF {
		return m.bmp[r]
	}
	return m.astral[r]
}

func (m *charMap) set(r rune, g uint16) {
	if r >= 0 && r <= 0xFFFF {
		m.bmp[r] = g
	} else {
		m.astral[r] = g
	}
	m.n++
}

// parseCmap reads the Unicode subtables (formats 4 and 12) into one map.
func parseCmap(b []byte) (*charMap, error) {
	if len(b) < 4 {
		return nil, errors.New("too short")
	}
	m := newCharMap()
	n := int(u16(b, 2))
	for i := range n {
		pid, eid, off := u16(b, 4+8*i), u16(b, 6+8*i), int(u32(b, 8+8*i))
		if !(pid == 0 || pid == 3 && (eid == 1 || eid == 10)) || off+4 > len(b) {
			continue
		}
		st := b[off:]
		switch u16(st, 0) {
		case 4:
			segX2 := int(u16(st, 6))
			if 16+4*segX2 > len(st) {
				return nil, errors.New("format 4 truncated")
			}
			for s := 0; s < segX2; s += 2 {
				end, start := int(u16(st, 14+s)), int(u16(st, 16+segX2+s))
				delta, ro := u16(st, 16+2*segX2+s), int(u16(st, 16+3*segX2+s))
				for c := start; c <= end && c != 0xFFFF; c++ {
					var g uint16
					if ro == 0 {
						g = uint16(c) + delta
					} else {
						p := 16 + 3*segX2 + s + ro + 2*(c-start)
						if p+2 > len(st) {
							continue
						}
						if g = u16(st, p); g != 0 {
							g += delta
						}
					}
					if g != 0 {
						m.set(rune(c), g)
					}
				}
			}
		case 12:
			ng := int(u32(st, 12))
			if 16+12*ng > len(st) {
				return nil, errors.New("format 12 truncated")
			}
			for k := range ng {
				start, end, g := u32(st, 16+12*k), u32(st, 20+12*k), u32(st, 24+12*k)
				for c := start; c <= end && c <= 0x10FFFF; c++ {
					m.set(rune(c), uint16(g+c-start))
				}
			}
		}
	}
	if m.n == 0 {
		return nil, errors.New("no Unicode subtable")
	}
	return m, nil
}

// parseVert reads the single substitutions of the GSUB features vert (or
// vrt2 when there is no vert): lookup type 1, formats 1 and 2, also inside
// extension lookups (type 7). A font without GSUB has no vertical forms.
func parseVert(b []byte) (map[uint16]uint16, error) {
	m := make(map[uint16]uint16)
	if len(b) < 10 {
		return m, nil
	}
	fl, ll := b[u16(b, 6):], b[u16(b, 8):]
	lookups := map[int]bool{}
	for _, want := range []string{"vert", "vrt2"} {
		n := int(u16(fl, 0))
		for i := range n {
			tag, off := string(fl[2+6*i:6+6*i]), int(u16(fl, 6+6*i))
			if tag != want {
				continue
			}
			ft := fl[off:]
			for k := range int(u16(ft, 2)) {
				lookups[int(u16(ft, 4+2*k))] = true
			}
		}
		if len(lookups) > 0 {
			break
		}
	}
	idx := make([]int, 0, len(lookups))
	for i := range lookups {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	for _, i := range idx {
		if i >= int(u16(ll, 0)) {
			return nil, fmt.Errorf("lookup %d out of range", i)
		}
		lk := ll[u16(ll, 2+2*i):]
		typ := u16(lk, 0)
		for s := range int(u16(lk, 4)) {
			st := lk[u16(lk, 6+2*s):]
			t := typ
			if t == 7 {
				t, st = u16(st, 2), st[u32(st, 4):]
			}
			if t != 1 {
				continue
			}
			cov := coverage(st[u16(st, 2):])
			switch u16(st, 0) {
			case 1:
				d := u16(st, 4)
				for _, g := range cov {
					if _, done := m[g]; !done {
						m[g] = g + d
					}
				}
			case 2:
				for k, g := range cov {
					if _, done := m[g]; !done && k < int(u16(st, 4)) {
						m[g] = u16(st, 6+2*k)
					}
				}
			}
		}
	}
	return m, nil
}

// coverage lists the glyphs of a coverage table in coverage index order.
func coverage(b []byte) []uint16 {
	var gs []uint16
	switch u16(b, 0) {
	case 1:
		for k := range int(u16(b, 2)) {
			gs = append(gs, u16(b, 4+2*k))
		}
	case 2:
		for k := range int(u16(b, 2)) {
			start, end := u16(b, 4+6*k), u16(b, 6+6*k)
			for g := int(start); g <= int(end); g++ {
				gs = append(gs, uint16(g))
			}
		}
	}
	return gs
}

// privateUse gives a private use code point to every vertical form and
// every glyph of a character outside the BMP, skipping code points the
// font itself maps.
func privateUse(cmap *charMap, vert map[uint16]uint16) (map[uint16]rune, error) {
	var need []uint16
	for _, g := range vert {
		need = append(need, g)
	}
	for _, g := range cmap.astral {
		need = append(need, g)
	}
	sort.Slice(need, func(i, j int) bool { return need[i] < need[j] })
	pua := make(map[uint16]rune)
	next := rune(0xE000)
	for _, g := range need {
		if _, ok := pua[g]; ok {
			continue
		}
		for cmap.glyph(next) != 0 {
			next++
		}
		if next > 0xF8FF {
			return nil, errors.New("too many glyphs without a BMP code point")
		}
		pua[g] = next
		next++
	}
	return pua, nil
}

// parseLoca reads the glyph offsets into glyf, numGlyphs+1 of them.
func parseLoca(tables map[string][]byte, numGlyphs int, glyfLen uint32) ([]uint32, error) {
	loca, long := tables["loca"], u16(tables["head"], 50) == 1
	offs := make([]uint32, numGlyphs+1)
	if long && len(loca) < 4*len(offs) || !long && len(loca) < 2*len(offs) {
		return nil, errors.New("loca truncated")
	}
	for i := range offs {
		if long {
			offs[i] = u32(loca, 4*i)
		} else {
			offs[i] = 2 * uint32(u16(loca, 2*i))
		}
		if offs[i] > glyfLen || i > 0 && offs[i] < offs[i-1] {
			return nil, fmt.Errorf("loca: glyph %d out of bounds", i)
		}
	}
	return offs, nil
}

// gidOf is the glyph gofpdf draws for code point r (see pdfRune).
func (f *Face) gidOf(r rune) uint16 {
	if g, ok := f.puaGID[r]; ok {
		return g
	}
	return f.cmap.glyph(r)
}

// cutTables are the tables gofpdf reads or copies into the PDF.
var cutTables = []string{"OS/2", "cmap", "cvt ", "fpgm", "gasp", "glyf", "head", "hhea", "hmtx", "loca", "maxp", "name", "post", "prep"}

// cut returns the font to give gofpdf for a page that draws the code
// points runes (as pdfRune gives them): only the glyphs of those code
// points and their components, renumbered from 1 (.notdef stays 0), with
// their metrics and a cmap of only those code points. gofpdf parses the
// whole font it is given on every document and subsets it again when
// writing; given this cut of a 20 MB CJK font rather than the font, it
// does a small fraction of the work, and embeds the same outlines.
func (f *Face) cut(runes []rune) ([]byte, error) {
	type pair struct {
		c rune
		g uint16
	}
	pairs := make([]pair, 0, len(runes))
	// keep holds the data of each glyph kept, read from glyf.
	keep := map[uint16][]byte{}
	glyph := func(g uint16) []byte { return keep[g] }
	var add func(g uint16, depth int) error
	add = func(g uint16, depth int) error {
		if _, ok := keep[g]; ok {
			return nil
		}
		if int(g) >= len(f.loca)-1 {
			return fmt.Errorf("glyph %d out of range", g)
		}
		if depth > 8 {
			return fmt.Errorf("glyph %d: components nested too deep", g)
		}
		data := make([]byte, f.loca[g+1]-f.loca[g])
		if err := readAt(f.glyf, data, int64(f.loca[g])); err != nil {
			return fmt.Errorf("read glyph %d: %w", g, err)
		}
		keep[g] = data
		for _, at := range components(data) {
			if err := add(u16(data, at), depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := add(0, 0); err != nil {
		return nil, err
	}
	for _, r := range runes {
		g := f.gidOf(r)
		if g == 0 || r > 0xFFFF {
			return nil, fmt.Errorf("no glyph for code point %U", r)
		}
		pairs = append(pairs, pair{r, g})
		if err := add(g, 0); err != nil {
			return nil, err
		}
	}
	old := make([]uint16, 0, len(keep))
	for g := range keep {
		old = append(old, g)
	}
	sort.Slice(old, func(i, j int) bool { return old[i] < old[j] })
	renum := make(map[uint16]uint16, len(old))
	for i, g := range old {
		renum[g] = uint16(i)
	}
	for i := range pairs {
		pairs[i].g = renum[pairs[i].g]
	}
	sort.Slice(pairs, func(i, j int) bool { return pairs[i].c < pairs[j].c })

	// glyf, a long loca and full metrics in the new order; composite
	// glyphs get their components' new numbers.
	k := len(old)
	hmtx, nh := f.tables["hmtx"], int(u16(f.tables["hhea"], 34))
	var newGlyf []byte
	newLoca := make([]byte, 4*(k+1))
	newHmtx := make([]byte, 4*k)
	for i, g := range old {
		at := len(newGlyf)
		newGlyf = append(newGlyf, glyph(g)...)
		for _, c := range components(glyph(g)) {
			binary.BigEndian.PutUint16(newGlyf[at+c:], renum[u16(newGlyf, at+c)])
		}
		newGlyf = append(newGlyf, make([]byte, (4-len(newGlyf)%4)%4)...)
		binary.BigEndian.PutUint32(newLoca[4*(i+1):], uint32(len(newGlyf)))
		lsb := 4*nh + 2*(int(g)-nh)
		if int(g) < nh {
			lsb = 4*int(g) + 2
		}
		binary.BigEndian.PutUint16(newHmtx[4*i:], f.advances[g])
		if lsb+2 <= len(hmtx) {
			copy(newHmtx[4*i+2:4*i+4], hmtx[lsb:lsb+2])
		}
	}
	head := append([]byte(nil), f.tables["head"]...)
	binary.BigEndian.PutUint16(head[50:], 1) // indexToLocFormat: long
	hhea := append([]byte(nil), f.tables["hhea"]...)
	binary.BigEndian.PutUint16(hhea[34:], uint16(k)) // numberOfHMetrics
	maxp := append([]byte(nil), f.tables["maxp"]...)
	binary.BigEndian.PutUint16(maxp[4:], uint16(k)) // numGlyphs
	var post []byte
	if p := f.tables["post"]; len(p) >= 32 {
		post = append([]byte(nil), p[:32]...)
		binary.BigEndian.PutUint32(post, 0x00030000) // no glyph names
	}

	// cmap: one format 4 subtable (3, 1), segments of consecutive code
	// points with consecutive glyphs, so every segment uses idDelta.
	var starts, ends, deltas []uint16
	for i := 0; i < len(pairs); {
		j := i + 1
		for j < len(pairs) && pairs[j].c == pairs[j-1].c+1 && pairs[j].g == pairs[j-1].g+1 {
			j++
		}
		starts = append(starts, uint16(pairs[i].c))
		ends = append(ends, uint16(pairs[j-1].c))
		deltas = append(deltas, pairs[i].g-uint16(pairs[i].c))
		i = j
	}
	starts, ends, deltas = append(starts, 0xFFFF), append(ends, 0xFFFF), append(deltas, 1)
	seg := len(starts)
	var cm bytes.Buffer
	w := func(v ...uint16) {
		for _, x := range v {
			binary.Write(&cm, binary.BigEndian, x)
		}
	}
	w(0, 1, 3, 1)
	binary.Write(&cm, binary.BigEndian, uint32(12))
	es := 0
	for 1<<(es+1) <= seg {
		es++
	}
	w(4, uint16(16+8*seg), 0, uint16(2*seg), uint16(2<<es), uint16(es), uint16(2*seg-2<<es))
	w(ends...)
	w(0)
	w(starts...)
	w(deltas...)
	for range seg {
		w(0)
	}

	out := map[string][]byte{"glyf": newGlyf, "loca": newLoca, "hmtx": newHmtx, "head": head, "hhea": hhea, "maxp": maxp, "post": post, "cmap": cm.Bytes()}
	for _, t := range cutTables {
		if out[t] == nil && f.tables[t] != nil {
			out[t] = f.tables[t]
		}
	}
	if post == nil {
		delete(out, "post")
	}
	return assemble(f.version, out), nil
}

// components returns the offsets, in a glyph's data, of the glyph IDs of
// its components; none for a simple glyph.
func components(b []byte) []int {
	if len(b) < 10 || int16(u16(b, 0)) >= 0 {
		return nil
	}
	var at []int
	for i := 10; i+4 <= len(b); {
		flags := u16(b, i)
		at = append(at, i+2)
		i += 4
		if flags&0x0001 != 0 { // ARG_1_AND_2_ARE_WORDS
			i += 4
		} else {
			i += 2
		}
		switch {
		case flags&0x0008 != 0: // WE_HAVE_A_SCALE
			i += 2
		case flags&0x0040 != 0: // WE_HAVE_AN_X_AND_Y_SCALE
			i += 4
		case flags&0x0080 != 0: // WE_HAVE_A_TWO_BY_TWO
			i += 8
		}
		if flags&0x0020 == 0 { // MORE_COMPONENTS
			break
		}
	}
	return at
}

// assemble writes a TrueType file of the tables, sorted by tag and 4-byte
// aligned. Checksums are left zero: gofpdf, the only reader, does not
// check them, and it writes its own subset with its own.
func assemble(version []byte, tables map[string][]byte) []byte {
	tags := make([]string, 0, len(tables))
	size := 12
	for t, b := range tables {
		tags = append(tags, t)
		size += 16 + (len(b)+3)&^3
	}
	sort.Strings(tags)
	n := len(tags)
	out := bytes.NewBuffer(make([]byte, 0, size))
	out.Write(version)
	es := 0
	for 1<<(es+1) <= n {
		es++
	}
	for _, v := range []uint16{uint16(n), uint16(16 << es), uint16(es), uint16(16*n - 16<<es)} {
		binary.Write(out, binary.BigEndian, v)
	}
	off := 12 + 16*n
	for _, t := range tags {
		b := tables[t]
		out.WriteString(t)
		binary.Write(out, binary.BigEndian, uint32(0))
		binary.Write(out, binary.BigEndian, uint32(off))
		binary.Write(out, binary.BigEndian, uint32(len(b)))
		off += (len(b) + 3) &^ 3
	}
	for _, t := range tags {
		b := tables[t]
		out.Write(b)
		out.Write(make([]byte, (4-len(b)%4)%4))
	}
	return out.Bytes()
}

func u16(b []byte, i int) uint16 { return binary.BigEndian.Uint16(b[i:]) }
func u32(b []byte, i int) uint32 { return binary.BigEndian.Uint32(b[i:]) }

// fontSet is a template's fonts: the primary font and an optional fallback
// for the characters it lacks. It gives render/jptext the metrics of the
// font that draws each character, and the backends that font.
type fontSet struct {
	primary, fallback *Face
}

var _ jptext.Font = (*fontSet)(nil)

// face is the font that draws r: the primary font when it has r, else the
// fallback when it has r, else nil.
func (s *fontSet) face(r rune) *Face {
	switch {
	case s.primary.Has(r):
		return s.primary
	case s.fallback != nil && s.fallback.Has(r):
		return s.fallback
	}
	return nil
}

// Has reports whether either font has r.
func (s *fontSet) Has(r rune) bool { return s.face(r) != nil }

// Advance is r's advance in the font that draws it, in em; for a character
// neither has, the primary font's .notdef advance.
func (s *fontSet) Advance(r rune) float64 {
	if f := s.face(r); f != nil {
		return f.Advance(r)
	}
	return s.primary.Advance(r)
}

// VertGlyph is r's vertical form in the font that draws it.
func (s *fontSet) VertGlyph(r rune) (uint16, bool) {
	if f := s.face(r); f != nil {
		return f.VertGlyph(r)
	}
	return 0, false
}
