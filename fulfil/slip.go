package fulfil

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/jung-kurt/gofpdf"
	"rsc.io/qr"

	"oshigoods"
	"oshigoods/orders"
	"oshigoods/render/jptext"
	"oshigoods/render/pdfx"
	"oshigoods/render/printpdf"
)

// PageSize is a packing slip's paper, portrait.
type PageSize string

const (
	// A4 is 210 × 297 mm, the usual 納品書.
	A4 PageSize = "A4"
	// A5 is 148 × 210 mm, half an A4: fits a ネコポス envelope unfolded.
	A5 PageSize = "A5"
)

// dims returns the page's width and height in millimetres.
func (s PageSize) dims() (w, h float64, ok bool) {
	switch s {
	case A4:
		return 210, 297, true
	case A5:
		return 148, 210, true
	}
	return 0, 0, false
}

// SlipOption changes what PackingSlips prints.
type SlipOption func(*slipOptions)

type slipOptions struct {
	prices bool
}

// WithPrices prints each item's unit price and amount and the parcel's
// total, tax included, with the tax it contains. Without it (the default)
// the slip shows no money, as goods are often gifts.
func WithPrices() SlipOption { return func(o *slipOptions) { o.prices = true } }

// Slip wording.
const (
	slipTitle   = "納品書"
	slipIntro   = "下記のとおり納品いたします。ご確認くださいませ。"
	slipThanks  = "このたびはご注文いただき、誠にありがとうございました。"
	slipNoImage = "画像なし"
)

// PackingSlips returns a PDF of one 納品書 page per parcel, in order, on
// paper of the given size, from shop: the shop's name and contact, the
// title, the order id and date (Japan time, as 2026年12月6日), the
// recipient's 〒, address and name with 様, each item with its title,
// quantity and thumbnail (scaled into its box, aspect kept; a placeholder
// box when it has none), the parcel's note, a thank-you line, and a QR
// code of the order id with the id printed under it — the same order id a
// printed piece's slug starts with, so a packer scans both and sees they
// match. Prices are left out unless WithPrices is given.
//
// Long addresses, names and titles wrap and then shrink to fit their box;
// text never runs past it. A parcel with more items than one page holds
// at the smallest row height goes on as many pages as it needs, each
// headed like the first. Characters the font cannot draw are folded (Fold):
// the slip never shows a blank box.
//
// The PDF embeds the subset of the font drawn and is PDF/X-4 (render/pdfx)
// with an sRGB output intent; the same input gives the same bytes.
//
// An unknown size is EINVALID on "size"; an invalid shop (Shop.Validate),
// no parcels, an invalid parcel, a parcel without its order date or a
// thumbnail that is not a readable JPEG or PNG is EUNPROCESSABLE naming
// it. ctx is checked between pages.
func PackingSlips(ctx context.Context, shop Shop, parcels []Parcel, size PageSize, opts ...SlipOption) ([]byte, error) {
	pw, ph, ok := size.dims()
	if !ok {
		return nil, &oshigoods.Error{Code: oshigoods.EINVALID, Field: "size", Message: fmt.Sprintf("size must be A4 or A5; got %q.", size)}
	}
	var o slipOptions
	for _, opt := range opts {
		opt(&o)
	}
	if err := shop.Validate(); err != nil {
		return nil, oshigoods.Wrapf(err, oshigoods.EUNPROCESSABLE, "the shop's sender settings are invalid: %v", err)
	}
	if len(parcels) == 0 {
		return nil, oshigoods.FieldErrorf("parcels", "no parcels to pack.")
	}
	for i, p := range parcels {
		if err := validateParcel(p, i); err != nil {
			return nil, err
		}
		if p.OrderedAt.IsZero() {
			return nil, oshigoods.FieldErrorf(fmt.Sprintf("parcels[%d].ordered_at", i), "the order date of %s is required on its slip.", p.OrderID)
		}
	}
	m, err := loadMetrics()
	if err != nil {
		return nil, err
	}

	doc := printpdf.NewDocument(pw, ph, "oshigoods fulfil", slipTitle)
	// A copy per document: gofpdf pads the font's tables by appending to
	// slices of the bytes it is given, which would write into bytes other
	// documents read at the same time.
	doc.AddUTF8FontFromBytes(slipFamily, "", bytes.Clone(slipFontData))
	if err := doc.Error(); err != nil {
		return nil, fmt.Errorf("add slip font: %w", err)
	}
	d := &slip{doc: doc, m: m, w: pw, h: ph, s: pw / 210, opts: o, shop: shop, images: map[string]bool{}}
	for i, p := range parcels {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := d.parcel(i, p); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	if err := doc.Output(&buf); err != nil {
		return nil, fmt.Errorf("write packing slips: %w", err)
	}
	raw := printpdf.TagSubset(printpdf.SortPageBoxes(buf.Bytes()), slipFamily, slipFontPSName, d.drawn.String())
	out, err := pdfx.Finalize(raw, pdfx.Options{Title: slipTitle, CreatorTool: "oshigoods fulfil"})
	if err != nil {
		return nil, fmt.Errorf("finalise packing slips as PDF/X-4: %w", err)
	}
	return out, nil
}

// slip draws packing slip pages. Lengths are in millimetres of an A4 page
// and scaled by s for the page drawn; font sizes are in points, scaled
// the same.
type slip struct {
	doc    *gofpdf.Fpdf
	m      *slipMetrics
	w, h   float64
	s      float64
	opts   slipOptions
	shop   Shop
	images map[string]bool
	// drawn is every text drawn, the key of the font subset's tag.
	drawn strings.Builder
}

// Layout of an A4 slip, in millimetres.
const (
	slipMargin    = 14.0
	slipQRSide    = 22.0
	slipRowMax    = 28.0 // an item row's height when there is room
	slipRowMin    = 13.0 // the smallest, before items go on a next page
	slipRowPad    = 2.0
	slipHeaderRow = 7.0
	slipQtyCol    = 16.0
	slipPriceCol  = 24.0
	slipLineWidth = 0.2
)

func (d *slip) mm(v float64) float64 { return v * d.s }

// pt scales a font size for the page: by less than lengths, (1+s)/2, so
// that A5 text stays readable (11 pt on A4 is 9.4 pt on A5), and never
// below 6 pt.
func (d *slip) pt(v float64) float64 { return math.Max(6, math.Round(v*(1+d.s)/2*4)/4) }

// em is the size of an em in millimetres at size points.
func em(size float64) float64 { return size * 25.4 / 72 }

// clean folds s to what the font can draw.
func (d *slip) clean(s string) string {
	s, _ = Fold(s, d.m.Has)
	return strings.TrimSpace(s)
}

// width is the width of s in millimetres at size points.
func (d *slip) width(s string, size float64) float64 { return d.m.width(s) * em(size) }

// text draws s with its baseline at y, starting at x.
func (d *slip) text(x, y, size float64, s string) {
	s, _ = Fold(s, d.m.Has)
	if s == "" {
		return
	}
	d.doc.SetFont(slipFamily, "", size)
	d.doc.Text(x, y, s)
	d.drawn.WriteString(s)
}

// textRight draws s ending at x.
func (d *slip) textRight(x, y, size float64, s string) {
	s, _ = Fold(s, d.m.Has)
	d.text(x-d.width(s, size), y, size, s)
}

// textCenter draws s centred on x.
func (d *slip) textCenter(x, y, size float64, s string) {
	s, _ = Fold(s, d.m.Has)
	d.text(x-d.width(s, size)/2, y, size, s)
}

// wrap breaks s into lines at most w millimetres wide at size points,
// with the Japanese line breaking rules of jptext; a run that cannot break
// (a long Latin word) is broken between characters.
func (d *slip) wrap(s string, w, size float64) []string {
	e := em(size)
	per := int(w / e)
	if per < 1 {
		per = 1
	}
	l, err := jptext.Set([]jptext.Paragraph{{Text: s}}, jptext.Params{CharsPerLine: per, NoHang: true}, d.m)
	if err != nil {
		return []string{s}
	}
	var lines []string
	for _, ln := range l.Lines {
		text := strings.TrimRight(ln.Text, " ")
		for d.width(text, size) > w+1e-6 {
			// Hard break: as many characters as fit.
			rs := []rune(text)
			n := 1
			for n < len(rs) && d.width(string(rs[:n+1]), size) <= w {
				n++
			}
			lines = append(lines, string(rs[:n]))
			text = string(rs[n:])
		}
		lines = append(lines, text)
	}
	return lines
}

// fit sets s in a box w wide at most lines lines high, at size points or
// smaller down to minSize, and returns the lines and the size chosen. At
// minSize, lines past the last are dropped and the last ends with "…".
func (d *slip) fit(s string, w, size, minSize float64, lines int) ([]string, float64) {
	s = d.clean(s)
	for sz := size; ; sz -= 0.5 {
		if sz < minSize {
			sz = minSize
		}
		ls := d.wrap(s, w, sz)
		if len(ls) <= lines || sz <= minSize {
			if len(ls) > lines {
				ls = ls[:lines]
				last := []rune(ls[lines-1])
				for len(last) > 0 && d.width(string(last)+"…", sz) > w {
					last = last[:len(last)-1]
				}
				ls[lines-1] = string(last) + "…"
			}
			return ls, sz
		}
	}
}

// block draws lines from top y (the top of the first line's em box) at
// size points with pitch lineGap ems, and returns the y below the last.
func (d *slip) block(x, y, size, pitch float64, lines []string) float64 {
	e := em(size)
	for i, l := range lines {
		d.text(x, y+e*slipAscent+float64(i)*e*pitch, size, l)
	}
	return y + e*(float64(len(lines)-1)*pitch+1)
}

// jpDate writes t's calendar day in Japan as 2026年12月6日.
func jpDate(p Parcel) string {
	t := p.OrderedAt.In(jst)
	return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
}

// yen writes n as 1,200円.
func yen(n orders.Yen) string {
	s := fmt.Sprint(int64(n))
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s + "円"
}

// parcel draws parcel i's pages.
func (d *slip) parcel(i int, p Parcel) error {
	items := make([]thumb, len(p.Items))
	for j, it := range p.Items {
		t, err := d.thumbnail(it.Thumbnail)
		if err != nil {
			return oshigoods.Wrapf(err, oshigoods.EUNPROCESSABLE, "the thumbnail of item %s of order %s is not a readable JPEG or PNG.", it.ItemID, p.OrderID)
		}
		items[j] = t
	}
	// The rows' room: below the header, above the note, total and thanks.
	// Every page of a parcel has the same header, so the first one drawn
	// tells where the rows start on all of them.
	d.page()
	top := d.header(p)
	bottom := d.h - d.mm(slipMargin) - d.footerHeight(p)
	room := bottom - top - d.mm(slipHeaderRow)
	rowH := math.Min(d.mm(slipRowMax), math.Max(d.mm(slipRowMin), room/float64(len(p.Items))))
	per := max(1, int(room/rowH+1e-9))
	pages := (len(p.Items) + per - 1) / per
	for pg := 0; pg < pages; pg++ {
		if pg > 0 {
			d.page()
			d.header(p)
		}
		d.title(pg, pages)
		y := d.table(p, items, pg*per, min(len(p.Items), (pg+1)*per), top, rowH)
		if pg == pages-1 {
			d.footer(p, y)
		}
		if err := d.doc.Error(); err != nil {
			return fmt.Errorf("draw the slip of order %s: %w", p.OrderID, err)
		}
	}
	return nil
}

// page starts a page whose trim and bleed are the page: a slip is printed
// on office paper and not cut.
func (d *slip) page() {
	d.doc.AddPage()
	d.doc.SetPageBox("trim", 0, 0, d.w, d.h)
	d.doc.SetPageBox("bleed", 0, 0, d.w, d.h)
	d.doc.SetTextColor(0x22, 0x22, 0x22)
	d.doc.SetDrawColor(0x99, 0x99, 0x99)
	d.doc.SetLineWidth(d.mm(slipLineWidth))
}

// Font sizes of an A4 slip, in points.
const (
	sizeTitle     = 22.0
	sizeMeta      = 9.5
	sizeLabel     = 8.0
	sizeAddress   = 11.0
	sizeName      = 16.0
	sizeShopName  = 12.0
	sizeShop      = 9.0
	sizeBody      = 10.0
	sizeItem      = 10.5
	sizeItemMin   = 7.5
	sizeOrderID   = 9.0
	sizeThanks    = 11.0
	linePitch     = 1.45
	addressLines  = 3
	nameLines     = 2
	shopAddrLines = 3
)

// recipientLines are the recipient's address lines and name lines at
// their sizes, in a column w wide.
func (d *slip) recipientLines(p Parcel, w float64) (addr []string, addrSize float64, name []string, nameSize float64) {
	to := recipientOf(p)
	street := to.Prefecture + to.City + to.Line1
	addr, addrSize = d.fit(street, w, d.pt(sizeAddress), d.pt(sizeAddress)*0.7, addressLines)
	if to.Line2 != "" {
		b, _ := d.fit(to.Line2, w, addrSize, addrSize, addressLines)
		addr = append(addr, b...)
	}
	// A name shrinks to stay on one line before it takes a second.
	nameW := w - d.width("　様", d.pt(sizeName))
	name, nameSize = d.fit(to.Name, nameW, d.pt(sizeName), d.pt(sizeName)*0.7, 1)
	if strings.HasSuffix(name[0], "…") {
		name, nameSize = d.fit(to.Name, nameW, d.pt(sizeName), d.pt(sizeName)*0.6, nameLines)
	}
	return addr, addrSize, name, nameSize
}

// columns of the header: the recipient's on the left, the shop's on the
// right.
func (d *slip) columns() (lx, lw, rx, rw float64) {
	m := d.mm(slipMargin)
	inner := d.w - 2*m
	return m, inner * 0.55, m + inner*0.59, inner * 0.41
}

// title draws 納品書 at the top left, numbered when the parcel takes more
// than one page.
func (d *slip) title(pg, pages int) {
	m := d.mm(slipMargin)
	title := slipTitle
	if pages > 1 {
		title = fmt.Sprintf("%s（%d/%d）", slipTitle, pg+1, pages)
	}
	d.text(m, m+em(d.pt(sizeTitle))*slipAscent, d.pt(sizeTitle), title)
}

// header draws all but the title above the items: the order's date and
// id under the title, the QR code, recipient and shop, and the intro
// line; it returns the y where the item table starts.
func (d *slip) header(p Parcel) float64 {
	m := d.mm(slipMargin)
	doc := d.doc
	// Order facts under the title, left; QR code and the order id under
	// it, right.
	meta := d.pt(sizeMeta)
	y := m + em(d.pt(sizeTitle)) + d.mm(4)
	d.text(m, y+em(meta)*slipAscent, meta, "ご注文日　"+jpDate(p))
	y += em(meta) * linePitch
	d.text(m, y+em(meta)*slipAscent, meta, "ご注文番号　"+d.clean(p.OrderID))
	q := d.mm(slipQRSide)
	d.qr(p.OrderID, d.w-m-q, m, q)
	// The id under the code, centred on it but kept inside the margin.
	id := d.clean(p.OrderID)
	idx := math.Min(d.w-m-q/2-d.width(id, d.pt(sizeOrderID))/2, d.w-m-d.width(id, d.pt(sizeOrderID)))
	d.text(idx, m+q+em(d.pt(sizeOrderID))*1.2, d.pt(sizeOrderID), id)

	top := m + q + d.mm(8)
	lx, lw, rx, rw := d.columns()
	// Recipient.
	addr, as, name, ns := d.recipientLines(p, lw)
	to := recipientOf(p)
	y = d.block(lx, top, d.pt(sizeLabel), linePitch, []string{"お届け先"}) + em(d.pt(sizeLabel))*0.6
	doc.SetTextColor(0x22, 0x22, 0x22)
	y = d.block(lx, y, as, linePitch, []string{"〒" + to.PostalCode}) + em(as)*(linePitch-1)
	y = d.block(lx, y, as, linePitch, addr) + em(as)*(linePitch-1) + d.mm(1)
	y = d.block(lx, y, ns, linePitch, name)
	last := name[len(name)-1]
	d.text(lx+d.width(last, ns)+d.width("　", ns), y-em(ns)*(1-slipAscent), ns, "様")
	doc.Line(lx, y+d.mm(1.2), lx+lw, y+d.mm(1.2))
	leftBottom := y + d.mm(3)

	// Shop: the sender.
	sn, sns := d.fit(d.shop.Name, rw, d.pt(sizeShopName), d.pt(sizeShopName)*0.7, 2)
	y = d.block(rx, top, sns, linePitch, sn) + em(sns)*(linePitch-1)
	sa, sas := d.fit(d.shop.Address, rw, d.pt(sizeShop), d.pt(sizeShop)*0.8, shopAddrLines)
	info := append([]string{"〒" + d.shop.PostalCode}, sa...)
	info = append(info, "TEL "+d.shop.Phone)
	if d.shop.Email != "" {
		e, _ := d.fit(d.shop.Email, rw, sas, sas*0.8, 1)
		info = append(info, e...)
	}
	y = d.block(rx, y, sas, linePitch, info)
	rightBottom := y + d.mm(2)

	y = math.Max(leftBottom, rightBottom) + d.mm(6)
	intro, is := d.fit(slipIntro, d.w-2*m, d.pt(sizeBody), d.pt(sizeBody)*0.8, 1)
	y = d.block(m, y, is, linePitch, intro) + em(is)*(linePitch-1)
	return y
}

// qr draws the QR code of s, level M, side millimetres square with its
// top-left corner at (x, y). The page's white margin is its quiet zone.
func (d *slip) qr(s string, x, y, side float64) {
	c, err := qr.Encode(s, qr.M)
	if err != nil {
		d.doc.SetError(fmt.Errorf("encode QR code of %q: %w", s, err))
		return
	}
	printpdf.QRCode(d.doc, c, x, y, side/float64(c.Size))
}

// tableCols are the x of the left edges of the thumbnail, title,
// quantity and (with prices) amount columns, and the table's right edge;
// with prices the unit price's column lies between quantity and amount.
func (d *slip) tableCols(rowH float64) (thumbX, titleX, qtyX, amountX, right float64) {
	m := d.mm(slipMargin)
	right = d.w - m
	x := right
	if d.opts.prices {
		amountX = x - d.mm(slipPriceCol)
		x = amountX - d.mm(slipPriceCol) // the unit price's column
	}
	qtyX = x - d.mm(slipQtyCol)
	return m, m + rowH + d.mm(slipRowPad), qtyX, amountX, right
}

// table draws items [from, to) of p as rows rowH high from y under a
// header row, and returns the y below them.
func (d *slip) table(p Parcel, thumbs []thumb, from, to int, y, rowH float64) float64 {
	doc := d.doc
	thumbX, titleX, qtyX, amountX, right := d.tableCols(rowH)
	hr := d.mm(slipHeaderRow)
	doc.SetFillColor(0xEE, 0xEE, 0xEE)
	doc.Rect(thumbX, y, right-thumbX, hr, "F")
	ls := d.pt(sizeLabel + 1)
	base := y + hr/2 + em(ls)*0.35
	d.text(titleX, base, ls, "商品")
	d.textCenter(qtyX+d.mm(slipQtyCol)/2, base, ls, "数量")
	if d.opts.prices {
		d.textRight(amountX-d.mm(slipRowPad), base, ls, "単価（税込）")
		d.textRight(right-d.mm(slipRowPad), base, ls, "金額（税込）")
	}
	y += hr
	pad := d.mm(slipRowPad)
	for j := from; j < to; j++ {
		it := p.Items[j]
		box := rowH - 2*pad
		d.drawThumb(thumbs[j], thumbX, y+pad, box)
		titleW := qtyX - titleX - pad
		lines, size := d.fit(it.Title, titleW, d.pt(sizeItem), d.pt(sizeItemMin), max(1, int(box/(em(d.pt(sizeItemMin))*linePitch))))
		h := em(size) * (float64(len(lines)-1)*linePitch + 1)
		d.block(titleX, y+(rowH-h)/2, size, linePitch, lines)
		mid := y + rowH/2 + em(d.pt(sizeItem))*0.35
		d.textCenter(qtyX+d.mm(slipQtyCol)/2, mid, d.pt(sizeItem), fmt.Sprint(it.Quantity))
		if d.opts.prices {
			d.textRight(amountX-pad, mid, d.pt(sizeItem), yen(it.UnitPrice))
			d.textRight(right-pad, mid, d.pt(sizeItem), yen(it.UnitPrice*orders.Yen(it.Quantity)))
		}
		y += rowH
		doc.Line(thumbX, y, right, y)
	}
	return y
}

// footerHeight is the room the last page keeps under the table: the
// total, the note and the thanks.
func (d *slip) footerHeight(p Parcel) float64 {
	h := em(d.pt(sizeThanks))*linePitch*2 + d.mm(10)
	if d.opts.prices {
		h += em(d.pt(sizeBody))*linePitch*2 + d.mm(3)
	}
	if p.Note != "" {
		lines, size := d.noteLines(p)
		h += em(size)*linePitch*float64(len(lines)+1) + d.mm(8)
	}
	return h
}

func (d *slip) noteLines(p Parcel) ([]string, float64) {
	w := d.w - 2*d.mm(slipMargin) - 2*d.mm(3)
	return d.fit(p.Note, w, d.pt(sizeBody), d.pt(sizeBody)*0.8, 4)
}

// footer draws the total (with prices), the note and the thank-you line
// below the table at y.
func (d *slip) footer(p Parcel, y float64) {
	m := d.mm(slipMargin)
	right := d.w - m
	pad := d.mm(slipRowPad)
	if d.opts.prices {
		var total orders.Yen
		for _, it := range p.Items {
			total += it.UnitPrice * orders.Yen(it.Quantity)
		}
		size := d.pt(sizeBody + 1)
		y += d.mm(3)
		d.textRight(right-pad, y+em(size)*slipAscent, size, "合計（税込）　"+yen(total))
		y += em(size) * linePitch
		small := d.pt(sizeBody - 1)
		d.textRight(right-pad, y+em(small)*slipAscent, small, fmt.Sprintf("（うち消費税%d%%　%s）", orders.TaxRatePercent, yen(orders.IncludedTax(total))))
		y += em(small) * linePitch
	}
	if p.Note != "" {
		lines, size := d.noteLines(p)
		y += d.mm(5)
		h := em(size)*linePitch*float64(len(lines)+1) + d.mm(3)
		d.doc.Rect(m, y, right-m, h, "D")
		yy := d.block(m+d.mm(3), y+d.mm(2), d.pt(sizeLabel), linePitch, []string{"備考"})
		d.block(m+d.mm(3), yy+em(size)*(linePitch-1), size, linePitch, lines)
	}
	// The thanks sit at the foot of the page.
	ts := d.pt(sizeThanks)
	thanks, ts := d.fit(slipThanks, right-m, ts, ts*0.8, 1)
	d.textCenter(d.w/2, d.h-m-em(ts)*(linePitch+0.2), ts, thanks[0])
	contact := "TEL " + d.shop.Phone
	if d.shop.Email != "" {
		contact = d.shop.Email + "　" + contact
	}
	cs := d.pt(sizeShop)
	c, cs := d.fit("お問い合わせ　"+d.shop.Name+"　"+contact, right-m, cs, cs*0.8, 1)
	d.textCenter(d.w/2, d.h-m, cs, c[0])
}
