package photo

import (
	_ "embed"
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

// faceClassifier parses the cascade once per process. A *pigo.Pigo only
// reads its trees when it runs, so renders share it.
var faceClassifier = sync.OnceValues(func() (*pigo.Pigo, error) {
	return pigo.NewPigo().Unpack(facefinderCascade)
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
	cls, err := faceClassifier()
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
	dets := cls.ClusterDetections(runCascade(cls, params), 0.2)
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

// runCascade is cls.RunCascade(params, 0) with its window sizes shared
// between GOMAXPROCS goroutines: each size scans the whole picture, and
// the detections come back in the order one call gives them.
func runCascade(cls *pigo.Pigo, params pigo.CascadeParams) []pigo.Detection {
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
			for i := w; i < len(scales); i += workers {
				p := params
				p.MinSize, p.MaxSize = scales[i], scales[i]
				per[i] = cls.RunCascade(p, 0)
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
