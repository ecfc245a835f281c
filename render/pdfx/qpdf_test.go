package pdfx

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"oshigoods/internal/testenv"
)

// TestQPDF checks the rewritten files with qpdf: no error, no warning, and
// the PDF/X-4 markers where a reader looks for them.
func TestQPDF(t *testing.T) {
	qpdf := testenv.Tool(t, "qpdf")
	for _, tc := range []struct {
		scenario string
		in       func(testing.TB) []byte
		opts     Options
	}{
		{"gofpdf page", func(t testing.TB) []byte { return card(t, true) }, Options{}},
		{"gofpdi sheet", sheet, Options{}},
		{"CMYK output profile", func(t testing.TB) []byte { return card(t, true) }, Options{OutputICC: cmykProfile()}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			out, err := Finalize(tc.in(t), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "x.pdf")
			if err := os.WriteFile(path, out, 0o644); err != nil {
				t.Fatal(err)
			}
			check, err := exec.Command(qpdf, "--check", path).CombinedOutput()
			if err != nil || strings.Contains(string(check), "WARNING") {
				t.Fatalf("qpdf --check: %v\n%s", err, check)
			}
			qdf, err := exec.Command(qpdf, "--qdf", "--object-streams=disable", path, "-").Output()
			if err != nil {
				t.Fatalf("qpdf --qdf: %v", err)
			}
			for _, want := range []string{"/GTS_PDFX", "/DestOutputProfile", "/GTS_PDFXVersion (PDF/X-4)", "/DefaultRGB", "/ICCBased", "/Metadata"} {
				if !strings.Contains(string(qdf), want) {
					t.Errorf("qpdf --qdf output lacks %s", want)
				}
			}
		})
	}
}
