package card

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/draw"
	"image/png"
	"math"
	"slices"
	"sync"
	"sync/atomic"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// previewCache holds what every preview of a template reuses: the paper
// with its rules for each text size drawn (the rules follow the line
// pitch), the signature's scalers and the pixels it was last drawn with
// at each place, and a pool of pages, each w×h and a few MB.
type previewCache struct {
	mu      sync.Mutex
	papers  map[float64]*paper
	scalers map[image.Point]xdraw.Scaler // the signature's, by size
	sigs    map[image.Rectangle]*sigPatch
	pages   sync.Pool // *previewPage
}

// paper is a preview's paper and rules, and its rows as the PNG writes
// them (RGB, Up-filtered), which a preview's rows are but where it draws.
type paper struct {
	img    *image.RGBA
	rows   []byte   // h rows of 1+3w bytes
	coded  []rleRow // each row compressed on its own
	opaque bool
}

// previewPage is a preview being drawn: the page, the span of each row
// drawn over the paper, the rasteriser of its glyphs (as large as the
// largest it drew), a row's scratch and the deflater.
type previewPage struct {
	img *image.RGBA
	ras regionRaster
	// paper is what img holds but for the spans changed, nil at first.
	paper   *paper
	changed rowSpans
	row     []byte
	z       rleZlib
}

// setPaper makes img p, copying only the pixels changed since when img
// already holds p, and clears the spans changed.
func (pp *previewPage) setPaper(p *paper) {
	img := pp.img
	if pp.paper != p {
		copy(img.Pix, p.img.Pix)
	} else {
		for y, lo := range pp.changed.lo {
			if hi := pp.changed.hi[y]; lo < hi {
				i, j := img.PixOffset(lo, y), img.PixOffset(hi, y)
				copy(img.Pix[i:j], p.img.Pix[i:j])
			}
		}
	}
	pp.paper = p
	pp.changed.reset()
}

// rowSpans records the pixels of a w×h page changed: a span [lo, hi) a
// row, empty when lo ≥ hi.
type rowSpans struct {
	w      int
	lo, hi []int
}

func (s *rowSpans) reset() {
	for y := range s.lo {
		s.lo[y], s.hi[y] = s.w, 0
	}
}

// span records the pixels x0 to x1 (exclusive) of row y. Its methods do
// nothing on a nil *rowSpans.
func (s *rowSpans) span(y, x0, x1 int) {
	if s == nil {
		return
	}
	s.lo[y], s.hi[y] = min(s.lo[y], x0), max(s.hi[y], x1)
}

// flat records the pixels with flat indices i to j (exclusive, i < j).
func (s *rowSpans) flat(i, j int) {
	if s == nil {
		return
	}
	y0, y1 := i/s.w, (j-1)/s.w
	if y0 == y1 {
		s.span(y0, i%s.w, (j-1)%s.w+1)
		return
	}
	s.span(y0, i%s.w, s.w)
	for y := y0 + 1; y < y1; y++ {
		s.span(y, 0, s.w)
	}
	s.span(y1, 0, (j-1)%s.w+1)
}

// rect records r.
func (s *rowSpans) rect(r image.Rectangle) {
	if s == nil {
		return
	}
	r = r.Intersect(image.Rect(0, 0, s.w, len(s.lo)))
	for y := r.Min.Y; y < r.Max.Y; y++ {
		s.span(y, r.Min.X, r.Max.X)
	}
}

// previewSize is the preview's size in pixels and its px per mm.
func (t *Template) previewSize() (w, h int, k float64) {
	c := t.c
	k = float64(c.PreviewDPI) / 25.4
	return int(math.Round(c.WidthMM * k)), int(math.Round(c.HeightMM * k)), k
}

// maxPapers bounds the papers a template keeps, 3.5 MB each for a
// postcard at 150 dpi: most letters are set at the nominal size, a few
// shrunk to one of the next sizes.
const maxPapers = 4

// paper returns the paper with the rules of pg, drawn with z once for
// each text size and kept (up to maxPapers); it must not be changed.
func (t *Template) paper(pg *page, z *regionRaster) *paper {
	pc := &t.preview
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if p := pc.papers[pg.sizeMM]; p != nil {
		return p
	}
	p := newPaper(t.drawPaper(pg, z))
	if pc.papers == nil || len(pc.papers) >= maxPapers {
		pc.papers = map[float64]*paper{}
	}
	pc.papers[pg.sizeMM] = p
	return p
}

// drawPaper draws the paper and the rules of pg, with z.
func (t *Template) drawPaper(pg *page, z *regionRaster) *image.RGBA {
	c := t.c
	w, h, k := t.previewSize()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.NewUniform(c.paper), image.Point{}, draw.Src)
	f := filler{z: z, img: img, src: image.NewUniform(c.rule)}
	for _, p := range rulePaths(pg, k) {
		f.fill(p.box(), p.add)
	}
	return img
}

// rulePaths returns the rules of pg, k px a mm, each 0.2 mm wide (at
// least a pixel).
func rulePaths(pg *page, k float64) []rectPath {
	lw := math.Max(0.2*k, 1) / 2
	ps := make([]rectPath, len(pg.rules))
	for i, r := range pg.rules {
		x0, y0, x1, y1 := r[0]*k, r[1]*k, r[2]*k, r[3]*k
		ps[i] = rectPath{x0, y0 - lw, x1, y1 + lw}
		if x0 == x1 {
			ps[i] = rectPath{x0 - lw, y0, x1 + lw, y1}
		}
	}
	return ps
}

// sigPatch is the pixels of a rectangle of the page before and after the
// signature was drawn over them.
type sigPatch struct{ before, after []byte }

// maxSigPatches bounds the signature patches kept: a place for each line
// at each size a letter ends on.
const maxSigPatches = 64

// drawSig draws the signature image over img, scaled to dst: as it was
// drawn before if the pixels under it are the same, else with
// sigScaler.
func (t *Template) drawSig(img *image.RGBA, dst image.Rectangle) {
	r := dst.Intersect(img.Rect) // the pixels drawn
	if r.Empty() {
		return
	}
	region := func() []byte {
		b := make([]byte, 0, 4*r.Dx()*r.Dy())
		for y := r.Min.Y; y < r.Max.Y; y++ {
			b = append(b, img.Pix[img.PixOffset(r.Min.X, y):img.PixOffset(r.Max.X, y)]...)
		}
		return b
	}
	before := region()
	pc := &t.preview
	pc.mu.Lock()
	p := pc.sigs[dst]
	pc.mu.Unlock()
	if p != nil && bytes.Equal(p.before, before) {
		row := 4 * r.Dx()
		for y := r.Min.Y; y < r.Max.Y; y++ {
			i := (y - r.Min.Y) * row
			copy(img.Pix[img.PixOffset(r.Min.X, y):], p.after[i:i+row])
		}
		return
	}
	t.sigScaler(dst.Size()).Scale(img, dst, t.sig.img, t.sig.img.Bounds(), draw.Over, nil)
	p = &sigPatch{before: before, after: region()}
	pc.mu.Lock()
	if len(pc.sigs) >= maxSigPatches || pc.sigs == nil {
		pc.sigs = map[image.Rectangle]*sigPatch{}
	}
	pc.sigs[dst] = p
	pc.mu.Unlock()
}

// sigScaler returns the scaler of the signature image to size, made once
// for each size: the same as xdraw.CatmullRom.Scale, its weights computed
// and its buffer allocated once.
func (t *Template) sigScaler(size image.Point) xdraw.Scaler {
	pc := &t.preview
	pc.mu.Lock()
	defer pc.mu.Unlock()
	s := pc.scalers[size]
	if s == nil {
		b := t.sig.img.Bounds()
		s = xdraw.CatmullRom.NewScaler(size.X, size.Y, b.Dx(), b.Dy())
		if pc.scalers == nil {
			pc.scalers = map[image.Point]xdraw.Scaler{}
		}
		pc.scalers[size] = s
	}
	return s
}

// newPaper returns img as a paper, its rows filtered.
func newPaper(img *image.RGBA) *paper {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	n := 1 + 3*w
	p := &paper{img: img, rows: make([]byte, h*n), coded: make([]rleRow, h), opaque: true}
	var z rleZlib
	for y := range h {
		row := p.rows[y*n : (y+1)*n]
		p.opaque = upRow(row, img, y, 0, w) && p.opaque
		p.coded[y] = z.row(row)
	}
	return p
}

// newPreviewPage returns a page of w×h pixels, no span recorded.
func newPreviewPage(w, h int) *previewPage {
	pp := &previewPage{img: image.NewRGBA(image.Rect(0, 0, w, h)), row: make([]byte, 1+3*w),
		changed: rowSpans{w: w, lo: make([]int, h), hi: make([]int, h)}}
	pp.changed.reset()
	return pp
}

// upRow sets pixels x0 to x1 of row y of img in row, a PNG row of RGB
// with the Up filter, and reports whether they are opaque.
func upRow(row []byte, img *image.RGBA, y, x0, x1 int) bool {
	row[0] = 2 // Up
	cur := img.Pix[y*img.Stride+4*x0 : y*img.Stride+4*x1]
	var prev []byte
	if y > 0 {
		prev = img.Pix[(y-1)*img.Stride+4*x0 : (y-1)*img.Stride+4*x1]
	} else {
		prev = make([]byte, len(cur))
	}
	out := row[1+3*x0 : 1+3*x1]
	alpha := byte(0xff)
	for i := range x1 - x0 {
		c, p, o := cur[4*i:4*i+4:4*i+4], prev[4*i:4*i+4:4*i+4], out[3*i:3*i+3:3*i+3]
		o[0], o[1], o[2] = c[0]-p[0], c[1]-p[1], c[2]-p[2]
		alpha &= c[3]
	}
	return alpha == 0xff
}

// png draws the preview: the trim at the template's preview resolution,
// with the same glyphs, in the same places, as the PDF. Outlines come from
// sfnt by glyph ID, so vertical forms need no private use code points here.
func (t *Template) png(pg *page) ([]byte, error) {
	pc := &t.preview
	pp, _ := pc.pages.Get().(*previewPage)
	if pp == nil {
		w, h, _ := t.previewSize()
		pp = newPreviewPage(w, h)
	}
	paper, err := t.draw(pp, pg)
	if err != nil {
		return nil, err
	}
	data, err := pp.encode(paper)
	if err != nil {
		return nil, err
	}
	// The page goes back only whole: its spans say what to restore.
	pc.pages.Put(pp)
	return data, nil
}

// draw draws pg on pp, a page of the preview's size: its paper, which it
// returns, then the text and the signature, each pixel changed recorded.
func (t *Template) draw(pp *previewPage, pg *page) (*paper, error) {
	_, _, k := t.previewSize()
	img := pp.img
	paper := t.paper(pg, &pp.ras)
	pp.setPaper(paper)
	f := filler{z: &pp.ras, img: img, src: image.NewUniform(t.c.ink), changed: &pp.changed}
	if err := eachGlyph(pg, k, func(p glyphPath) { f.fill(p.box(), p.add) }); err != nil {
		return nil, err
	}
	if pg.sig != nil {
		dst := sigRect(pg, k)
		t.drawSig(img, dst)
		pp.changed.rect(dst)
	}
	return paper, nil
}

// sigRect is the pixels pg's signature image is scaled to, k px a mm.
func sigRect(pg *page, k float64) image.Rectangle {
	r := pg.sig
	return image.Rect(int(math.Round(r[0]*k)), int(math.Round(r[1]*k)), int(math.Round((r[0]+r[2])*k)), int(math.Round((r[1]+r[3])*k)))
}

// glyphCache holds a face's glyph outlines, by glyph ID, up to
// maxCachedGlyphs of them: a letter's characters recur, between letters
// most of all.
type glyphCache struct {
	m sync.Map // uint16 → sfnt.Segments
	n atomic.Int32
}

const maxCachedGlyphs = 4096

// outline returns glyph gid's outline at one pixel a font unit (in 26.6,
// y down), loaded with buf unless it was before. It must not be changed.
func (f *Face) outline(buf *sfnt.Buffer, gid uint16) (sfnt.Segments, error) {
	if segs, ok := f.outlines.m.Load(gid); ok {
		return segs.(sfnt.Segments), nil
	}
	upem := fixed.Int26_6(f.upem)
	segs, err := f.sf.LoadGlyph(buf, sfnt.GlyphIndex(gid), upem<<6, nil)
	if err != nil {
		return nil, fmt.Errorf("load glyph %d: %w", gid, err)
	}
	if f.outlines.n.Load() < maxCachedGlyphs {
		segs = slices.Clone(segs)
		if _, loaded := f.outlines.m.LoadOrStore(gid, segs); !loaded {
			f.outlines.n.Add(1)
		}
	}
	return segs, nil
}

// regionPad is the pixels a shape's region adds around the box of its
// points: the rasteriser writes a line's coverage up to the pixel after
// the last one it crosses, and float32 rounding may move a point a
// little outside the box.
const regionPad = 1

// regionRaster rasterises a shape in its region of a page: z and mask
// are the region's size (their buffers the largest region's).
type regionRaster struct {
	z    vector.Rasterizer
	mask image.Alpha
}

// filler fills shapes in one colour over a page, each shape rasterised
// on its own by z in the pixels the shape can touch: a glyph's region
// rather than the page, so that only those pixels are cleared, summed
// and blended.
type filler struct {
	z   *regionRaster
	img *image.RGBA
	src *image.Uniform
	// changed records the regions filled, unless nil.
	changed *rowSpans
}

// fill fills a shape whose points, control points included (a curve
// stays inside them), lie within box (x0, y0, x1, y1 in page px); add
// adds the shape to a rasteriser with (ox, oy) subtracted from every
// point.
func (f *filler) fill(box [4]float64, add func(z *vector.Rasterizer, ox, oy float64)) {
	r := image.Rect(int(math.Floor(box[0]))-regionPad, int(math.Floor(box[1]))-regionPad,
		int(math.Ceil(box[2]))+regionPad, int(math.Ceil(box[3]))+regionPad).Intersect(f.img.Rect)
	if r.Empty() {
		return
	}
	z, m := &f.z.z, &f.z.mask
	w, h := r.Dx(), r.Dy()
	z.Reset(w, h)
	add(z, float64(r.Min.X), float64(r.Min.Y))
	// The coverage goes to an 8-bit mask, then over the page where it
	// is not zero: vector's own blend onto the page (with a 16-bit
	// mask) blends every pixel of the region, some 7% more CPU a
	// preview.
	if cap(m.Pix) < w*h {
		m.Pix = make([]uint8, w*h)
	}
	m.Pix, m.Stride, m.Rect = m.Pix[:w*h], w, image.Rect(0, 0, w, h)
	z.DrawOp = draw.Src // every pixel of m set
	z.Draw(m, m.Rect, image.Opaque, image.Point{})
	draw.DrawMask(f.img, r, f.src, image.Point{}, m, image.Point{}, draw.Over)
	f.changed.rect(r)
}

// rectPath is a rectangle on the page, x0, y0, x1, y1 in px.
type rectPath [4]float64

func (p rectPath) box() [4]float64 { return p }

// add adds p to z, (ox, oy) subtracted from its corners.
func (p rectPath) add(z *vector.Rasterizer, ox, oy float64) {
	x0, y0, x1, y1 := float32(p[0]-ox), float32(p[1]-oy), float32(p[2]-ox), float32(p[3]-oy)
	z.MoveTo(x0, y0)
	z.LineTo(x1, y0)
	z.LineTo(x1, y1)
	z.LineTo(x0, y1)
	z.ClosePath()
}

// glyphPath is a glyph's outline placed on the page.
type glyphPath struct {
	segs sfnt.Segments // at one pixel a font unit, in 26.6, y down
	// s is px per 26.6 font unit, (ox, oy) the origin in px, sx the
	// horizontal scale.
	s, ox, oy, sx float64
	rotate        bool
}

// newGlyphPath loads g's outline with buf and places it, em px to the
// em, k px a mm.
func newGlyphPath(buf *sfnt.Buffer, g pageGlyph, em, k float64) (glyphPath, error) {
	f := g.face
	gid := g.gid
	if gid == 0 {
		gid = f.cmap.glyph(g.r)
	}
	segs, err := f.outline(buf, gid)
	if err != nil {
		return glyphPath{}, err
	}
	sx := g.scaleX
	if sx == 0 {
		sx = 1
	}
	return glyphPath{segs: segs, s: em / f.upem / 64, ox: g.x * k, oy: g.y * k, sx: sx, rotate: g.rotate}, nil
}

// eachGlyph calls fn with each glyph of pg but spaces, placed k px a mm.
func eachGlyph(pg *page, k float64, fn func(p glyphPath)) error {
	var buf sfnt.Buffer
	for _, ln := range pg.lines {
		for _, g := range ln.glyphs {
			p, err := newGlyphPath(&buf, g, pg.sizeMM*k, k)
			if err != nil {
				return err
			}
			if len(p.segs) > 0 {
				fn(p)
			}
		}
	}
	return nil
}

// point returns p on the page, in px. sfnt's y grows down. Upright:
// (x, y) → (ox + sx·x, oy + y); turned clockwise: the advance runs down,
// the top faces right.
func (p glyphPath) point(q fixed.Point26_6) (x, y float64) {
	x, y = float64(q.X)*p.s, float64(q.Y)*p.s
	if p.rotate {
		return p.ox - y, p.oy + x
	}
	return p.ox + p.sx*x, p.oy + y
}

// box returns the box of p's points, control points included, on the
// page: that of their box in font units, as point scales, turns by a
// right angle and moves. p must have a segment.
func (p glyphPath) box() [4]float64 {
	lo, hi := p.segs[0].Args[0], p.segs[0].Args[0]
	for _, seg := range p.segs {
		n := 1
		switch seg.Op {
		case sfnt.SegmentOpQuadTo:
			n = 2
		case sfnt.SegmentOpCubeTo:
			n = 3
		}
		for _, q := range seg.Args[:n] {
			lo.X, lo.Y, hi.X, hi.Y = min(lo.X, q.X), min(lo.Y, q.Y), max(hi.X, q.X), max(hi.Y, q.Y)
		}
	}
	ax, ay := p.point(lo)
	bx, by := p.point(hi)
	return [4]float64{min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)}
}

// add adds p's outline to z, (ox, oy) subtracted from its points before
// they are rounded to float32.
func (p glyphPath) add(z *vector.Rasterizer, ox, oy float64) {
	pt := func(q fixed.Point26_6) (float32, float32) {
		x, y := p.point(q)
		return float32(x - ox), float32(y - oy)
	}
	for _, seg := range p.segs {
		switch seg.Op {
		case sfnt.SegmentOpMoveTo:
			z.MoveTo(pt(seg.Args[0]))
		case sfnt.SegmentOpLineTo:
			z.LineTo(pt(seg.Args[0]))
		case sfnt.SegmentOpQuadTo:
			ax, ay := pt(seg.Args[0])
			bx, by := pt(seg.Args[1])
			z.QuadTo(ax, ay, bx, by)
		case sfnt.SegmentOpCubeTo:
			ax, ay := pt(seg.Args[0])
			bx, by := pt(seg.Args[1])
			cx, cy := pt(seg.Args[2])
			z.CubeTo(ax, ay, bx, by, cx, cy)
		}
	}
	z.ClosePath()
}

// encode encodes the page as an 8-bit RGB PNG, each row with the Up
// filter, compressed by rleZlib: the same pixels as image/png's encoding,
// without its trial of five filters a row and its general deflater. The
// rows the page did not draw on are the paper's. A page with any alpha
// below 255 is left to image/png (at BestSpeed).
func (pp *previewPage) encode(paper *paper) ([]byte, error) {
	img := pp.img
	w, h := img.Rect.Dx(), img.Rect.Dy()
	n := 1 + 3*w
	z := &pp.z
	z.reset()
	opaque := paper.opaque
	lo, hi := pp.changed.lo, pp.changed.hi
	for y := 0; y < h && opaque; y++ {
		x0, x1 := lo[y], hi[y]
		if y > 0 {
			x0, x1 = min(x0, lo[y-1]), max(x1, hi[y-1])
		}
		if x0 >= x1 {
			z.writeRow(paper.coded[y])
			continue
		}
		row := pp.row
		copy(row, paper.rows[y*n:(y+1)*n])
		opaque = upRow(row, img, y, x0, x1)
		z.write(row)
	}
	if !opaque {
		var b bytes.Buffer
		if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&b, img); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 8, 2 // 8 bits a sample, RGB
	writeChunk(&b, "IHDR", ihdr[:])
	writeChunk(&b, "IDAT", z.finish(nil))
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
