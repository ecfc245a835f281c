package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"oshigoods/internal/testenv"
	"oshigoods/render/pdfx/pdfxtest"
)

// sheetMap is the sheet map of GET /v1/shop/claims/{id}?sheet=S.
type sheetMap struct {
	Sheets *struct {
		Landscape bool
		Pages     []struct {
			Page  int
			Slots []struct {
				OrderID string  `json:"order_id"`
				ItemID  string  `json:"item_id"`
				Copy    int     `json:"copy"`
				XMM     float64 `json:"x_mm"`
				YMM     float64 `json:"y_mm"`
				WMM     float64 `json:"w_mm"`
				HMM     float64 `json:"h_mm"`
				BleedMM float64 `json:"bleed_mm"`
				Label   string  `json:"label"`
			}
		}
	}
}

// solidPhoto is a 1200×1600 JPEG of one colour.
func solidPhoto(t *testing.T, c color.RGBA) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 1200, 1600))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, 255
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestImpositionShowsEachOrder is issue #10 through the API with real
// rendering: many card and photo orders (both card templates, distinct
// names and photos, quantities 1–3, two pairs of identical designs) are
// claimed and imposed on A4, A3 and SRA3; every slot of the sheet map must
// show its own item (its recipient's text, its photo's colour) and its
// slug, and the PDF must be clean with every font embedded.
func TestImpositionShowsEachOrder(t *testing.T) {
	for _, tool := range []string{"pdftotext", "pdftoppm", "qpdf", "pdffonts"} {
		testenv.Tool(t, tool)
	}
	env := backends[0].env(t)
	srv := startServe(t, env)
	base := srv.base
	key := createShopKey(t, env)

	type want struct {
		to     string     // a card's recipient, shown as "<to>さんへ"
		colour color.RGBA // a photo's colour
		qty    int
	}
	wants := map[string]want{} // by order id
	var placed []orderResp
	order := func(item map[string]any, w want) {
		t.Helper()
		body := testenv.Checkout(map[string]any{"customer": map[string]string{"name": "推し活 花子", "email": "hanako@example.com"}, "items": []map[string]any{item}})
		var o orderResp
		if code := call(t, "POST", base+"/v1/orders", "", nil, body, &o); code != 201 {
			t.Fatalf("order: %d %+v", code, o)
		}
		wants[o.ID] = w
		placed = append(placed, o)
	}
	for _, c := range []struct {
		template, to string
		qty          int
	}{
		{"card-letter-tate", "さくら", 1}, {"card-letter-yoko", "まい", 2},
		{"card-letter-tate", "ゆい", 3}, {"card-letter-tate", "そら", 2},
		{"card-letter-yoko", "りん", 1}, {"card-letter-yoko", "ひな", 3},
		{"card-letter-tate", "はな", 2}, {"card-letter-tate", "はな", 1}, // the same design twice
	} {
		order(map[string]any{"template": c.template, "quantity": c.qty, "fields": map[string]string{"to": c.to}}, want{to: c.to, qty: c.qty})
	}
	colours := []color.RGBA{{220, 30, 30, 255}, {30, 170, 40, 255}, {30, 60, 220, 255}, {240, 200, 20, 255}, {20, 20, 20, 255}}
	var uploads []string
	for i, c := range colours {
		var up struct{ ID, Format string }
		if code := upload(t, base, fmt.Sprintf("colour%d.jpg", i), solidPhoto(t, c), &up); code != 201 || up.Format != "jpeg" {
			t.Fatalf("upload: %d %+v", code, up)
		}
		uploads = append(uploads, up.ID)
	}
	for i, qty := range []int{1, 2, 3, 2, 1} {
		order(map[string]any{"template": "photo-2shot-l", "quantity": qty, "fields": map[string]string{"photo": uploads[i], "name": "ファン"}}, want{colour: colours[i], qty: qty})
	}
	// The same upload and name twice: identical print files.
	order(map[string]any{"template": "photo-2shot-l", "quantity": 3, "fields": map[string]string{"photo": uploads[2], "name": "ファン"}}, want{colour: colours[2], qty: 3})
	for _, o := range placed {
		waitStatus(t, base, o.ID, o.Token, "ready")
	}

	var claim manifestResp
	if code := call(t, "POST", base+"/v1/shop/claims", key, nil, map[string]any{"max": 50, "kinds": []string{"card", "photo"}}, &claim); code != 201 || len(claim.Orders) != len(placed) {
		t.Fatalf("claim: %d, %d orders, want %d", code, len(claim.Orders), len(placed))
	}
	dir := t.TempDir()
	for _, sheet := range []string{"A4", "A3", "SRA3"} {
		t.Run(sheet, func(t *testing.T) {
			var m sheetMap
			if code := call(t, "GET", base+"/v1/shop/claims/"+claim.ClaimID+"?sheet="+sheet, key, nil, nil, &m); code != 200 || m.Sheets == nil {
				t.Fatalf("sheet map: %d %+v", code, m.Sheets)
			}
			pdf := getBody(t, base+"/v1/shop/claims/"+claim.ClaimID+"/imposition.pdf?sheet="+sheet, key, "application/pdf")
			file := filepath.Join(dir, sheet+".pdf")
			writeFile(t, file, pdf)
			pdfxtest.Check(t, file) // qpdf clean, fonts embedded, PDF/X-4

			copies := map[string]int{} // by order id
			for _, pg := range m.Sheets.Pages {
				raster := rasterise(t, file, pg.Page)
				for _, s := range pg.Slots {
					w, ok := wants[s.OrderID]
					if !ok {
						t.Fatalf("slot of unknown order %s", s.OrderID)
					}
					copies[s.OrderID]++
					where := fmt.Sprintf("sheet %d slot %s/%s copy %d", pg.Page, s.OrderID, s.ItemID, s.Copy)
					if w.to != "" {
						got := pdfText(t, file, pg.Page, s.XMM, s.YMM, s.WMM, s.HMM)
						if !strings.Contains(got, w.to+"さんへ") {
							t.Errorf("%s shows %q, want %sさんへ", where, got, w.to)
						}
						for id, other := range wants {
							if other.to != "" && other.to != w.to && strings.Contains(got, other.to+"さんへ") {
								t.Errorf("%s shows order %s's card (%sさんへ)", where, id, other.to)
							}
						}
					} else {
						// In the photo window (5–84 × 8–106 mm of the trim), left
						// of the idol cut-out that starts at 38 mm.
						got := raster.At(int((s.XMM+20)*30/25.4), int((s.YMM+60)*30/25.4))
						if near := nearest(got, colours); near != w.colour {
							t.Errorf("%s has colour %v, nearest %v, want the order's photo %v", where, got, near, w.colour)
						}
					}
					label := fmt.Sprintf("%s / %s %d/%d", s.OrderID, s.ItemID, s.Copy, w.qty)
					if s.Label != label {
						t.Errorf("%s: map label %q, want %q", where, s.Label, label)
					}
					slug := strings.Join(strings.Fields(pdfText(t, file, pg.Page, s.XMM, s.YMM+s.HMM+s.BleedMM, s.WMM, 15)), " ")
					if !strings.Contains(slug, label) {
						t.Errorf("%s: slug below it reads %q, want %q", where, slug, label)
					}
				}
			}
			for id, w := range wants {
				if copies[id] != w.qty {
					t.Errorf("order %s placed %d times, want %d", id, copies[id], w.qty)
				}
			}
			if t.Failed() {
				os.WriteFile(filepath.Join(os.TempDir(), "imposition-"+sheet+".pdf"), pdf, 0o644)
			}
		})
	}
}

// pdfText returns the text pdftotext finds on page inside the rectangle,
// in millimetres from the page's top-left.
func pdfText(t *testing.T, file string, page int, x, y, w, h float64) string {
	t.Helper()
	pt := func(mm float64) string { return fmt.Sprint(int(mm*72/25.4 + 0.5)) }
	out, err := exec.Command("pdftotext", "-f", fmt.Sprint(page), "-l", fmt.Sprint(page), "-r", "72",
		"-x", pt(x), "-y", pt(y), "-W", pt(w), "-H", pt(h), file, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return string(out)
}

// rasterise renders one page at 30 dpi.
func rasterise(t *testing.T, file string, page int) image.Image {
	t.Helper()
	prefix := filepath.Join(t.TempDir(), "page")
	if out, err := exec.Command("pdftoppm", "-r", "30", "-f", fmt.Sprint(page), "-l", fmt.Sprint(page), "-png", "-singlefile", file, prefix).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	img, err := png.Decode(bytes.NewReader(readFile(t, prefix+".png")))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// nearest returns the colour of cs nearest to c.
func nearest(c color.Color, cs []color.RGBA) color.RGBA {
	r, g, b, _ := c.RGBA()
	best, bestD := cs[0], -1.0
	for _, x := range cs {
		dr, dg, db := float64(r>>8)-float64(x.R), float64(g>>8)-float64(x.G), float64(b>>8)-float64(x.B)
		if d := dr*dr + dg*dg + db*db; bestD < 0 || d < bestD {
			best, bestD = x, d
		}
	}
	return best
}
