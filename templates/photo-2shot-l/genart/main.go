// Command genart draws the original sample art of the photo-2shot-l
// template: the idol cutout (cutout.png) and the frame (frame.png), sized
// from the template's own spec. Run it from the module root:
//
//	go run ./templates/photo-2shot-l/genart
//
// The output is deterministic: the same code writes the same PNGs.
package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"log"
	"math"
	"os"
	"path/filepath"

	"golang.org/x/image/font/opentype"

	"oshigoods/render/photo"
)

func main() {
	dir := flag.String("dir", "templates/photo-2shot-l", "the template's folder")
	flag.Parse()
	if err := run(*dir); err != nil {
		log.Fatal(err)
	}
}

func run(dir string) error {
	data, err := os.ReadFile(filepath.Join(dir, "template.json"))
	if err != nil {
		return err
	}
	var m struct {
		Photo photo.Spec `json:"photo"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("decode template.json: %w", err)
	}
	s := m.Photo
	root := filepath.Dir(dir) // asset paths are relative to templates/
	fontData, err := os.ReadFile(filepath.Join(root, s.Name.Font))
	if err != nil {
		return err
	}
	f, err := opentype.Parse(fontData)
	if err != nil {
		return fmt.Errorf("parse font: %w", err)
	}

	r := s.Cutout.Rect
	cw := px(s.Canvas, r.XMM+r.WidthMM) - px(s.Canvas, r.XMM)
	ch := px(s.Canvas, r.YMM+r.HeightMM) - px(s.Canvas, r.YMM)
	if err := save(filepath.Join(root, s.Cutout.Asset), drawIdol(cw, ch), s.Canvas.DPI); err != nil {
		return err
	}
	return save(filepath.Join(root, s.Frame.Asset), drawFrame(s, f), s.Canvas.DPI)
}

// px matches the renderer's rounding of millimetres to pixels.
func px(c photo.Canvas, mm float64) int {
	return int(math.Round(mm / 25.4 * float64(c.DPI)))
}

// save writes img as a PNG whose pHYs chunk says it is drawn at dpi, so
// that an editor opening the art shows it at its printed size.
func save(name string, img image.Image, dpi int) error {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, img); err != nil {
		return fmt.Errorf("encode %s: %w", name, err)
	}
	if err := os.WriteFile(name, withPHYs(buf.Bytes(), dpi), 0o644); err != nil {
		return err
	}
	log.Printf("wrote %s (%d×%d, %d KB)", name, img.Bounds().Dx(), img.Bounds().Dy(), buf.Len()/1024)
	return nil
}

// withPHYs inserts a pHYs chunk (pixels per metre, unit 1) giving dpi right
// after the PNG's IHDR chunk; image/png writes none.
func withPHYs(data []byte, dpi int) []byte {
	const ihdrEnd = 8 + 4 + 4 + 13 + 4 // signature, then IHDR's length, type, body, CRC
	ppm := uint32(math.Round(float64(dpi) / 0.0254))
	chunk := binary.BigEndian.AppendUint32(nil, 9)
	chunk = append(chunk, "pHYs"...)
	chunk = binary.BigEndian.AppendUint32(chunk, ppm)
	chunk = binary.BigEndian.AppendUint32(chunk, ppm)
	chunk = append(chunk, 1) // unit: the metre
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(chunk[4:]))
	out := append([]byte(nil), data[:ihdrEnd]...)
	out = append(out, chunk...)
	return append(out, data[ihdrEnd:]...)
}
