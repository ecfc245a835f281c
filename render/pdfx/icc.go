package pdfx

import (
	_ "embed" // the sRGB profile
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"
)

// srgb is the sRGB IEC 61966-2.1 profile: icc-profiles-free's sRGB.icc
// (zlib licence; icc/LICENSE).
//
//go:embed icc/sRGB.icc
var srgb []byte

// SRGBName is the built-in profile's output condition identifier.
const SRGBName = "sRGB IEC61966-2.1"

// SRGB returns the built-in sRGB IEC 61966-2.1 ICC profile. The caller
// must not modify it.
func SRGB() []byte { return srgb }

// ICC is what Finalize and a profile loader need to know of an ICC
// profile.
type ICC struct {
	// ColorSpace is the data colour space: "RGB" or "CMYK".
	ColorSpace string
	// Class is the device class, "prtr" (output) or "mntr" (display).
	Class string
	// Description is the profile's desc tag; empty when it has none.
	Description string
}

// Components is the number of colour components: 3 for RGB, 4 for CMYK.
func (p ICC) Components() int {
	if p.ColorSpace == "CMYK" {
		return 4
	}
	return 3
}

// ParseICC checks that b is an ICC profile an output intent may use: the
// signature acsp at offset 36, a size field equal to its length, an RGB or
// CMYK data colour space and an output or display device class. The error
// says which check failed.
func ParseICC(b []byte) (ICC, error) {
	if len(b) < 132 {
		return ICC{}, errors.New("too short for an ICC profile")
	}
	if string(b[36:40]) != "acsp" {
		return ICC{}, errors.New("no ICC signature acsp at offset 36")
	}
	if size := binary.BigEndian.Uint32(b); int64(size) != int64(len(b)) {
		return ICC{}, fmt.Errorf("ICC size field says %d bytes, file has %d", size, len(b))
	}
	var p ICC
	switch cs := string(b[16:20]); cs {
	case "RGB ":
		p.ColorSpace = "RGB"
	case "CMYK":
		p.ColorSpace = "CMYK"
	default:
		return ICC{}, fmt.Errorf("ICC colour space %q: want RGB or CMYK", strings.TrimSpace(cs))
	}
	switch cl := string(b[12:16]); cl {
	case "prtr", "mntr":
		p.Class = cl
	default:
		return ICC{}, fmt.Errorf("ICC device class %q: want an output (prtr) or display (mntr) profile", cl)
	}
	p.Description = iccDescription(b)
	return p, nil
}

// iccDescription reads the desc tag: a textDescriptionType (ICC v2) or a
// multiLocalizedUnicodeType (v4, its first record).
func iccDescription(b []byte) string {
	n := int(binary.BigEndian.Uint32(b[128:]))
	for i := 0; i < n && 132+12*i+12 <= len(b); i++ {
		e := b[132+12*i:]
		if string(e[:4]) != "desc" {
			continue
		}
		off, size := int(binary.BigEndian.Uint32(e[4:])), int(binary.BigEndian.Uint32(e[8:]))
		if off < 0 || size < 12 || off > len(b) || size > len(b)-off {
			return ""
		}
		t := b[off : off+size]
		switch string(t[:4]) {
		case "desc":
			cnt := int(binary.BigEndian.Uint32(t[8:]))
			if cnt < 1 || cnt > len(t)-12 {
				return ""
			}
			return strings.TrimRight(string(t[12:12+cnt]), "\x00")
		case "mluc":
			if len(t) < 28 || binary.BigEndian.Uint32(t[8:]) == 0 {
				return ""
			}
			ln, at := int(binary.BigEndian.Uint32(t[20:])), int(binary.BigEndian.Uint32(t[24:]))
			if at < 0 || ln < 0 || at > len(t) || ln > len(t)-at {
				return ""
			}
			u := make([]uint16, ln/2)
			for k := range u {
				u[k] = binary.BigEndian.Uint16(t[at+2*k:])
			}
			return strings.TrimRight(string(utf16.Decode(u)), "\x00")
		}
		return ""
	}
	return ""
}
