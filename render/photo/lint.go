package photo

import (
	"fmt"
	"image"
	"path"
	"unicode"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"

	"oshigoods/render"
)

var _ render.Linter = (*Template)(nil)

// sourceArt is what Lint needs of the cutout and frame as they were read,
// before Compile scaled them to their place: their size in pixels and
// whether their colour model can be transparent at all.
type sourceArt struct {
	cutout, frame           image.Point
	cutoutAlpha, frameAlpha bool
}

func describeArt(a assets) sourceArt {
	return sourceArt{
		cutout: a.cutout.Bounds().Size(), cutoutAlpha: hasAlpha(a.cutout),
		frame: a.frame.Bounds().Size(), frameAlpha: hasAlpha(a.frame),
	}
}

// hasAlpha reports whether a decoded PNG has an alpha channel (or a
// palette with a transparent entry). An RGB or grey PNG decodes to a model
// that is always opaque.
func hasAlpha(img image.Image) bool {
	switch m := img.(type) {
	case *image.RGBA, *image.RGBA64, *image.Gray, *image.Gray16, *image.YCbCr, *image.CMYK:
		return false
	case *image.Paletted:
		for _, c := range m.Palette {
			if _, _, _, a := c.RGBA(); a < 0xffff {
				return true
			}
		}
		return false
	}
	return true
}

// Thresholds of Lint.
const (
	// sharpEnough is the share of the pixels an asset needs at the canvas
	// resolution under which it is enlarged visibly; under half of them it
	// is an error.
	sharpEnough = 0.98
	// windowWarn and windowError are the shares of the photo slot the frame
	// may cover (alpha of at least a half) before a warning and an error.
	windowWarn, windowError = 0.20, 0.50
	// faceCovered is the share of the face box the frame may cover.
	faceCovered = 0.05
)

// Lint checks the compiled template beyond what Compile refuses:
//
//   - the cutout has an alpha channel, is neither fully opaque (it would
//     hide the photo as a rectangle) nor fully transparent, and has soft
//     edges (a warning when its edges are hard);
//   - the cutout and the frame have the pixels their place needs at the
//     canvas resolution (a warning naming the pixels needed; an error under
//     half of them);
//   - the frame leaves a transparent window over the photo slot and its
//     face box, and reaches out into the bleed rather than stopping at the
//     trim;
//   - the canvas has as much bleed as the built-in print profiles ask for;
//   - the fonts draw every character of the text boxes' defaults, and the
//     characters fans commonly type (render.CommonRunes; a warning).
//
// A problem in the manifest has an empty File (the caller knows the
// template's template.json); one about an asset names the asset. Field is
// the manifest field, e.g. "photo.cutout.asset".
func (t *Template) Lint() []render.Problem {
	var ps []render.Problem
	ps = append(ps, t.lintCutout()...)
	ps = append(ps, t.lintFrame()...)
	c := t.spec.Canvas
	if most, name := maxProfileBleed(); c.BleedMM < most {
		ps = append(ps, render.Problem{Field: "photo.canvas.bleed_mm", Warning: true,
			Message: fmt.Sprintf("bleed_mm %g: the print profile %s asks for %g mm, and a render for it fails; draw the background and frame %g mm past the trim.", c.BleedMM, name, most, most)})
	}
	return append(ps, t.lintTexts()...)
}

// maxProfileBleed is the most bleed a built-in print profile asks for, and
// that profile's name.
func maxProfileBleed() (float64, string) {
	most, name := 0.0, ""
	for _, n := range render.ProfileNames() {
		if p, err := render.LookupProfile(n); err == nil && p.BleedMM > most {
			most, name = p.BleedMM, n
		}
	}
	return most, name
}

func (t *Template) lintCutout() []render.Problem {
	file, field := t.spec.Cutout.Asset, "photo.cutout.asset"
	problem := func(warning bool, format string, args ...any) render.Problem {
		return render.Problem{File: file, Field: field, Warning: warning, Message: path.Base(file) + " " + fmt.Sprintf(format, args...)}
	}
	var ps []render.Problem
	clear, soft, opaque := alphaCounts(t.cutout, t.cutout.Bounds())
	switch {
	case soft == 0 && clear == 0:
		why := ""
		if !t.src.cutoutAlpha {
			why = " (it has no alpha channel: an RGB or grey PNG)"
		}
		ps = append(ps, problem(false, "has no transparent pixel%s: the idol would cover the photo as a rectangle; cut the figure out on a transparent background and save it as an RGBA PNG.", why))
	case soft == 0 && opaque == 0:
		ps = append(ps, problem(false, "is transparent everywhere: it draws nothing."))
	case soft == 0:
		ps = append(ps, problem(true, "has hard edges (no partly transparent pixel): the cut line looks jagged in print; export it with anti-aliased, soft edges."))
	}
	r := t.spec.Cutout.Rect
	if p := t.sharpness(file, field, t.src.cutout, t.cutoutAt.Size(), r.WidthMM, r.HeightMM, "its rect"); p != nil {
		ps = append(ps, *p)
	}
	return ps
}

func (t *Template) lintFrame() []render.Problem {
	file, field := t.spec.Frame.Asset, "photo.frame.asset"
	problem := func(warning bool, format string, args ...any) render.Problem {
		return render.Problem{File: file, Field: field, Warning: warning, Message: path.Base(file) + " " + fmt.Sprintf(format, args...)}
	}
	c := t.spec.Canvas
	var ps []render.Problem
	if p := t.sharpness(file, field, t.src.frame, t.size, c.WidthMM+2*c.BleedMM, c.HeightMM+2*c.BleedMM, "the canvas with its bleed"); p != nil {
		ps = append(ps, *p)
	}
	covered := coverage(t.frame, t.slot)
	if covered > windowWarn {
		why := ""
		if !t.src.frameAlpha {
			why = " (it has no alpha channel: an RGB or grey PNG)"
		}
		ps = append(ps, problem(covered <= windowError, "covers %.0f%% of the photo slot (slot.rect)%s: cut a transparent window where the photo shows.", 100*covered, why))
	}
	// A slot mostly covered covers the face box with it: said once.
	if fb := t.spec.Slot.FaceBox; fb != nil && covered <= windowError {
		if face := coverage(t.frame, c.rect(*fb)); face > faceCovered {
			ps = append(ps, problem(true, "covers %.0f%% of the face box (slot.face_box): the fan's face would be hidden there.", 100*face))
		}
	}
	// Art that stops at the trim: opaque just inside it, transparent in
	// the outer half of the bleed, where the background colour then shows.
	if bleed := c.px(c.BleedMM); bleed >= 2 {
		all := t.frame.Bounds()
		outer := ringCoverage(t.frame, all, max(1, bleed/2))
		trim := all.Inset(bleed)
		inner := ringCoverage(t.frame, trim, c.px(1))
		if inner >= 0.9 && outer <= 0.1 {
			ps = append(ps, problem(true, "stops at the trim: its outer bleed is transparent, so the background colour shows past the cut; draw the art out to the canvas edge, %g mm past the trim.", c.BleedMM))
		}
	}
	return ps
}

// sharpness is a problem when an asset of src pixels is enlarged to fill
// need pixels (a place of wMM×hMM): a warning, or an error when it has
// under half the pixels. nil when it has enough.
func (t *Template) sharpness(file, field string, src, need image.Point, wMM, hMM float64, place string) *render.Problem {
	scale := min(float64(src.X)/float64(need.X), float64(src.Y)/float64(need.Y))
	if scale >= sharpEnough {
		return nil
	}
	dpi := t.spec.Canvas.DPI
	return &render.Problem{File: file, Field: field, Warning: scale >= 0.5,
		Message: fmt.Sprintf("%s is %d×%d px; %s, %g×%g mm at %d dpi, needs %d×%d px: enlarged, it prints at about %.0f dpi and looks soft. Draw or export it at %d×%d px.",
			path.Base(file), src.X, src.Y, place, wMM, hMM, dpi, need.X, need.Y, scale*float64(dpi), need.X, need.Y)}
}

func (t *Template) lintTexts() []render.Problem {
	var ps []render.Problem
	warned := map[string]bool{} // fonts already found short of common characters
	var buf sfnt.Buffer
	for _, b := range t.texts {
		var none, blank []rune
		seen := map[rune]bool{}
		for _, r := range b.spec.Default {
			if seen[r] {
				continue
			}
			seen[r] = true
			g, err := b.font.GlyphIndex(&buf, r)
			if err != nil || g == 0 {
				none = append(none, r)
				continue
			}
			if unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) {
				continue
			}
			if segs, err := b.font.LoadGlyph(&buf, g, fixed.I(int(b.font.UnitsPerEm())), nil); err == nil && len(segs) == 0 {
				blank = append(blank, r)
			}
		}
		field := "photo." + b.field
		if len(none) > 0 {
			ps = append(ps, render.Problem{Field: field + ".default", Message: fmt.Sprintf("%s has no glyph for %s: write the default another way or choose a font that has it.", b.spec.Font, runeList(none))})
		}
		if len(blank) > 0 {
			ps = append(ps, render.Problem{Field: field + ".default", Message: fmt.Sprintf("the glyph of %s in %s is empty: it prints nothing.", runeList(blank), b.spec.Font)})
		}
		if warned[b.spec.Font] {
			continue
		}
		var lacking []rune
		for _, r := range render.CommonRunes() {
			if g, err := b.font.GlyphIndex(&buf, r); err != nil || g == 0 {
				lacking = append(lacking, r)
			}
		}
		if len(lacking) > 0 {
			warned[b.spec.Font] = true
			ps = append(ps, render.Problem{File: b.spec.Font, Field: field + ".font", Warning: true,
				Message: fmt.Sprintf("%s lacks characters fans often type: %s; a %s with one is refused.", b.spec.Font, runeList(lacking), b.field)})
		}
	}
	return ps
}

// runeList names runes as 「あ」(U+3042), at most 12 of them.
func runeList(rs []rune) string {
	const most = 12
	s := ""
	for i, r := range rs {
		if i > 0 {
			s += ", "
		}
		if i == most {
			return s + fmt.Sprintf("and %d more", len(rs)-most)
		}
		s += fmt.Sprintf("「%c」(U+%04X)", r, r)
	}
	return s
}

// alphaCounts counts r's pixels of img that are fully transparent, partly
// transparent and opaque.
func alphaCounts(img *image.NRGBA, r image.Rectangle) (clear, soft, opaque int) {
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := img.Pix[img.PixOffset(r.Min.X, y):img.PixOffset(r.Max.X, y)]
		for i := 3; i < len(row); i += 4 {
			switch row[i] {
			case 0:
				clear++
			case 0xff:
				opaque++
			default:
				soft++
			}
		}
	}
	return clear, soft, opaque
}

// coverage is the share of r's pixels of img that are at least half
// opaque; 0 for an empty r.
func coverage(img *image.NRGBA, r image.Rectangle) float64 {
	n, covered := coveredCount(img, r)
	if n == 0 {
		return 0
	}
	return float64(covered) / float64(n)
}

// ringCoverage is the coverage of the ring of width w just inside r.
func ringCoverage(img *image.NRGBA, r image.Rectangle, w int) float64 {
	n, covered := coveredCount(img, r)
	in, inCovered := coveredCount(img, r.Inset(w))
	if n == in {
		return 0
	}
	return float64(covered-inCovered) / float64(n-in)
}

func coveredCount(img *image.NRGBA, r image.Rectangle) (n, covered int) {
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := img.Pix[img.PixOffset(r.Min.X, y):img.PixOffset(r.Max.X, y)]
		for i := 3; i < len(row); i += 4 {
			if row[i] >= 0x80 {
				covered++
			}
		}
	}
	return r.Dx() * r.Dy(), covered
}
