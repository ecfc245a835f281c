package photo

import (
	"image"
	"image/color"
	"runtime"
	"sync"

	"github.com/disintegration/imaging"
)

// maxShrink bounds the box filter's factor so that its sums fit in 32 bits.
const maxShrink = 16

// shrinkFactor is the largest integer k, at most maxShrink, such that a w×h
// photo shrunk k times still covers a slot of the given size: the box
// filter does the cheap bulk of the reduction and Lanczos the last factor
// below 2.
func shrinkFactor(w, h int, slot image.Point) int {
	k := min(w/max(slot.X, 1), h/max(slot.Y, 1), maxShrink)
	return max(k, 1)
}

// shrink converts img to NRGBA in one pass, averaging k×k blocks (a box
// filter, alpha-weighted) on the way, so a large decode is never copied at
// full size. Edge blocks average the pixels they have. Rows are split
// between GOMAXPROCS goroutines. An NRGBA at the origin with k = 1 is
// returned as it is, not copied.
func shrink(img image.Image, k int) *image.NRGBA {
	k = min(max(k, 1), maxShrink)
	if m, ok := img.(*image.NRGBA); ok && k == 1 && m.Rect.Min == (image.Point{}) {
		return m
	}
	if m, ok := img.(*image.YCbCr); ok && k > 1 {
		return shrinkYCbCr(m, k)
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	ow, oh := (w+k-1)/k, (h+k-1)/k
	dst := image.NewNRGBA(image.Rect(0, 0, ow, oh))
	read := rowReader(img)
	parallelRows(oh, func(y0, y1 int) {
		if k == 1 {
			for y := y0; y < y1; y++ {
				read(y, dst.Pix[y*dst.Stride:y*dst.Stride+w*4])
			}
			return
		}
		row := make([]uint8, w*4)
		acc := make([]uint32, ow*4)
		for oy := y0; oy < y1; oy++ {
			clear(acc)
			sy0, sy1 := oy*k, min(oy*k+k, h)
			for sy := sy0; sy < sy1; sy++ {
				read(sy, row)
				boxAdd(acc, row, w, k)
			}
			out := dst.Pix[oy*dst.Stride : oy*dst.Stride+ow*4]
			for ox := 0; ox < ow; ox++ {
				s := acc[ox*4 : ox*4+4 : ox*4+4]
				o := out[ox*4 : ox*4+4 : ox*4+4]
				a := s[3]
				if a == 0 {
					o[0], o[1], o[2], o[3] = 0, 0, 0, 0
					continue
				}
				n := uint32((min(ox*k+k, w) - ox*k) * (sy1 - sy0))
				o[0] = uint8((s[0] + a/2) / a)
				o[1] = uint8((s[1] + a/2) / a)
				o[2] = uint8((s[2] + a/2) / a)
				o[3] = uint8((a + n/2) / n)
			}
		}
	})
	return dst
}

// parallelRows calls fn on bands of [0, n) from GOMAXPROCS goroutines.
func parallelRows(n int, fn func(y0, y1 int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	for i := range workers {
		y0, y1 := n*i/workers, n*(i+1)/workers
		wg.Go(func() { fn(y0, y1) })
	}
	wg.Wait()
}

// rowReader returns a function that writes row y (from the top of img's
// bounds) into dst as non-premultiplied RGBA bytes. The decoders' own types
// (YCbCr, Gray, CMYK from JPEG; the PNG types; WebP's) are read directly.
func rowReader(img image.Image) func(y int, dst []uint8) {
	b := img.Bounds()
	w := b.Dx()
	switch m := img.(type) {
	case *image.YCbCr:
		return ycbcrRow(m, nil)
	case *image.NYCbCrA:
		return ycbcrRow(&m.YCbCr, func(y int, dst []uint8) {
			src := m.A[m.AOffset(b.Min.X, b.Min.Y+y):]
			for x := range w {
				dst[x*4+3] = src[x]
			}
		})
	case *image.Gray:
		return func(y int, dst []uint8) {
			src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := range w {
				v := src[x]
				d := dst[x*4 : x*4+4 : x*4+4]
				d[0], d[1], d[2], d[3] = v, v, v, 0xff
			}
		}
	case *image.Gray16:
		return func(y int, dst []uint8) {
			src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := range w {
				v := src[x*2]
				d := dst[x*4 : x*4+4 : x*4+4]
				d[0], d[1], d[2], d[3] = v, v, v, 0xff
			}
		}
	case *image.CMYK:
		return func(y int, dst []uint8) {
			src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := range w {
				s := src[x*4 : x*4+4 : x*4+4]
				r, g, bl := color.CMYKToRGB(s[0], s[1], s[2], s[3])
				d := dst[x*4 : x*4+4 : x*4+4]
				d[0], d[1], d[2], d[3] = r, g, bl, 0xff
			}
		}
	case *image.NRGBA:
		return func(y int, dst []uint8) {
			i := m.PixOffset(b.Min.X, b.Min.Y+y)
			copy(dst[:w*4], m.Pix[i:i+w*4])
		}
	case *image.NRGBA64:
		return func(y int, dst []uint8) {
			src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := range w {
				s := src[x*8 : x*8+8 : x*8+8]
				d := dst[x*4 : x*4+4 : x*4+4]
				d[0], d[1], d[2], d[3] = s[0], s[2], s[4], s[6]
			}
		}
	case *image.RGBA:
		return func(y int, dst []uint8) {
			src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := range w {
				s := src[x*4 : x*4+4 : x*4+4]
				d := dst[x*4 : x*4+4 : x*4+4]
				unpremultiply(d, uint32(s[0])*0x101, uint32(s[1])*0x101, uint32(s[2])*0x101, uint32(s[3])*0x101)
			}
		}
	case *image.RGBA64:
		return func(y int, dst []uint8) {
			src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := range w {
				s := src[x*8 : x*8+8 : x*8+8]
				d := dst[x*4 : x*4+4 : x*4+4]
				unpremultiply(d, uint32(s[0])<<8|uint32(s[1]), uint32(s[2])<<8|uint32(s[3]), uint32(s[4])<<8|uint32(s[5]), uint32(s[6])<<8|uint32(s[7]))
			}
		}
	case *image.Paletted:
		lut := make([]color.NRGBA, 256)
		for i, c := range m.Palette {
			lut[i] = color.NRGBAModel.Convert(c).(color.NRGBA)
		}
		return func(y int, dst []uint8) {
			src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := range w {
				c := lut[src[x]]
				d := dst[x*4 : x*4+4 : x*4+4]
				d[0], d[1], d[2], d[3] = c.R, c.G, c.B, c.A
			}
		}
	}
	return func(y int, dst []uint8) {
		for x := range w {
			r, g, bl, a := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			unpremultiply(dst[x*4:x*4+4], r, g, bl, a)
		}
	}
}

// pixelRows returns a function that gives row y (from the top of img's
// bounds) as non-premultiplied RGBA bytes, Dx()*4 of them: an
// *image.NRGBA's own pixels, or buf filled by rowReader, the bytes
// shrink(img, 1) would hold. buf must hold Dx()*4 bytes; the row returned
// is only good until the next call with the same buf.
func pixelRows(img image.Image) func(y int, buf []uint8) []uint8 {
	b := img.Bounds()
	w := b.Dx()
	if m, ok := img.(*image.NRGBA); ok {
		return func(y int, _ []uint8) []uint8 {
			i := m.PixOffset(b.Min.X, b.Min.Y+y)
			return m.Pix[i : i+w*4 : i+w*4]
		}
	}
	read := rowReader(img)
	return func(y int, buf []uint8) []uint8 {
		read(y, buf[:w*4])
		return buf[:w*4]
	}
}

// unpremultiply writes 16-bit premultiplied channels as 8-bit NRGBA.
func unpremultiply(d []uint8, r, g, b, a uint32) {
	switch a {
	case 0xffff:
		d[0], d[1], d[2], d[3] = uint8(r>>8), uint8(g>>8), uint8(b>>8), 0xff
	case 0:
		d[0], d[1], d[2], d[3] = 0, 0, 0, 0
	default:
		d[0] = uint8((r * 0xffff / a) >> 8)
		d[1] = uint8((g * 0xffff / a) >> 8)
		d[2] = uint8((b * 0xffff / a) >> 8)
		d[3] = uint8(a >> 8)
	}
}

// shrinkYCbCr is shrink for the JPEG, WebP and HEIC decoders' own type:
// it averages Y, Cb and Cr over each k×k block in their planes (chroma at
// its subsampled resolution) and converts only the averages to RGB, k²
// times fewer conversions than converting first. The conversion is affine,
// so the result differs from converting first only where a channel clips
// (and by rounding).
func shrinkYCbCr(m *image.YCbCr, k int) *image.NRGBA {
	b := m.Rect
	w, h := b.Dx(), b.Dy()
	ow, oh := (w+k-1)/k, (h+k-1)/k
	dst := image.NewNRGBA(image.Rect(0, 0, ow, oh))
	hs, vs := chromaShifts(m.SubsampleRatio)
	cx0, cy0 := b.Min.X>>hs, b.Min.Y>>vs // chroma index of the bounds' corner
	parallelRows(oh, func(y0, y1 int) {
		ys := make([]uint32, ow)
		cbs := make([]uint32, ow)
		crs := make([]uint32, ow)
		for oy := y0; oy < y1; oy++ {
			clear(ys)
			clear(cbs)
			clear(crs)
			sy0, sy1 := oy*k, min(oy*k+k, h)
			for sy := sy0; sy < sy1; sy++ {
				row := m.Y[sy*m.YStride : sy*m.YStride+w]
				for ox := range ow {
					var sum uint32
					for _, v := range row[ox*k : min(ox*k+k, w)] {
						sum += uint32(v)
					}
					ys[ox] += sum
				}
			}
			// The chroma samples the block covers, each weighed by how many
			// of the block's pixels it serves (an odd k cuts through some).
			ay0, ay1 := b.Min.Y+sy0, b.Min.Y+sy1 // absolute luma rows
			for cy := ay0 >> vs; cy <= (ay1-1)>>vs; cy++ {
				wy := uint32(min(ay1, (cy+1)<<vs) - max(ay0, cy<<vs))
				off := (cy - cy0) * m.CStride
				cbRow, crRow := m.Cb[off:], m.Cr[off:]
				for ox := range ow {
					ax0, ax1 := b.Min.X+ox*k, b.Min.X+min(ox*k+k, w)
					var sb, sr uint32
					for cx := ax0 >> hs; cx <= (ax1-1)>>hs; cx++ {
						wx := uint32(min(ax1, (cx+1)<<hs) - max(ax0, cx<<hs))
						sb += wx * uint32(cbRow[cx-cx0])
						sr += wx * uint32(crRow[cx-cx0])
					}
					cbs[ox] += wy * sb
					crs[ox] += wy * sr
				}
			}
			out := dst.Pix[oy*dst.Stride : oy*dst.Stride+ow*4]
			for ox := range ow {
				n := uint32((min(ox*k+k, w) - ox*k) * (sy1 - sy0))
				r, g, bl := color.YCbCrToRGB(uint8((ys[ox]+n/2)/n), uint8((cbs[ox]+n/2)/n), uint8((crs[ox]+n/2)/n))
				o := out[ox*4 : ox*4+4 : ox*4+4]
				o[0], o[1], o[2], o[3] = r, g, bl, 0xff
			}
		}
	})
	return dst
}

// chromaShifts returns how many bits a luma x and y shift right to give
// their chroma sample's x and y.
func chromaShifts(r image.YCbCrSubsampleRatio) (hs, vs uint) {
	switch r {
	case image.YCbCrSubsampleRatio422:
		return 1, 0
	case image.YCbCrSubsampleRatio420:
		return 1, 1
	case image.YCbCrSubsampleRatio440:
		return 0, 1
	case image.YCbCrSubsampleRatio411:
		return 2, 0
	case image.YCbCrSubsampleRatio410:
		return 2, 1
	}
	return 0, 0
}

// ycbcrRow reads a YCbCr image of any subsampling with the standard
// library's integer conversion (color.YCbCrToRGB), inlined. alpha, if not
// nil, fills in the alpha bytes afterwards.
func ycbcrRow(m *image.YCbCr, alpha func(y int, dst []uint8)) func(y int, dst []uint8) {
	span, w := ycbcrSpan(m), m.Rect.Dx()
	return func(y int, dst []uint8) {
		span(y, 0, w, dst)
		if alpha != nil {
			alpha(y, dst)
		}
	}
}

// ycbcrSpan is ycbcrRow for the pixels [x0, x1) of row y (from the top
// left of m's bounds), written from dst[0] on, opaque.
func ycbcrSpan(m *image.YCbCr) func(y, x0, x1 int, dst []uint8) {
	b := m.Rect
	hs, vs := chromaShifts(m.SubsampleRatio)
	return func(y, x0, x1 int, dst []uint8) {
		ay := b.Min.Y + y
		yrow := m.Y[(ay-b.Min.Y)*m.YStride:]
		crow := (ay>>vs - b.Min.Y>>vs) * m.CStride
		cb, cr := m.Cb[crow:], m.Cr[crow:]
		cx0 := b.Min.X >> hs
		dst = dst[:(x1-x0)*4]
		for x := x0; x < x1; x++ {
			ci := (b.Min.X+x)>>hs - cx0
			yy1 := int32(yrow[x]) * 0x10101
			cb1 := int32(cb[ci]) - 128
			cr1 := int32(cr[ci]) - 128
			r := yy1 + 91881*cr1
			if uint32(r)&0xff000000 == 0 {
				r >>= 16
			} else {
				r = ^(r >> 31)
			}
			g := yy1 - 22554*cb1 - 46802*cr1
			if uint32(g)&0xff000000 == 0 {
				g >>= 16
			} else {
				g = ^(g >> 31)
			}
			bl := yy1 + 116130*cb1
			if uint32(bl)&0xff000000 == 0 {
				bl >>= 16
			} else {
				bl = ^(bl >> 31)
			}
			i := (x - x0) * 4
			d := dst[i : i+4 : i+4]
			d[0], d[1], d[2], d[3] = uint8(r), uint8(g), uint8(bl), 0xff
		}
	}
}

// orient turns a stored image upright by its EXIF orientation (1 to 8),
// as imaging.AutoOrientation does, but after the shrink, on fewer pixels.
func orient(img *image.NRGBA, o int) *image.NRGBA {
	switch o {
	case 2:
		return imaging.FlipH(img)
	case 3:
		return imaging.Rotate180(img)
	case 4:
		return imaging.FlipV(img)
	case 5:
		return imaging.Transpose(img)
	case 6:
		return imaging.Rotate270(img)
	case 7:
		return imaging.Transverse(img)
	case 8:
		return imaging.Rotate90(img)
	}
	return img
}
