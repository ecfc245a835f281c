package photo

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"io"
)

// pngHeader is what decodePNGRows needs of a PNG's IHDR, PLTE and tRNS.
type pngHeader struct {
	w, h       int
	depth      int // bits per sample: 1, 2, 4, 8 or 16
	ctype      int // 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA
	interlaced bool
	trns       bool // a tRNS chunk: a palette's alphas, or a colour key
	lut        [256][4]uint8
	idat       [][]byte
}

// channels is the samples per pixel of the colour type.
func (p *pngHeader) channels() int {
	switch p.ctype {
	case 2:
		return 3
	case 4:
		return 2
	case 6:
		return 4
	}
	return 1
}

// streamable reports whether decodePNGRows decodes this PNG exactly as
// image/png and shrink would: not interlaced, and no colour key (tRNS on
// gray or RGB) nor gray below 8 bits, which image/png widens in ways not
// worth copying (such files fall back to image/png, at their full cost).
func (p *pngHeader) streamable() bool {
	if p.interlaced {
		return false
	}
	switch p.ctype {
	case 0, 2:
		return !p.trns && p.depth >= 8
	case 3:
		return p.depth <= 8
	case 4, 6:
		return p.depth >= 8
	}
	return false
}

// shape is how decodePixels holds this PNG (decodeBytes): by rows into
// the shrunk NRGBA when streamable, else image/png's type at full size,
// twice for an interlaced file's passes.
func (p *pngHeader) shape() decodeShape {
	if p.streamable() {
		return decodeShape{perPixel: 4, row: float64(2*p.channels()*max(p.depth/8, 1) + 4 + 16), scale: scaleK, nrgba: true}
	}
	var bpp float64
	switch {
	case p.ctype == 3 || (p.ctype == 0 && !p.trns):
		bpp = float64(max(p.depth/8, 1))
	default: // RGBA, NRGBA or their 16-bit kinds
		bpp = 4 * float64(max(p.depth/8, 1))
	}
	if p.interlaced {
		bpp *= 2
	}
	return decodeShape{perPixel: bpp}
}

// readPNGHeader walks a PNG's chunks (checking their CRCs) for its
// header, palette, transparency and image data.
func readPNGHeader(data []byte) (*pngHeader, error) {
	if !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) {
		return nil, ErrFormat
	}
	p := &pngHeader{}
	for i := range p.lut {
		p.lut[i] = [4]uint8{0, 0, 0, 0xff} // as image/png pads a short palette
	}
	seen := false
	for off := 8; ; {
		if off+12 > len(data) {
			return nil, fmt.Errorf("png: no IEND chunk: %w", ErrDamaged)
		}
		n := int(binary.BigEndian.Uint32(data[off:]))
		if n < 0 || n > len(data)-off-12 {
			return nil, fmt.Errorf("png: chunk runs past the end: %w", ErrDamaged)
		}
		typ, body := string(data[off+4:off+8]), data[off+8:off+8+n]
		if crc32.ChecksumIEEE(data[off+4:off+8+n]) != binary.BigEndian.Uint32(data[off+8+n:]) {
			return nil, fmt.Errorf("png: chunk %q: bad checksum: %w", typ, ErrDamaged)
		}
		off += 12 + n
		switch typ {
		case "IHDR":
			if n != 13 {
				return nil, fmt.Errorf("png: bad IHDR: %w", ErrDamaged)
			}
			p.w, p.h = int(binary.BigEndian.Uint32(body)), int(binary.BigEndian.Uint32(body[4:]))
			p.depth, p.ctype, p.interlaced = int(body[8]), int(body[9]), body[12] == 1
			seen = true
		case "PLTE":
			for i := 0; i+3 <= n && i/3 < 256; i += 3 {
				p.lut[i/3] = [4]uint8{body[i], body[i+1], body[i+2], 0xff}
			}
		case "tRNS":
			p.trns = true
			if p.ctype == 3 {
				for i := 0; i < n && i < 256; i++ {
					p.lut[i][3] = body[i]
				}
			}
		case "IDAT":
			p.idat = append(p.idat, body)
		case "IEND":
			if !seen || len(p.idat) == 0 {
				return nil, fmt.Errorf("png: no header or no image data: %w", ErrDamaged)
			}
			return p, nil
		}
	}
}

// decodePNGRows decodes a streamable PNG one row at a time: each row is
// unfiltered against the previous one, turned into 8-bit NRGBA (16-bit
// samples keep their high byte, as shrink reads image/png's 16-bit types)
// and folded into a k×k box filter at once, so neither the full-size image
// nor its 16-bit samples are ever held. It needs two file rows, one NRGBA
// row and the result; it gives the bytes image/png and shrink(img, k)
// give.
func decodePNGRows(p *pngHeader, k int) (*image.NRGBA, error) {
	k = min(max(k, 1), maxShrink)
	bitsPP := p.depth * p.channels()
	rowBytes := (p.w*bitsPP + 7) / 8
	bpp := max(bitsPP/8, 1)
	readers := make([]io.Reader, len(p.idat))
	for i, b := range p.idat {
		readers[i] = bytes.NewReader(b)
	}
	zr, err := zlib.NewReader(io.MultiReader(readers...))
	if err != nil {
		return nil, fmt.Errorf("png: %v: %w", err, ErrDamaged)
	}
	defer zr.Close()
	ow, oh := (p.w+k-1)/k, (p.h+k-1)/k
	dst := image.NewNRGBA(image.Rect(0, 0, ow, oh))
	cur, prev := make([]byte, 1+rowBytes), make([]byte, 1+rowBytes)
	row := make([]uint8, p.w*4)
	acc := make([]uint32, ow*4)
	for y := 0; y < p.h; y++ {
		if _, err := io.ReadFull(zr, cur); err != nil {
			return nil, fmt.Errorf("png: row %d: %v: %w", y, err, ErrDamaged)
		}
		if err := unfilter(cur, prev, bpp); err != nil {
			return nil, err
		}
		p.toNRGBA(cur[1:], row)
		prev, cur = cur, prev
		oy := y / k
		if k == 1 {
			copy(dst.Pix[oy*dst.Stride:], row)
			continue
		}
		boxAdd(acc, row, p.w, k)
		if y%k == k-1 || y == p.h-1 {
			boxEmit(dst.Pix[oy*dst.Stride:oy*dst.Stride+ow*4], acc, p.w, k, y-oy*k+1)
			clear(acc)
		}
	}
	if n, err := zr.Read(cur[:1]); n != 0 || !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("png: pixel data after the last row or a bad checksum: %w", ErrDamaged)
	}
	return dst, nil
}

// unfilter undoes the row's PNG filter (its first byte) in place.
func unfilter(cur, prev []byte, bpp int) error {
	f, c, p := cur[0], cur[1:], prev[1:]
	switch f {
	case 0:
	case 1:
		for i := bpp; i < len(c); i++ {
			c[i] += c[i-bpp]
		}
	case 2:
		for i := range c {
			c[i] += p[i]
		}
	case 3:
		for i := range c {
			var left byte
			if i >= bpp {
				left = c[i-bpp]
			}
			c[i] += byte((int(left) + int(p[i])) / 2)
		}
	case 4:
		for i := range c {
			var a, cc int
			if i >= bpp {
				a, cc = int(c[i-bpp]), int(p[i-bpp])
			}
			b := int(p[i])
			pa, pb, pc := absInt(b-cc), absInt(a-cc), absInt(a+b-2*cc)
			switch {
			case pa <= pb && pa <= pc:
				c[i] += byte(a)
			case pb <= pc:
				c[i] += byte(b)
			default:
				c[i] += byte(cc)
			}
		}
	default:
		return fmt.Errorf("png: bad filter %d: %w", f, ErrDamaged)
	}
	return nil
}

func absInt(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// toNRGBA writes one unfiltered row as 8-bit NRGBA.
func (p *pngHeader) toNRGBA(src, dst []uint8) {
	w := p.w
	switch {
	case p.ctype == 3:
		per := 8 / p.depth
		mask := byte(1<<p.depth - 1)
		for x := range w {
			idx := src[x/per] >> (8 - p.depth*(x%per+1)) & mask
			copy(dst[x*4:x*4+4], p.lut[idx][:])
		}
		return
	}
	step := p.depth / 8 // bytes per sample: the high byte comes first
	ch := p.channels()
	for x := range w {
		s := src[x*ch*step:]
		d := dst[x*4 : x*4+4 : x*4+4]
		switch p.ctype {
		case 0:
			d[0], d[1], d[2], d[3] = s[0], s[0], s[0], 0xff
		case 2:
			d[0], d[1], d[2], d[3] = s[0], s[step], s[2*step], 0xff
		case 4:
			d[0], d[1], d[2], d[3] = s[0], s[0], s[0], s[step]
		case 6:
			d[0], d[1], d[2], d[3] = s[0], s[step], s[2*step], s[3*step]
		}
	}
}

// boxAdd adds an NRGBA row of width w to the k-wide blocks'
// alpha-weighted sums in acc (four per block), for shrink and the PNG row
// decoder alike.
func boxAdd(acc []uint32, row []uint8, w, k int) {
	for ox := 0; ox*k < w; ox++ {
		var r, g, bl, a uint32
		for i, end := ox*k*4, min(ox*k+k, w)*4; i < end; i += 4 {
			al := uint32(row[i+3])
			r += uint32(row[i]) * al
			g += uint32(row[i+1]) * al
			bl += uint32(row[i+2]) * al
			a += al
		}
		s := acc[ox*4 : ox*4+4 : ox*4+4]
		s[0] += r
		s[1] += g
		s[2] += bl
		s[3] += a
	}
}

// boxEmit writes the blocks' averages over rows source rows, as shrink
// does.
func boxEmit(out []uint8, acc []uint32, w, k, rows int) {
	for ox := 0; ox*k < w; ox++ {
		s := acc[ox*4 : ox*4+4 : ox*4+4]
		o := out[ox*4 : ox*4+4 : ox*4+4]
		a := s[3]
		if a == 0 {
			o[0], o[1], o[2], o[3] = 0, 0, 0, 0
			continue
		}
		n := uint32((min(ox*k+k, w) - ox*k) * rows)
		o[0] = uint8((s[0] + a/2) / a)
		o[1] = uint8((s[1] + a/2) / a)
		o[2] = uint8((s[2] + a/2) / a)
		o[3] = uint8((a + n/2) / n)
	}
}
