package card

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strings"

	"golang.org/x/image/font/sfnt"

	"oshigoods/render/jptext"
)

// Face is a TrueType font parsed once at compile: its character map, its
// vertical forms (GSUB feature vert), its advances, its outlines for the
// PNG preview, and a copy of the font re-mapped for gofpdf.
//
// gofpdf embeds a TrueType font as a CID font whose CIDs are the Unicode
// code points of the characters drawn, read from the font's BMP cmap. It
// therefore cannot reach a glyph that has no BMP code point: a vertical
// form, or a character outside the BMP such as 𠮷 (it panics on one). So
// the face gives gofpdf a copy of the font whose cmap also maps a private
// use code point to each such glyph, and the PDF backend draws those code
// points inside a marked-content span whose ActualText carries the real
// text, so that copy and search in a reader, and pdftotext, see the real
// characters. Drawing the font's own vertical forms, rather than turning
// the horizontal glyph, keeps what the type designer drew: in Klee One the
// vertical 「」 and ー are not plain rotations, and 、。 and small kana
// sit where the designer put them.
type Face struct {
	sf       *sfnt.Font
	upem     float64
	cmap     map[rune]uint16
	vert     map[uint16]uint16
	advances []uint16 // by glyph ID, font units
	pua      map[uint16]rune
	pdf      []byte // the font with a BMP cmap that includes pua
	psName   string // PostScript name
	// ascent is the top of the ideographic em box above the baseline in em.
	ascent float64
}

// ParseFace parses a TrueType font.
func ParseFace(data []byte) (*Face, error) {
	tables, err := tableDirectory(data)
	if err != nil {
		return nil, err
	}
	for _, tag := range []string{"cmap", "head", "hhea", "hmtx", "maxp", "glyf", "loca"} {
		if tables[tag] == nil {
			return nil, fmt.Errorf("font has no %s table: want TrueType outlines", tag)
		}
	}
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
	if f.pdf, f.pua, err = remap(data, tables, f.cmap, f.vert); err != nil {
		return nil, err
	}
	if f.sf, err = sfnt.Parse(f.pdf); err != nil {
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
func (f *Face) Has(r rune) bool { return f.cmap[r] != 0 }

// Advance is r's horizontal advance in em.
func (f *Face) Advance(r rune) float64 { return float64(f.advances[f.cmap[r]]) / f.upem }

// VertGlyph returns r's vertical form.
func (f *Face) VertGlyph(r rune) (uint16, bool) {
	g, ok := f.vert[f.cmap[r]]
	return g, ok
}

// pdfRune is the code point gofpdf draws for glyph gid, or for r when gid
// is zero.
func (f *Face) pdfRune(r rune, gid uint16) rune {
	if gid == 0 {
		if r <= 0xFFFF {
			return r
		}
		gid = f.cmap[r]
	}
	return f.pua[gid]
}

// tableDirectory returns the tables of a TrueType font by tag.
func tableDirectory(data []byte) (map[string][]byte, error) {
	if len(data) < 12 {
		return nil, errors.New("font too short")
	}
	if v := binary.BigEndian.Uint32(data); v != 0x00010000 && v != 0x74727565 {
		return nil, fmt.Errorf("font version %#x: want TrueType outlines", v)
	}
	n := int(binary.BigEndian.Uint16(data[4:]))
	if len(data) < 12+16*n {
		return nil, errors.New("table directory truncated")
	}
	t := make(map[string][]byte, n)
	for i := range n {
		rec := data[12+16*i:]
		off, length := binary.BigEndian.Uint32(rec[8:]), binary.BigEndian.Uint32(rec[12:])
		if uint64(off)+uint64(length) > uint64(len(data)) {
			return nil, fmt.Errorf("table %s out of bounds", rec[:4])
		}
		t[string(rec[:4])] = data[off : off+length]
	}
	return t, nil
}

// parseCmap reads the Unicode subtables (formats 4 and 12) into one map.
func parseCmap(b []byte) (map[rune]uint16, error) {
	if len(b) < 4 {
		return nil, errors.New("too short")
	}
	m := make(map[rune]uint16)
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
						m[rune(c)] = g
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
					m[rune(c)] = uint16(g + c - start)
				}
			}
		}
	}
	if len(m) == 0 {
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

// remap returns a copy of the font whose cmap is one format 4 subtable
// mapping the BMP as before plus a private use code point for every
// vertical form and every character outside the BMP, and that map.
func remap(data []byte, tables map[string][]byte, cmap map[rune]uint16, vert map[uint16]uint16) ([]byte, map[uint16]rune, error) {
	type pair struct {
		c rune
		g uint16
	}
	var pairs []pair
	for c, g := range cmap {
		if c < 0xFFFF {
			pairs = append(pairs, pair{c, g})
		}
	}
	var need []uint16
	for _, g := range vert {
		need = append(need, g)
	}
	for c, g := range cmap {
		if c > 0xFFFF {
			need = append(need, g)
		}
	}
	sort.Slice(need, func(i, j int) bool { return need[i] < need[j] })
	pua := make(map[uint16]rune)
	next := rune(0xE000)
	for _, g := range need {
		if _, ok := pua[g]; ok {
			continue
		}
		for cmap[next] != 0 {
			next++
		}
		if next > 0xF8FF {
			return nil, nil, errors.New("too many glyphs without a BMP code point")
		}
		pua[g] = next
		pairs = append(pairs, pair{next, g})
		next++
	}
	sort.Slice(pairs, func(i, j int) bool { return pairs[i].c < pairs[j].c })

	// Segments of consecutive code points with consecutive glyphs, so
	// every segment uses idDelta and none needs glyphIdArray.
	var starts, ends []uint16
	var deltas []uint16
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
	var st bytes.Buffer
	w := func(v ...uint16) {
		for _, x := range v {
			binary.Write(&st, binary.BigEndian, x)
		}
	}
	length := 16 + 8*seg
	// The length field is 16 bits; gofpdf, the only reader of this copy
	// of the font, walks the segments and does not read it.
	w(4, uint16(min(length, 0xFFFF)), 0, uint16(2*seg), 0, 0, 0)
	w(ends...)
	w(0)
	w(starts...)
	w(deltas...)
	for range seg {
		w(0)
	}
	var cm bytes.Buffer
	for _, v := range []uint16{0, 1, 3, 1} {
		binary.Write(&cm, binary.BigEndian, v)
	}
	binary.Write(&cm, binary.BigEndian, uint32(12))
	cm.Write(st.Bytes())

	// Rebuild the font: same tables, new cmap, 4-byte aligned.
	tags := make([]string, 0, len(tables))
	for t := range tables {
		tags = append(tags, t)
	}
	sort.Strings(tags)
	n := len(tags)
	var out bytes.Buffer
	out.Write(data[:4])
	es := 0
	for 1<<(es+1) <= n {
		es++
	}
	for _, v := range []uint16{uint16(n), uint16(16 << es), uint16(es), uint16(16*n - 16<<es)} {
		binary.Write(&out, binary.BigEndian, v)
	}
	off := 12 + 16*n
	body := make([][]byte, n)
	for i, t := range tags {
		b := tables[t]
		if t == "cmap" {
			b = cm.Bytes()
		}
		body[i] = b
		out.WriteString(t)
		binary.Write(&out, binary.BigEndian, uint32(0)) // checksum: not checked by readers here
		binary.Write(&out, binary.BigEndian, uint32(off))
		binary.Write(&out, binary.BigEndian, uint32(len(b)))
		off += (len(b) + 3) &^ 3
	}
	for _, b := range body {
		out.Write(b)
		out.Write(make([]byte, (4-len(b)%4)%4))
	}
	return out.Bytes(), pua, nil
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
