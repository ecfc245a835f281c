package pdfx

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"regexp"
	"strconv"
)

// meta is what the XMP packet says, taken from the document information.
type meta struct {
	title, author, subject, keywords string
	creator, producer, trapped       string
	created, modified                string // XMP dates
	docID, instanceID                string
}

// xmp returns the metadata packet. MetadataDate is the modification date.
func (m meta) xmp() []byte {
	var b bytes.Buffer
	esc := func(s string) string {
		var e bytes.Buffer
		xml.EscapeText(&e, []byte(s))
		return e.String()
	}
	b.WriteString("<?xpacket begin=\"\ufeff\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n")
	b.WriteString(`<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about=""
 xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
 xmlns:xmp="http://ns.adobe.com/xap/1.0/"
 xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
 xmlns:pdfxid="http://www.npes.org/pdfx/ns/id/">
<dc:format>application/pdf</dc:format>
`)
	fmt.Fprintf(&b, "<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">%s</rdf:li></rdf:Alt></dc:title>\n", esc(m.title))
	if m.author != "" {
		fmt.Fprintf(&b, "<dc:creator><rdf:Seq><rdf:li>%s</rdf:li></rdf:Seq></dc:creator>\n", esc(m.author))
	}
	if m.subject != "" {
		fmt.Fprintf(&b, "<dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">%s</rdf:li></rdf:Alt></dc:description>\n", esc(m.subject))
	}
	if m.keywords != "" {
		fmt.Fprintf(&b, "<pdf:Keywords>%s</pdf:Keywords>\n", esc(m.keywords))
	}
	for _, e := range [][2]string{
		{"pdf:Producer", m.producer},
		{"pdf:Trapped", m.trapped},
		{"xmp:CreatorTool", m.creator},
		{"xmp:CreateDate", m.created},
		{"xmp:ModifyDate", m.modified},
		{"xmp:MetadataDate", m.modified},
		{"xmpMM:DocumentID", m.docID},
		{"xmpMM:InstanceID", m.instanceID},
		{"xmpMM:VersionID", "1"},
		{"xmpMM:RenditionClass", "default"},
		{"pdfxid:GTS_PDFXVersion", Version},
	} {
		fmt.Fprintf(&b, "<%s>%s</%s>\n", e[0], esc(e[1]), e[0])
	}
	b.WriteString("</rdf:Description>\n</rdf:RDF>\n</x:xmpmeta>\n<?xpacket end=\"w\"?>")
	return b.Bytes()
}

var pdfDate = regexp.MustCompile(`^D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:(Z)|([+-])(\d{2})'?(\d{2})?'?)?$`)

// normDate reads a PDF date and returns it written in full, with a time
// zone (UTC when it has none), and as an XMP date saying the same.
func normDate(s string) (pdf, xmp string, err error) {
	m := pdfDate.FindStringSubmatch(s)
	if m == nil {
		if s == "" {
			return "", "", errors.New("missing")
		}
		return "", "", fmt.Errorf("%q is not a PDF date", s)
	}
	part := func(i int, def string) string {
		if m[i] == "" {
			return def
		}
		return m[i]
	}
	y, mo, d, h, mi, sec := m[1], part(2, "01"), part(3, "01"), part(4, "00"), part(5, "00"), part(6, "00")
	for _, v := range []struct {
		s        string
		min, max int
	}{{mo, 1, 12}, {d, 1, 31}, {h, 0, 23}, {mi, 0, 59}, {sec, 0, 59}} {
		if n, _ := strconv.Atoi(v.s); n < v.min || n > v.max {
			return "", "", fmt.Errorf("%q is not a PDF date", s)
		}
	}
	pdf = "D:" + y + mo + d + h + mi + sec
	xmp = y + "-" + mo + "-" + d + "T" + h + ":" + mi + ":" + sec
	if m[8] == "" || m[9] == "00" && part(10, "00") == "00" {
		return pdf + "Z", xmp + "Z", nil
	}
	tzm := part(10, "00")
	return pdf + m[8] + m[9] + "'" + tzm + "'", xmp + m[8] + m[9] + ":" + tzm, nil
}

// uuid writes the first 16 bytes of b (zero-padded) as a UUID URN of
// version 4 form.
func uuid(b []byte) string {
	var u [16]byte
	copy(u[:], b)
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("uuid:%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}
