package pdfx

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"unicode/utf16"
)

// Version is the conformance Finalize gives a file.
const Version = "PDF/X-4"

// Options says how Finalize tags a file. The zero Options is the built-in
// sRGB output intent.
type Options struct {
	// OutputICC is the output intent's profile, RGB or CMYK (see
	// ParseICC). Nil is the built-in sRGB IEC 61966-2.1. RGB content is
	// tagged with the built-in sRGB whatever the output profile is.
	OutputICC []byte
	// OutputCondition is the output intent's /OutputConditionIdentifier.
	// Empty is SRGBName for the built-in profile, else the profile's
	// description, else "Custom".
	OutputCondition string
	// Title is the document title written when the file has none. Empty
	// is "Untitled".
	Title string
	// CreatorTool is written as /Creator and xmp:CreatorTool when the
	// file has no /Creator. Empty is "oshigoods".
	CreatorTool string
}

// Finalize rewrites pdf, a PDF with classic cross-reference tables such as
// gofpdf writes, as a PDF/X-4 file: a GTS_PDFX output intent embedding the
// output profile; /GTS_PDFXVersion, /Trapped and a /Title in the document
// information and the same facts in XMP metadata on the catalog; RGB
// colour tagged ICCBased with sRGB (image colour spaces, the pages'
// transparency groups, and /DefaultRGB in every resources dictionary, form
// XObjects' included); and a trailer /ID derived from the input, so the
// same input gives the same bytes. Stream data is copied unchanged. Every
// page must have a TrimBox and a BleedBox. Encrypted, malformed or
// unsupported input is an error.
func Finalize(pdf []byte, opts Options) ([]byte, error) {
	f, err := parse(pdf)
	if err != nil {
		return nil, fmt.Errorf("parse PDF: %w", err)
	}
	if f.trailer.get("Encrypt") != nil {
		return nil, errors.New("PDF is encrypted")
	}
	cat := f.dictOf(f.trailer.get("Root"))
	if cat == nil {
		return nil, errors.New("PDF has no catalog")
	}
	pages, err := f.pages(cat)
	if err != nil {
		return nil, err
	}
	for i, pg := range pages {
		for _, box := range []name{"TrimBox", "BleedBox"} {
			if _, err := f.rect(pg.get(box)); err != nil {
				return nil, fmt.Errorf("page %d: %s: %w", i+1, box, err)
			}
		}
	}

	out := opts.OutputICC
	if out == nil {
		out = srgb
	}
	prof, err := ParseICC(out)
	if err != nil {
		return nil, fmt.Errorf("output profile: %w", err)
	}
	cond := opts.OutputCondition
	if cond == "" {
		switch {
		case bytes.Equal(out, srgb):
			cond = SRGBName
		case prof.Description != "":
			cond = prof.Description
		default:
			cond = "Custom"
		}
	}
	info := prof.Description
	if info == "" {
		info = cond
	}

	srgbRef := f.add(iccStream(srgb, 3, "DeviceRGB"))
	outRef := srgbRef
	if !bytes.Equal(out, srgb) {
		alt := name("DeviceRGB")
		if prof.Components() == 4 {
			alt = "DeviceCMYK"
		}
		outRef = f.add(iccStream(out, prof.Components(), alt))
	}
	iccRGB := array{name("ICCBased"), srgbRef}
	if err := f.tagRGB(iccRGB, prof.Components() == 3); err != nil {
		return nil, err
	}
	intent := &dict{entries: []entry{
		{"Type", name("OutputIntent")},
		{"S", name("GTS_PDFX")},
		{"OutputConditionIdentifier", textString(cond)},
		{"Info", textString(info)},
		{"RegistryName", textString("http://www.color.org")},
		{"DestOutputProfile", outRef},
	}}
	cat.set("OutputIntents", array{f.add(&object{v: intent})})

	// The document information, and XMP with the same facts.
	infoDict := f.dictOf(f.trailer.get("Info"))
	if infoDict == nil {
		infoDict = &dict{}
		f.trailer.set("Info", f.add(&object{v: infoDict}))
	}
	text := func(k name) string {
		if s, ok := f.resolve(infoDict.get(k)).(str); ok {
			return decodeText(s.b)
		}
		return ""
	}
	setDefault := func(k name, def string) {
		if text(k) == "" {
			infoDict.set(k, textString(def))
		}
	}
	setDefault("Title", or(opts.Title, "Untitled"))
	setDefault("Creator", or(opts.CreatorTool, "oshigoods"))
	setDefault("Producer", "oshigoods")
	infoDict.set("GTS_PDFXVersion", textString(Version))
	if t, _ := infoDict.get("Trapped").(name); t != "True" {
		infoDict.set("Trapped", name("False"))
	}
	m := meta{
		title: text("Title"), author: text("Author"), subject: text("Subject"), keywords: text("Keywords"),
		creator: text("Creator"), producer: text("Producer"),
		trapped: string(infoDict.get("Trapped").(name)),
	}
	for _, d := range []struct {
		key name
		to  *string
	}{{"CreationDate", &m.created}, {"ModDate", &m.modified}} {
		pdfDate, xmpDate, err := normDate(text(d.key))
		if err != nil {
			return nil, fmt.Errorf("document information /%s: %w", d.key, err)
		}
		infoDict.set(d.key, textString(pdfDate))
		*d.to = xmpDate
	}

	f.trailer = &dict{entries: []entry{
		{"Root", f.trailer.get("Root")},
		{"Info", f.trailer.get("Info")},
	}}
	f.renumber()
	// The ID, and the XMP document and instance ids: the file as written
	// without them and the options, hashed, so the same document gives the
	// same bytes.
	h := sha256.New()
	h.Write(f.bytes())
	for _, s := range []string{string(out), cond, opts.Title, opts.CreatorTool} {
		fmt.Fprintf(h, "%d:%s", len(s), s)
	}
	sum := h.Sum(nil)
	id0, id1 := sum[:16], sum[16:32]
	m.docID, m.instanceID = uuid(id0), uuid(id1)
	md := &dict{entries: []entry{{"Type", name("Metadata")}, {"Subtype", name("XML")}}}
	cat.set("Metadata", f.add(&object{v: md, isStream: true, stream: m.xmp()}))
	f.trailer.set("ID", array{str{b: id0, hex: true}, str{b: id1, hex: true}})
	return f.bytes(), nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// iccStream is an ICC profile stream, compressed.
func iccStream(profile []byte, n int, alt name) *object {
	d := &dict{entries: []entry{
		{"N", number(strconv.Itoa(n))},
		{"Alternate", alt},
		{"Filter", name("FlateDecode")},
	}}
	return &object{v: d, isStream: true, stream: compressedICC(profile)}
}

// iccCache holds profiles compressed by compressedICC, by content: a
// system finalises every file with the same one or two profiles, and
// compressing one at the best level costs more than the rest of Finalize.
var iccCache struct {
	sync.Mutex
	m map[string][]byte
}

// maxICCCache bounds iccCache; past it, profiles are compressed each time.
const maxICCCache = 8

// compressedICC returns profile compressed with zlib at the best level.
// The slice may be shared: callers must not modify it.
func compressedICC(profile []byte) []byte {
	iccCache.Lock()
	z, ok := iccCache.m[string(profile)]
	iccCache.Unlock()
	if ok {
		return z
	}
	var buf bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	zw.Write(profile)
	zw.Close()
	z = buf.Bytes()
	iccCache.Lock()
	if iccCache.m == nil {
		iccCache.m = map[string][]byte{}
	}
	if len(iccCache.m) < maxICCCache {
		iccCache.m[string(profile)] = z
	}
	iccCache.Unlock()
	return z
}

// textString is a PDF text string: literal when ASCII, else UTF-16BE.
func textString(s string) str {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] < 0x20 {
			u := utf16.Encode([]rune(s))
			b := []byte{0xfe, 0xff}
			for _, c := range u {
				b = append(b, byte(c>>8), byte(c))
			}
			return str{b: b, hex: true}
		}
	}
	return str{b: []byte(s)}
}

// decodeText decodes a PDF text string: UTF-16BE with a byte order mark,
// else PDFDocEncoding, read as Latin-1 (they agree on printable ASCII).
func decodeText(b []byte) string {
	if len(b) >= 2 && b[0] == 0xfe && b[1] == 0xff {
		u := make([]uint16, (len(b)-2)/2)
		for i := range u {
			u[i] = uint16(b[2+2*i])<<8 | uint16(b[3+2*i])
		}
		return string(utf16.Decode(u))
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

// pages returns the page dictionaries in order, walking the page tree;
// inheritable attributes are not resolved.
func (f *file) pages(cat *dict) ([]*dict, error) {
	var out []*dict
	seen := map[*dict]bool{}
	var walk func(v value, depth int) error
	walk = func(v value, depth int) error {
		d := f.dictOf(v)
		if d == nil || seen[d] || depth > maxDepth {
			return errors.New("bad page tree")
		}
		seen[d] = true
		if t, _ := d.get("Type").(name); t == "Page" {
			out = append(out, d)
			return nil
		}
		kids, ok := f.resolve(d.get("Kids")).(array)
		if !ok {
			return errors.New("bad page tree: a node has no /Kids")
		}
		for _, k := range kids {
			if err := walk(k, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(cat.get("Pages"), 0); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errors.New("PDF has no page")
	}
	return out, nil
}

// rect reads a rectangle [x0 y0 x1 y1] in points, normalised.
func (f *file) rect(v value) ([4]float64, error) {
	var r [4]float64
	a, ok := f.resolve(v).(array)
	if !ok || len(a) != 4 {
		return r, errors.New("missing or not a rectangle")
	}
	for i, e := range a {
		n, ok := f.resolve(e).(number)
		if !ok {
			return r, errors.New("not a rectangle")
		}
		x, err := strconv.ParseFloat(string(n), 64)
		if err != nil {
			return r, errors.New("not a rectangle")
		}
		r[i] = x
	}
	if r[0] > r[2] {
		r[0], r[2] = r[2], r[0]
	}
	if r[1] > r[3] {
		r[1], r[3] = r[3], r[1]
	}
	return r, nil
}

// tagRGB tags DeviceRGB as icc everywhere a file gives it: image and
// group colour spaces, Indexed bases, named colour spaces in resources,
// and DefaultRGB in every resources dictionary. With an RGB output intent
// (rgbOutput), where DeviceCMYK has no meaning, a separation's DeviceCMYK
// alternate (gofpdf's registration colour for トンボ) becomes icc with its
// tint's CMYK turned to RGB.
func (f *file) tagRGB(icc array, rgbOutput bool) error {
	nums := make([]int, 0, len(f.objs))
	for n := range f.objs {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	done := map[*dict]bool{}
	var walk func(v value, depth int) (value, error)
	walk = func(v value, depth int) (value, error) {
		if depth > maxDepth {
			return nil, errors.New("objects nested too deep")
		}
		switch v := v.(type) {
		case array:
			if len(v) == 4 && v[0] == name("Indexed") && v[1] == name("DeviceRGB") {
				v[1] = icc
			}
			if rgbOutput && len(v) == 4 && v[0] == name("Separation") && v[2] == name("DeviceCMYK") {
				if fn := cmykTintToRGB(f.dictOf(v[3])); fn != nil {
					v[2], v[3] = icc, fn
				}
			}
			for i, e := range v {
				w, err := walk(e, depth+1)
				if err != nil {
					return nil, err
				}
				v[i] = w
			}
		case *dict:
			t, _ := v.get("Subtype").(name)
			s, _ := v.get("S").(name)
			if t == "Image" || s == "Transparency" {
				for _, k := range []name{"ColorSpace", "CS"} {
					if v.get(k) == name("DeviceRGB") {
						v.set(k, icc)
					}
				}
			}
			for i, e := range v.entries {
				w, err := walk(e.val, depth+1)
				if err != nil {
					return nil, err
				}
				v.entries[i].val = w
			}
			if res := v.get("Resources"); res != nil {
				if err := f.tagResources(res, icc, done); err != nil {
					return nil, err
				}
			}
		}
		return v, nil
	}
	for _, n := range nums {
		o := f.objs[n]
		w, err := walk(o.v, 0)
		if err != nil {
			return err
		}
		o.v = w
	}
	return nil
}

// tagResources gives a resources dictionary /DefaultRGB in its colour
// spaces, and tags its named DeviceRGB colour spaces.
func (f *file) tagResources(v value, icc array, done map[*dict]bool) error {
	res := f.dictOf(v)
	if res == nil {
		return errors.New("/Resources is not a dictionary")
	}
	if done[res] {
		return nil
	}
	done[res] = true
	cs := res.get("ColorSpace")
	if cs == nil {
		res.set("ColorSpace", &dict{entries: []entry{{"DefaultRGB", icc}}})
		return nil
	}
	csd := f.dictOf(cs)
	if csd == nil {
		return errors.New("/ColorSpace resources are not a dictionary")
	}
	for i, e := range csd.entries {
		if e.val == name("DeviceRGB") {
			csd.entries[i].val = icc
		}
	}
	if csd.get("DefaultRGB") == nil {
		csd.set("DefaultRGB", icc)
	}
	return nil
}

// cmykTintToRGB returns a type 2 (exponential) tint function from CMYK,
// with its C0 and C1 turned to RGB (r = (1−c)(1−k), …), or nil when fn is
// not one.
func cmykTintToRGB(fn *dict) *dict {
	if fn == nil {
		return nil
	}
	if t, _ := fn.get("FunctionType").(number); t != "2" {
		return nil
	}
	out := &dict{}
	for _, e := range fn.entries {
		switch e.key {
		case "Range":
			continue // optional for type 2, and it listed CMYK's four ranges
		case "C0", "C1":
			a, ok := e.val.(array)
			if !ok || len(a) != 4 {
				return nil
			}
			var cmyk [4]float64
			for i, x := range a {
				n, ok := x.(number)
				if !ok {
					return nil
				}
				v, err := strconv.ParseFloat(string(n), 64)
				if err != nil || v < 0 || v > 1 {
					return nil
				}
				cmyk[i] = v
			}
			rgb := make(array, 3)
			for i := range 3 {
				rgb[i] = number(strconv.FormatFloat((1-cmyk[i])*(1-cmyk[3]), 'f', -1, 64))
			}
			out.set(e.key, rgb)
		default:
			out.set(e.key, e.val)
		}
	}
	return out
}
