// Command bombpng writes the decompression bomb of bench/bomb.sh: a PNG
// of W×H pixels, 16-bit RGBA (the most a PNG decoder holds per pixel: 8
// bytes), a smooth gradient with a half-transparent alpha that deflates
// to a few hundred KB. It writes rows as it makes them, so it needs no
// memory for the image itself.
//
// Usage: bombpng [-size 7000] -out bomb.png
package main

import (
	"bufio"
	"compress/zlib"
	"encoding/binary"
	"flag"
	"hash/crc32"
	"io"
	"log"
	"os"
)

func main() {
	size := flag.Int("size", 7000, "width and height in pixels")
	out := flag.String("out", "bomb.png", "output file")
	flag.Parse()
	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	w := bufio.NewWriter(f)
	n := *size
	w.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := binary.BigEndian.AppendUint32(nil, uint32(n))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(n))
	ihdr = append(ihdr, 16, 6, 0, 0, 0) // 16-bit RGBA, not interlaced
	chunk(w, "IHDR", ihdr)
	idat := &idatWriter{w: w}
	z, _ := zlib.NewWriterLevel(idat, zlib.BestCompression)
	raw, prev := make([]byte, n*8), make([]byte, n*8)
	row := make([]byte, 1+n*8)
	for y := range n {
		for x := range n {
			p := raw[x*8:]
			binary.BigEndian.PutUint16(p, uint16(x*65535/n))
			binary.BigEndian.PutUint16(p[2:], uint16(y*65535/n))
			binary.BigEndian.PutUint16(p[4:], 0x8000)
			binary.BigEndian.PutUint16(p[6:], 0xc000)
		}
		row[0] = 2 // "up": each byte as its difference from the row above
		for i := range raw {
			row[1+i] = raw[i] - prev[i]
		}
		if _, err := z.Write(row); err != nil {
			log.Fatal(err)
		}
		raw, prev = prev, raw
	}
	z.Close()
	idat.flush()
	chunk(w, "IEND", nil)
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}

func chunk(w io.Writer, typ string, body []byte) {
	c := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
	c = append(append(c, typ...), body...)
	c = binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
	if _, err := w.Write(c); err != nil {
		log.Fatal(err)
	}
}

// idatWriter cuts the zlib stream into IDAT chunks of 64 KiB.
type idatWriter struct {
	w   io.Writer
	buf []byte
}

func (d *idatWriter) Write(p []byte) (int, error) {
	d.buf = append(d.buf, p...)
	for len(d.buf) >= 64<<10 {
		chunk(d.w, "IDAT", d.buf[:64<<10])
		d.buf = append(d.buf[:0], d.buf[64<<10:]...)
	}
	return len(p), nil
}

func (d *idatWriter) flush() {
	if len(d.buf) > 0 {
		chunk(d.w, "IDAT", d.buf)
	}
}
