package photo_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"

	"oshigoods/render"
)

var previewOut = flag.String("preview-out", "", "write the watermarked previews to this folder, to look at")

// TestPreview makes the fast watermarked preview: the trimmed design at
// 336×480 (the long edge PreviewLongEdgePx), the fan's photo and name in
// it, and a watermark that visibly changes the picture compared with the
// full render's unwatermarked preview.jpg.
func TestPreview(t *testing.T) {
	tmpl := printTemplate(t)
	tests := []struct {
		scenario string
		w, h     int
		name     string
	}{
		{"portrait with a name", 1500, 2000, "みゆ"},
		{"landscape, default name", 2000, 1200, ""},
		{"long name", 1500, 2000, "ゆめかわちゃん推し・みゆ♡"},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			in := render.Inputs{Fields: map[string]string{"name": tc.name}, Images: map[string][]byte{"photo": gradientJPEG(t, tc.w, tc.h)}}
			f, err := tmpl.Preview(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			if f.Name != "preview.jpg" || f.Role != render.RolePreview || f.ContentType != "image/jpeg" {
				t.Errorf("file %s %s %s, want preview.jpg preview image/jpeg", f.Name, f.Role, f.ContentType)
			}
			if len(f.Data) > 120<<10 {
				t.Errorf("preview is %d KB, want a small file", len(f.Data)>>10)
			}
			got, err := jpeg.Decode(bytes.NewReader(f.Data))
			if err != nil {
				t.Fatal(err)
			}
			if got.Bounds().Size() != image.Pt(336, 480) {
				t.Fatalf("preview is %v, want 336×480", got.Bounds().Size())
			}
			if *previewOut != "" {
				os.WriteFile(filepath.Join(*previewOut, fmt.Sprintf("preview-%s.jpg", tc.scenario)), f.Data, 0o644)
			}
			// The full render's preview is the same design without the
			// watermark: most pixels agree, and the watermark's letters
			// brighten a good share of them.
			res, err := tmpl.Render(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			plain, err := jpeg.Decode(bytes.NewReader(res.Files[1].Data))
			if err != nil {
				t.Fatal(err)
			}
			same, marked := 0, 0
			b := got.Bounds()
			for y := b.Min.Y; y < b.Max.Y; y++ {
				for x := b.Min.X; x < b.Max.X; x++ {
					d := lumaDiff(got.At(x, y), plain.At(x, y))
					switch {
					case d < 24:
						same++
					case d > 32:
						marked++
					}
				}
			}
			total := b.Dx() * b.Dy()
			if same < total*60/100 {
				t.Errorf("only %d%% of pixels match the design: the preview does not show it", same*100/total)
			}
			if marked < total*4/100 {
				t.Errorf("only %d%% of pixels carry the watermark: it is not visible", marked*100/total)
			}
		})
	}
}

// lumaDiff is the absolute difference of two colours' luma, 0 to 255.
func lumaDiff(a, b color.Color) int {
	ya := color.GrayModel.Convert(a).(color.Gray).Y
	yb := color.GrayModel.Convert(b).(color.Gray).Y
	if ya > yb {
		return int(ya - yb)
	}
	return int(yb - ya)
}

// TestPreviewCancelled honours the context.
func TestPreviewCancelled(t *testing.T) {
	tmpl := printTemplate(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	in := render.Inputs{Images: map[string][]byte{"photo": gradientJPEG(t, 600, 800)}}
	if _, err := tmpl.Preview(ctx, in); err == nil {
		t.Fatal("Preview with a cancelled context succeeded")
	}
}

// TestPreviewRefusesBadPhoto fails with the photo field named.
func TestPreviewRefusesBadPhoto(t *testing.T) {
	tmpl := printTemplate(t)
	_, err := tmpl.Preview(context.Background(), render.Inputs{Images: map[string][]byte{"photo": []byte("not an image")}})
	if err == nil {
		t.Fatal("Preview of a non-image succeeded")
	}
}

// BenchmarkPreview makes previews of one 12-megapixel phone photo as a fan
// types their name: a different name each time, the same photo (decoded
// once, then taken from the template's cache, as the API does).
func BenchmarkPreview(b *testing.B) {
	tmpl := printTemplate(b)
	data := gradientJPEG(b, 3000, 4000)
	names := []string{"み", "みゆ", "みゆき", "みゆき♡", "Best Shot ♡"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		in := render.Inputs{Fields: map[string]string{"name": names[i%len(names)]}, Images: map[string][]byte{"photo": data}}
		if _, err := tmpl.Preview(context.Background(), in); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkPreviewCold makes the first preview of a photo: the decode is
// part of it.
func BenchmarkPreviewCold(b *testing.B) {
	tmpl := printTemplate(b)
	// Photos differ in a byte of their JPEG comment so each misses the cache.
	base := gradientJPEG(b, 3000, 4000)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		data := withComment(base, i)
		in := render.Inputs{Images: map[string][]byte{"photo": data}}
		if _, err := tmpl.Preview(context.Background(), in); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// withComment inserts a COM segment holding n after the JPEG's SOI.
func withComment(jpg []byte, n int) []byte {
	c := []byte(fmt.Sprintf("n=%08d", n))
	seg := append([]byte{0xff, 0xfe, 0, byte(len(c) + 2)}, c...)
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}
