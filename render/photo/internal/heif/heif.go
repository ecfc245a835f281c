// Package heif decodes HEIC/HEIF images with libheif and libde265 compiled
// to WebAssembly (lib/heif.wasm.gz), run by wazero: no cgo, no system library.
//
// It is gen2brain/heic v0.4.5's WebAssembly decoder (MIT, LICENSE; the
// module, its C glue lib/heif.c and lib/Makefile are theirs, unchanged),
// changed for a server that decodes large photos now and then:
//
//   - Decode hands the decoded planes to a callback while they are still in
//     the module's memory, so the caller converts or shrinks them in one
//     pass and no full-size copy is made, and nothing is read after the
//     module has freed it (v0.4.5 returned a view of a freed buffer).
//   - Each decode runs in its own module instance whose linear memory is an
//     anonymous mapping (memory_unix.go): it grows in place instead of
//     being copied into ever larger Go slices, and it is unmapped when the
//     decode ends, so the resident set drops at once instead of when the
//     garbage collector and its scavenger get to it.
//   - The runtime and the compiled module are made once per process, on
//     the first decode; the module's stdout and stderr are discarded.
//   - No dynamic libheif is ever loaded, so the decoder is the same
//     wherever the binary runs.
//
// The module is LGPL-3.0 code (libheif, libde265); see ../../THIRD_PARTY.md.
package heif

import (
	"bytes"
	"compress/gzip"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"image"
	"io"
	"runtime/debug"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// heifWasm is heif.wasm from gen2brain/heic v0.4.5 (lib/heif.wasm.gz):
// libheif v1.18.2 and libde265 v1.0.15 built with wasi-sdk by the Makefile.
//
//go:embed lib/heif.wasm.gz
var heifWasm []byte

// ErrDecode is returned when libheif cannot decode the data (not a HEIF
// file, damaged, cut off, or a codec other than HEVC).
var ErrDecode = errors.New("heif: decode failed")

// libheif's enums, as heif.c reports them.
const (
	colorspaceYCbCr      = 0
	colorspaceRGB        = 1
	colorspaceMonochrome = 2
	chroma420            = 1
	chroma422            = 2
	chroma444            = 3
)

// module is the compiled decoder, shared by every decode of the process.
var module = sync.OnceValues(func() (*compiled, error) {
	ctx := context.Background()
	zr, err := gzip.NewReader(bytes.NewReader(heifWasm))
	if err != nil {
		return nil, fmt.Errorf("heif: unpack module: %w", err)
	}
	bin, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("heif: unpack module: %w", err)
	}
	rt := wazero.NewRuntime(ctx)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		return nil, fmt.Errorf("heif: wasi: %w", err)
	}
	cm, err := rt.CompileModule(ctx, bin)
	if err != nil {
		return nil, fmt.Errorf("heif: compile module: %w", err)
	}
	cfg := wazero.NewModuleConfig().WithStdout(io.Discard).WithStderr(io.Discard).WithName("")
	// Compiling leaves about 40 MB of garbage (the unpacked module, the
	// compiler's work): give it back now, once per process, rather than
	// let it sit under the decode's peak.
	bin = nil
	debug.FreeOSMemory()
	return &compiled{rt: rt, cm: cm, cfg: cfg}, nil
})

type compiled struct {
	rt  wazero.Runtime
	cm  wazero.CompiledModule
	cfg wazero.ModuleConfig
}

// Decode decodes a HEIC/HEIF file's primary image and calls use with it:
// an *image.YCbCr (4:2:0, 4:2:2 or 4:4:4), *image.Gray, *image.RGBA or
// *image.NRGBA whose pixels live in the decoder's memory. They are valid
// only until use returns: use must copy what it keeps. Decode returns
// use's error, or ErrDecode (wrapped) when the file cannot be decoded.
// Decodes may run concurrently, each in its own instance and memory.
func Decode(data []byte, use func(image.Image) error) error {
	c, err := module()
	if err != nil {
		return err
	}
	ctx := experimental.WithMemoryAllocator(context.Background(), memoryAllocator())
	mod, err := c.rt.InstantiateModule(ctx, c.cm, c.cfg)
	if err != nil {
		return fmt.Errorf("heif: instantiate: %w", err)
	}
	defer mod.Close(ctx) // frees the memory: after use has returned
	d := decoder{ctx: ctx, mod: mod, mem: mod.Memory(), malloc: mod.ExportedFunction("malloc"), decode: mod.ExportedFunction("decode")}

	in, err := d.alloc(len(data))
	if err != nil {
		return err
	}
	if !d.mem.Write(in, data) {
		return fmt.Errorf("heif: write input: %w", ErrDecode)
	}
	// width, height, colorspace, chroma, premultiplied: five uint32s.
	info, err := d.alloc(4 * 5)
	if err != nil {
		return err
	}
	if err := d.call(in, len(data), true, info, 0); err != nil {
		return err
	}
	var v [5]uint32
	for i := range v {
		var ok bool
		if v[i], ok = d.mem.ReadUint32Le(info + uint32(4*i)); !ok {
			return fmt.Errorf("heif: read header: %w", ErrDecode)
		}
	}
	width, height, colorspace, chroma, premultiplied := int(v[0]), int(v[1]), v[2], v[3], v[4]
	if width <= 0 || height <= 0 {
		return fmt.Errorf("heif: %d×%d: %w", width, height, ErrDecode)
	}
	rect := image.Rect(0, 0, width, height)

	// The layout heif.c copies the planes into: rows 16-byte aligned.
	var size, ySize, cSize, stride, cStride int
	ratio := image.YCbCrSubsampleRatio444
	switch colorspace {
	case colorspaceYCbCr:
		switch chroma {
		case chroma420:
			ratio = image.YCbCrSubsampleRatio420
		case chroma422:
			ratio = image.YCbCrSubsampleRatio422
		case chroma444:
		default:
			return fmt.Errorf("heif: chroma %d: %w", chroma, ErrDecode)
		}
		cw, ch := chromaSize(rect, ratio)
		stride, cStride = align(width), align(cw)
		ySize, cSize = stride*height, cStride*ch
		size = ySize + 2*cSize
	case colorspaceMonochrome:
		stride = align(width)
		size = stride * height
	case colorspaceRGB:
		stride = align(4 * width)
		size = stride * height
	default:
		return fmt.Errorf("heif: colour space %d: %w", colorspace, ErrDecode)
	}
	out, err := d.alloc(size)
	if err != nil {
		return err
	}
	if err := d.call(in, len(data), false, info, out); err != nil {
		return err
	}
	pix, ok := d.mem.Read(out, uint32(size))
	if !ok {
		return fmt.Errorf("heif: read image: %w", ErrDecode)
	}

	var img image.Image
	switch colorspace {
	case colorspaceYCbCr:
		img = &image.YCbCr{
			Y:  pix[:ySize:ySize],
			Cb: pix[ySize : ySize+cSize : ySize+cSize],
			Cr: pix[ySize+cSize : size : size],
			// heif.c writes the planes with libheif's strides, which
			// are these when each plane is at least 64 pixels wide
			// (libheif pads narrower ones to 64).
			YStride: stride, CStride: cStride,
			SubsampleRatio: ratio, Rect: rect,
		}
	case colorspaceMonochrome:
		img = &image.Gray{Pix: pix, Stride: stride, Rect: rect}
	case colorspaceRGB:
		if premultiplied == 1 {
			img = &image.RGBA{Pix: pix, Stride: stride, Rect: rect}
		} else {
			img = &image.NRGBA{Pix: pix, Stride: stride, Rect: rect}
		}
	}
	return use(img)
}

type decoder struct {
	ctx            context.Context
	mod            api.Module
	mem            api.Memory
	malloc, decode api.Function
}

// alloc mallocs n bytes in the module. Nothing is freed: the whole memory
// goes when the decode ends.
func (d *decoder) alloc(n int) (uint32, error) {
	res, err := d.malloc.Call(d.ctx, uint64(n))
	if err != nil {
		return 0, fmt.Errorf("heif: malloc: %w", err)
	}
	if res[0] == 0 {
		return 0, fmt.Errorf("heif: malloc %d bytes: out of memory: %w", n, ErrDecode)
	}
	return uint32(res[0]), nil
}

// call runs heif.c's decode: the header only, or the image into out.
func (d *decoder) call(in uint32, n int, headerOnly bool, info, out uint32) error {
	h := uint64(0)
	if headerOnly {
		h = 1
	}
	res, err := d.decode.Call(d.ctx, uint64(in), uint64(n), h, uint64(info), uint64(info+4), uint64(info+8), uint64(info+12), uint64(info+16), uint64(out))
	if err != nil {
		return fmt.Errorf("heif: decode: %v: %w", err, ErrDecode)
	}
	if res[0] == 0 {
		return ErrDecode
	}
	return nil
}

// align rounds n up to the 16 bytes heif.c's rows are aligned to.
func align(n int) int { return (n + 15) &^ 15 }

// chromaSize is the size of a chroma plane of r, as image.NewYCbCr has it.
func chromaSize(r image.Rectangle, ratio image.YCbCrSubsampleRatio) (w, h int) {
	switch ratio {
	case image.YCbCrSubsampleRatio422:
		return (r.Max.X+1)/2 - r.Min.X/2, r.Dy()
	case image.YCbCrSubsampleRatio420:
		return (r.Max.X+1)/2 - r.Min.X/2, (r.Max.Y+1)/2 - r.Min.Y/2
	}
	return r.Dx(), r.Dy()
}
