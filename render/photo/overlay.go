package photo

import (
	"image"
	"image/draw"
)

// overlayCutout draws the cutout in its rect over the photo.
func overlayCutout(s *state) error {
	drawOver(s.canvas, s.t.cutoutAt, s.t.cutout)
	return nil
}

// overlayFrame draws the frame over the whole canvas.
func overlayFrame(s *state) error {
	drawOver(s.canvas, s.canvas.Bounds(), s.t.frame)
	return nil
}

// drawOver draws src (from its origin) over r of dst, in bands of rows on
// GOMAXPROCS goroutines: each pixel is blended on its own, so the result
// is draw.Draw's. Art is mostly clear or solid: a clear pixel leaves dst
// as it is and a solid one is copied, as draw.Draw's arithmetic gives;
// only the edges in between are blended, with that arithmetic.
func drawOver(dst *image.RGBA, r image.Rectangle, src *image.NRGBA) {
	if !r.In(dst.Rect) || src.Rect.Min != (image.Point{}) || !r.Sub(r.Min).In(src.Rect) {
		// Art off the canvas or smaller than its place (never for a
		// compiled template).
		parallelRows(r.Dy(), func(y0, y1 int) {
			band := image.Rect(r.Min.X, r.Min.Y+y0, r.Max.X, r.Min.Y+y1)
			draw.Draw(dst, band, src, image.Pt(0, y0), draw.Over)
		})
		return
	}
	const m = 1<<16 - 1
	w := r.Dx()
	parallelRows(r.Dy(), func(y0, y1 int) {
		for y := y0; y < y1; y++ {
			d := dst.Pix[dst.PixOffset(r.Min.X, r.Min.Y+y):][:w*4]
			s := src.Pix[y*src.Stride:][:w*4]
			for i := 0; i < len(d); i += 4 {
				sp := s[i : i+4 : i+4]
				switch sp[3] {
				case 0:
					continue
				case 0xff:
					dp := d[i : i+4 : i+4]
					dp[0], dp[1], dp[2], dp[3] = sp[0], sp[1], sp[2], 0xff
					continue
				}
				// draw.drawNRGBAOver's arithmetic.
				sa := uint32(sp[3]) * 0x101
				sr := uint32(sp[0]) * sa / 0xff
				sg := uint32(sp[1]) * sa / 0xff
				sb := uint32(sp[2]) * sa / 0xff
				dp := d[i : i+4 : i+4]
				a := (m - sa) * 0x101
				dp[0] = uint8((uint32(dp[0])*a/m + sr) >> 8)
				dp[1] = uint8((uint32(dp[1])*a/m + sg) >> 8)
				dp[2] = uint8((uint32(dp[2])*a/m + sb) >> 8)
				dp[3] = uint8((uint32(dp[3])*a/m + sa) >> 8)
			}
		}
	})
}
