package main

import (
	"image"
	"image/draw"
)

// Palette of the idol, ゆめかわちゃん: lavender hair, pink stage dress.
var (
	line      = hex("#6b3f6e")
	skin      = hex("#ffeade")
	skinShade = hex("#f9cdb9")
	hair      = hex("#b98ce8")
	hairLight = hex("#e2cdfa")
	hairDark  = hex("#9468d2")
	dress     = hex("#ff9cc4")
	dressDark = hex("#f77fb0")
	accent    = hex("#ff5f9e")
	white     = hex("#ffffff")
	eyeDark   = hex("#4f2f7e")
	eyeLight  = hex("#b78af3")
	blush     = hex("#ff8fa8")
	mouth     = hex("#e0506f")
	glow      = hex("#ff86c0")
	yellow    = hex("#ffd84a")
)

// drawIdol draws the idol on a transparent w×h canvas, 100 units wide,
// standing with a pen-light raised in her left hand, and gives her a white
// die-cut rim like an acrylic stand.
func drawIdol(w, h int) *image.RGBA {
	c := newCanvas(w, h, float64(w)/100)
	const lw = 0.75 // outline width in units

	// Twin tails and back hair, behind everything.
	c.mask().path(func(p *pen) { // left tail
		p.M(26, 34)
		p.C(6, 44, 2, 82, 12, 110)
		p.C(15, 119, 10, 127, 7, 133)
		p.C(20, 127, 27, 114, 24, 100)
		p.C(21, 82, 26, 58, 32, 42)
		p.Z()
	}).path(func(p *pen) { // right tail
		p.M(70, 34)
		p.C(90, 44, 94, 82, 84, 110)
		p.C(81, 119, 86, 127, 89, 133)
		p.C(76, 127, 69, 114, 72, 100)
		p.C(75, 82, 70, 58, 64, 42)
		p.Z()
	}).ellipse(48, 47, 27, 28).rrect(23, 47, 73, 84, 12).outlined(hair, line, lw)
	// Strands in the tails.
	c.mask().quadStroke(14, 60, 8, 90, 14, 112, 1.2).quadStroke(82, 60, 88, 90, 82, 112, 1.2).fill(hairDark)

	// Pen-light glow, behind the arm.
	c.mask().capsule(81, 46, 88.5, 14, 16).fill(alpha(glow, 0.18))
	c.mask().capsule(81, 46, 88.5, 14, 10).fill(alpha(glow, 0.3))

	// Legs and boots.
	c.mask().capsule(42, 128, 41.5, 156, 7).capsule(54, 128, 54.5, 156, 7).outlined(skin, line, lw)
	c.mask().capsule(41.5, 149, 41.5, 160, 9).ellipse(39.5, 163.5, 6.5, 4).
		capsule(54.5, 149, 54.5, 160, 9).ellipse(56.5, 163.5, 6.5, 4).outlined(white, line, lw)
	c.mask().rrect(33, 165, 46, 168, 1.5).rrect(50, 165, 63, 168, 1.5).fill(accent)
	c.mask().heart(41.5, 152, 4).heart(54.5, 152, 4).fill(accent)

	// Arms: left hangs down waving, right (her left) holds the pen-light up.
	c.mask().capsule(34, 84, 26, 104, 6.5).outlined(skin, line, lw)
	c.mask().circle(25, 107, 4.3).outlined(skin, line, lw)
	c.mask().capsule(63, 84, 74, 76, 6.5).capsule(74, 76, 79, 60, 6).outlined(skin, line, lw)

	// Skirt: petticoat frill, then the pink skirt with a scalloped hem.
	c.mask().path(func(p *pen) {
		p.M(37, 100)
		p.L(59, 100)
		p.C(68, 112, 76, 124, 80, 134)
		for x := 80.0; x > 16.5; x -= 7 {
			p.Q(x-3.5, 141, x-7, 134)
		}
		p.C(20, 124, 28, 112, 37, 100)
		p.Z()
	}).outlined(white, line, lw)
	c.mask().path(func(p *pen) {
		p.M(37, 99)
		p.L(59, 99)
		p.C(67, 110, 74, 120, 77, 130)
		for x := 77.0; x > 19.5; x -= 7.2 {
			p.Q(x-3.6, 135.5, x-7.2, 130)
		}
		p.C(22, 120, 29, 110, 37, 99)
		p.Z()
	}).outlined(dress, line, lw)
	// Pleats and a ribbon band on the skirt.
	c.mask().quadStroke(42, 104, 38, 116, 33, 129, 0.8).quadStroke(48, 104, 48, 117, 48, 131, 0.8).
		quadStroke(54, 104, 58, 116, 63, 129, 0.8).fill(dressDark)
	c.mask().quadStroke(25, 122, 48, 127, 71, 122, 2.2).fill(white)
	for _, x := range []float64{31, 48, 65} {
		c.mask().heart(x, 124.6, 3).fill(accent)
	}

	// Bodice, collar, chest ribbon.
	c.mask().path(func(p *pen) {
		p.M(37, 76)
		p.L(59, 76)
		p.C(60, 86, 58, 95, 60, 102)
		p.L(36, 102)
		p.C(38, 95, 36, 86, 37, 76)
		p.Z()
	}).outlined(dress, line, lw)
	c.mask().rrect(35, 97, 61, 103, 2).outlined(white, line, lw)
	c.mask().rrect(44.5, 68, 51.5, 80, 2).fill(skinShade) // neck
	c.mask().poly(37, 75, 48, 88, 59, 75, 55, 73, 48, 81, 41, 73).outlined(white, line, lw)
	c.mask().poly(48, 86, 40, 81, 39, 91).poly(48, 86, 56, 81, 57, 91).outlined(accent, line, lw)
	c.mask().circle(48, 86, 2.6).outlined(accent, line, lw)
	c.mask().poly(47, 87, 43, 96, 46, 95, 48, 88).poly(49, 87, 53, 96, 50, 95, 48, 88).outlined(accent, line, lw*0.7)

	// Puffed sleeves.
	c.mask().circle(35, 80, 7).outlined(dress, line, lw)
	c.mask().circle(61, 80, 7).outlined(dress, line, lw)
	c.mask().quadStroke(30, 84, 35, 87.5, 40, 84, 1.4).quadStroke(56, 84, 61, 87.5, 66, 84, 1.4).fill(white)

	// Pen-light: handle, light, fist, sparkles.
	c.mask().capsule(79, 62, 81.5, 47, 4.6).outlined(white, line, lw)
	c.mask().capsule(81.5, 46, 88, 16, 5.2).outlined(glow, line, lw*0.8)
	c.mask().capsule(82.2, 42, 87, 19, 1.6).fill(alpha(white, 0.8))
	c.mask().circle(79.5, 58, 4.6).outlined(skin, line, lw)
	c.mask().sparkle(94, 9, 4).sparkle(95.5, 29, 2.6).sparkle(76.5, 12, 2.2).outlined(yellow, white, 0.6)

	// Face.
	c.mask().ellipse(48, 51, 23, 21.5).outlined(skin, line, lw)
	for _, x := range []float64{39.5, 56.5} {
		const y = 55.5
		c.mask().ellipse(x, y, 5, 6.6).fill(eyeDark)
		c.mask().ellipse(x, y+2.2, 3.8, 3.9).fill(eyeLight)
		c.mask().ellipse(x, y+0.4, 2, 2.6).fill(eyeDark)
		c.mask().circle(x-1.8, y-2.6, 1.9).circle(x+1.9, y+3, 0.9).fill(white)
		// Upper lid with a flick at the outer corner.
		c.mask().quadStroke(x-5.8, y-2.6, x, y-10.8, x+5.8, y-2.6, 1.8).fill(line)
		out := 1.0
		if x < 48 {
			out = -1
		}
		c.mask().quadStroke(x+5.5*out, y-3.2, x+7*out, y-3.4, x+8*out, y-2, 1.1).fill(line)
	}
	c.mask().ellipse(32.5, 63.5, 4.6, 2.5).ellipse(63.5, 63.5, 4.6, 2.5).fill(alpha(blush, 0.55))
	for _, x := range []float64{30.5, 32.5, 34.5, 61.5, 63.5, 65.5} {
		c.mask().capsule(x+0.6, 62.4, x-0.4, 64.4, 0.5).fill(alpha(hex("#ff6f92"), 0.7))
	}
	c.mask().path(func(p *pen) {
		p.M(45, 64.2)
		p.Q(48, 70.5, 51, 64.2)
		p.Q(48, 65.2, 45, 64.2)
		p.Z()
	}).outlined(mouth, line, lw*0.6)

	// Front hair: side locks and jagged bangs, an angel ring, ahoge.
	c.mask().path(func(p *pen) {
		p.M(24, 42)
		p.Q(19, 60, 25, 76)
		p.Q(28, 64, 30, 48)
		p.Z()
	}).path(func(p *pen) {
		p.M(72, 42)
		p.Q(77, 60, 71, 76)
		p.Q(68, 64, 66, 48)
		p.Z()
	}).path(func(p *pen) {
		p.M(23, 50)
		p.C(20, 30, 32, 20, 48, 20)
		p.C(64, 20, 76, 30, 73, 50)
		p.Q(71, 43, 68, 40)
		p.Q(67, 45, 64.5, 48)
		p.Q(63, 40, 59, 35)
		p.Q(57, 41, 53.5, 45)
		p.Q(51, 38, 48, 34)
		p.Q(45, 40, 42.5, 46)
		p.Q(39, 40, 37, 35.5)
		p.Q(33, 41, 31.5, 48)
		p.Q(29, 44, 28, 40)
		p.Q(25, 44, 23, 50)
		p.Z()
	}).path(func(p *pen) {
		p.M(47, 21)
		p.Q(50, 8, 60, 8)
		p.Q(53, 12, 50, 21)
		p.Z()
	}).outlined(hair, line, lw)
	c.mask().quadStroke(33, 29, 48, 23, 63, 29, 2.2).fill(hairLight)
	c.mask().quadStroke(40, 33, 41, 38, 39.5, 42, 0.8).quadStroke(56, 33, 55, 38, 56.5, 42, 0.8).fill(hairDark)

	// Ribbons at the tails' roots and a star clip.
	for _, x := range []float64{23, 73} {
		c.mask().poly(x, 33, x-7, 28, x-7, 38).poly(x, 33, x+7, 28, x+7, 38).outlined(accent, line, lw)
		c.mask().circle(x, 33, 2.3).outlined(accent, line, lw)
	}
	c.mask().star(64, 25, 5.2, 2.4, 5, 0.2).outlined(yellow, line, lw)

	// Die-cut rim: a white border and a thin pink edge, like an acrylic stand.
	body := image.NewAlpha(c.img.Bounds())
	for i := range body.Pix {
		body.Pix[i] = c.img.Pix[4*i+3]
	}
	rim := newCanvas(w, h, c.u)
	rim.paint(dilate(body, 2.9*c.u), hex("#ffb3d1"))
	rim.paint(dilate(body, 2.3*c.u), white)
	drawOver(rim.img, c.img)
	return rim.img
}

func drawOver(dst, src *image.RGBA) {
	draw.Draw(dst, dst.Bounds(), src, image.Point{}, draw.Over)
}
