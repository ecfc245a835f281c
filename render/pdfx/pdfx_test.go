package pdfx

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jung-kurt/gofpdf"
	"github.com/jung-kurt/gofpdf/contrib/gofpdi"
)

// card writes a gofpdf page like render/printpdf's: TrimBox and BleedBox,
// RGB fills, a JPEG and a palette PNG, a registration spot colour and
// fixed dates.
func card(t testing.TB, boxes bool) []byte {
	t.Helper()
	p := gofpdf.NewCustom(&gofpdf.InitType{UnitStr: "mm", Size: gofpdf.SizeType{Wd: 126, Ht: 174}})
	p.SetCatalogSort(true)
	p.SetCreationDate(date)
	p.SetModificationDate(date)
	p.SetProducer("oshigoods", false)
	p.AddPage()
	if boxes {
		p.SetPageBox("trim", 13, 13, 100, 148)
		p.SetPageBox("bleed", 10, 10, 106, 154)
	}
	p.SetFillColor(255, 240, 245)
	p.Rect(10, 10, 106, 154, "F")
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	var j bytes.Buffer
	jpeg.Encode(&j, img, nil)
	p.RegisterImageOptionsReader("photo", gofpdf.ImageOptions{ImageType: "JPG"}, &j)
	p.ImageOptions("photo", 20, 20, 40, 40, false, gofpdf.ImageOptions{ImageType: "JPG"}, 0, "")
	pal := image.NewPaletted(image.Rect(0, 0, 4, 4), color.Palette{color.RGBA{255, 0, 0, 255}, color.RGBA{0, 0, 255, 255}})
	var q bytes.Buffer
	png.Encode(&q, pal)
	p.RegisterImageOptionsReader("pal", gofpdf.ImageOptions{ImageType: "PNG"}, &q)
	p.ImageOptions("pal", 70, 20, 10, 10, false, gofpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	p.AddSpotColor("All", 100, 100, 100, 100)
	p.SetDrawSpotColor("All", 100)
	p.Line(0, 13, 9, 13)
	var buf bytes.Buffer
	if err := p.Output(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var date = mustDate("2024-01-01")

// sheet imports a finalised card twice as form XObjects with gofpdi, as
// the imposition does, on a sheet with its own boxes.
func sheet(t testing.TB) []byte {
	t.Helper()
	src, err := Finalize(card(t, true), Options{Title: "card"})
	if err != nil {
		t.Fatal(err)
	}
	p := gofpdf.New("P", "mm", "A4", "")
	p.SetCreationDate(date)
	p.SetModificationDate(date)
	p.AddPage()
	p.SetPageBox("trim", 5, 5, 200, 287)
	p.SetPageBox("bleed", 2, 2, 206, 293)
	imp := gofpdi.NewImporter()
	rs := io.ReadSeeker(bytes.NewReader(src))
	tpl := imp.ImportPageFromStream(p, &rs, 1, "/TrimBox")
	imp.UseImportedTemplate(p, tpl, 5, 5, 100, 148)
	imp.UseImportedTemplate(p, tpl, 105, 5, 100, 148)
	var buf bytes.Buffer
	if err := p.Output(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// cmykProfile is the built-in profile relabelled as a CMYK printer
// profile: enough for the structure Finalize writes.
func cmykProfile() []byte {
	b := append([]byte(nil), srgb...)
	copy(b[12:16], "prtr")
	copy(b[16:20], "CMYK")
	return b
}

func TestFinalize(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		in       func(testing.TB) []byte
		opts     Options
		intent   string
		n        string // the output profile's /N
		images   int    // image XObjects, all ICCBased
		forms    int    // form XObjects, each with DefaultRGB
	}{
		{"gofpdf page", func(t testing.TB) []byte { return card(t, true) }, Options{Title: "card"}, SRGBName, "3", 2, 0},
		{"gofpdi sheet of form XObjects", sheet, Options{}, SRGBName, "3", 2, 1},
		{"CMYK output profile", func(t testing.TB) []byte { return card(t, true) }, Options{OutputICC: cmykProfile(), OutputCondition: "Japan Color 2011 Coated"}, "Japan Color 2011 Coated", "4", 2, 0},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			in := tc.in(t)
			out, err := Finalize(in, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			again, _ := Finalize(in, tc.opts)
			if !bytes.Equal(out, again) {
				t.Error("the same input gave different bytes")
			}
			f, err := parse(out)
			if err != nil {
				t.Fatalf("output does not parse: %v", err)
			}
			cat := f.dictOf(f.trailer.get("Root"))
			ois, _ := f.resolve(cat.get("OutputIntents")).(array)
			if len(ois) != 1 {
				t.Fatalf("catalog /OutputIntents %v", cat.get("OutputIntents"))
			}
			oi := f.dictOf(ois[0])
			if oi.get("S") != name("GTS_PDFX") || oi.get("Type") != name("OutputIntent") {
				t.Errorf("output intent %v", oi.entries)
			}
			dest := f.objs[oi.get("DestOutputProfile").(ref).num]
			if dest == nil || !dest.isStream || dest.v.(*dict).get("N") != number(tc.n) || dest.v.(*dict).get("Filter") != name("FlateDecode") {
				t.Errorf("DestOutputProfile %v, want a compressed stream with /N %s", dest, tc.n)
			}
			md := f.objs[cat.get("Metadata").(ref).num]
			if md == nil || !md.isStream || md.v.(*dict).get("Subtype") != name("XML") || md.v.(*dict).get("Filter") != nil {
				t.Fatal("catalog /Metadata is not an uncompressed XML stream")
			}
			x := string(md.stream)
			for _, want := range []string{
				"<pdfxid:GTS_PDFXVersion>PDF/X-4<", "<xmp:CreateDate>2024-01-01T00:00:00Z<", "<xmp:ModifyDate>2024-01-01T00:00:00Z<",
				"<xmp:MetadataDate>2024-01-01T00:00:00Z<", "<pdf:Trapped>False<", "<xmpMM:DocumentID>uuid:", "<xmpMM:InstanceID>uuid:",
				"<xmpMM:VersionID>1<", "<xmpMM:RenditionClass>default<", "<xmp:CreatorTool>oshigoods<",
			} {
				if !strings.Contains(x, want) {
					t.Errorf("XMP lacks %s", want)
				}
			}
			info := f.dictOf(f.trailer.get("Info"))
			for k, want := range map[name]string{"GTS_PDFXVersion": "PDF/X-4", "CreationDate": "D:20240101000000Z", "Creator": "oshigoods"} {
				if s, _ := info.get(k).(str); string(s.b) != want {
					t.Errorf("Info /%s %q, want %q", k, s.b, want)
				}
			}
			if info.get("Trapped") != name("False") {
				t.Errorf("Info /Trapped %v", info.get("Trapped"))
			}
			title, _ := info.get("Title").(str)
			if len(title.b) == 0 || !strings.Contains(x, ">"+decodeText(title.b)+"</rdf:li>") {
				t.Errorf("Info /Title %q not the XMP dc:title", title.b)
			}
			if id, _ := f.trailer.get("ID").(array); len(id) != 2 {
				t.Errorf("trailer /ID %v", f.trailer.get("ID"))
			}
			var images, forms int
			for n, o := range f.objs {
				d, ok := o.v.(*dict)
				if !ok {
					continue
				}
				switch d.get("Subtype") {
				case name("Image"):
					cs := d.get("ColorSpace")
					if cs == name("DeviceGray") { // a soft mask
						continue
					}
					images++
					a, _ := cs.(array)
					if len(a) == 4 && a[0] == name("Indexed") {
						a, _ = a[1].(array)
					}
					if len(a) != 2 || a[0] != name("ICCBased") {
						t.Errorf("image %d /ColorSpace %v, want ICCBased", n, cs)
					}
				case name("Form"):
					forms++
				}
				if res := d.get("Resources"); res != nil {
					cs := f.dictOf(f.dictOf(res).get("ColorSpace"))
					if cs == nil || cs.get("DefaultRGB") == nil {
						t.Errorf("object %d: resources without /DefaultRGB", n)
					}
				}
			}
			if images != tc.images || forms != tc.forms {
				t.Errorf("%d images, %d forms; want %d, %d", images, forms, tc.images, tc.forms)
			}

			got, err := Inspect(out)
			if err != nil {
				t.Fatal(err)
			}
			if got.PDFX != Version || got.OutputIntent != tc.intent || got.TrimBox.W() == 0 || got.BleedBox.H() == 0 || got.MediaBox.W() == 0 {
				t.Errorf("Inspect: %+v", got)
			}
		})
	}
}

func TestFinalizeKeepsSpotColour(t *testing.T) {
	out, err := Finalize(card(t, true), Options{})
	if err != nil {
		t.Fatal(err)
	}
	f, _ := parse(out)
	for _, o := range f.objs {
		if d, ok := o.v.(*dict); ok && d.get("Resources") != nil {
			cs := f.dictOf(f.dictOf(d.get("Resources")).get("ColorSpace"))
			if len(cs.entries) != 2 || cs.entries[0].key != "CS1" {
				t.Errorf("page colour spaces %v, want the spot colour and DefaultRGB", cs.entries)
			}
		}
	}
}

// TestFinalizeRegistrationColour: with an RGB output intent the トンボ's
// registration colour separates to sRGB black, not DeviceCMYK, which has
// no meaning there; with a CMYK output intent it keeps its CMYK alternate.
func TestFinalizeRegistrationColour(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		icc      []byte
		want     string
	}{
		{"sRGB intent", nil, "/C1 [0 0 0]"},
		{"CMYK intent", cmykProfile(), "/DeviceCMYK"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			out, err := Finalize(card(t, true), Options{OutputICC: tc.icc})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(out, []byte(tc.want)) {
				t.Errorf("no %s in the separation", tc.want)
			}
			if tc.icc == nil && bytes.Contains(out, []byte("DeviceCMYK")) {
				t.Error("DeviceCMYK is left with an RGB output intent")
			}
		})
	}
}

func TestInspect(t *testing.T) {
	out, err := Finalize(card(t, true), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Inspect(out)
	if err != nil {
		t.Fatal(err)
	}
	want := Info{
		MediaBox: Box{0, 0, 126, 174}, TrimBox: Box{13, 13, 113, 161}, BleedBox: Box{10, 10, 116, 164},
		OutputIntent: SRGBName, PDFX: Version,
	}
	if got.MediaBox != want.MediaBox || got.TrimBox != want.TrimBox || got.BleedBox != want.BleedBox || got.OutputIntent != want.OutputIntent || got.PDFX != want.PDFX {
		t.Errorf("Inspect = %+v\nwant %+v", got, want)
	}
	// A core font is listed as not embedded.
	p := gofpdf.New("P", "mm", "A6", "")
	p.AddPage()
	p.SetFont("Helvetica", "", 12)
	p.Text(10, 10, "x")
	var buf bytes.Buffer
	p.Output(&buf)
	in, err := Inspect(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Fonts) != 1 || in.Fonts[0] != (Font{"Helvetica", false}) || in.PDFX != "" {
		t.Errorf("Inspect of a Helvetica page: %+v", in)
	}
}

func TestFinalizeRefuses(t *testing.T) {
	good := card(t, true)
	for _, tc := range []struct {
		scenario string
		pdf      []byte
		opts     Options
		err      string
	}{
		{"garbage", []byte("hello"), Options{}, "not a PDF"},
		{"truncated", good[:len(good)/2], Options{}, "startxref"},
		{"a page without boxes", card(t, false), Options{}, "page 1: TrimBox"},
		{"encrypted", bytes.Replace(good, []byte("trailer\n<<\n"), []byte("trailer\n<<\n/Encrypt 1 0 R\n"), 1), Options{}, "encrypted"},
		{"xref stream", bytes.Replace(good, []byte("\nxref\n"), []byte("\nXref\n"), 1), Options{}, "no xref table"},
		{"a bad output profile", good, Options{OutputICC: []byte("not a profile")}, "output profile"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			_, err := Finalize(tc.pdf, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("err %v, want one containing %q", err, tc.err)
			}
		})
	}
}

func TestParseICC(t *testing.T) {
	p, err := ParseICC(srgb)
	if err != nil || p.ColorSpace != "RGB" || p.Components() != 3 || !strings.Contains(p.Description, "sRGB") {
		t.Fatalf("ParseICC(sRGB) = %+v, %v", p, err)
	}
	short := append([]byte(nil), srgb...)
	binary.BigEndian.PutUint32(short, uint32(len(srgb)+1))
	gray := append([]byte(nil), srgb...)
	copy(gray[16:20], "GRAY")
	for _, tc := range []struct {
		scenario string
		b        []byte
		err      string
	}{
		{"not a profile", []byte(strings.Repeat("x", 200)), "acsp"},
		{"size field", short, "size field"},
		{"grey", gray, "colour space"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			if _, err := ParseICC(tc.b); err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("err %v, want %q", err, tc.err)
			}
		})
	}
}

func FuzzFinalize(f *testing.F) {
	good := card(f, true)
	f.Add(good)
	f.Add(sheet(f))
	f.Add(good[:len(good)-40])
	f.Add([]byte("%PDF-1.4\nxref\n0 1\n0000000000 65535 f \ntrailer\n<</Root 1 0 R>>\nstartxref\n9\n%%EOF"))
	f.Add([]byte("%PDF-1.4\n1 0 obj\n<</Type/Catalog/Pages 1 0 R>>\nendobj\nxref\n0 2\n0000000000 65535 f \n0000000009 00000 n \ntrailer\n<</Root 1 0 R>>\nstartxref\n52\n%%EOF"))
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := Finalize(b, Options{})
		if err != nil {
			return
		}
		if _, err := Inspect(out); err != nil {
			t.Fatalf("Finalize output does not inspect: %v", err)
		}
	})
}

func mustDate(s string) time.Time {
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return d
}

// TestFinalizeNumbersByStructure: the same document with its objects
// numbered in another order and its dictionaries' entries in another order
// (as gofpdf numbers and lists what gofpdi imports, by walking Go maps)
// finalises to the same bytes.
func TestFinalizeNumbersByStructure(t *testing.T) {
	raw := sheet(t)
	f, err := parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	top := 0
	for n := range f.objs {
		top = max(top, n)
	}
	// Number the objects backwards, and every reference with them.
	flip := func(n int) int { return top + 1 - n }
	var walk func(v value) value
	seen := map[*dict]bool{}
	walk = func(v value) value {
		switch v := v.(type) {
		case ref:
			return ref{flip(v.num), v.gen}
		case array:
			a := make(array, len(v))
			for i, e := range v {
				a[i] = walk(e)
			}
			return a
		case *dict:
			if !seen[v] {
				seen[v] = true
				for i, e := range v.entries {
					v.entries[i].val = walk(e.val)
				}
				slices.Reverse(v.entries)
			}
		}
		return v
	}
	flipped := map[int]*object{}
	for n, o := range f.objs {
		o.v = walk(o.v)
		flipped[flip(n)] = o
	}
	walk(f.trailer)
	f.objs = flipped
	renumbered := f.bytes()
	if bytes.Equal(renumbered, raw) {
		t.Fatal("the renumbered input is the input")
	}

	a, err := Finalize(raw, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Finalize(renumbered, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatalf("the same document numbered two ways finalises to different bytes (%d and %d)", len(a), len(b))
	}
}
