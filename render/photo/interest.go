package photo

import (
	"image"
	"math"
)

// interestingCrop finds the most interesting width×height crop of photo
// (an *image.NRGBA or an *image.YCbCr, as decodePhoto leaves it) by edges,
// skin tones and saturation: the crop smartcrop's FindBestCrop gives with
// imaging's Box filter as its prescaler (github.com/muesli/smartcrop
// v0.3.0, whose analysis this is; MIT licence, see THIRD_PARTY.md), with
// the same arithmetic, so it is the same crop (interest_test.go compares
// them). It returns false when there is none (smartcrop's empty
// rectangle), and for a side that is not positive.
//
// smartcrop box-shrinks the photo to 400 px on its short side, rates every
// pixel of that, then scores each candidate crop by the rating of every
// eighth pixel both ways. Only those pixels (and, for the edge rating,
// their four neighbours) count, so only they are worked out here, from
// the source pixels their box filter reads: about a seventh of the photo
// is read and a fiftieth of smartcrop's ratings made.
func interestingCrop(photo image.Image, width, height int) (image.Rectangle, bool) {
	if _, ok := photo.(*image.YCbCr); !ok {
		photo = shrink(photo, 1) // the NRGBA itself at the origin
	}
	b := photo.Bounds()
	srcW, srcH := b.Dx(), b.Dy()
	if width <= 0 || height <= 0 || srcW <= 0 || srcH <= 0 {
		return image.Rectangle{}, false
	}
	scale := math.Min(float64(srcW)/float64(width), float64(srcH)/float64(height))
	prescalefactor := 1.0
	if f := prescaleMin / math.Min(float64(srcW), float64(srcH)); f < 1.0 {
		prescalefactor = f
	}
	// The shrunk size as imaging.Resize makes it from smartcrop's width
	// and no height.
	lw := int(uint(float64(srcW) * prescalefactor))
	if lw == 0 {
		return image.Rectangle{}, false
	}
	lh := int(math.Max(1, math.Floor(float64(lw)*float64(srcH)/float64(srcW)+0.5)))

	rated := rateSamples(photo, lw, lh)
	cropWidth, cropHeight := chop(float64(width)*scale*prescalefactor), chop(float64(height)*scale*prescalefactor)
	realMinScale := math.Min(maxScale, math.Max(1.0/scale, minScale))
	top := rated.bestCrop(cropWidth, cropHeight, realMinScale)
	top.Min.X = int(chop(float64(top.Min.X) / prescalefactor))
	top.Min.Y = int(chop(float64(top.Min.Y) / prescalefactor))
	top.Max.X = int(chop(float64(top.Max.X) / prescalefactor))
	top.Max.Y = int(chop(float64(top.Max.Y) / prescalefactor))
	top = top.Canon()
	if top.Empty() {
		return image.Rectangle{}, false
	}
	return top, true
}

// smartcrop v0.3.0's constants, as it declares them (untyped, so the
// expressions made of them are worked out as it works them out).
const (
	detailWeight            = 0.2
	skinBias                = 0.01
	skinBrightnessMin       = 0.2
	skinBrightnessMax       = 1.0
	skinThreshold           = 0.8
	skinWeight              = 1.8
	saturationBrightnessMin = 0.05
	saturationBrightnessMax = 0.9
	saturationThreshold     = 0.4
	saturationBias          = 0.2
	saturationWeight        = 0.3
	scoreDownSample         = 8
	cropStep                = 8
	scaleStep               = 0.1
	minScale                = 0.9
	maxScale                = 1.0
	edgeRadius              = 0.4
	edgeWeight              = -20.0
	outsideImportance       = -0.5
	prescaleMin             = 400.00
)

var skinColor = [3]float64{0.78, 0.57, 0.44}

// ratedSamples are smartcrop's ratings of the shrunk photo (w×h) at the
// pixels its score reads: (x, y) for x, y multiples of scoreDownSample up
// to w-scoreDownSample and h-scoreDownSample, row by row, nx of them a
// row. For each, the terms its score multiplies by a crop's importance
// there.
type ratedSamples struct {
	w, h, nx int
	skin     []float64 // skin/255 × (detail + skinBias)
	detail   []float64 // edge/255
	sat      []float64 // saturation/255 × (detail + saturationBias)
}

// sampleCoords returns the coordinates (of n, one axis) that smartcrop's
// score reads, and the sorted coordinates whose pixels their ratings need:
// each one and, but at 0 (a border, whose edge rating is 0), its two
// neighbours.
func sampleCoords(n int) (samples, needed []int) {
	for v := 0; v <= n-scoreDownSample; v += scoreDownSample {
		samples = append(samples, v)
		if v > 0 {
			needed = append(needed, v-1, v, v+1)
		} else {
			needed = append(needed, v)
		}
	}
	return samples, needed
}

// rateSamples shrinks photo to lw×lh as imaging's Box filter does, but
// only at the pixels the ratings need, converts them to premultiplied RGBA
// as smartcrop's toRGBA does (image/draw) and rates them.
func rateSamples(photo image.Image, lw, lh int) ratedSamples {
	xs, cols := sampleCoords(lw)
	ys, rows := sampleCoords(lh)
	px := shrinkAt(photo, lw, lh, cols, rows)
	// Where each pixel is in px, by its coordinates.
	col, row := make([]int, lw), make([]int, lh)
	for i, x := range cols {
		col[x] = i
	}
	for i, y := range rows {
		row[y] = i
	}
	at := func(x, y int) [4]uint8 {
		p := px[(row[y]*len(cols)+col[x])*4:]
		// image/draw's drawNRGBASrc: non-premultiplied to premultiplied.
		sa := uint32(p[3]) * 0x101
		return [4]uint8{uint8(uint32(p[0]) * sa / 0xff >> 8), uint8(uint32(p[1]) * sa / 0xff >> 8), uint8(uint32(p[2]) * sa / 0xff >> 8), uint8(sa >> 8)}
	}
	n := len(xs) * len(ys)
	r := ratedSamples{w: lw, h: lh, nx: len(xs), skin: make([]float64, 0, n), detail: make([]float64, 0, n), sat: make([]float64, 0, n)}
	for _, y := range ys {
		for _, x := range xs {
			c := at(x, y)
			// edgeDetect
			var lightness float64
			if x == 0 || x >= lw-1 || y == 0 || y >= lh-1 {
				lightness = 0
			} else {
				lightness = cie(c)*4.0 -
					cie(at(x, y-1)) -
					cie(at(x-1, y)) -
					cie(at(x+1, y)) -
					cie(at(x, y+1))
			}
			g := uint8(bounds(lightness))
			// skinDetect
			var red uint8
			lightness = cie(c) / 255.0
			if skin := skinCol(c); skin > skinThreshold && lightness >= skinBrightnessMin && lightness <= skinBrightnessMax {
				red = uint8(bounds((skin - skinThreshold) * (255.0 / (1.0 - skinThreshold))))
			}
			// saturationDetect
			var blue uint8
			if s := saturation(c); s > saturationThreshold && lightness >= saturationBrightnessMin && lightness <= saturationBrightnessMax {
				blue = uint8(bounds((s - saturationThreshold) * (255.0 / (1.0 - saturationThreshold))))
			}
			// score's factors
			det := float64(g) / 255.0
			r.skin = append(r.skin, float64(red)/255.0*(det+skinBias))
			r.detail = append(r.detail, det)
			r.sat = append(r.sat, float64(blue)/255.0*(det+saturationBias))
		}
	}
	return r
}

// shrinkAt returns the pixels of imaging.Resize(photo, lw, lh,
// imaging.Box) (an NRGBA) in columns cols and rows rows (sorted), row by
// row, 4 bytes each, with the same arithmetic: a horizontal pass, then a
// vertical one, each only where the size changes, each only at the
// samples asked for.
func shrinkAt(photo image.Image, lw, lh int, cols, rows []int) []uint8 {
	b := photo.Bounds()
	srcW, srcH := b.Dx(), b.Dy()
	// Source rows each output row reads, and their weights.
	var vw [][]boxTap
	if lh != srcH {
		vw = boxWeights(lh, srcH)
	} else {
		vw = identityTaps(srcH)
	}
	var hw [][]boxTap
	if lw != srcW {
		hw = boxWeights(lw, srcW)
	} else {
		hw = identityTaps(srcW)
	}
	// The source rows needed, each once, in order.
	var srcRows []int
	for _, y := range rows {
		for _, t := range vw[y] {
			if n := len(srcRows); n == 0 || srcRows[n-1] < t.index {
				srcRows = append(srcRows, t.index)
			}
		}
	}
	// Horizontal pass: each needed source row at cols, each run of
	// consecutive columns read in one span.
	stride := len(cols) * 4
	mid := make([]uint8, srcH*stride) // row u at u*stride; only srcRows filled
	read := spanReader(photo)
	type run struct{ j0, j1, x0, x1 int } // cols[j0:j1] read source [x0, x1)
	var runs []run
	for j, x := range cols {
		x0, x1 := hw[x][0].index, hw[x][len(hw[x])-1].index+1
		if n := len(runs); n > 0 && cols[runs[n-1].j1-1] == x-1 {
			runs[n-1].j1, runs[n-1].x1 = j+1, x1
		} else {
			runs = append(runs, run{j, j + 1, x0, x1})
		}
	}
	parallelRows(len(srcRows), func(i0, i1 int) {
		buf := make([]uint8, srcW*4)
		for i := i0; i < i1; i++ {
			u := srcRows[i]
			out := mid[u*stride : (u+1)*stride]
			for _, r := range runs {
				read(u, r.x0, r.x1, buf[r.x0*4:])
				for j := r.j0; j < r.j1; j++ {
					d := out[j*4 : j*4+4 : j*4+4]
					if lw == srcW {
						copy(d, buf[cols[j]*4:])
						continue
					}
					boxSample(d, hw[cols[j]], buf, 0, 4)
				}
			}
		}
	})
	if lh == srcH {
		out := make([]uint8, len(rows)*stride)
		for i, y := range rows {
			copy(out[i*stride:(i+1)*stride], mid[y*stride:])
		}
		return out
	}
	// Vertical pass.
	out := make([]uint8, len(rows)*stride)
	for i, y := range rows {
		for j := range cols {
			k := i*stride + j*4
			boxSample(out[k:k+4:k+4], vw[y], mid, j*4, stride)
		}
	}
	return out
}

// identityTaps are the taps of a side that does not change: each sample
// is its own source.
func identityTaps(n int) [][]boxTap {
	t := make([][]boxTap, n)
	for i := range t {
		t[i] = []boxTap{{i, 1}}
	}
	return t
}

// boxSample sets d to the NRGBA sample imaging's resampling makes from the
// sources taps name, tap u's 4 bytes at pix[off+u*step:]: alpha-weighted
// float64 sums in tap order, left as it is (zero) when all are
// transparent.
func boxSample(d []uint8, taps []boxTap, pix []uint8, off, step int) {
	var r, g, b, a float64
	for _, w := range taps {
		i := off + w.index*step
		s := pix[i : i+4 : i+4]
		aw := float64(s[3]) * w.weight
		r += float64(s[0]) * aw
		g += float64(s[1]) * aw
		b += float64(s[2]) * aw
		a += aw
	}
	putBoxSample(d, r, g, b, a)
}

// spanReader returns a function that writes the pixels [x0, x1) of row y
// (from the top left of m's bounds) into dst as non-premultiplied RGBA
// bytes, as rowReader writes a whole row (and imaging's scanner reads it).
// m is an *image.YCbCr or an *image.NRGBA.
func spanReader(m image.Image) func(y, x0, x1 int, dst []uint8) {
	if m, ok := m.(*image.YCbCr); ok {
		return ycbcrSpan(m)
	}
	n := m.(*image.NRGBA)
	return func(y, x0, x1 int, dst []uint8) {
		i := n.PixOffset(n.Rect.Min.X+x0, n.Rect.Min.Y+y)
		copy(dst[:(x1-x0)*4], n.Pix[i:i+(x1-x0)*4])
	}
}

// bestCrop is smartcrop's analyse from its candidate crops on: each scored
// at the rated samples, the first of the highest total score kept.
func (r ratedSamples) bestCrop(cropWidth, cropHeight, realMinScale float64) image.Rectangle {
	var topCrop image.Rectangle
	topScore := -1.0
	for _, crop := range crops(r.w, r.h, cropWidth, cropHeight, realMinScale) {
		var skin, detail, sat float64 // score
		for i := range r.detail {
			imp := importance(crop, i%r.nx*scoreDownSample, i/r.nx*scoreDownSample)
			skin += r.skin[i] * imp
			detail += r.detail[i] * imp
			sat += r.sat[i] * imp
		}
		// totalScore
		if s := (detail*detailWeight + skin*skinWeight + sat*saturationWeight) / float64(crop.Dx()) / float64(crop.Dy()); s > topScore {
			topCrop, topScore = crop, s
		}
	}
	return topCrop
}

// What follows is smartcrop v0.3.0's, changed only to take plain values.

func chop(x float64) float64 {
	if x < 0 {
		return math.Ceil(x)
	}
	return math.Floor(x)
}

func thirds(x float64) float64 {
	x = (math.Mod(x-(1.0/3.0)+1.0, 2.0)*0.5 - 0.5) * 16.0
	return math.Max(1.0-x*x, 0.0)
}

func bounds(l float64) float64 {
	return math.Min(math.Max(l, 0.0), 255)
}

func importance(crop image.Rectangle, x, y int) float64 {
	if crop.Min.X > x || x >= crop.Max.X || crop.Min.Y > y || y >= crop.Max.Y {
		return outsideImportance
	}

	xf := float64(x-crop.Min.X) / float64(crop.Dx())
	yf := float64(y-crop.Min.Y) / float64(crop.Dy())

	px := math.Abs(0.5-xf) * 2.0
	py := math.Abs(0.5-yf) * 2.0

	dx := math.Max(px-1.0+edgeRadius, 0.0)
	dy := math.Max(py-1.0+edgeRadius, 0.0)
	d := (dx*dx + dy*dy) * edgeWeight

	s := 1.41 - math.Sqrt(px*px+py*py)
	s += (math.Max(0.0, s+d+0.5) * 1.2) * (thirds(px) + thirds(py))

	return s + d
}

func saturation(c [4]uint8) float64 {
	cMax, cMin := max(c[0], c[1], c[2]), min(c[0], c[1], c[2])
	if cMax == cMin {
		return 0
	}
	maximum := float64(cMax) / 255.0
	minimum := float64(cMin) / 255.0

	l := (maximum + minimum) / 2.0
	d := maximum - minimum

	if l > 0.5 {
		return d / (2.0 - maximum - minimum)
	}

	return d / (maximum + minimum)
}

func cie(c [4]uint8) float64 {
	return 0.5126*float64(c[2]) + 0.7152*float64(c[1]) + 0.0722*float64(c[0])
}

func skinCol(c [4]uint8) float64 {
	r8, g8, b8 := float64(c[0]), float64(c[1]), float64(c[2])

	mag := math.Sqrt(r8*r8 + g8*g8 + b8*b8)
	rd := r8/mag - skinColor[0]
	gd := g8/mag - skinColor[1]
	bd := b8/mag - skinColor[2]

	d := math.Sqrt(rd*rd + gd*gd + bd*bd)
	return 1.0 - d
}

func crops(width, height int, cropWidth, cropHeight, realMinScale float64) []image.Rectangle {
	res := []image.Rectangle{}

	minDimension := math.Min(float64(width), float64(height))
	var cropW, cropH float64

	if cropWidth != 0.0 {
		cropW = cropWidth
	} else {
		cropW = minDimension
	}
	if cropHeight != 0.0 {
		cropH = cropHeight
	} else {
		cropH = minDimension
	}

	for scale := maxScale; scale >= realMinScale; scale -= scaleStep {
		for y := 0; float64(y)+cropH*scale <= float64(height); y += cropStep {
			for x := 0; float64(x)+cropW*scale <= float64(width); x += cropStep {
				res = append(res, image.Rect(x, y, x+int(cropW*scale), y+int(cropH*scale)))
			}
		}
	}

	return res
}
