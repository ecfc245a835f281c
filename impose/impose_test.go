package impose_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"oshigoods"
	"oshigoods/impose"
	"oshigoods/internal/testenv"
	"oshigoods/render"
	"oshigoods/render/pdfx/pdfxtest"
	"oshigoods/templates"
)

var update = flag.Bool("update", false, "rewrite testdata/*.png from this run")

func photoJPEG(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 1200, 1600))
	for y := 0; y < 1600; y++ {
		for x := 0; x < 1200; x++ {
			img.Set(x, y, color.RGBA{uint8(80 + x/10), uint8(120 + y/14), 200, 255})
		}
	}
	var b bytes.Buffer
	jpeg.Encode(&b, img, &jpeg.Options{Quality: 85})
	return b.Bytes()
}

// pieces renders a letter card and a composite photo with the shipped
// templates and the default print profile.
func pieces(t *testing.T) []impose.Piece {
	t.Helper()
	cat, err := templates.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	prof, _ := render.LookupProfile("")
	var out []impose.Piece
	for _, tc := range []struct {
		template string
		copies   int
		in       render.Inputs
	}{
		{"card-letter-tate", 3, render.Inputs{Fields: map[string]string{"to": "さくら"}}},
		{"photo-2shot-l", 5, render.Inputs{Fields: map[string]string{"name": "はなこ"}, Images: map[string][]byte{"photo": photoJPEG(t)}}},
	} {
		tpl, err := cat.Get(tc.template)
		if err != nil {
			t.Fatal(err)
		}
		tc.in.Profile = prof
		res, err := tpl.Render(context.Background(), tc.in)
		if err != nil {
			t.Fatalf("render %s: %v", tc.template, err)
		}
		f := res.Files[0]
		out = append(out, impose.Piece{OrderID: "ord_" + tc.template, ItemID: "itm_" + tc.template, File: f.Name, Copies: tc.copies,
			TrimWMM: tpl.Output().WidthMM, TrimHMM: tpl.Output().HeightMM, ContentType: f.ContentType, Data: f.Data, DPI: tpl.Output().DPI})
	}
	return out
}

func TestImpose(t *testing.T) {
	ps := pieces(t)
	for _, tc := range []struct {
		sheet     string
		wantPages int
		wantUp    []int
	}{
		{"A3", 3, []int{4, 4, 4}}, // 3 cards on one sheet; 5 photos 4-up on two
		{"SRA3", 2, []int{4, 8}},  // photos 8-up on a landscape SRA3, slugs and all
		{"A4", 5, []int{2, 2, 2, 2, 2}},
	} {
		t.Run(tc.sheet, func(t *testing.T) {
			sheet, err := impose.LookupSheet(strings.ToLower(tc.sheet))
			if err != nil {
				t.Fatal(err)
			}
			pdf, m, err := impose.Impose(sheet, ps, impose.Options{Title: "claim clm_test"})
			if err != nil {
				t.Fatalf("Impose: %v", err)
			}
			var ups []int
			placed := 0
			for _, p := range m.Pages {
				ups = append(ups, p.Up)
				placed += len(p.Slots)
				for _, s := range p.Slots {
					if s.XMM-s.BleedMM < impose.MarginMM-0.01 || s.YMM-s.BleedMM < impose.MarginMM-0.01 {
						t.Errorf("slot %+v reaches into the margin", s)
					}
				}
			}
			if len(m.Pages) != tc.wantPages || placed != 8 || !equal(ups, tc.wantUp) {
				t.Fatalf("%d sheets %v with %d copies placed, want %d sheets %v and 8", len(m.Pages), ups, placed, tc.wantPages, tc.wantUp)
			}
			if s := m.Pages[0].Slots[0]; s.BleedMM != 3 || s.WMM != 100 || s.HMM != 148 {
				t.Fatalf("first slot %+v, want the card 100×148 with 3 mm bleed", s)
			}
			file := filepath.Join(t.TempDir(), "sheet.pdf")
			os.WriteFile(file, pdf, 0o644)
			if out, err := exec.Command(testenv.Tool(t, "qpdf"), "--check", file).CombinedOutput(); err != nil {
				t.Fatalf("qpdf --check: %v\n%s", err, out)
			}
			info, err := exec.Command(testenv.Tool(t, "pdfinfo"), file).CombinedOutput()
			if err != nil {
				t.Fatalf("pdfinfo: %v\n%s", err, info)
			}
			if !regexp.MustCompile(`(?m)^Pages:\s+` + strconv.Itoa(tc.wantPages) + `$`).Match(info) {
				t.Fatalf("pdfinfo:\n%s", info)
			}
			// The card's text is still text: its recipient line extracts.
			txt, err := exec.Command(testenv.Tool(t, "pdftotext"), "-f", "1", "-l", "1", file, "-").CombinedOutput()
			if err != nil || !strings.Contains(string(txt), "clm_test") {
				t.Fatalf("pdftotext: %v\n%s", err, txt)
			}
			if tc.sheet == "A3" {
				pdfxtest.GoldenPage(t, file, 1, 40, "testdata/imposition-A3.png", *update)
			}
		})
	}
}

func TestImposeRefuses(t *testing.T) {
	ps := pieces(t)
	big := ps[0]
	big.TrimWMM, big.TrimHMM = 400, 600
	for _, tc := range []struct {
		scenario string
		pieces   []impose.Piece
	}{
		{"nothing", nil},
		{"too big for the sheet", []impose.Piece{big}},
		{"not a JPEG", []impose.Piece{{ItemID: "x", File: "photo.jpg", ContentType: "image/jpeg", Data: []byte("no"), TrimWMM: 89, TrimHMM: 127}}},
		{"clip", []impose.Piece{{ItemID: "x", File: "alarm.mp3", ContentType: "audio/mpeg", Data: []byte("no")}}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			sheet, _ := impose.LookupSheet("A4")
			if _, _, err := impose.Impose(sheet, tc.pieces, impose.Options{Title: "t"}); oshigoods.ErrorCode(err) != oshigoods.EUNPROCESSABLE {
				t.Fatalf("got %v, want EUNPROCESSABLE", err)
			}
		})
	}
	if _, err := impose.LookupSheet("B5"); oshigoods.ErrorField(err) != "sheet" {
		t.Fatalf("LookupSheet(B5): %v", err)
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestImposePanicStaysInTheLog: a PDF the importer panics on is
// EUNPROCESSABLE with a public message that says nothing of the panic; the
// panic is the error's internal cause, for the log.
func TestImposePanicStaysInTheLog(t *testing.T) {
	sheet, _ := impose.LookupSheet("A4")
	_, _, err := impose.Impose(sheet, []impose.Piece{{ItemID: "x", File: "card.pdf", ContentType: "application/pdf",
		Data: []byte("%PDF-1.7\nnot a PDF at all"), TrimWMM: 100, TrimHMM: 148}}, impose.Options{Title: "t"})
	if oshigoods.ErrorCode(err) != oshigoods.EUNPROCESSABLE {
		t.Fatalf("got %v, want EUNPROCESSABLE", err)
	}
	var e *oshigoods.Error
	if !errors.As(err, &e) || e.Err == nil || !strings.Contains(e.Err.Error(), "panic") {
		t.Fatalf("error %v keeps no cause for the log", err)
	}
	if msg := oshigoods.ErrorMessage(err); msg != "a PDF print file cannot be imported." {
		t.Fatalf("public message %q carries internal detail", msg)
	}
}
