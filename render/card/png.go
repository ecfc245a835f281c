package card

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/draw"
	"image/png"
	"math"
	"sync"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// previewCache holds what every preview of a template reuses: the paper
// with its rules for each text size drawn (the rules follow the line
// pitch), and pools of pages and rasters, each w×h and a few MB.
type previewCache struct {
	mu      sync.Mutex
	papers  map[float64]*image.RGBA
	pages   sync.Pool // *image.RGBA
	rasters sync.Pool // *raster
}

// previewSize is the preview's size in pixels and its px per mm.
func (t *Template) previewSize() (w, h int, k float64) {
	c := t.c
	k = float64(c.PreviewDPI) / 25.4
	return int(math.Round(c.WidthMM * k)), int(math.Round(c.HeightMM * k)), k
}

// paper returns the paper with the rules of pg, drawn once for each text
// size and kept; it must not be changed.
func (t *Template) paper(pg *page) *image.RGBA {
	pc := &t.preview
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if img := pc.papers[pg.sizeMM]; img != nil {
		return img
	}
	c := t.c
	w, h, k := t.previewSize()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.NewUniform(c.paper), image.Point{}, draw.Src)
	if len(pg.rules) > 0 {
		z := vector.NewRasterizer(w, h)
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
	}
	if pc.papers == nil {
		pc.papers = map[float64]*image.RGBA{}
	}
	pc.papers[pg.sizeMM] = img
	return img
}

// pather is what glyph outlines are drawn into: a *raster, or a
// *vector.Rasterizer for a canvas raster does not reproduce.
type pather interface {
	MoveTo(x, y float32)
	LineTo(x, y float32)
	QuadTo(bx, by, cx, cy float32)
	CubeTo(bx, by, cx, cy, dx, dy float32)
	ClosePath()
}

// png draws the preview: the trim at the template's preview resolution,
// with the same glyphs, in the same places, as the PDF. Outlines come from
// sfnt by glyph ID, so vertical forms need no private use code points here.
func (t *Template) png(pg *page) ([]byte, error) {
	c := t.c
	w, h, k := t.previewSize()
	pc := &t.preview
	img, _ := pc.pages.Get().(*image.RGBA)
	if img == nil {
		img = image.NewRGBA(image.Rect(0, 0, w, h))
	}
	defer pc.pages.Put(img)
	copy(img.Pix, t.paper(pg).Pix)

	var z pather
	if useRaster(w, h) {
		r, _ := pc.rasters.Get().(*raster)
		if r == nil {
			r = newRaster(w, h)
		}
		defer pc.rasters.Put(r)
		z = r
	} else {
		z = vector.NewRasterizer(w, h)
	}
	var buf sfnt.Buffer
	for _, ln := range pg.lines {
		for _, g := range ln.glyphs {
			if err := drawGlyph(z, &buf, g, pg.sizeMM*k, k); err != nil {
				return nil, err
			}
		}
	}
	switch z := z.(type) {
	case *raster:
		z.fill(img, c.ink)
	case *vector.Rasterizer:
		z.Draw(img, img.Bounds(), image.NewUniform(c.ink), image.Point{})
	}
	if r := pg.sig; r != nil {
		dst := image.Rect(int(math.Round(r[0]*k)), int(math.Round(r[1]*k)), int(math.Round((r[0]+r[2])*k)), int(math.Round((r[1]+r[3])*k)))
		xdraw.CatmullRom.Scale(img, dst, t.sig.img, t.sig.img.Bounds(), draw.Over, nil)
	}
	return encodePNG(img)
}

// drawGlyph adds g's outline to z, em px to the em, k px a mm.
func drawGlyph(z pather, buf *sfnt.Buffer, g pageGlyph, em, k float64) error {
	f := g.face
	gid := g.gid
	if gid == 0 {
		gid = f.cmap.glyph(g.r)
	}
	upem := fixed.Int26_6(f.upem)
	s := em / f.upem / 64 // px per 26.6 font unit
	segs, err := f.sf.LoadGlyph(buf, sfnt.GlyphIndex(gid), upem<<6, nil)
	if err != nil {
		return fmt.Errorf("load glyph %d: %w", gid, err)
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
	return nil
}

func rect(z *vector.Rasterizer, x0, y0, x1, y1 float64) {
	z.MoveTo(float32(x0), float32(y0))
	z.LineTo(float32(x1), float32(y0))
	z.LineTo(float32(x1), float32(y1))
	z.LineTo(float32(x0), float32(y1))
	z.ClosePath()
}

// pngZlib pools zlib writers: each holds a few hundred KB of state.
var pngZlib = sync.Pool{New: func() any {
	zw, _ := zlib.NewWriterLevel(nil, zlib.BestSpeed)
	return zw
}}

// encodePNG encodes img (at the origin, stride 4×width) as an 8-bit RGB
// PNG when it is opaque, each row with the Up filter, deflated at
// BestSpeed: the same pixels as image/png's encoding at BestSpeed, without
// its trial of five filters a row. An image with any alpha below 255 is
// left to image/png.
func encodePNG(img *image.RGBA) ([]byte, error) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	var idat bytes.Buffer
	zw := pngZlib.Get().(*zlib.Writer)
	defer pngZlib.Put(zw)
	zw.Reset(&idat)
	n := 1 + 3*w
	rows := make([]byte, 3*n)
	prev, cur, out := rows[:n], rows[n:2*n], rows[2*n:]
	out[0] = 2 // Up
	opaque := byte(0xff)
	for y := range h {
		p := img.Pix[y*img.Stride : y*img.Stride+4*w]
		for x := range w {
			q := p[4*x : 4*x+4 : 4*x+4]
			cur[1+3*x], cur[2+3*x], cur[3+3*x] = q[0], q[1], q[2]
			opaque &= q[3]
		}
		for i := 1; i < n; i++ {
			out[i] = cur[i] - prev[i]
		}
		if _, err := zw.Write(out); err != nil {
			return nil, err
		}
		prev, cur = cur, prev
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	if opaque != 0xff {
		var b bytes.Buffer
		if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&b, img); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}
	var b bytes.Buffer
	b.Grow(idat.Len() + 64)
	b.WriteString("\x89PNG\r\n\x1a\n")
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 8, 2 // 8 bits a sample, RGB
	writeChunk(&b, "IHDR", ihdr[:])
	writeChunk(&b, "IDAT", idat.Bytes())
	writeChunk(&b, "IEND", nil)
	return b.Bytes(), nil
}

func writeChunk(b *bytes.Buffer, typ string, data []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(data)))
	b.Write(n[:])
	crc := crc32.NewIEEE()
	crc.Write([]byte(typ))
	crc.Write(data)
	b.WriteString(typ)
	b.Write(data)
	binary.BigEndian.PutUint32(n[:], crc.Sum32())
	b.Write(n[:])
}
