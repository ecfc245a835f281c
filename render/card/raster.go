// The path code below (lineTo, quadTo, cubeTo and their helpers) is
// golang.org/x/image/vector's floating point rasterizer, copied:
//
// Copyright 2016 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package card

import (
	"image"
	"image/color"
	"math"
	"math/bits"
)

// raster fills glyph outlines onto a preview page with the same pixels as
// golang.org/x/image/vector.Rasterizer's Draw of an opaque colour over an
// *image.RGBA, for a canvas wider or taller than 512 px (vector switches to
// fixed point math below that; such a canvas is drawn with vector itself).
//
// vector sums its coverage deltas over the whole canvas and blends every
// pixel, twice a card for a 591×874 preview. raster keeps vector's
// arithmetic, float32 for float32, but remembers which groups of four
// samples a path touched: only those are summed and blended, and cleared
// for the next page. A group no path touched adds zeros to the running
// sum, which leaves it unchanged, so skipping it changes no pixel unless
// the running sum is far enough from zero to tint the paper, and then
// the group is blended too. The groups are vector's own: on amd64 with
// SSE4.1 it sums four samples at once, in an order whose float32 rounding
// sumFour reproduces.
type raster struct {
	w, h int
	// buf is a coverage delta a sample, w×h, all zero between pages.
	buf []float32
	// dirty has bit g set when buf[4g:4g+4] may hold a delta.
	dirty                      []uint64
	firstX, firstY, penX, penY float32
}

func newRaster(w, h int) *raster {
	n := w * h
	return &raster{w: w, h: h, buf: make([]float32, n), dirty: make([]uint64, (n+255)/256)}
}

// useRaster reports whether vector.Rasterizer draws a w×h canvas with
// floating point math, the math raster reproduces.
func useRaster(w, h int) bool { return w > 512 || h > 512 }

// add adds v to the sample at flat index i, if it is on the canvas.
func (z *raster) add(i uint, v float32) {
	if i < uint(len(z.buf)) {
		z.buf[i] += v
		z.dirty[i>>8] |= 1 << (i >> 2 & 63)
	}
}

// ClosePath closes the current path.
func (z *raster) ClosePath() { z.LineTo(z.firstX, z.firstY) }

// MoveTo starts a new path at (ax, ay).
func (z *raster) MoveTo(ax, ay float32) {
	z.firstX, z.firstY = ax, ay
	z.penX, z.penY = ax, ay
}

// QuadTo adds a quadratic Bézier segment from the pen via (bx, by) to
// (cx, cy), flattened as vector does.
func (z *raster) QuadTo(bx, by, cx, cy float32) {
	ax, ay := z.penX, z.penY
	devsq := devSquared(ax, ay, bx, by, cx, cy)
	if devsq >= 0.333 {
		const tol = 3
		n := 1 + int(math.Sqrt(math.Sqrt(tol*float64(devsq))))
		t, nInv := float32(0), 1/float32(n)
		for i := 0; i < n-1; i++ {
			t += nInv
			abx, aby := lerp(t, ax, ay, bx, by)
			bcx, bcy := lerp(t, bx, by, cx, cy)
			z.LineTo(lerp(t, abx, aby, bcx, bcy))
		}
	}
	z.LineTo(cx, cy)
}

// CubeTo adds a cubic Bézier segment from the pen via (bx, by) and
// (cx, cy) to (dx, dy), flattened as vector does.
func (z *raster) CubeTo(bx, by, cx, cy, dx, dy float32) {
	ax, ay := z.penX, z.penY
	devsq := devSquared(ax, ay, bx, by, dx, dy)
	if devsqAlt := devSquared(ax, ay, cx, cy, dx, dy); devsq < devsqAlt {
		devsq = devsqAlt
	}
	if devsq >= 0.333 {
		const tol = 3
		n := 1 + int(math.Sqrt(math.Sqrt(tol*float64(devsq))))
		t, nInv := float32(0), 1/float32(n)
		for i := 0; i < n-1; i++ {
			t += nInv
			abx, aby := lerp(t, ax, ay, bx, by)
			bcx, bcy := lerp(t, bx, by, cx, cy)
			cdx, cdy := lerp(t, cx, cy, dx, dy)
			abcx, abcy := lerp(t, abx, aby, bcx, bcy)
			bcdx, bcdy := lerp(t, bcx, bcy, cdx, cdy)
			z.LineTo(lerp(t, abcx, abcy, bcdx, bcdy))
		}
	}
	z.LineTo(dx, dy)
}

func devSquared(ax, ay, bx, by, cx, cy float32) float32 {
	devx := ax - 2*bx + cx
	devy := ay - 2*by + cy
	return devx*devx + devy*devy
}

func lerp(t, px, py, qx, qy float32) (x, y float32) {
	return px + t*(qx-px), py + t*(qy-py)
}

func clamp(i, width int32) uint {
	if i < 0 {
		return 0
	}
	if i < width {
		return uint(i)
	}
	return uint(width)
}

func floatingFloor(x float32) int32 { return int32(math.Floor(float64(x))) }
func floatingCeil(x float32) int32  { return int32(math.Ceil(float64(x))) }

// LineTo adds a line from the pen to (bx, by): vector's floatingLineTo,
// its samples added through add.
func (z *raster) LineTo(bx, by float32) {
	ax, ay := z.penX, z.penY
	z.penX, z.penY = bx, by
	dir := float32(1)
	if ay > by {
		dir, ax, ay, bx, by = -1, bx, by, ax, ay
	}
	if by-ay <= 0.000001 {
		return
	}
	dxdy := (bx - ax) / (by - ay)

	x := ax
	y := floatingFloor(ay)
	yMax := floatingCeil(by)
	if yMax > int32(z.h) {
		yMax = int32(z.h)
	}
	width := int32(z.w)

	for ; y < yMax; y++ {
		dy := min(float32(y+1), by) - max(float32(y), ay)
		xNext := x + float32(dy*dxdy)
		if y < 0 {
			x = xNext
			continue
		}
		row := uint(y * width)
		d := float32(dy * dir)
		x0, x1 := x, xNext
		if x > xNext {
			x0, x1 = x1, x0
		}
		x0i := floatingFloor(x0)
		x0Floor := float32(x0i)
		x1i := floatingCeil(x1)
		x1Ceil := float32(x1i)

		if x1i <= x0i+1 {
			xmf := float32(0.5*(x+xNext)) - x0Floor
			z.add(row+clamp(x0i+0, width), d-float32(d*xmf))
			z.add(row+clamp(x0i+1, width), float32(d*xmf))
		} else {
			s := 1 / (x1 - x0)
			x0f := x0 - x0Floor
			oneMinusX0f := 1 - x0f
			a0 := float32(0.5 * s * oneMinusX0f * oneMinusX0f)
			x1f := x1 - x1Ceil + 1
			am := float32(0.5 * s * x1f * x1f)

			z.add(row+clamp(x0i, width), float32(d*a0))

			if x1i == x0i+2 {
				z.add(row+clamp(x0i+1, width), float32(d*(1-a0-am)))
			} else {
				a1 := float32(s * (1.5 - x0f))
				z.add(row+clamp(x0i+1, width), float32(d*(a1-a0)))
				dTimesS := float32(d * s)
				for xi := x0i + 2; xi < x1i-1; xi++ {
					z.add(row+clamp(xi, width), dTimesS)
				}
				a2 := a1 + float32(s*float32(x1i-x0i-3))
				z.add(row+clamp(x1i-1, width), float32(d*(1-a2-am)))
			}

			z.add(row+clamp(x1i, width), float32(d*am))
		}

		x = xNext
	}
}

// almost65536 is vector's almost256 * 256 as a float32.
var almost65536 = math.Float32frombits(0x477fffff)

// mask is the coverage of a running sum acc, 0 to 0xffff, as vector
// computes it.
func mask(acc float32) uint32 {
	if acc < 0 {
		acc = -acc
	}
	if acc > 1 {
		acc = 1
	}
	return uint32(almost65536 * acc)
}

// sumFour returns the running sums of s after off, in the order vector's
// SSE code adds them.
func sumFour(s []float32, off float32) [4]float32 {
	a, b, c, d := s[0], s[1], s[2], s[3]
	ab := a + b
	return [4]float32{a + off, ab + off, (b + c) + a + off, (c + d) + ab + off}
}

// fill blends c over dst (a w×h *image.RGBA at the origin, stride 4w) by
// the paths added since the last fill, as vector's Draw does, records the
// pixels it changed in changed, and clears the paths.
func (z *raster) fill(dst *image.RGBA, c color.Color, changed *rowSpans) {
	sr, sg, sb, sa := c.RGBA()
	pix := dst.Pix
	blend := func(i int, ma uint32) {
		a := 0xffff - (sa * ma / 0xffff)
		p := pix[4*i : 4*i+4 : 4*i+4]
		p[0] = uint8(((uint32(p[0])*0x101*a + sr*ma) / 0xffff) >> 8)
		p[1] = uint8(((uint32(p[1])*0x101*a + sg*ma) / 0xffff) >> 8)
		p[2] = uint8(((uint32(p[2])*0x101*a + sb*ma) / 0xffff) >> 8)
		p[3] = uint8(((uint32(p[3])*0x101*a + sa*ma) / 0xffff) >> 8)
	}
	n := len(z.buf)
	// blendRun blends the samples [i, j), none touched: each is the
	// running sum off.
	off := float32(0)
	blendRun := func(i, j int) {
		if ma := mask(off); ma != 0 && i < j {
			changed.flat(i, j)
			for ; i < j; i++ {
				blend(i, ma)
			}
		}
	}
	fours := n &^ 3
	if !sumInFours {
		fours = 0
	}
	done := 0 // samples before done are blended
	for w, word := range z.dirty {
		for word != 0 {
			g := w<<6 + bits.TrailingZeros64(word)
			word &= word - 1
			i := 4 * g
			if i >= fours {
				// One at a time, as vector's tail (or its code without
				// SSE4.1) sums them.
				blendRun(done, i)
				changed.flat(i, min(i+4, n))
				for j := i; j < min(i+4, n); j++ {
					off += z.buf[j]
					blend(j, mask(off))
					z.buf[j] = 0
				}
				done = min(i+4, n)
				continue
			}
			blendRun(done, i)
			changed.flat(i, i+4)
			s := z.buf[i : i+4 : i+4]
			acc := sumFour(s, off)
			for k, v := range acc {
				blend(i+k, mask(v))
			}
			off = acc[3]
			s[0], s[1], s[2], s[3] = 0, 0, 0, 0
			done = i + 4
		}
		z.dirty[w] = 0
	}
	blendRun(done, n)
}
