package photo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image/jpeg"
	"image/png"

	"golang.org/x/image/webp"
)

// Image formats Probe recognises, as Info.Format reports them.
const (
	FormatJPEG = "jpeg"
	FormatPNG  = "png"
	FormatWebP = "webp"
	FormatHEIC = "heic" // HEIC/HEIF with HEVC-coded images, as iPhones write
)

var (
	// ErrFormat is returned by Probe when the bytes are not a JPEG, PNG,
	// WebP or HEIC image.
	ErrFormat = errors.New("not a JPEG, PNG, WebP or HEIC image")
	// ErrDamaged is returned by Probe when the header cannot be read or the
	// file ends before its image data does (a cut-off upload).
	ErrDamaged = errors.New("image is damaged or truncated")
)

// Info is what an image's header says, read without decoding a pixel.
type Info struct {
	// Format is one of FormatJPEG, FormatPNG, FormatWebP, FormatHEIC.
	Format string
	// Width and Height are the stored size in pixels, before Orientation.
	Width, Height int
	// Orientation is the EXIF orientation, 1 to 8; 1 when the file has
	// none. HEIC rotations are applied by the decoder, so HEIC reports 1
	// and its size as displayed.
	Orientation int

	// shape is how the decoder will hold the pixels (decodeBytes).
	shape decodeShape
}

// Upright returns the size as displayed, after Orientation.
func (i Info) Upright() (w, h int) {
	if i.Orientation >= 5 {
		return i.Height, i.Width
	}
	return i.Width, i.Height
}

// Pixels is Width×Height, in int64 so a hostile header cannot overflow it.
func (i Info) Pixels() int64 { return int64(i.Width) * int64(i.Height) }

// Probe reads an image's header: its format, size and EXIF orientation.
// It decodes no pixels, so a decompression bomb costs nothing, and checks
// cheaply that the file is not cut off (a JPEG's end-of-image marker after
// its scan, a PNG's IEND chunk, the RIFF or ISOBMFF box sizes). Errors wrap
// ErrFormat or ErrDamaged.
func Probe(data []byte) (Info, error) {
	var (
		info Info
		err  error
	)
	switch {
	case len(data) >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff:
		info, err = probeJPEG(data)
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		info, err = probePNG(data)
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		info, err = probeWebP(data)
	case len(data) >= 12 && string(data[4:8]) == "ftyp":
		info, err = probeHEIC(data)
	default:
		return Info{}, ErrFormat
	}
	if err != nil {
		return Info{}, err
	}
	if info.Width < 1 || info.Height < 1 {
		return Info{}, fmt.Errorf("%s has no pixels: %w", info.Format, ErrDamaged)
	}
	if info.Orientation < 1 || info.Orientation > 8 {
		info.Orientation = 1
	}
	return info, nil
}

func probeJPEG(data []byte) (Info, error) {
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return Info{}, fmt.Errorf("jpeg header: %v: %w", err, ErrDamaged)
	}
	info := Info{Format: FormatJPEG, Width: cfg.Width, Height: cfg.Height, Orientation: 1}
	// Walk the segments up to the first scan for the EXIF orientation.
	p := 2
	sos := -1
	for p+4 <= len(data) {
		if data[p] != 0xff {
			return Info{}, fmt.Errorf("jpeg: no marker at %d: %w", p, ErrDamaged)
		}
		m := data[p+1]
		if m == 0xff { // fill byte
			p++
			continue
		}
		n := int(binary.BigEndian.Uint16(data[p+2:]))
		if n < 2 || p+2+n > len(data) {
			return Info{}, fmt.Errorf("jpeg: segment runs past the end: %w", ErrDamaged)
		}
		seg := data[p+4 : p+2+n]
		if m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc {
			info.shape = jpegShape(m, seg)
		}
		if m == 0xe1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) && info.Orientation == 1 {
			info.Orientation = exifOrientation(seg[6:])
		}
		if m == 0xda {
			sos = p + 2 + n
			break
		}
		p += 2 + n
	}
	// The first end-of-image marker after the scan closes the primary
	// image (entropy-coded data stuffs every 0xff with 0x00); a file cut
	// off in transit has none. Data after it (MPF images, maker trailers)
	// is ignored.
	if sos < 0 || !bytes.Contains(data[sos:], []byte{0xff, 0xd9}) {
		return Info{}, fmt.Errorf("jpeg: no end of image: %w", ErrDamaged)
	}
	return info, nil
}

func probePNG(data []byte) (Info, error) {
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return Info{}, fmt.Errorf("png header: %v: %w", err, ErrDamaged)
	}
	info := Info{Format: FormatPNG, Width: cfg.Width, Height: cfg.Height, Orientation: 1}
	hdr := &pngHeader{w: cfg.Width, h: cfg.Height, depth: int(data[24]), ctype: int(data[25]), interlaced: data[28] == 1}
	for p := 8; ; {
		if p+12 > len(data) {
			return Info{}, fmt.Errorf("png: no IEND chunk: %w", ErrDamaged)
		}
		n := int(binary.BigEndian.Uint32(data[p:]))
		typ := string(data[p+4 : p+8])
		if n < 0 || n > len(data)-p-12 {
			return Info{}, fmt.Errorf("png: chunk %q runs past the end: %w", typ, ErrDamaged)
		}
		switch typ {
		case "eXIf":
			info.Orientation = exifOrientation(data[p+8 : p+8+n])
		case "tRNS":
			hdr.trns = true
		case "IEND":
			info.shape = hdr.shape()
			return info, nil
		}
		p += 12 + n
	}
}

func probeWebP(data []byte) (Info, error) {
	if size := int64(binary.LittleEndian.Uint32(data[4:])) + 8; size > int64(len(data)) {
		return Info{}, fmt.Errorf("webp: RIFF says %d bytes, have %d: %w", size, len(data), ErrDamaged)
	}
	cfg, err := webp.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return Info{}, fmt.Errorf("webp header: %v: %w", err, ErrDamaged)
	}
	info := Info{Format: FormatWebP, Width: cfg.Width, Height: cfg.Height, Orientation: 1}
	switch {
	case string(data[12:16]) == "VP8L": // lossless: NRGBA
		info.shape = decodeShape{perPixel: 4, nrgba: true}
	case string(data[12:16]) == "VP8X" && len(data) > 20 && data[20]&0x10 != 0: // with alpha: NYCbCrA and its planes
		info.shape = decodeShape{perPixel: 7}
	default: // lossy: YCbCr 4:2:0
		info.shape = decodeShape{perPixel: 1.5}
	}
	for p := 12; p+8 <= len(data); {
		n := int(binary.LittleEndian.Uint32(data[p+4:]))
		if n < 0 || n > len(data)-p-8 {
			return Info{}, fmt.Errorf("webp: chunk runs past the end: %w", ErrDamaged)
		}
		if string(data[p:p+4]) == "EXIF" {
			exif := data[p+8 : p+8+n]
			info.Orientation = exifOrientation(bytes.TrimPrefix(exif, []byte("Exif\x00\x00")))
		}
		p += 8 + n + n&1
	}
	return info, nil
}

// exifOrientation reads tag 0x0112 from IFD0 of a TIFF-structured EXIF
// block. It returns 1 when the block is malformed or has no such tag.
func exifOrientation(tiff []byte) int {
	if len(tiff) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(tiff[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	ifd := int64(bo.Uint32(tiff[4:]))
	if ifd < 8 || ifd+2 > int64(len(tiff)) {
		return 1
	}
	n := int(bo.Uint16(tiff[ifd:]))
	for i := 0; i < n; i++ {
		e := ifd + 2 + int64(i)*12
		if e+12 > int64(len(tiff)) {
			return 1
		}
		if bo.Uint16(tiff[e:]) == 0x0112 && bo.Uint16(tiff[e+2:]) == 3 { // SHORT
			if o := int(bo.Uint16(tiff[e+8:])); o >= 1 && o <= 8 {
				return o
			}
			return 1
		}
	}
	return 1
}

// probeHEIC reads an ISOBMFF file's brands and the primary item's size
// from its meta box: pitm names the item, ipma links it to an ispe
// (its size) and maybe an irot (a quarter-turn that swaps the sides).
func probeHEIC(data []byte) (Info, error) {
	top, err := boxes(data)
	if err != nil {
		return Info{}, err
	}
	ftyp, ok := top["ftyp"]
	if !ok || len(ftyp) < 8 {
		return Info{}, ErrFormat
	}
	if !heicBrand(ftyp) {
		return Info{}, fmt.Errorf("ftyp brand %q: %w", ftyp[:4], ErrFormat)
	}
	meta, ok := top["meta"]
	if !ok || len(meta) < 4 {
		return Info{}, fmt.Errorf("heic: no meta box: %w", ErrDamaged)
	}
	mb, err := boxes(meta[4:]) // full box: skip version and flags
	if err != nil {
		return Info{}, err
	}
	pitm := mb["pitm"]
	var primary uint32
	switch {
	case len(pitm) >= 6 && pitm[0] == 0:
		primary = uint32(binary.BigEndian.Uint16(pitm[4:]))
	case len(pitm) >= 8:
		primary = binary.BigEndian.Uint32(pitm[4:])
	default:
		return Info{}, fmt.Errorf("heic: no primary item: %w", ErrDamaged)
	}
	iprp, err := boxes(mb["iprp"])
	if err != nil {
		return Info{}, err
	}
	props, err := boxList(iprp["ipco"])
	if err != nil {
		return Info{}, err
	}
	assoc, err := itemProperties(iprp["ipma"], primary)
	if err != nil {
		return Info{}, err
	}
	info := Info{Format: FormatHEIC, Orientation: 1, shape: decodeShape{perPixel: 4, fixed: heicBytesPerPixel, scale: scaleK, nrgba: true}}
	quarter := false
	for _, idx := range assoc {
		if idx < 1 || idx > len(props) {
			continue
		}
		p := props[idx-1]
		switch {
		case p.typ == "ispe" && len(p.body) >= 12:
			info.Width = int(binary.BigEndian.Uint32(p.body[4:]))
			info.Height = int(binary.BigEndian.Uint32(p.body[8:]))
		case p.typ == "irot" && len(p.body) >= 1:
			quarter = p.body[0]&1 == 1
		}
	}
	if info.Width == 0 || info.Height == 0 {
		return Info{}, fmt.Errorf("heic: primary item has no size: %w", ErrDamaged)
	}
	if info.Width > 1<<20 || info.Height > 1<<20 {
		return Info{}, fmt.Errorf("heic: size %d×%d: %w", info.Width, info.Height, ErrDamaged)
	}
	if quarter {
		info.Width, info.Height = info.Height, info.Width
	}
	return info, nil
}

// heicBrand reports whether an ftyp body names an HEVC-coded HEIF brand
// as its major or a compatible brand. AVIF (AV1 in HEIF) is not one.
func heicBrand(ftyp []byte) bool {
	ok := func(b string) bool {
		switch b {
		case "heic", "heix", "heim", "heis", "hevc", "hevx":
			return true
		}
		return false
	}
	if ok(string(ftyp[:4])) {
		return true
	}
	for p := 8; p+4 <= len(ftyp); p += 4 {
		if ok(string(ftyp[p : p+4])) {
			return true
		}
	}
	return false
}

type box struct {
	typ  string
	body []byte
}

// boxList splits data into ISOBMFF boxes. A box that runs past the end is
// a cut-off file.
func boxList(data []byte) ([]box, error) {
	var out []box
	for p := 0; p < len(data); {
		if len(data)-p < 8 {
			return nil, fmt.Errorf("heic: box header cut off: %w", ErrDamaged)
		}
		size := int64(binary.BigEndian.Uint32(data[p:]))
		typ := string(data[p+4 : p+8])
		hdr := int64(8)
		switch size {
		case 0: // to the end of the file
			size = int64(len(data) - p)
		case 1:
			if len(data)-p < 16 {
				return nil, fmt.Errorf("heic: box header cut off: %w", ErrDamaged)
			}
			size, hdr = int64(binary.BigEndian.Uint64(data[p+8:])), 16
		}
		if size < hdr || size > int64(len(data)-p) {
			return nil, fmt.Errorf("heic: box %q runs past the end: %w", typ, ErrDamaged)
		}
		out = append(out, box{typ: typ, body: data[p+int(hdr) : p+int(size)]})
		p += int(size)
	}
	return out, nil
}

// boxes is boxList keyed by type; the first box of a type wins.
func boxes(data []byte) (map[string][]byte, error) {
	list, err := boxList(data)
	if err != nil {
		return nil, err
	}
	m := make(map[string][]byte, len(list))
	for _, b := range list {
		if _, dup := m[b.typ]; !dup {
			m[b.typ] = b.body
		}
	}
	return m, nil
}

// itemProperties returns the 1-based ipco indices an ipma box associates
// with item id.
func itemProperties(ipma []byte, id uint32) ([]int, error) {
	bad := fmt.Errorf("heic: ipma box: %w", ErrDamaged)
	if len(ipma) < 8 {
		return nil, bad
	}
	version, flags := ipma[0], ipma[3]
	n := binary.BigEndian.Uint32(ipma[4:])
	p := 8
	for range n {
		var item uint32
		if version < 1 {
			if p+2 > len(ipma) {
				return nil, bad
			}
			item, p = uint32(binary.BigEndian.Uint16(ipma[p:])), p+2
		} else {
			if p+4 > len(ipma) {
				return nil, bad
			}
			item, p = binary.BigEndian.Uint32(ipma[p:]), p+4
		}
		if p >= len(ipma) {
			return nil, bad
		}
		count := int(ipma[p])
		p++
		var idx []int
		for range count {
			if flags&1 == 1 {
				if p+2 > len(ipma) {
					return nil, bad
				}
				idx, p = append(idx, int(binary.BigEndian.Uint16(ipma[p:])&0x7fff)), p+2
			} else {
				if p+1 > len(ipma) {
					return nil, bad
				}
				idx, p = append(idx, int(ipma[p]&0x7f)), p+1
			}
		}
		if item == id {
			return idx, nil
		}
	}
	return nil, fmt.Errorf("heic: primary item has no properties: %w", ErrDamaged)
}

// jpegShape reads a JPEG's frame header (SOFn marker m, segment seg): its
// samples per pixel (each component's sampling over the largest), and
// whether it is progressive, whose coefficients are kept whole.
func jpegShape(m byte, seg []byte) decodeShape {
	sh := decodeShape{perPixel: 3, scale: scalePow2}
	if len(seg) < 6 {
		return sh
	}
	nf := int(seg[5])
	if nf < 1 || len(seg) < 6+3*nf {
		return sh
	}
	hmax, vmax, sum := 1, 1, 0
	for c := range nf {
		hv := seg[6+3*c+1]
		hmax, vmax = max(hmax, int(hv>>4)), max(vmax, int(hv&15))
	}
	for c := range nf {
		hv := seg[6+3*c+1]
		sum += int(hv>>4) * int(hv&15)
	}
	samples := float64(sum) / float64(hmax*vmax)
	sh.perPixel = samples
	if nf == 4 { // CMYK: the YCbCr and black planes, then the CMYK image
		sh.perPixel += 4
	}
	if m == 0xc2 || m == 0xc6 || m == 0xca || m == 0xce { // progressive
		sh.fixed = 2 * samples
	}
	return sh
}
