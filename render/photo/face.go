package photo

import (
	_ "embed"
	"encoding/binary"
	"fmt"
	"image"
	"math"
	"runtime"
	"sync"

	pigo "github.com/esimov/pigo/core"
)

// facefinderCascade is pigo's frontal-face cascade; see cascade/README.md
// for where it comes from and its licence.
//
//go:embed cascade/facefinder
var facefinderCascade []byte

// faceCascade is facefinderCascade parsed, once per process. Renders share
// it: it is only read.
var faceCascade = sync.OnceValues(func() (*cascade, error) {
	return parseCascade(facefinderCascade)
})

const (
	// faceScanEdge is the long edge of the grey copy the detector scans:
	// faces down to about an eighteenth of a 4:3 photo's short side are
	// still 20 px there.
	faceScanEdge = 480
	// minFaceScore is the cascade score under which a detection is taken
	// for noise (pigo's own tools use 5).
	minFaceScore = 5
)

// findFace returns the square around the largest confidently detected
// face in img, in img's pixels, or false when there is none (a back
// view, a pet, a face turned or too small).
func findFace(img image.Image) (image.Rectangle, bool) {
	cls, err := faceCascade()
	if err != nil { // the embedded cascade is tested to parse
		return image.Rectangle{}, false
	}
	gray, gw, gh, k := grayForScan(img, faceScanEdge)
	if gw < 24 || gh < 24 {
		return image.Rectangle{}, false
	}
	params := pigo.CascadeParams{
		MinSize:     max(20, min(gw, gh)/20),
		MaxSize:     min(gw, gh),
		ShiftFactor: 0.1,
		ScaleFactor: 1.1,
		ImageParams: pigo.ImageParams{Pixels: gray, Rows: gh, Cols: gw, Dim: gw},
	}
	dets := pigo.NewPigo().ClusterDetections(runCascade(cls, params), 0.2)
	best := -1
	for i, d := range dets {
		if d.Q < minFaceScore {
			continue
		}
		if best < 0 || d.Scale > dets[best].Scale || (d.Scale == dets[best].Scale && d.Q > dets[best].Q) {
			best = i
		}
	}
	if best < 0 {
		return image.Rectangle{}, false
	}
	d := dets[best]
	f := float64(k)
	cx, cy, half := (float64(d.Col)+0.5)*f, (float64(d.Row)+0.5)*f, float64(d.Scale)*f/2
	r := image.Rect(int(math.Round(cx-half)), int(math.Round(cy-half)), int(math.Round(cx+half)), int(math.Round(cy+half)))
	return r.Intersect(img.Bounds()), true
}

// runCascade is pigo's RunCascade(params, 0) for the cascade cls, with
// its window sizes shared between GOMAXPROCS goroutines: each size scans
// the whole picture, and the detections come back in the order one call
// gives them.
func runCascade(cls *cascade, params pigo.CascadeParams) []pigo.Detection {
	// The sizes RunCascade steps through, and each one's share of the work
	// (windows scanned, about 1/size²).
	var scales []int
	for sc := params.MinSize; sc <= params.MaxSize; sc = int(float64(sc) + math.Max(2, float64(sc)*params.ScaleFactor-float64(sc))) {
		scales = append(scales, sc)
	}
	per := make([][]pigo.Detection, len(scales))
	workers := min(runtime.GOMAXPROCS(0), len(scales))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			// Interleave the sizes, so each worker gets small and large ones.
			offs := make([]int32, 0, len(cls.codes)/2)
			for i := w; i < len(scales); i += workers {
				per[i] = cls.scan(params, scales[i], offs)
			}
		})
	}
	wg.Wait()
	var dets []pigo.Detection
	for _, d := range per {
		dets = append(dets, d...)
	}
	return dets
}

// cascade is a pico cascade as pigo's Unpack reads it: trees of depth
// 2^depth leaves, each inner node a pair of points to compare.
type cascade struct {
	depth  int       // levels of each tree
	leaves int       // 2^depth
	codes  []int8    // per tree, leaves×4: node n's points at 4n (n from 1)
	pred   []float32 // per tree, leaves
	thresh []float32 // per tree
}

// parseCascade reads a cascade file as pigo's Unpack does: 8 bytes
// skipped, the depth and the number of trees (little-endian uint32s), then
// each tree's node codes, leaf predictions and threshold. It returns an
// error for a file that ends early.
func parseCascade(data []byte) (*cascade, error) {
	if len(data) < 16 {
		return nil, fmt.Errorf("face cascade: %d bytes, want a header of 16", len(data))
	}
	depth, trees := binary.LittleEndian.Uint32(data[8:]), binary.LittleEndian.Uint32(data[12:])
	if depth == 0 || depth > 16 {
		return nil, fmt.Errorf("face cascade: tree depth %d", depth)
	}
	leaves := 1 << depth
	per := 4*leaves - 4 + 4*leaves + 4 // codes, predictions, threshold
	if uint64(len(data)-16) < uint64(trees)*uint64(per) {
		return nil, fmt.Errorf("face cascade: %d trees of %d bytes do not fit in %d", trees, per, len(data)-16)
	}
	c := &cascade{depth: int(depth), leaves: leaves,
		codes: make([]int8, 0, int(trees)*4*leaves), pred: make([]float32, 0, int(trees)*leaves), thresh: make([]float32, 0, trees)}
	pos := 16
	for range trees {
		c.codes = append(c.codes, 0, 0, 0, 0)
		for _, b := range data[pos : pos+4*leaves-4] {
			c.codes = append(c.codes, int8(b))
		}
		pos += 4*leaves - 4
		for range leaves {
			c.pred = append(c.pred, math.Float32frombits(binary.LittleEndian.Uint32(data[pos:])))
			pos += 4
		}
		c.thresh = append(c.thresh, math.Float32frombits(binary.LittleEndian.Uint32(data[pos:])))
		pos += 4
	}
	return c, nil
}

// scan is pigo's RunCascade at the one window size s: every window of the
// picture, shifted by a tenth of s (ShiftFactor), classified as pigo's
// classifyRegion does, with the same float32 sums, so with the same
// scores. Where pigo works out each node's two points from the window's
// centre and size, the window's pixel index plus an offset is the same
// pixel ((256r + code·s) >> 8 is r + (code·s) >> 8), and the offsets
// depend only on s: they are worked out once a size, for the trees
// windows reach, into offs (its capacity reused: len(c.codes)/2 holds all).
func (c *cascade) scan(p pigo.CascadeParams, s int, offs []int32) []pigo.Detection {
	trees := len(c.thresh)
	if trees == 0 {
		return nil
	}
	pix, dim := p.Pixels, p.Dim
	offs = offs[:0] // per tree, 2 per node (n from 1)
	grow := func(tree int) {
		for len(offs) < (tree+1)*2*c.leaves {
			i := len(offs) * 2 // the node's code
			code := c.codes[i : i+4 : i+4]
			offs = append(offs, int32((int(code[0])*s>>8)*dim+int(code[1])*s>>8), int32((int(code[2])*s>>8)*dim+int(code[3])*s>>8))
		}
	}
	var dets []pigo.Detection
	step := int(math.Max(p.ShiftFactor*float64(s), 1))
	edge := s/2 + 1
	for row := edge; row <= p.Rows-edge; row += step {
		for col := edge; col <= p.Cols-edge; col += step {
			at := row*dim + col
			var out float32
			q := float32(-1)
			for t := range trees {
				if len(offs) < (t+1)*2*c.leaves {
					grow(t)
				}
				o := offs[t*2*c.leaves : (t+1)*2*c.leaves]
				idx := 1
				for range c.depth {
					// 1 when the first point is no brighter (branch-free).
					d := int(pix[at+int(o[2*idx+1])]) - int(pix[at+int(o[2*idx])])
					idx = 2*idx + 1 - int(uint(d)>>63)
				}
				out += c.pred[t*c.leaves+idx-c.leaves]
				if out <= c.thresh[t] {
					break
				}
				if t == trees-1 {
					q = out - c.thresh[trees-1]
				}
			}
			if q > 0 {
				dets = append(dets, pigo.Detection{Row: row, Col: col, Scale: s, Q: q})
			}
		}
	}
	return dets
}

// grayForScan returns img as 8-bit luma shrunk by an integer factor k so
// that its long edge is at most edge. img's rows are read as pixelRows
// gives them (an *image.YCbCr converted as shrink converts it).
func grayForScan(img image.Image, edge int) (pix []uint8, w, h, k int) {
	b := img.Bounds()
	k = max(1, (max(b.Dx(), b.Dy())+edge-1)/edge)
	w, h = b.Dx()/k, b.Dy()/k
	pix = make([]uint8, w*h)
	n := uint32(k * k)
	rows := pixelRows(img)
	parallelRows(h, func(y0, y1 int) { grayRows(rows, b.Dx(), pix, w, k, n, y0, y1) })
	return pix, w, h, k
}

// grayRows fills rows [y0, y1) of grayForScan's w-wide result from the
// rows of a srcW-wide image.
func grayRows(rows func(y int, buf []uint8) []uint8, srcW int, pix []uint8, w, k int, n uint32, y0, y1 int) {
	buf := make([]uint8, srcW*4)
	sums := make([]uint32, w)
	for y := y0; y < y1; y++ {
		clear(sums)
		for yy := y * k; yy < y*k+k; yy++ {
			row := rows(yy, buf)
			for x := range w {
				px := row[x*k*4 : (x*k+k)*4]
				var sum uint32
				for i := 0; i < len(px); i += 4 {
					// ITU-R BT.601 luma, as pigo's own conversion.
					sum += (299*uint32(px[i]) + 587*uint32(px[i+1]) + 114*uint32(px[i+2])) / 1000
				}
				sums[x] += sum
			}
		}
		for x := range w {
			pix[y*w+x] = uint8(sums[x] / n)
		}
	}
}
