package photo

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"oshigoods/render/photo/internal/jpegscale"
)

// TestJPEGScaleMatchesStdlib decodes JPEGs whole and cut short with
// jpegscale at full size and with image/jpeg: the entropy decoder is
// jpegscale's own, so the two must agree exactly, pixels and failures.
// JPEGSCALE_DIFF_DIR adds the .jpg files of a folder.
func TestJPEGScaleMatchesStdlib(t *testing.T) {
	inputs := map[string][]byte{}
	for _, name := range []string{"quad-420.jpg", "quad-progressive.jpg", "quad-cmyk.jpg", "quad-gray.jpg"} {
		inputs[name] = readFixture(t, name)
	}
	face, err := os.ReadFile(filepath.Join("testdata", "faces", "astronaut.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	inputs["astronaut.jpg"] = face
	r := rand.New(rand.NewSource(7))
	for _, q := range []int{30, 75, 92, 100} {
		img := image.NewYCbCr(image.Rect(0, 0, 203+q, 151), image.YCbCrSubsampleRatio420)
		for i := range img.Y {
			img.Y[i] = uint8(r.Intn(256))
		}
		for i := range img.Cb {
			img.Cb[i], img.Cr[i] = uint8(r.Intn(256)), uint8(128+r.Intn(16))
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
			t.Fatal(err)
		}
		inputs[fmt.Sprintf("noise-q%d", q)] = buf.Bytes()
	}
	if dir := os.Getenv("JPEGSCALE_DIFF_DIR"); dir != "" {
		files, _ := filepath.Glob(filepath.Join(dir, "*.jpg"))
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			inputs[filepath.Base(f)] = data
		}
	}
	for name, data := range inputs {
		t.Run(name, func(t *testing.T) {
			step := max(len(data)/97, 1)
			if testing.Short() {
				step = max(len(data)/13, 1)
			}
			for cut := len(data); cut > 0; cut -= step {
				want, werr := jpeg.Decode(bytes.NewReader(data[:cut]))
				got, gerr := jpegscale.Decode(bytes.NewReader(data[:cut]))
				if (werr == nil) != (gerr == nil) {
					t.Fatalf("cut at %d of %d: image/jpeg: %v, jpegscale: %v", cut, len(data), werr, gerr)
				}
				if werr == nil && !reflect.DeepEqual(got, want) {
					t.Fatalf("cut at %d of %d: the pixels differ", cut, len(data))
				}
			}
		})
	}
}
