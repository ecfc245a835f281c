package photo

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/disintegration/imaging"
	pigo "github.com/esimov/pigo/core"
)

// loadFace decodes testdata/faces/astronaut.jpg (see the README there):
// Eileen Collins facing the camera, her face centred near (222, 110) of
// 512×512.
func loadFace(t testing.TB) *image.NRGBA {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "faces", "astronaut.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	img, err := decodePixels(data, FormatJPEG, 1)
	if err != nil {
		t.Fatal(err)
	}
	return shrink(img, 1)
}

// onGrey pastes img at off on a flat grey w×h photo, so the face's place
// in the photo is known and the crop has room to move.
func onGrey(img *image.NRGBA, w, h int, off image.Point) *image.NRGBA {
	dst := image.NewNRGBA(image.Rect(0, 0, w, h))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.Gray{Y: 128}), image.Point{}, draw.Src)
	draw.Draw(dst, img.Bounds().Add(off), img, image.Point{}, draw.Src)
	return dst
}

func center(r image.Rectangle) image.Point {
	return image.Pt((r.Min.X+r.Max.X)/2, (r.Min.Y+r.Max.Y)/2)
}

func TestCascadeParses(t *testing.T) {
	if _, err := faceCascade(); err != nil {
		t.Fatalf("embedded cascade: %v", err)
	}
	for _, n := range []int{0, 15, 16 + 100} {
		if _, err := parseCascade(facefinderCascade[:n]); err == nil {
			t.Errorf("the cascade's first %d bytes parsed", n)
		}
	}
}

// TestCascadeIsPigos runs the cascade as findFace does and pigo's own
// RunCascade on the same grey pictures, the 2-shot's proxy size and odd
// ones, with a face and without (where neither may find one): the detections (places, sizes, scores,
// order) must be the same.
func TestCascadeIsPigos(t *testing.T) {
	cls, err := faceCascade()
	if err != nil {
		t.Fatal(err)
	}
	ref, err := pigo.NewPigo().Unpack(facefinderCascade)
	if err != nil {
		t.Fatal(err)
	}
	face := loadFace(t)
	rng := rand.New(rand.NewPCG(7, 8))
	noisy := imaging.Clone(face)
	for i := range noisy.Pix {
		if i%4 != 3 {
			noisy.Pix[i] = uint8(min(255, max(0, int(noisy.Pix[i])+rng.IntN(61)-30)))
		}
	}
	for _, tc := range []struct {
		name   string
		photo  image.Image
		noFace bool
	}{
		{"face", face, false},
		{"face, noisy", noisy, false},
		{"small face on grey", onGrey(face, 2400, 1600, image.Pt(1700, 300)), false},
		{"discs", blobs(rng, image.Point{}, 1512, 2016), true},
	} {
		gray, gw, gh, _ := grayForScan(tc.photo, faceScanEdge)
		params := pigo.CascadeParams{
			MinSize: max(20, min(gw, gh)/20), MaxSize: min(gw, gh), ShiftFactor: 0.1, ScaleFactor: 1.1,
			ImageParams: pigo.ImageParams{Pixels: gray, Rows: gh, Cols: gw, Dim: gw},
		}
		got := runCascade(cls, params)
		want := ref.RunCascade(params, 0)
		if len(want) == 0 && !tc.noFace {
			t.Errorf("%s: pigo finds nothing to compare", tc.name)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: %d detections, pigo's %d, or they differ", tc.name, len(got), len(want))
		}
	}
}

func TestFindFace(t *testing.T) {
	face := loadFace(t)
	tests := []struct {
		scenario string
		photo    *image.NRGBA
		want     image.Point // the face's centre; zero means none
	}{
		{scenario: "portrait as shipped", photo: face, want: image.Pt(222, 110)},
		{scenario: "small in a large photo", photo: onGrey(face, 2400, 1600, image.Pt(1700, 300)), want: image.Pt(1700+222, 300+110)},
		{scenario: "no face", photo: onGrey(image.NewNRGBA(image.Rect(0, 0, 1, 1)), 600, 400, image.Point{})},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			r, ok := findFace(tc.photo)
			if tc.want == (image.Point{}) {
				if ok {
					t.Fatalf("found a face at %v in a photo with none", r)
				}
				return
			}
			if !ok {
				t.Fatal("no face found")
			}
			if c := center(r); abs(c.X-tc.want.X) > 25 || abs(c.Y-tc.want.Y) > 25 {
				t.Errorf("face %v centred at %v, want within 25 px of %v", r, c, tc.want)
			}
		})
	}
}

func abs(v int) int { return max(v, -v) }

// faceTemplate is a template with only the geometry placePhoto reads: the
// shipped 2-shot slot and, when box is not nil, a face box.
func faceTemplate(box *Rect) *Template {
	c := Canvas{WidthMM: 89, HeightMM: 127, DPI: 300}
	slot := Slot{Rect: Rect{XMM: 5, YMM: 8, WidthMM: 79, HeightMM: 98}, FaceBox: box}
	return &Template{spec: Spec{Canvas: c, Slot: slot}, size: c.size(), slot: c.rect(slot.Rect)}
}

func TestCropForFaceBox(t *testing.T) {
	box := &Rect{XMM: 9, YMM: 22, WidthMM: 26, HeightMM: 28}
	face := loadFace(t)
	tests := []struct {
		scenario string
		t        *Template
		photo    *image.NRGBA
		// wantIn is where the face's centre must land on the canvas.
		wantIn func(t *Template) image.Rectangle
	}{
		{
			scenario: "face right of centre in a wide photo moves into the box",
			t:        faceTemplate(box),
			photo:    onGrey(face, 1800, 800, image.Pt(1000, 150)),
			wantIn:   func(t *Template) image.Rectangle { return t.spec.Canvas.rect(*box).Inset(60) }, // near its centre
		},
		{
			scenario: "face on the left of a wide photo moves into the box",
			t:        faceTemplate(box),
			photo:    onGrey(face, 1800, 800, image.Pt(100, 150)),
			wantIn:   func(t *Template) image.Rectangle { return t.spec.Canvas.rect(*box).Inset(60) },
		},
		{
			scenario: "no face box: centred crop",
			t:        faceTemplate(nil),
			photo:    onGrey(face, 1800, 800, image.Pt(1200, 150)),
			wantIn:   func(t *Template) image.Rectangle { return image.Rectangle{} }, // off the canvas
		},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			crop := tc.t.cropFor(tc.photo)
			slot := tc.t.slot
			if got, want := float64(crop.Dx())/float64(crop.Dy()), float64(slot.Dx())/float64(slot.Dy()); got/want > 1.01 || want/got > 1.01 {
				t.Fatalf("crop %v has aspect %.3f, slot %.3f", crop, got, want)
			}
			if !crop.In(tc.photo.Bounds()) {
				t.Fatalf("crop %v leaves the photo %v", crop, tc.photo.Bounds())
			}
			fr, _ := findFace(tc.photo)
			fc := center(fr)
			scale := float64(slot.Dx()) / float64(crop.Dx())
			onCanvas := image.Pt(slot.Min.X+int(float64(fc.X-crop.Min.X)*scale), slot.Min.Y+int(float64(fc.Y-crop.Min.Y)*scale))
			if want := tc.wantIn(tc.t); want.Empty() {
				if c := center(crop); abs(c.X-900) > 2 {
					t.Errorf("crop %v centred at %v, want the photo's centre", crop, c)
				}
			} else if !onCanvas.In(want) {
				t.Errorf("face lands at %v on the canvas, want it in %v", onCanvas, want)
			}
		})
	}
}

func TestCropForNoFaceUsesSmartcrop(t *testing.T) {
	// A bright, detailed patch on the left of a flat photo: smartcrop
	// should frame it rather than the empty centre.
	photo := onGrey(image.NewNRGBA(image.Rect(0, 0, 1, 1)), 1800, 800, image.Point{})
	for y := 200; y < 600; y++ {
		for x := 80; x < 480; x++ {
			i := photo.PixOffset(x, y)
			v := uint8(((x / 8) + (y / 8)) % 2 * 255)
			photo.Pix[i], photo.Pix[i+1], photo.Pix[i+2] = 255, v, 0
		}
	}
	tmpl := faceTemplate(&Rect{XMM: 9, YMM: 22, WidthMM: 26, HeightMM: 28})
	crop := tmpl.cropFor(photo)
	if c := center(crop); c.X >= 900 {
		t.Errorf("crop %v centred at %v; want it moved left towards the detail", crop, c)
	}
}

// TestPlaceYCbCrAsNRGBA places a JPEG's YCbCr as decoded (the fast path
// decodePhoto leaves it on) and as shrink converts it: the canvases must
// be the same bytes, with and without a face, with a face box and without.
func TestPlaceYCbCrAsNRGBA(t *testing.T) {
	box := &Rect{XMM: 9, YMM: 22, WidthMM: 26, HeightMM: 28}
	face := loadFace(t)
	tests := []struct {
		scenario string
		t        *Template
		photo    *image.NRGBA
	}{
		{"face, wide photo", faceTemplate(box), onGrey(face, 1800, 800, image.Pt(1000, 150))},
		{"face, tall photo", faceTemplate(box), onGrey(face, 1000, 1400, image.Pt(300, 600))},
		{"no face: smartcrop", faceTemplate(box), onGrey(image.NewNRGBA(image.Rect(0, 0, 1, 1)), 1000, 1400, image.Point{})},
		{"no face box: centred", faceTemplate(nil), onGrey(face, 1800, 800, image.Pt(1000, 150))},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			var buf bytes.Buffer
			if err := jpeg.Encode(&buf, tc.photo, &jpeg.Options{Quality: 90}); err != nil {
				t.Fatal(err)
			}
			img, err := decodePixels(buf.Bytes(), FormatJPEG, 1)
			if err != nil {
				t.Fatal(err)
			}
			ycc, ok := img.(*image.YCbCr)
			if !ok {
				t.Fatalf("decoded a %T", img)
			}
			canvas := func(photo image.Image) []uint8 {
				s := &state{t: tc.t, photo: photo}
				if err := placePhoto(s); err != nil {
					t.Fatal(err)
				}
				return s.canvas.Pix
			}
			if !bytes.Equal(canvas(ycc), canvas(shrink(ycc, 1))) {
				t.Error("the canvas placed from the YCbCr differs from the one placed from its NRGBA")
			}
		})
	}
}
