package main

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
)

// phonePhoto returns a deterministic w×h JPEG, like a phone's shot: a
// gradient that prints at an "ok" resolution in photo-2shot-l.
func phonePhoto(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x / 7), uint8(y / 5), uint8((x + y) / 11), 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}); err != nil {
		panic(err) // encoding into memory does not fail
	}
	return b.Bytes()
}

// interlacedPNG returns a w×h 8-bit RGB PNG with Adam7 interlacing. The
// renderer cannot decode such a file row by row: image/png holds the
// whole image and its passes, about 8 bytes a pixel: a 49-megapixel one
// takes some 350 MiB more than an ordinary render. Its decode cost fits a
// 1 GiB decode budget, so an API with that budget accepts it: in a worker
// whose memory is capped below that, it is a poison task.
func interlacedPNG(w, h int) []byte {
	var raw bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&raw, zlib.BestSpeed)
	bw := bufio.NewWriterSize(zw, 1<<16)
	// Adam7: each pass's first column and row and its steps.
	passes := [7][4]int{{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}}
	for _, p := range passes {
		x0, y0, dx, dy := p[0], p[1], p[2], p[3]
		if x0 >= w || y0 >= h {
			continue // an empty pass has no rows, not even filter bytes
		}
		for y := y0; y < h; y += dy {
			bw.WriteByte(0) // filter: none
			for x := x0; x < w; x += dx {
				bw.Write([]byte{uint8(x / 24), uint8(y / 16), uint8((x ^ y) >> 4)})
			}
		}
	}
	bw.Flush()
	zw.Close()

	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&out, binary.BigEndian, uint32(len(data)))
		crc := crc32.NewIEEE()
		crc.Write([]byte(typ))
		crc.Write(data)
		out.WriteString(typ)
		out.Write(data)
		binary.Write(&out, binary.BigEndian, crc.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9], ihdr[12] = 8, 2, 1 // 8-bit, RGB, Adam7
	chunk("IHDR", ihdr)
	chunk("IDAT", raw.Bytes())
	chunk("IEND", nil)
	return out.Bytes()
}
