package fulfil

import (
	_ "embed"
	"fmt"
	"math"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"

	"oshigoods/render/jptext"
	"oshigoods/render/printpdf"
)

// The slip's font is BIZ UDPGothic (Morisawa, SIL OFL 1.1, see
// fonts/OFL-BIZUDGothic.txt): a universal-design gothic made for forms and
// business documents, whose digits, letters and kana are told apart at a
// glance (0 O, 1 l I, ぱ ば), as a packer reading an address needs. It is
// embedded in the binary and, in each PDF, as the subset drawn.
const (
	slipFontPSName = "BIZUDPGothic-Regular"
	// slipAscent is the ideographic em box's top above the baseline, in em.
	slipAscent = 0.88
)

//go:embed fonts/BIZUDPGothic-Regular.ttf
var slipFontData []byte

// slipFamily is the font's gofpdf family, renamed to its PostScript name
// with a subset tag once the document is written (printpdf.TagSubset).
var slipFamily = printpdf.SubsetFamily(0, slipFontPSName)

// slipMetrics is the font parsed for measuring: which characters it has
// and their advances.
type slipMetrics struct {
	f    *sfnt.Font
	upem fixed.Int26_6
	mu   sync.Mutex
	buf  sfnt.Buffer
	adv  map[rune]float64 // em; 0 for a character the font lacks
}

var loadMetrics = sync.OnceValues(func() (*slipMetrics, error) {
	f, err := sfnt.Parse(slipFontData)
	if err != nil {
		return nil, fmt.Errorf("parse slip font: %w", err)
	}
	return &slipMetrics{f: f, upem: fixed.Int26_6(f.UnitsPerEm()), adv: map[rune]float64{}}, nil
})

// advance is r's advance in em, 0 when the font has no glyph for it.
// gofpdf reaches only the BMP, so a character beyond it counts as absent.
func (m *slipMetrics) advance(r rune) float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if a, ok := m.adv[r]; ok {
		return a
	}
	a := 0.0
	if r < 0x10000 {
		if gi, err := m.f.GlyphIndex(&m.buf, r); err == nil && gi != 0 {
			if x, err := m.f.GlyphAdvance(&m.buf, gi, m.upem, font.HintingNone); err == nil {
				a = math.Max(float64(x)/float64(m.upem), 1e-6)
			}
		}
	}
	m.adv[r] = a
	return a
}

// Has, Advance and VertGlyph make the metrics a jptext.Font.
func (m *slipMetrics) Has(r rune) bool               { return r == ' ' || m.advance(r) > 0 }
func (m *slipMetrics) Advance(r rune) float64        { return m.advance(r) }
func (m *slipMetrics) VertGlyph(rune) (uint16, bool) { return 0, false }
func (m *slipMetrics) width(s string) (em float64) {
	for _, r := range s {
		em += m.advance(r)
	}
	return em
}

var _ jptext.Font = (*slipMetrics)(nil)
