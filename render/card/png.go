package card

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"math"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// png draws the preview: the trim at the template's preview resolution,
// with the same glyphs, in the same places, as the PDF. Outlines come from
// sfnt by glyph ID, so vertical forms need no private use code points here.
func (t *Template) png(pg *page) ([]byte, error) {
	c := t.c
	k := float64(c.PreviewDPI) / 25.4 // px per mm
	w, h := int(math.Round(c.WidthMM*k)), int(math.Round(c.HeightMM*k))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.NewUniform(c.paper), image.Point{}, draw.Src)

	// One rasterizer, reset between the rules and the text: its buffers
	// are two floats a pixel, 4 MB for a postcard at 150 dpi.
	z := vector.NewRasterizer(w, h)
	if len(pg.rules) > 0 {
		lw := math.Max(0.2*k, 1) / 2
		for _, r := range pg.rules {
			x0, y0, x1, y1 := r[0]*k, r[1]*k, r[2]*k, r[3]*k
			if x0 == x1 {
				rect(z, x0-lw, y0, x1+lw, y1)
			} else {
				rect(z, x0, y0-lw, x1, y1+lw)
			}
		}
		z.Draw(img, img.Bounds(), image.NewUniform(c.rule), image.Point{})
		z.Reset(w, h)
	}

	var buf sfnt.Buffer
	for _, ln := range pg.lines {
		for _, g := range ln.glyphs {
			f := g.face
			gid := g.gid
			if gid == 0 {
				gid = f.cmap.glyph(g.r)
			}
			upem := fixed.Int26_6(f.upem)
			s := pg.sizeMM * k / f.upem / 64 // px per 26.6 font unit
			segs, err := f.sf.LoadGlyph(&buf, sfnt.GlyphIndex(gid), upem<<6, nil)
			if err != nil {
				return nil, fmt.Errorf("load glyph %d: %w", gid, err)
			}
			ox, oy := g.x*k, g.y*k
			sx := g.scaleX
			if sx == 0 {
				sx = 1
			}
			// sfnt's y grows down. Upright: (x, y) → (ox + sx·x, oy + y);
			// turned clockwise: the advance runs down, the top faces right.
			tr := func(p fixed.Point26_6) (float32, float32) {
				x, y := float64(p.X)*s, float64(p.Y)*s
				if g.rotate {
					return float32(ox - y), float32(oy + x)
				}
				return float32(ox + sx*x), float32(oy + y)
			}
			for _, seg := range segs {
				switch seg.Op {
				case sfnt.SegmentOpMoveTo:
					z.MoveTo(tr(seg.Args[0]))
				case sfnt.SegmentOpLineTo:
					z.LineTo(tr(seg.Args[0]))
				case sfnt.SegmentOpQuadTo:
					ax, ay := tr(seg.Args[0])
					bx, by := tr(seg.Args[1])
					z.QuadTo(ax, ay, bx, by)
				case sfnt.SegmentOpCubeTo:
					ax, ay := tr(seg.Args[0])
					bx, by := tr(seg.Args[1])
					cx, cy := tr(seg.Args[2])
					z.CubeTo(ax, ay, bx, by, cx, cy)
				}
			}
			z.ClosePath()
		}
	}
	z.Draw(img, img.Bounds(), image.NewUniform(c.ink), image.Point{})
	if r := pg.sig; r != nil {
		dst := image.Rect(int(math.Round(r[0]*k)), int(math.Round(r[1]*k)), int(math.Round((r[0]+r[2])*k)), int(math.Round((r[1]+r[3])*k)))
		xdraw.CatmullRom.Scale(img, dst, t.sig.img, t.sig.img.Bounds(), draw.Over, nil)
	}

	var out bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&out, img); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func rect(z *vector.Rasterizer, x0, y0, x1, y1 float64) {
	z.MoveTo(float32(x0), float32(y0))
	z.LineTo(float32(x1), float32(y0))
	z.LineTo(float32(x1), float32(y1))
	z.LineTo(float32(x0), float32(y1))
	z.ClosePath()
}
