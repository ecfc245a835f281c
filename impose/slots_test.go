package impose_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"oshigoods/impose"
	"oshigoods/internal/testenv"
	"oshigoods/render"
	"oshigoods/render/pdfx/pdfxtest"
	"oshigoods/templates"
)

// renderPiece renders one item with a shipped template and the default
// print profile, as the worker does, and makes it a piece.
func renderPiece(t *testing.T, template, orderID, itemID string, copies int, in render.Inputs) impose.Piece {
	t.Helper()
	cat, err := templates.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := cat.Get(template)
	if err != nil {
		t.Fatal(err)
	}
	in.Profile, _ = render.LookupProfile("")
	res, err := tpl.Render(context.Background(), in)
	if err != nil {
		t.Fatalf("render %s: %v", template, err)
	}
	f := res.Files[0]
	out := tpl.Output()
	return impose.Piece{OrderID: orderID, ItemID: itemID, File: f.Name, Copies: copies,
		TrimWMM: out.WidthMM, TrimHMM: out.HeightMM, ContentType: f.ContentType, Data: f.Data, DPI: out.DPI}
}

// solidJPEG is a w×h JPEG of one colour.
func solidJPEG(t *testing.T, w, h int, c color.RGBA) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, 255
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// textIn returns the text pdftotext finds on page inside the rectangle
// (millimetres from the page's top-left).
func textIn(t *testing.T, file string, page int, x, y, w, h float64) string {
	t.Helper()
	pt := func(mm float64) string { return fmt.Sprintf("%d", int(mm*72/25.4+0.5)) }
	out, err := exec.Command(testenv.Tool(t, "pdftotext"), "-f", fmt.Sprint(page), "-l", fmt.Sprint(page), "-r", "72",
		"-x", pt(x), "-y", pt(y), "-W", pt(w), "-H", pt(h), file, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return string(out)
}

// qpdfClean checks a sheet as every print PDF is checked: qpdf finds no
// error or warning, fonts are embedded, and it is PDF/X-4.
func qpdfClean(t *testing.T, file string) {
	t.Helper()
	pdfxtest.Check(t, file)
}

func writePDF(t *testing.T, pdf []byte) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "sheet.pdf")
	if err := os.WriteFile(file, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// TestImposeEachSlotShowsItsOwnCard: card PDFs from the real renderer all
// share object numbers; each slot must still show its own item's card
// (issue #10: まい's card stood where さくら's belonged).
func TestImposeEachSlotShowsItsOwnCard(t *testing.T) {
	names := []struct{ template, to string }{
		{"card-letter-tate", "さくら"}, {"card-letter-yoko", "まい"},
		{"card-letter-tate", "ゆい"}, {"card-letter-yoko", "りん"},
	}
	var ps []impose.Piece
	byItem := map[string]string{}
	for i, n := range names {
		p := renderPiece(t, n.template, fmt.Sprintf("ord_%d", i), fmt.Sprintf("itm_%d", i), 1+i%2, render.Inputs{Fields: map[string]string{"to": n.to}})
		ps = append(ps, p)
		byItem[p.ItemID] = n.to
	}
	for _, name := range []string{"A4", "A3", "SRA3"} {
		t.Run(name, func(t *testing.T) {
			sheet, _ := impose.LookupSheet(name)
			pdf, m, err := impose.Impose(sheet, ps, impose.Options{Title: "claim clm_cards"})
			if err != nil {
				t.Fatal(err)
			}
			file := writePDF(t, pdf)
			qpdfClean(t, file)
			n := 0
			for _, pg := range m.Pages {
				for _, s := range pg.Slots {
					n++
					got := textIn(t, file, pg.Page, s.XMM, s.YMM, s.WMM, s.HMM)
					want := byItem[s.ItemID]
					if !strings.Contains(got, want+"さんへ") {
						t.Errorf("sheet %d slot of %s copy %d shows %q, want %sさんへ", pg.Page, s.ItemID, s.Copy, got, want)
					}
					for item, other := range byItem {
						if item != s.ItemID && strings.Contains(got, other+"さんへ") {
							t.Errorf("sheet %d slot of %s shows %s's card (%sさんへ)", pg.Page, s.ItemID, item, other)
						}
					}
				}
			}
			if n != 6 {
				t.Fatalf("%d copies placed, want 6", n)
			}
		})
	}
}

// TestImposeSamePhotoTwice: photos with the same bytes (one upload, four
// orders) must give a PDF without duplicate image resource names.
func TestImposeSamePhotoTwice(t *testing.T) {
	data := solidJPEG(t, 1122, 1571, color.RGBA{200, 40, 40, 255})
	var ps []impose.Piece
	for i := 0; i < 4; i++ {
		ps = append(ps, impose.Piece{OrderID: fmt.Sprintf("ord_%d", i), ItemID: fmt.Sprintf("itm_%d", i), File: "photo.jpg", Copies: 1 + i%2,
			TrimWMM: 89, TrimHMM: 127, ContentType: "image/jpeg", Data: data, DPI: 300})
	}
	for _, name := range []string{"A4", "A3", "SRA3"} {
		t.Run(name, func(t *testing.T) {
			sheet, _ := impose.LookupSheet(name)
			pdf, _, err := impose.Impose(sheet, ps, impose.Options{Title: "claim clm_photos"})
			if err != nil {
				t.Fatal(err)
			}
			qpdfClean(t, writePDF(t, pdf))
			if n := bytes.Count(pdf, []byte("/Subtype /Image")); n != 1 {
				t.Errorf("%d image objects, want the one photo once", n)
			}
		})
	}
}

// TestImposeSlugs: every copy carries its label below its bleed, as text
// in an embedded font and as a QR code that scans back to it; no slug or
// mark reaches another copy; every sheet has TrimBox and BleedBox; the same
// sheets are the same bytes.
func TestImposeSlugs(t *testing.T) {
	ps := pieces(t)
	for _, name := range []string{"A4", "A3", "SRA3"} {
		t.Run(name, func(t *testing.T) {
			sheet, _ := impose.LookupSheet(name)
			pdf, m, err := impose.Impose(sheet, ps, impose.Options{Title: "claim clm_slugs"})
			if err != nil {
				t.Fatal(err)
			}
			file := writePDF(t, pdf)
			qpdfClean(t, file)
			fonts, err := exec.Command(testenv.Tool(t, "pdffonts"), file).CombinedOutput()
			if err != nil {
				t.Fatalf("pdffonts: %v\n%s", err, fonts)
			}
			rows := strings.Split(strings.TrimSpace(string(fonts)), "\n")[2:]
			if len(rows) < 2 {
				t.Fatalf("pdffonts lists %d fonts, want the card's and the slug's:\n%s", len(rows), fonts)
			}
			for _, row := range rows {
				if f := strings.Fields(row); len(f) < 4 || f[len(f)-5] != "yes" {
					t.Errorf("font not embedded: %s", row)
				}
			}
			if n, want := bytes.Count(pdf, []byte("/TrimBox")), bytes.Count(pdf, []byte("/Type /Page\n")); n != want || bytes.Count(pdf, []byte("/BleedBox")) != want {
				t.Errorf("%d TrimBox and %d BleedBox for %d pages", n, bytes.Count(pdf, []byte("/BleedBox")), want)
			}
			for _, pg := range m.Pages {
				for i, s := range pg.Slots {
					if want := impose.Label(s.OrderID, s.ItemID, s.Copy, copiesOf(ps, s.ItemID)); s.Label != want {
						t.Errorf("slot label %q, want %q", s.Label, want)
					}
					// The slug lies below the bleed, within the trim's width.
					got := strings.Join(strings.Fields(textIn(t, file, pg.Page, s.XMM, s.YMM+s.HMM+s.BleedMM, s.WMM, 15)), " ")
					if !strings.Contains(got, s.Label) {
						t.Errorf("sheet %d: slug below %s copy %d reads %q, want %q", pg.Page, s.ItemID, s.Copy, got, s.Label)
					}
					if in := textIn(t, file, pg.Page, s.XMM-s.BleedMM, s.YMM-s.BleedMM, s.WMM+2*s.BleedMM, s.HMM+2*s.BleedMM); strings.Contains(in, s.ItemID) {
						t.Errorf("sheet %d: slug text inside the bleed of %s copy %d", pg.Page, s.ItemID, s.Copy)
					}
					a := footprint(s)
					for _, o := range pg.Slots[i+1:] {
						if b := footprint(o); a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3] {
							t.Errorf("sheet %d: copy %s/%d (with marks and slug %v) overlaps %s/%d (%v)", pg.Page, s.ItemID, s.Copy, a, o.ItemID, o.Copy, b)
						}
					}
				}
			}
		})
	}
	t.Run("QR code scans", func(t *testing.T) {
		zbar := testenv.Tool(t, "zbarimg")
		sheet, _ := impose.LookupSheet("A3")
		pdf, m, err := impose.Impose(sheet, ps[:1], impose.Options{Title: "claim clm_slugs"})
		if err != nil {
			t.Fatal(err)
		}
		file := writePDF(t, pdf)
		s := m.Pages[0].Slots[0]
		px := func(mm float64) string { return fmt.Sprint(int(mm * 200 / 25.4)) }
		prefix := filepath.Join(t.TempDir(), "slug")
		if out, err := exec.Command(testenv.Tool(t, "pdftoppm"), "-r", "200", "-f", "1", "-l", "1", "-png", "-singlefile",
			"-x", px(s.XMM), "-y", px(s.YMM+s.HMM+s.BleedMM), "-W", px(s.WMM), "-H", px(16), file, prefix).CombinedOutput(); err != nil {
			t.Fatalf("pdftoppm: %v\n%s", err, out)
		}
		out, err := exec.Command(zbar, "-q", "--raw", prefix+".png").Output()
		if err != nil || strings.TrimSpace(string(out)) != s.Label {
			t.Fatalf("zbarimg read %q (%v), want %q", out, err, s.Label)
		}
	})
	t.Run("same bytes twice", func(t *testing.T) {
		sheet, _ := impose.LookupSheet("SRA3")
		// Cards too: gofpdf numbers the objects it imports from them by
		// walking a map, and pdfx.Finalize numbers them by structure.
		a, _, err := impose.Impose(sheet, ps, impose.Options{Title: "claim clm_slugs"})
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			b, _, _ := impose.Impose(sheet, ps, impose.Options{Title: "claim clm_slugs"})
			if !bytes.Equal(a, b) {
				t.Fatal("the same sheets of cards and photos came out as different bytes")
			}
		}
	})
}

func copiesOf(ps []impose.Piece, itemID string) int {
	for _, p := range ps {
		if p.ItemID == itemID {
			return p.Copies
		}
	}
	return 0
}

// footprint is the rectangle (x0, y0, x1, y1) a copy inks: its bleed, its
// crop marks (MarkOffsetMM+MarkLengthMM beyond the trim) and, below, its
// slug (at most 15 mm below the bleed).
// footprint is the rectangle a copy's ink takes on the sheet: its marks and
// its slug, whose QR code (version 3 for these labels: 29 modules) keeps its
// quiet zone on both sides.
func footprint(s impose.Slot) [4]float64 {
	mark := max(s.BleedMM, impose.MarkOffsetMM) + impose.MarkLengthMM
	slug := s.BleedMM + float64(29+2*impose.QRQuietModules)*impose.QRModuleMM
	return [4]float64{s.XMM - mark, s.YMM - mark, s.XMM + s.WMM + mark, s.YMM + s.HMM + max(mark, slug)}
}
