// Package pdfxtest checks in tests, with the real tools, that a PDF is what
// pdfx.Finalize makes: qpdf finds no error and no warning, every font is
// embedded, every page has a TrimBox and a BleedBox, and the PDF/X-4
// markers are where a reader looks for them. GoldenPage compares a
// rendered page with a golden PNG.
package pdfxtest

import (
	"bytes"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"oshigoods/internal/testenv"
)

// Check runs qpdf, pdffonts and pdfinfo on the PDF at path and reports
// every failed check as a test error. A missing tool fails or skips the
// test as testenv.Tool says.
func Check(t testing.TB, path string) {
	t.Helper()
	qpdf, pdffonts, pdfinfo := testenv.Tool(t, "qpdf"), testenv.Tool(t, "pdffonts"), testenv.Tool(t, "pdfinfo")
	out, err := exec.Command(qpdf, "--check", path).CombinedOutput()
	if err != nil || strings.Contains(string(out), "WARNING") {
		t.Errorf("qpdf --check: %v\n%s", err, out)
	}
	qdf, err := exec.Command(qpdf, "--qdf", "--object-streams=disable", path, "-").Output()
	if err != nil {
		t.Errorf("qpdf --qdf: %v", err)
	}
	for _, want := range []string{"/S /GTS_PDFX", "/DestOutputProfile", "/GTS_PDFXVersion (PDF/X-4)", "/Trapped /False", "/Subtype /XML", "/DefaultRGB", "/ICCBased"} {
		if !strings.Contains(string(qdf), want) {
			t.Errorf("qpdf --qdf output lacks %s", want)
		}
	}
	if strings.Contains(string(qdf), "/OutputConditionIdentifier (sRGB") && strings.Contains(string(qdf), "/DeviceCMYK") {
		t.Error("DeviceCMYK is used with an RGB output intent")
	}
	if strings.Contains(string(qdf), "/CS /DeviceRGB") || regexp.MustCompile(`/ColorSpace /DeviceRGB`).Match(qdf) {
		t.Error("an image or group is still untagged /DeviceRGB")
	}
	fonts, err := exec.Command(pdffonts, path).CombinedOutput()
	if err != nil {
		t.Errorf("pdffonts: %v\n%s", err, fonts)
	}
	lines := strings.Split(strings.TrimSpace(string(fonts)), "\n")
	for _, l := range lines[min(2, len(lines)):] {
		// name type… encoding emb sub uni object ID
		if c := strings.Fields(l); len(c) < 6 || c[len(c)-5] != "yes" {
			t.Errorf("font not embedded: %s", l)
		} else if c[len(c)-4] != "yes" {
			// gofpdf embeds only the glyphs drawn: the name must say so.
			t.Errorf("font subset without a subset tag: %s", l)
		}
	}
	info, err := exec.Command(pdfinfo, "-box", "-f", "1", "-l", "9999", path).CombinedOutput()
	if err != nil {
		t.Errorf("pdfinfo: %v\n%s", err, info)
	}
	pages := len(regexp.MustCompile(`(?m)^Page\s+\d+ MediaBox`).FindAll(info, -1))
	for _, b := range []string{"TrimBox", "BleedBox"} {
		if n := len(regexp.MustCompile(`(?m)^Page\s+\d+ `+b+`:`).FindAll(info, -1)); n != pages || n == 0 {
			t.Errorf("pdfinfo lists %d %ss for %d pages", n, b, pages)
		}
	}
	if !regexp.MustCompile(`(?m)^PDF subtype:\s+PDF/X-4$`).Match(info) {
		t.Errorf("pdfinfo does not see PDF/X-4:\n%s", info)
	}
}

// GoldenPage renders page n of the PDF at path at dpi with pdftoppm and
// compares it with the PNG want within a tolerance of 2 levels of 255 on
// average over every pixel and channel, as a reader's eye would not tell
// them apart; update rewrites want instead (a test's -update flag). On a
// mismatch the page rendered is kept beside the temporary folder's root,
// named after want with -got, for a look.
func GoldenPage(t testing.TB, path string, n, dpi int, want string, update bool) {
	t.Helper()
	prefix := filepath.Join(t.TempDir(), "page")
	p := strconv.Itoa(n)
	if out, err := exec.Command(testenv.Tool(t, "pdftoppm"), "-r", strconv.Itoa(dpi), "-f", p, "-l", p, "-png", "-singlefile", path, prefix).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	got, err := os.ReadFile(prefix + ".png")
	if err != nil {
		t.Fatal(err)
	}
	wb := testenv.Golden(t, want, got, update)
	if wb == nil {
		return
	}
	a, _ := png.Decode(bytes.NewReader(got))
	b, _ := png.Decode(bytes.NewReader(wb))
	if a == nil || b == nil || a.Bounds() != b.Bounds() {
		t.Fatalf("page %d's PNG differs in size from %s", n, want)
	}
	var diff, count float64
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			r1, g1, b1, _ := a.At(x, y).RGBA()
			r2, g2, b2, _ := b.At(x, y).RGBA()
			diff += absDiff(r1, r2) + absDiff(g1, g2) + absDiff(b1, b2)
			count += 3
		}
	}
	if mean := diff / count / 257; mean > 2 {
		kept := filepath.Join(os.TempDir(), strings.TrimSuffix(filepath.Base(want), ".png")+"-got.png")
		os.WriteFile(kept, got, 0o644)
		t.Fatalf("page %d differs from %s by %.2f levels on average (tolerance 2; rendered page kept as %s); run with -update if the change is meant", n, want, mean, kept)
	}
}

func absDiff(a, b uint32) float64 {
	if a > b {
		return float64(a - b)
	}
	return float64(b - a)
}
