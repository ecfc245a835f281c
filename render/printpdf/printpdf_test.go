package printpdf

import (
	"bytes"
	"image"
	stdpng "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/jung-kurt/gofpdf"

	"oshigoods/internal/testenv"
	"oshigoods/render/pdfx/pdfxtest"
)

// boxes returns pdfinfo's page size and boxes of the first page, in mm.
func boxes(t *testing.T, pdf []byte) map[string][4]float64 {
	t.Helper()
	pdfinfo := testenv.Tool(t, "pdfinfo")
	path := filepath.Join(t.TempDir(), "p.pdf")
	os.WriteFile(path, pdf, 0o644)
	out, err := exec.Command(pdfinfo, "-box", path).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, out)
	}
	got := map[string][4]float64{}
	re := regexp.MustCompile(`(?m)^(Page size|MediaBox|TrimBox|BleedBox):\s+([\d.]+)\s+(?:x\s+)?([\d.]+)(?:\s+([\d.]+)\s+([\d.]+))?`)
	for _, m := range re.FindAllStringSubmatch(string(out), -1) {
		var v [4]float64
		for i := 0; i < 4; i++ {
			if m[2+i] != "" {
				f, _ := strconv.ParseFloat(m[2+i], 64)
				v[i] = f / 72 * 25.4
			}
		}
		got[m[1]] = v
	}
	return got
}

func near(a, b float64) bool { return a-b < 0.05 && b-a < 0.05 }

func TestPage(t *testing.T) {
	cases := []struct {
		scenario string
		page     Page
		pageW    float64
		pageH    float64
		trimX    float64
	}{
		{"no bleed", Page{TrimW: 100, TrimH: 148}, 100, 148, 0},
		{"3 mm bleed", Page{TrimW: 100, TrimH: 148, BleedMM: 3}, 106, 154, 3},
		{"4 mm bleed with トンボ", Page{TrimW: 89, TrimH: 127, BleedMM: 4, CropMarks: true}, 89 + 28, 127 + 28, 14},
	}
	for _, tc := range cases {
		t.Run(tc.scenario, func(t *testing.T) {
			render := func() []byte {
				p := tc.page.New()
				p.SetFillColor(255, 240, 245)
				off := tc.page.Off()
				p.Rect(off-tc.page.BleedMM, off-tc.page.BleedMM, tc.page.TrimW+2*tc.page.BleedMM, tc.page.TrimH+2*tc.page.BleedMM, "F")
				out, err := tc.page.Finish(p)
				if err != nil {
					t.Fatal(err)
				}
				return out
			}
			a, b := render(), render()
			if !bytes.Equal(a, b) {
				t.Fatal("the same page gave different bytes")
			}
			path := filepath.Join(t.TempDir(), "page.pdf")
			os.WriteFile(path, a, 0o644)
			pdfxtest.Check(t, path)
			got := boxes(t, a)
			size, trim, bleed := got["Page size"], got["TrimBox"], got["BleedBox"]
			if !near(size[0], tc.pageW) || !near(size[1], tc.pageH) {
				t.Fatalf("page %.2f×%.2f mm, want %v×%v", size[0], size[1], tc.pageW, tc.pageH)
			}
			if !near(trim[0], tc.trimX) || !near(trim[2]-trim[0], tc.page.TrimW) || !near(trim[3]-trim[1], tc.page.TrimH) {
				t.Fatalf("TrimBox %v", trim)
			}
			if !near(bleed[0], tc.trimX-tc.page.BleedMM) || !near(bleed[2]-bleed[0], tc.page.TrimW+2*tc.page.BleedMM) {
				t.Fatalf("BleedBox %v", bleed)
			}
			if marks := bytes.Contains(a, []byte("/All")); marks != tc.page.CropMarks {
				t.Fatalf("registration colour present %v, crop marks %v", marks, tc.page.CropMarks)
			}
		})
	}
}

// TestRegisterImageInfo checks the image sharing kept in third_party/gofpdf:
// an image read once by ParseImage places in a document as one read by the
// document itself, and one read for another unit, or not read at all, is
// refused by name.
func TestRegisterImageInfo(t *testing.T) {
	var png bytes.Buffer
	img := image.NewNRGBA(image.Rect(0, 0, 16, 8))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	if err := stdpng.Encode(&png, img); err != nil {
		t.Fatal(err)
	}
	opts := gofpdf.ImageOptions{ImageType: "PNG"}
	draw := func(register func(p *gofpdf.Fpdf)) ([]byte, error) {
		p := NewDocument(50, 50, "", "")
		p.AddPage()
		register(p)
		p.ImageOptions("sig", 5, 5, 20, 10, false, opts, 0, "")
		var out bytes.Buffer
		err := p.Output(&out)
		return out.Bytes(), err
	}
	want, err := draw(func(p *gofpdf.Fpdf) { p.RegisterImageOptionsReader("sig", opts, bytes.NewReader(png.Bytes())) })
	if err != nil {
		t.Fatal(err)
	}
	mm, err := gofpdf.ParseImage(Unit, opts, bytes.NewReader(png.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	pt, err := gofpdf.ParseImage("pt", opts, bytes.NewReader(png.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		scenario string
		info     *gofpdf.ImageInfoType
		wantErr  string
	}{
		{"read once, placed twice: first", mm, ""},
		{"read once, placed twice: second", mm, ""},
		{"read for points", pt, "image sig: read for a unit of 1 pt"},
		{"never read", nil, "image sig: not read by ParseImage"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			got, err := draw(func(p *gofpdf.Fpdf) { p.RegisterImageInfo("sig", tc.info) })
			switch {
			case tc.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one with %q", err, tc.wantErr)
				}
			case err != nil:
				t.Fatal(err)
			case !bytes.Equal(got, want):
				t.Errorf("PDF differs from the one that read the image itself (%d bytes, want %d)", len(got), len(want))
			}
		})
	}
}
