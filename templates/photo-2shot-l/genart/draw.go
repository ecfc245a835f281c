package main

import (
	"image"
	"image/color"
	"image/draw"
	"math"

	"golang.org/x/image/vector"
)

// canvas is an RGBA image drawn in units: u converts a unit to pixels, so
// shapes are described once at a design scale. off shifts the origin by
// that many units on both axes: the frame is designed on the trim and
// drawn with its bleed around it.
type canvas struct {
	img *image.RGBA
	u   float64 // pixels per unit
	off float64 // units from the image's corner to the design's origin
	z   *vector.Rasterizer
}

func newCanvas(w, h int, u float64) *canvas {
	return &canvas{img: image.NewRGBA(image.Rect(0, 0, w, h)), u: u, z: vector.NewRasterizer(w, h)}
}

// mask is a shape under construction: the union of its primitives.
type mask struct {
	c *canvas
	a *image.Alpha
}

func (c *canvas) mask() *mask {
	return &mask{c: c, a: image.NewAlpha(c.img.Bounds())}
}

// path rasterizes one closed primitive (drawn by fn in unit coordinates)
// and adds it to the mask.
func (m *mask) path(fn func(p *pen)) *mask {
	b := m.a.Bounds()
	m.c.z.Reset(b.Dx(), b.Dy())
	m.c.z.DrawOp = draw.Over
	fn(&pen{z: m.c.z, u: float32(m.c.u), off: float32(m.c.off)})
	m.c.z.Draw(m.a, b, image.Opaque, image.Point{})
	return m
}

func (m *mask) ellipse(cx, cy, rx, ry float64) *mask {
	return m.path(func(p *pen) { p.ellipse(cx, cy, rx, ry) })
}

func (m *mask) circle(cx, cy, r float64) *mask { return m.ellipse(cx, cy, r, r) }

func (m *mask) rrect(x0, y0, x1, y1, r float64) *mask {
	return m.path(func(p *pen) { p.rrect(x0, y0, x1, y1, r) })
}

func (m *mask) poly(pts ...float64) *mask {
	return m.path(func(p *pen) {
		p.M(pts[0], pts[1])
		for i := 2; i < len(pts); i += 2 {
			p.L(pts[i], pts[i+1])
		}
		p.Z()
	})
}

// capsule is a thick segment with round ends.
func (m *mask) capsule(x0, y0, x1, y1, w float64) *mask {
	dx, dy := x1-x0, y1-y0
	l := math.Hypot(dx, dy)
	if l > 0 {
		nx, ny := -dy/l*w/2, dx/l*w/2
		m.poly(x0+nx, y0+ny, x1+nx, y1+ny, x1-nx, y1-ny, x0-nx, y0-ny)
	}
	return m.circle(x0, y0, w/2).circle(x1, y1, w/2)
}

// quadStroke strokes a quadratic curve of width w.
func (m *mask) quadStroke(x0, y0, cx, cy, x1, y1, w float64) *mask {
	const n = 16
	px, py := x0, y0
	for i := 1; i <= n; i++ {
		t := float64(i) / n
		x := (1-t)*(1-t)*x0 + 2*(1-t)*t*cx + t*t*x1
		y := (1-t)*(1-t)*y0 + 2*(1-t)*t*cy + t*t*y1
		m.capsule(px, py, x, y, w)
		px, py = x, y
	}
	return m
}

func (m *mask) heart(cx, cy, size float64) *mask {
	return m.path(func(p *pen) { p.heart(cx, cy, size) })
}

func (m *mask) star(cx, cy, outer, inner float64, points int, rot float64) *mask {
	return m.path(func(p *pen) { p.star(cx, cy, outer, inner, points, rot) })
}

// sparkle is a four-pointed twinkle.
func (m *mask) sparkle(cx, cy, r float64) *mask {
	return m.path(func(p *pen) {
		k := r * 0.18
		p.M(cx, cy-r)
		p.Q(cx+k, cy-k, cx+r, cy)
		p.Q(cx+k, cy+k, cx, cy+r)
		p.Q(cx-k, cy+k, cx-r, cy)
		p.Q(cx-k, cy-k, cx, cy-r)
		p.Z()
	})
}

// fill paints the mask in col; with line > 0 units it first paints the
// mask grown by line in lineCol, an outline drawn under the fill.
func (m *mask) fill(col color.Color) { m.c.paint(m.a, col) }

func (m *mask) outlined(col, lineCol color.Color, line float64) {
	m.c.paint(dilate(m.a, line*m.c.u), lineCol)
	m.c.paint(m.a, col)
}

// erase clears the canvas under the mask to transparent.
func (m *mask) erase() {
	// Not draw.Src: with a mask it writes src IN mask everywhere, clearing
	// what lies outside the mask too.
	for i, a := range m.a.Pix {
		keep := 255 - uint32(a)
		for k := 4 * i; k < 4*i+4; k++ {
			m.c.img.Pix[k] = uint8((uint32(m.c.img.Pix[k])*keep + 127) / 255)
		}
	}
}

func (c *canvas) paint(a *image.Alpha, col color.Color) {
	draw.DrawMask(c.img, c.img.Bounds(), image.NewUniform(col), image.Point{}, a, image.Point{}, draw.Over)
}

// pen draws paths in units.
type pen struct {
	z   *vector.Rasterizer
	u   float32
	off float32
}

// t converts a coordinate in units to pixels.
func (p *pen) t(v float64) float32 { return (float32(v) + p.off) * p.u }

func (p *pen) M(x, y float64) { p.z.MoveTo(p.t(x), p.t(y)) }
func (p *pen) L(x, y float64) { p.z.LineTo(p.t(x), p.t(y)) }
func (p *pen) Q(bx, by, x, y float64) {
	p.z.QuadTo(p.t(bx), p.t(by), p.t(x), p.t(y))
}
func (p *pen) C(bx, by, cx, cy, x, y float64) {
	p.z.CubeTo(p.t(bx), p.t(by), p.t(cx), p.t(cy), p.t(x), p.t(y))
}
func (p *pen) Z() { p.z.ClosePath() }

func (p *pen) ellipse(cx, cy, rx, ry float64) {
	const k = 0.5522847498
	p.M(cx+rx, cy)
	p.C(cx+rx, cy+ry*k, cx+rx*k, cy+ry, cx, cy+ry)
	p.C(cx-rx*k, cy+ry, cx-rx, cy+ry*k, cx-rx, cy)
	p.C(cx-rx, cy-ry*k, cx-rx*k, cy-ry, cx, cy-ry)
	p.C(cx+rx*k, cy-ry, cx+rx, cy-ry*k, cx+rx, cy)
	p.Z()
}

func (p *pen) rrect(x0, y0, x1, y1, r float64) {
	r = min(r, (x1-x0)/2, (y1-y0)/2)
	const k = 0.5522847498
	p.M(x0+r, y0)
	p.L(x1-r, y0)
	p.C(x1-r+r*k, y0, x1, y0+r-r*k, x1, y0+r)
	p.L(x1, y1-r)
	p.C(x1, y1-r+r*k, x1-r+r*k, y1, x1-r, y1)
	p.L(x0+r, y1)
	p.C(x0+r-r*k, y1, x0, y1-r+r*k, x0, y1-r)
	p.L(x0, y0+r)
	p.C(x0, y0+r-r*k, x0+r-r*k, y0, x0+r, y0)
	p.Z()
}

// heart is a heart whose width is size, centred on (cx, cy).
func (p *pen) heart(cx, cy, size float64) {
	s := size / 2
	p.M(cx, cy-s*0.45)
	p.C(cx+s*0.15, cy-s*1.05, cx+s*1.05, cy-s*0.95, cx+s*1.0, cy-s*0.25)
	p.C(cx+s*0.95, cy+s*0.25, cx+s*0.35, cy+s*0.6, cx, cy+s*0.95)
	p.C(cx-s*0.35, cy+s*0.6, cx-s*0.95, cy+s*0.25, cx-s*1.0, cy-s*0.25)
	p.C(cx-s*1.05, cy-s*0.95, cx-s*0.15, cy-s*1.05, cx, cy-s*0.45)
	p.Z()
}

func (p *pen) star(cx, cy, outer, inner float64, points int, rot float64) {
	for i := 0; i < 2*points; i++ {
		r := outer
		if i%2 == 1 {
			r = inner
		}
		a := rot + float64(i)*math.Pi/float64(points) - math.Pi/2
		x, y := cx+r*math.Cos(a), cy+r*math.Sin(a)
		if i == 0 {
			p.M(x, y)
		} else {
			p.L(x, y)
		}
	}
	p.Z()
}

// dilate grows a mask by r pixels with an anti-aliased round edge, looking
// only at the mask's inked bounding box.
func dilate(src *image.Alpha, r float64) *image.Alpha {
	b := src.Bounds()
	ink := image.Rectangle{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := src.Pix[src.PixOffset(b.Min.X, y):src.PixOffset(b.Max.X, y)]
		for x, v := range row {
			if v != 0 {
				ink = ink.Union(image.Rect(b.Min.X+x, y, b.Min.X+x+1, y+1))
			}
		}
	}
	ri := int(math.Ceil(r))
	area := ink.Inset(-ri - 1).Intersect(b)
	type tap struct {
		dx, dy int
		w      uint32
	}
	var taps []tap
	for dy := -ri; dy <= ri; dy++ {
		for dx := -ri; dx <= ri; dx++ {
			w := r + 0.5 - math.Hypot(float64(dx), float64(dy))
			if w > 0 {
				taps = append(taps, tap{dx, dy, uint32(math.Round(min(w, 1) * 256))})
			}
		}
	}
	dst := image.NewAlpha(b)
	for y := area.Min.Y; y < area.Max.Y; y++ {
		for x := area.Min.X; x < area.Max.X; x++ {
			var best uint32
			for _, t := range taps {
				sx, sy := x+t.dx, y+t.dy
				if !(image.Point{sx, sy}.In(b)) {
					continue
				}
				if v := uint32(src.Pix[src.PixOffset(sx, sy)]) * t.w >> 8; v > best {
					best = v
				}
			}
			dst.Pix[dst.PixOffset(x, y)] = uint8(best)
		}
	}
	return dst
}

func hex(s string) color.NRGBA {
	var v uint32
	for _, ch := range s[1:] {
		v <<= 4
		switch {
		case ch >= '0' && ch <= '9':
			v |= uint32(ch - '0')
		case ch >= 'a' && ch <= 'f':
			v |= uint32(ch-'a') + 10
		}
	}
	return color.NRGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 0xff}
}

func alpha(c color.NRGBA, a float64) color.NRGBA {
	c.A = uint8(math.Round(a * 255))
	return c
}
