// Command gensig draws the sample idol signature (サイン) of the
// card-letter-tate template, signature.png: a vertical run of looped
// pen strokes ending in a heart, in the template's ink, on transparent
// ground. It is original art drawn from code: no one's real signature was
// used or traced. Run it from the module root:
//
//	go run ./templates/card-letter-tate/gensig
//
// The output is deterministic: the same code writes the same PNG.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log"
	"math"
	"os"
	"path/filepath"
)

func main() {
	dir := flag.String("dir", "templates/card-letter-tate", "the template's folder")
	flag.Parse()
	if err := run(*dir); err != nil {
		log.Fatal(err)
	}
}

// The image is 7 mm × 26 mm at 400 dpi.
const (
	width  = 110
	height = 410
)

func run(dir string) error {
	var m struct {
		Card struct {
			TextColor string `json:"text_color"`
		} `json:"card"`
	}
	data, err := os.ReadFile(filepath.Join(dir, "template.json"))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("decode template.json: %w", err)
	}
	var ink color.NRGBA
	if _, err := fmt.Sscanf(m.Card.TextColor, "#%02x%02x%02x", &ink.R, &ink.G, &ink.B); err != nil {
		return fmt.Errorf("text_color %q: %w", m.Card.TextColor, err)
	}
	cov := make([]float64, width*height)
	for _, s := range strokes() {
		s.draw(cov)
	}
	img := image.NewNRGBA(image.Rect(0, 0, width, height))
	for i, a := range cov {
		c := ink
		c.A = uint8(math.Round(255 * math.Min(a, 1)))
		img.SetNRGBA(i%width, i/width, c)
	}
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, img); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "signature.png"), buf.Bytes(), 0o644)
}

// stroke is a pen line: points with the pen's width at each, in pixels.
type stroke struct {
	pts []pt
}

type pt struct{ x, y, w float64 }

// strokes are the signature: a looped line down the strip (a prolate
// trochoid, the loops of a quick cursive hand), a flick to the left, and
// a heart at the foot.
func strokes() []stroke {
	var main stroke
	const loops = 5.5
	for i := 0; i <= 900; i++ {
		t := float64(i) / 900 * loops * 2 * math.Pi
		// Down the strip with loops; the pen presses harder mid-loop and
		// lifts at both ends.
		x := width/2 + 24*math.Cos(t) - 8*math.Sin(t/loops/2*math.Pi)
		y := 22 + (t/(loops*2*math.Pi))*250 - 22*math.Sin(t)
		press := math.Sin(math.Pi * float64(i) / 900)
		w := 2.2 + 3.6*press*(0.7+0.3*math.Abs(math.Sin(t)))
		main.pts = append(main.pts, pt{x, y, w})
	}
	last := main.pts[len(main.pts)-1]
	var flick stroke
	for i := 0; i <= 120; i++ {
		u := float64(i) / 120
		x := last.x - 16*u + 4*u*u
		y := last.y + 30*u - 6*u*u
		flick.pts = append(flick.pts, pt{x, y, 4.5 * (1 - u*0.8)})
	}
	var heart stroke
	cx, cy := float64(width)/2+4, 352.0
	for i := 0; i <= 400; i++ {
		t := float64(i) / 400 * 2 * math.Pi
		// The heart curve, 16 sin³ t, 13 cos t - 5 cos 2t - 2 cos 3t - cos 4t.
		x := 16 * math.Pow(math.Sin(t), 3)
		y := -(13*math.Cos(t) - 5*math.Cos(2*t) - 2*math.Cos(3*t) - math.Cos(4*t))
		heart.pts = append(heart.pts, pt{cx + 1.9*x, cy + 1.9*y, 3.4})
	}
	return []stroke{main, flick, heart}
}

// draw adds the stroke's coverage: a pixel is covered where it lies within
// half the pen's width of the line, with a one-pixel soft edge.
func (s stroke) draw(cov []float64) {
	for i := 1; i < len(s.pts); i++ {
		a, b := s.pts[i-1], s.pts[i]
		r := math.Max(a.w, b.w)/2 + 1
		x0, x1 := int(math.Floor(math.Min(a.x, b.x)-r)), int(math.Ceil(math.Max(a.x, b.x)+r))
		y0, y1 := int(math.Floor(math.Min(a.y, b.y)-r)), int(math.Ceil(math.Max(a.y, b.y)+r))
		for y := max(y0, 0); y <= min(y1, height-1); y++ {
			for x := max(x0, 0); x <= min(x1, width-1); x++ {
				px, py := float64(x)+0.5, float64(y)+0.5
				dx, dy := b.x-a.x, b.y-a.y
				u := 0.0
				if l := dx*dx + dy*dy; l > 0 {
					u = math.Max(0, math.Min(1, ((px-a.x)*dx+(py-a.y)*dy)/l))
				}
				d := math.Hypot(px-(a.x+u*dx), py-(a.y+u*dy))
				w := a.w + u*(b.w-a.w)
				c := math.Max(0, math.Min(1, w/2-d+0.5))
				if i := y*width + x; c > cov[i] {
					cov[i] = c
				}
			}
		}
	}
}
