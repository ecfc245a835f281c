package pdfx

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
)

// Info is what a preflight needs to know of a PDF.
type Info struct {
	// MediaBox, TrimBox and BleedBox are the first page's boxes in
	// millimetres; a box the page lacks is zero.
	MediaBox, TrimBox, BleedBox Box
	// Fonts lists the document's fonts (composite fonts once, by their
	// own name), sorted by name.
	Fonts []Font
	// OutputIntent is the first output intent's condition identifier;
	// empty when there is none.
	OutputIntent string
	// PDFX is the document information's /GTS_PDFXVersion.
	PDFX string
}

// Box is a page box in millimetres from the page's origin.
type Box struct{ X0, Y0, X1, Y1 float64 }

// W is the box's width.
func (b Box) W() float64 { return b.X1 - b.X0 }

// H is the box's height.
func (b Box) H() float64 { return b.Y1 - b.Y0 }

// Font is one font of a PDF.
type Font struct {
	// Name is the /BaseFont, with its subset tag.
	Name string
	// Embedded says whether its program is in the file (FontFile,
	// FontFile2 or FontFile3); a Type 3 font always is.
	Embedded bool
}

// Inspect reads pdf's first page boxes, its fonts, its output intent and
// its PDF/X version. Malformed input is an error.
func Inspect(pdf []byte) (Info, error) {
	f, err := parse(pdf)
	if err != nil {
		return Info{}, fmt.Errorf("parse PDF: %w", err)
	}
	cat := f.dictOf(f.trailer.get("Root"))
	if cat == nil {
		return Info{}, errors.New("PDF has no catalog")
	}
	pages, err := f.pages(cat)
	if err != nil {
		return Info{}, err
	}
	var in Info
	pg := pages[0]
	media := pg.get("MediaBox")
	for p, depth := pg, 0; media == nil && depth < maxDepth; depth++ {
		if p = f.dictOf(p.get("Parent")); p == nil {
			break
		}
		media = p.get("MediaBox")
	}
	for _, b := range []struct {
		v  value
		to *Box
	}{{media, &in.MediaBox}, {pg.get("TrimBox"), &in.TrimBox}, {pg.get("BleedBox"), &in.BleedBox}} {
		if b.v == nil {
			continue
		}
		r, err := f.rect(b.v)
		if err != nil {
			return Info{}, fmt.Errorf("page 1: %w", err)
		}
		mm := func(pt float64) float64 { return math.Round(pt/72*25.4*100) / 100 }
		*b.to = Box{mm(r[0]), mm(r[1]), mm(r[2]), mm(r[3])}
	}
	descendant := map[*dict]bool{}
	for _, o := range f.objs {
		if d, ok := o.v.(*dict); ok && d.get("Subtype") == name("Type0") {
			if ds, ok := f.resolve(d.get("DescendantFonts")).(array); ok {
				for _, x := range ds {
					if dd := f.dictOf(x); dd != nil {
						descendant[dd] = true
					}
				}
			}
		}
	}
	for _, o := range f.objs {
		d, ok := o.v.(*dict)
		if !ok || d.get("Type") != name("Font") || descendant[d] {
			continue
		}
		base, _ := f.resolve(d.get("BaseFont")).(name)
		ft := Font{Name: string(base), Embedded: f.fontEmbedded(d)}
		if ft.Name == "" {
			ft.Name = "[none]"
		}
		in.Fonts = append(in.Fonts, ft)
	}
	sort.Slice(in.Fonts, func(i, j int) bool { return in.Fonts[i].Name < in.Fonts[j].Name })
	if ois, ok := f.resolve(cat.get("OutputIntents")).(array); ok && len(ois) > 0 {
		if oi := f.dictOf(ois[0]); oi != nil {
			if s, ok := f.resolve(oi.get("OutputConditionIdentifier")).(str); ok {
				in.OutputIntent = decodeText(s.b)
			}
		}
	}
	if info := f.dictOf(f.trailer.get("Info")); info != nil {
		if s, ok := f.resolve(info.get("GTS_PDFXVersion")).(str); ok {
			in.PDFX = strings.TrimSpace(decodeText(s.b))
		}
	}
	return in, nil
}

// fontEmbedded reports whether a font dictionary's program is embedded,
// looking through a composite font to its descendant.
func (f *file) fontEmbedded(d *dict) bool {
	switch d.get("Subtype") {
	case name("Type3"):
		return true
	case name("Type0"):
		ds, ok := f.resolve(d.get("DescendantFonts")).(array)
		if !ok || len(ds) == 0 {
			return false
		}
		if d = f.dictOf(ds[0]); d == nil {
			return false
		}
	}
	fd := f.dictOf(d.get("FontDescriptor"))
	if fd == nil {
		return false
	}
	return fd.get("FontFile") != nil || fd.get("FontFile2") != nil || fd.get("FontFile3") != nil
}
