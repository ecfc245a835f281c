package photo

import (
	"encoding/binary"

	"oshigoods/render/pdfx"
)

// srgbICC is the sRGB IEC 61966-2.1 profile embedded in print JPEGs, so a
// RIP converts the colours as they were meant instead of guessing: the
// one the print PDFs' output intent uses (render/pdfx).
var srgbICC = pdfx.SRGB()

// iccSegment returns an APP2 ICC_PROFILE segment holding profile whole
// (ICC.1 annex B.4: one chunk, sequence number 1 of 1). The profile must be
// under 64 KiB less the header.
func iccSegment(profile []byte) []byte {
	const magic = "ICC_PROFILE\x00"
	n := 2 + len(magic) + 2 + len(profile)
	seg := make([]byte, 0, 2+n)
	seg = append(seg, 0xff, 0xe2) // APP2
	seg = binary.BigEndian.AppendUint16(seg, uint16(n))
	seg = append(seg, magic...)
	seg = append(seg, 1, 1) // chunk 1 of 1
	return append(seg, profile...)
}
