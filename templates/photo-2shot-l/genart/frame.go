package main

import (
	"image"
	"image/color"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"oshigoods/render/photo"
)

var (
	framePink = hex("#ffd3e4")
	hotPink   = hex("#ff6fa5")
)

// drawFrame draws the full-canvas frame in millimetres from the trim's
// corner: a pastel pink border with polka dots reaching over the whole
// bleed, a lace-edged window over the photo slot (fully transparent), heart
// and star stickers, a title and a plate for the name.
func drawFrame(s photo.Spec, f *opentype.Font) *image.RGBA {
	cv := s.Canvas
	b := cv.BleedMM
	w, h := px(cv, cv.WidthMM+2*b), px(cv, cv.HeightMM+2*b)
	c := newCanvas(w, h, float64(cv.DPI)/25.4)
	c.off = b
	W, H := cv.WidthMM, cv.HeightMM
	sl := s.Slot.Rect
	x0, y0, x1, y1 := sl.XMM, sl.YMM, sl.XMM+sl.WidthMM, sl.YMM+sl.HeightMM

	// The background and its dots cover the bleed, so any profile's cut
	// falls on the pattern, never on white paper.
	c.mask().rrect(-b, -b, W+b, H+b, 0).fill(framePink)
	dots := c.mask()
	// Rows and columns keep their places on the trim; more are added over
	// the bleed.
	first := -math.Ceil((b+1)/2.6) * 2.6
	for y := first; y < H+b+1; y += 2.6 {
		off := 0.0
		if int(math.Round(y/2.6))%2 != 0 {
			off = 2.6
		}
		for x := off - math.Ceil((b+1)/5.2)*5.2; x < W+b+1; x += 5.2 {
			dots.circle(x, y, 0.75)
		}
	}
	dots.fill(alpha(white, 0.7))

	// Window: white rim, then cut out; lace scallops bulge into the photo.
	c.mask().rrect(x0-1.6, y0-1.6, x1+1.6, y1+1.6, 4.6).fill(white)
	c.mask().rrect(x0-0.9, y0-0.9, x1+0.9, y1+0.9, 3.9).fill(hex("#ffb6d2"))
	c.mask().rrect(x0-0.5, y0-0.5, x1+0.5, y1+0.5, 3.5).fill(white)
	c.mask().rrect(x0, y0, x1, y1, 3).erase()
	lace := c.mask()
	scallops(lace, x0+3, x1-3, y0, true)
	scallops(lace, x0+3, x1-3, y1, true)
	scallops(lace, y0+3, y1-3, x0, false)
	scallops(lace, y0+3, y1-3, x1, false)
	lace.fill(alpha(white, 0.92))

	// Title on the top band.
	title := textMask(c, f, "♡ 推しと2ショット ♡", W/2, y0-2.3, 4.3)
	title.outlined(hotPink, white, 0.55)

	// Sticker clusters over the corners of the photo.
	sticker := func(m *mask, col [3]uint8) { m.outlined(hex3(col), white, 0.7) }
	sticker(c.mask().heart(9.5, 13, 10), [3]uint8{0xff, 0x6f, 0xa5})
	sticker(c.mask().heart(16.5, 8.5, 5), [3]uint8{0xff, 0xb0, 0xcf})
	sticker(c.mask().star(5.5, 21, 3.4, 1.5, 5, 0.3), [3]uint8{0xff, 0xd8, 0x4a})
	sticker(c.mask().star(80, 12, 4.6, 2.1, 5, -0.2), [3]uint8{0xc9, 0xa7, 0xf5})
	sticker(c.mask().heart(73.5, 9.5, 4.2), [3]uint8{0x9f, 0xe3, 0xcf})
	sticker(c.mask().heart(8.5, 101, 6), [3]uint8{0xa9, 0xd6, 0xff})
	c.mask().sparkle(14.5, 18.5, 2.2).sparkle(84.5, 20, 1.8).sparkle(4.5, 94, 1.8).sparkle(20, 103.5, 1.5).
		outlined(hex("#fff6b8"), alpha(white, 0.9), 0.35)

	// Bottom band: small hearts and stars, and the name plate.
	n := s.Name.Rect
	c.mask().rrect(n.XMM-1.4, n.YMM-0.9, n.XMM+n.WidthMM+1.4, n.YMM+n.HeightMM+0.9, 6.5).fill(hotPink)
	c.mask().rrect(n.XMM-0.9, n.YMM-0.4, n.XMM+n.WidthMM+0.9, n.YMM+n.HeightMM+0.4, 6).fill(white)
	c.mask().rrect(n.XMM, n.YMM+0.5, n.XMM+n.WidthMM, n.YMM+n.HeightMM-0.5, 5.2).fill(alpha(hex("#fff0f6"), 1))
	mid := n.YMM + n.HeightMM/2
	sticker(c.mask().heart(n.XMM-5.5, mid, 6), [3]uint8{0xff, 0x6f, 0xa5})
	sticker(c.mask().heart(n.XMM+n.WidthMM+5.5, mid, 6), [3]uint8{0xff, 0x6f, 0xa5})
	for i, p := range [][2]float64{{3.5, 110}, {85.5, 110}, {3.5, 123.5}, {85.5, 123.5}} {
		col := []([3]uint8){{0xc9, 0xa7, 0xf5}, {0x9f, 0xe3, 0xcf}, {0xa9, 0xd6, 0xff}, {0xff, 0xd8, 0x4a}}[i]
		sticker(c.mask().star(p[0], p[1], 1.9, 0.85, 5, 0), col)
	}
	return c.img
}

// scallops adds half-discs along one edge of the window: from a to b along
// x (horiz) or y, centred on the line at pos.
func scallops(m *mask, a, b, pos float64, horiz bool) {
	const r, step = 1.05, 2.6
	n := math.Floor((b - a) / step)
	start := a + ((b-a)-n*step)/2
	for i := 0.0; i <= n; i++ {
		t := start + i*step
		if horiz {
			m.circle(t, pos, r)
		} else {
			m.circle(pos, t, r)
		}
	}
}

// textMask lays out one line of text centred on cx with its baseline at
// y, size in millimetres.
func textMask(c *canvas, f *opentype.Font, s string, cx, y, sizeMM float64) *mask {
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: sizeMM * c.u, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		panic(err)
	}
	defer face.Close()
	m := c.mask()
	adv := float64(font.MeasureString(face, s)) / 64
	d := font.Drawer{Dst: m.a, Src: image.Opaque, Face: face,
		Dot: fixed.Point26_6{X: fixed.Int26_6(math.Round(((cx+c.off)*c.u - adv/2) * 64)), Y: fixed.Int26_6(math.Round((y + c.off) * c.u * 64))}}
	d.DrawString(s)
	return m
}

func hex3(c [3]uint8) color.NRGBA { return color.NRGBA{c[0], c[1], c[2], 0xff} }
