package impose

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	_ "image/jpeg" // decode JPEG headers for their pixel size
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/jung-kurt/gofpdf"
	"github.com/jung-kurt/gofpdf/contrib/gofpdi"

	"oshigoods"
	"oshigoods/render/pdfx"
	"oshigoods/render/printpdf"
)

// Sheet is a press sheet size in millimetres, portrait.
type Sheet struct {
	Name     string  `json:"name"`
	WidthMM  float64 `json:"width_mm"`
	HeightMM float64 `json:"height_mm"`
}

// Sheets are the sizes a shop can choose.
var Sheets = []Sheet{
	{"A4", 210, 297},
	{"A3", 297, 420},
	{"SRA3", 320, 450},
}

// LookupSheet returns the sheet with the given name, in any case. An
// unknown name is EUNPROCESSABLE naming the field "sheet".
func LookupSheet(name string) (Sheet, error) {
	var names []string
	for _, s := range Sheets {
		if strings.EqualFold(s.Name, name) {
			return s, nil
		}
		names = append(names, s.Name)
	}
	return Sheet{}, oshigoods.FieldErrorf("sheet", "unknown sheet size %q; sizes are %s.", name, strings.Join(names, ", "))
}

// Layout constants, in millimetres.
const (
	// MarginMM is kept clear on every side of the sheet (grippers).
	MarginMM = 10
	// MarkOffsetMM is the least distance from the trim to a crop mark; a
	// mark never enters the bleed.
	MarkOffsetMM = 3
	// MarkLengthMM is a crop mark's length.
	MarkLengthMM = 5
	// GapMM separates the marks of neighbouring pieces.
	GapMM = 1
)

// Piece is one print file to place Copies times.
type Piece struct {
	OrderID string
	ItemID  string
	File    string
	Copies  int
	// TrimWMM and TrimHMM are the finished size.
	TrimWMM, TrimHMM float64
	// ContentType is image/jpeg or application/pdf.
	ContentType string
	Data        []byte
	// DPI is a JPEG's resolution. Zero means 300.
	DPI int
}

// Map is the sheet map: where each copy of each piece lies.
type Map struct {
	Sheet     Sheet     `json:"sheet"`
	Landscape bool      `json:"landscape"`
	Pages     []PageMap `json:"pages"`
}

// PageMap is one sheet of the imposition.
type PageMap struct {
	Page  int    `json:"page"`
	Up    int    `json:"up"` // pieces that fit on this sheet
	Slots []Slot `json:"slots"`
}

// Slot is one placed copy. X and Y are the trim box's top-left corner from
// the sheet's top-left, in millimetres. Label is the copy's slug, printed
// as text and as a QR code below its bleed.
type Slot struct {
	OrderID string  `json:"order_id"`
	ItemID  string  `json:"item_id"`
	File    string  `json:"file"`
	Copy    int     `json:"copy"` // from 1
	XMM     float64 `json:"x_mm"`
	YMM     float64 `json:"y_mm"`
	WMM     float64 `json:"w_mm"`
	HMM     float64 `json:"h_mm"`
	BleedMM float64 `json:"bleed_mm"`
	Label   string  `json:"label"`
}

// measured is a piece with its bleed known.
type measured struct {
	Piece
	bleed float64
	// pdf only: the imported BleedBox template.
	tpl int
	// jpeg only: the registered image's name, by content.
	image string
	// band is the height of the slug below the bleed.
	band float64
}

// pad returns the space a copy takes beyond its trim on the top, left and
// right (bleed, marks and gap) and below (that, or the bleed and the slug
// and the gap, whichever is more).
func (m *measured) pad() (side, below float64) {
	side = math.Max(m.bleed, MarkOffsetMM) + MarkLengthMM + GapMM
	return side, math.Max(side, m.bleed+m.band+GapMM)
}

// cell returns the space one copy takes: trim, bleed, marks, slug and gap.
func (m *measured) cell() (w, h float64) {
	side, below := m.pad()
	return m.TrimWMM + 2*side, m.TrimHMM + side + below
}

// Options finish the sheets.
type Options struct {
	// Title is printed in the slug line of every sheet (ASCII) and is the
	// PDF's title.
	Title string
	// OutputICC and OutputICCName are the PDF/X-4 output intent's profile
	// and condition (render.Profile's); nil is the built-in sRGB.
	OutputICC     []byte
	OutputICCName string
}

// Impose places every copy of every piece on sheets of the given size and
// returns the PDF, PDF/X-4 like every print file (render/pdfx), and its
// sheet map. Pieces of one size share sheets; the sheet is turned to
// landscape when more fit that way. A piece larger than the sheet, or a
// file that cannot be read, is EUNPROCESSABLE naming it.
func Impose(sheet Sheet, pieces []Piece, opts Options) (pdf []byte, m *Map, err error) {
	title := opts.Title
	if len(pieces) == 0 {
		return nil, nil, oshigoods.Errorf(oshigoods.EUNPROCESSABLE, "nothing to impose: no photo or card print files.")
	}
	doc := printpdf.NewDocument(sheet.WidthMM, sheet.HeightMM, "oshigoods impose", title)
	if err := addSlugFont(doc); err != nil {
		return nil, nil, err
	}
	imp := gofpdi.NewImporter()
	// gofpdi names imported objects by their object number and the source
	// file's name; a stream has no name, so the objects of two card PDFs
	// with the same numbers would collide and the last would win. Each PDF
	// is therefore imported from a file named by its item and content.
	tmp, err := os.MkdirTemp("", "oshigoods-impose-")
	if err != nil {
		return nil, nil, fmt.Errorf("make temporary folder: %w", err)
	}
	defer os.RemoveAll(tmp)
	defer func() {
		if v := recover(); v != nil {
			// gofpdi panics on a PDF it cannot parse. What it says is for
			// the log; the shop is told which request failed, not why.
			pdf, m, err = nil, nil, oshigoods.Wrapf(fmt.Errorf("import PDF: panic: %v", v), oshigoods.EUNPROCESSABLE,
				"a PDF print file cannot be imported.")
		}
	}()

	// images are the registered JPEGs by the SHA-256 of their bytes: gofpdf
	// names an image's resource by a hash of its bytes, so registering the
	// same bytes under two names writes that resource name twice.
	images := map[string]bool{}
	var ms []*measured
	for i, p := range pieces {
		if p.Copies < 1 {
			p.Copies = 1
		}
		mp := &measured{Piece: p}
		sum := sha256.Sum256(p.Data)
		digest := hex.EncodeToString(sum[:])
		switch p.ContentType {
		case "image/jpeg":
			cfg, _, err := image.DecodeConfig(bytes.NewReader(p.Data))
			if err != nil {
				return nil, nil, oshigoods.Errorf(oshigoods.EUNPROCESSABLE, "%s of item %s is not a readable JPEG.", p.File, p.ItemID)
			}
			dpi := float64(p.DPI)
			if dpi <= 0 {
				dpi = 300
			}
			mp.bleed = math.Max(0, (float64(cfg.Width)/dpi*25.4-p.TrimWMM)/2)
			mp.image = "jpeg-" + digest
			if !images[mp.image] {
				images[mp.image] = true
				doc.RegisterImageOptionsReader(mp.image, gofpdf.ImageOptions{ImageType: "JPG"}, bytes.NewReader(p.Data))
			}
		case "application/pdf":
			file := filepath.Join(tmp, fmt.Sprintf("%d-%s-%s.pdf", i, safeName(p.ItemID), digest))
			if err := os.WriteFile(file, p.Data, 0o600); err != nil {
				return nil, nil, fmt.Errorf("write %s of item %s: %w", p.File, p.ItemID, err)
			}
			mp.tpl = imp.ImportPage(doc, file, 1, "/BleedBox")
			sizes := imp.GetPageSizes()[1]
			box := sizes["/BleedBox"]
			if box == nil {
				box = sizes["/MediaBox"]
			}
			mp.bleed = math.Max(0, (box["w"]*25.4/72-p.TrimWMM)/2)
		default:
			return nil, nil, oshigoods.Errorf(oshigoods.EUNPROCESSABLE, "%s of item %s is %s; only JPEG and PDF are imposed.", p.File, p.ItemID, p.ContentType)
		}
		if doc.Err() {
			return nil, nil, fmt.Errorf("load %s of item %s: %w", p.File, p.ItemID, doc.Error())
		}
		ms = append(ms, mp)
	}

	// Every slug gets room for the largest QR code among the labels.
	var labels []string
	for _, mp := range ms {
		for c := 1; c <= mp.Copies; c++ {
			labels = append(labels, Label(mp.OrderID, mp.ItemID, c, mp.Copies))
		}
	}
	band, err := slugBand(labels)
	if err != nil {
		return nil, nil, err
	}
	for _, mp := range ms {
		mp.band = band
	}

	// Group by cell size, biggest first, keeping the given order within.
	type group struct {
		w, h   float64
		pieces []*measured
	}
	var groups []*group
	for _, mp := range ms {
		w, h := mp.cell()
		var g *group
		for _, x := range groups {
			if math.Abs(x.w-w) < 0.01 && math.Abs(x.h-h) < 0.01 {
				g = x
			}
		}
		if g == nil {
			g = &group{w: w, h: h}
			groups = append(groups, g)
		}
		g.pieces = append(g.pieces, mp)
	}
	sort.SliceStable(groups, func(i, j int) bool { return groups[i].w*groups[i].h > groups[j].w*groups[j].h })

	m = &Map{Sheet: sheet}
	for _, g := range groups {
		land, cols, rows := orient(sheet, g.w, g.h)
		if cols*rows == 0 {
			p := g.pieces[0]
			return nil, nil, oshigoods.Errorf(oshigoods.EUNPROCESSABLE, "%s of item %s (%.0f×%.0f mm with bleed and marks) does not fit on %s.",
				p.File, p.ItemID, g.w, g.h, sheet.Name)
		}
		m.Landscape = m.Landscape || land
		sw, sh := sheet.WidthMM, sheet.HeightMM
		orientation := "P"
		if land {
			sw, sh, orientation = sh, sw, "L"
		}
		x0, y0 := (sw-float64(cols)*g.w)/2, (sh-float64(rows)*g.h)/2
		var copies []struct {
			p *measured
			n int
		}
		for _, p := range g.pieces {
			for c := 1; c <= p.Copies; c++ {
				copies = append(copies, struct {
					p *measured
					n int
				}{p, c})
			}
		}
		up := cols * rows
		for start := 0; start < len(copies); start += up {
			doc.AddPageFormat(orientation, gofpdf.SizeType{Wd: sheet.WidthMM, Ht: sheet.HeightMM})
			// The sheet is the finished product of the press run: its trim
			// and bleed are the whole page.
			doc.SetPageBox("trim", 0, 0, sw, sh)
			doc.SetPageBox("bleed", 0, 0, sw, sh)
			pm := PageMap{Page: doc.PageNo(), Up: up}
			for i := start; i < len(copies) && i < start+up; i++ {
				c := copies[i]
				col, row := (i-start)%cols, (i-start)/cols
				side, _ := c.p.pad()
				tx := x0 + float64(col)*g.w + (g.w-c.p.TrimWMM)/2
				ty := y0 + float64(row)*g.h + side
				label := Label(c.p.OrderID, c.p.ItemID, c.n, c.p.Copies)
				if err := place(doc, imp, c.p, tx, ty, label); err != nil {
					return nil, nil, fmt.Errorf("place %s of item %s: %w", c.p.File, c.p.ItemID, err)
				}
				pm.Slots = append(pm.Slots, Slot{OrderID: c.p.OrderID, ItemID: c.p.ItemID, File: c.p.File, Copy: c.n,
					XMM: round(tx), YMM: round(ty), WMM: c.p.TrimWMM, HMM: c.p.TrimHMM, BleedMM: round(c.p.bleed), Label: label})
			}
			m.Pages = append(m.Pages, pm)
		}
	}
	// Slug lines once the page count is known.
	total := doc.PageCount()
	for i := range m.Pages {
		doc.SetPage(m.Pages[i].Page)
		_, sh := doc.GetPageSize()
		doc.SetFont(slugFamily, "", 7)
		doc.SetTextColor(0, 0, 0)
		doc.Text(MarginMM, sh-MarginMM/2, fmt.Sprintf("%s  sheet %d/%d  %s  %d-up  %d placed", ascii(title), m.Pages[i].Page, total, sheet.Name, m.Pages[i].Up, len(m.Pages[i].Slots)))
	}
	// The sheet's bytes come out here and only here.
	var buf bytes.Buffer
	if err := doc.Output(&buf); err != nil {
		return nil, nil, fmt.Errorf("write imposition: %w", err)
	}
	raw := printpdf.TagSubset(printpdf.SortPageBoxes(buf.Bytes()), slugFamily, slugPSName, title+"\n"+strings.Join(labels, "\n"))
	out, err := pdfx.Finalize(raw, pdfx.Options{
		OutputICC: opts.OutputICC, OutputCondition: opts.OutputICCName,
		Title: or(title, "oshigoods imposition"), CreatorTool: "oshigoods impose",
	})
	if err != nil {
		return nil, nil, fmt.Errorf("finalise imposition as PDF/X-4: %w", err)
	}
	return out, m, nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// orient returns whether the sheet is turned to landscape and the grid of
// cells that fits inside the margins, choosing the orientation that fits more.
func orient(s Sheet, cw, ch float64) (landscape bool, cols, rows int) {
	fit := func(w, h float64) (int, int) {
		c, r := int((w-2*MarginMM)/cw+1e-9), int((h-2*MarginMM)/ch+1e-9)
		if c < 0 || r < 0 {
			return 0, 0
		}
		return c, r
	}
	pc, pr := fit(s.WidthMM, s.HeightMM)
	lc, lr := fit(s.HeightMM, s.WidthMM)
	if lc*lr > pc*pr {
		return true, lc, lr
	}
	return false, pc, pr
}

// place draws one copy with its trim's top-left at (tx, ty): the file over
// trim plus bleed, then corner crop marks outside the bleed, then its slug
// below the bleed.
func place(doc *gofpdf.Fpdf, imp *gofpdi.Importer, p *measured, tx, ty float64, label string) error {
	b := p.bleed
	bx, by, bw, bh := tx-b, ty-b, p.TrimWMM+2*b, p.TrimHMM+2*b
	if p.ContentType == "application/pdf" {
		imp.UseImportedTemplate(doc, p.tpl, bx, by, bw, bh)
	} else {
		doc.ImageOptions(p.image, bx, by, bw, bh, false, gofpdf.ImageOptions{ImageType: "JPG"}, 0, "")
	}
	// トンボ: at each trim corner, one mark along each edge's extension.
	doc.SetDrawColor(0, 0, 0)
	doc.SetLineWidth(0.1)
	off := math.Max(b, MarkOffsetMM)
	x1, y1 := tx+p.TrimWMM, ty+p.TrimHMM
	for _, c := range [][2]float64{{tx, ty}, {x1, ty}, {tx, y1}, {x1, y1}} {
		sx, sy := -1.0, -1.0
		if c[0] == x1 {
			sx = 1
		}
		if c[1] == y1 {
			sy = 1
		}
		doc.Line(c[0]+sx*off, c[1], c[0]+sx*(off+MarkLengthMM), c[1])
		doc.Line(c[0], c[1]+sy*off, c[0], c[1]+sy*(off+MarkLengthMM))
	}
	return drawSlug(doc, label, tx, y1, p.TrimWMM, b)
}

// safeName keeps the letters, digits, _ and - of an id for a file name.
func safeName(id string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' {
			return r
		}
		return '_'
	}, id)
}

func round(v float64) float64 { return math.Round(v*100) / 100 }

// ascii keeps the printable ASCII of s: the slug line uses a core font.
func ascii(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return -1
		}
		return r
	}, s)
}
