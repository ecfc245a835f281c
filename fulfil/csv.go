package fulfil

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strings"
	"time"

	"oshigoods"
)

// Carrier CSV layouts CarrierCSV writes.
const (
	// CarrierYamatoB2 is ヤマト運輸 B2クラウド「外部データから発行」, the
	// standard layout (yamato.go).
	CarrierYamatoB2 = "yamato-b2"
	// CarrierClickPost is 日本郵便 クリックポスト「まとめ申込」(clickpost.go).
	CarrierClickPost = "japanpost-clickpost"
)

// CSVContentType is the content type of every carrier CSV.
const CSVContentType = "text/csv; charset=Shift_JIS"

// Warning is a change CarrierCSV made to an order's text so that the
// carrier takes it: a field cut to the layout's length, a character
// Shift_JIS cannot hold replaced or removed (Fold).
type Warning struct {
	OrderID string
	// Field is the layout's column, as the carrier's screen names it,
	// e.g. "お届け先名".
	Field string
	// Message says what changed, e.g. `"🌸" removed`.
	Message string
}

func (w Warning) String() string { return w.OrderID + ": " + w.Field + ": " + w.Message }

// CarrierCSV writes the label-import file of a carrier for parcels, with
// shop as the sender, to ship on shipDate (its calendar day in Japan):
//
//   - "yamato-b2": ヤマト運輸 B2クラウド, 外部データから発行, 発払い
//     (送り状種類 0, or 7 for ネコポス and 8 for 宅急便コンパクト by the
//     parcel's shipping method), 95 columns with a header row. Needs
//     shop.YamatoCustomerCode.
//   - "japanpost-clickpost": クリックポスト まとめ申込, 8 columns with a
//     header row, at most 40 parcels a file.
//
// The file is Shift_JIS with CRLF line ends; contentType is CSVContentType
// and filename names the layout and the ship date, e.g.
// "yamato-b2-20261206.csv". Text is folded to what Shift_JIS holds (Fold)
// and cut to each column's length at a character boundary; every such
// change comes back as a Warning naming the order and the column, in
// order. An address too long for its column continues in the next ones
// the layout has (B2: building, then the two company lines; クリックポスト:
// four lines), and is cut only past the last.
//
// An unknown carrier is EINVALID on "carrier"; an invalid shop, an invalid
// parcel, a parcel whose method another carrier takes, a zero shipDate or
// too many parcels are EUNPROCESSABLE naming what is wrong.
func CarrierCSV(carrier string, shop Shop, parcels []Parcel, shipDate time.Time) (data []byte, contentType, filename string, warnings []Warning, err error) {
	l, ok := layouts[carrier]
	if !ok {
		return nil, "", "", nil, &oshigoods.Error{Code: oshigoods.EINVALID, Field: "carrier",
			Message: fmt.Sprintf("carrier must be %s or %s; got %q.", CarrierYamatoB2, CarrierClickPost, carrier)}
	}
	if err := shop.Validate(); err != nil {
		return nil, "", "", nil, oshigoods.Wrapf(err, oshigoods.EUNPROCESSABLE, "the shop's sender settings are invalid: %v", err)
	}
	if shipDate.IsZero() {
		return nil, "", "", nil, oshigoods.FieldErrorf("ship_date", "ship_date is required.")
	}
	if len(parcels) == 0 {
		return nil, "", "", nil, oshigoods.FieldErrorf("parcels", "no parcels to ship.")
	}
	if l.maxRows > 0 && len(parcels) > l.maxRows {
		return nil, "", "", nil, oshigoods.FieldErrorf("parcels", "a %s file takes at most %d parcels; got %d: split them.", carrier, l.maxRows, len(parcels))
	}
	for i, p := range parcels {
		if err := validateParcel(p, i); err != nil {
			return nil, "", "", nil, err
		}
		if c := p.Method.Carrier; c != "" && c != l.carrier {
			return nil, "", "", nil, oshigoods.FieldErrorf(fmt.Sprintf("parcels[%d].method", i),
				"order %s ships by %s (%s), not %s: leave it out of the %s file.", p.OrderID, p.Method.Name, c, l.carrier, carrier)
		}
	}
	if err := l.check(shop); err != nil {
		return nil, "", "", nil, err
	}

	day := shipDate.In(jst)
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	header := make([]string, len(l.columns))
	for i, c := range l.columns {
		header[i] = c.name
	}
	if err := w.Write(header); err != nil {
		return nil, "", "", nil, err
	}
	for _, p := range parcels {
		r := newRow(l.columns, p.OrderID)
		l.fill(r, shop, p, day)
		if err := w.Write(r.values); err != nil {
			return nil, "", "", nil, err
		}
		warnings = append(warnings, r.warnings...)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, "", "", nil, err
	}
	data, err = encodeSJIS(buf.Bytes())
	if err != nil {
		// Every value was folded to Shift_JIS: this is a bug, not input.
		return nil, "", "", nil, fmt.Errorf("encode %s as Shift_JIS: %w", carrier, err)
	}
	return data, CSVContentType, fmt.Sprintf("%s-%s.csv", carrier, day.Format("20060102")), warnings, nil
}

// layout is one carrier's import file.
type layout struct {
	// carrier is the orders.ShippingMethod.Carrier the layout ships.
	carrier string
	columns []column
	// maxRows is the most parcels a file takes; 0 means no limit.
	maxRows int
	// check refuses a shop the layout cannot send from.
	check func(Shop) error
	// fill sets a parcel's row.
	fill func(r *row, shop Shop, p Parcel, day time.Time)
}

var layouts = map[string]layout{
	CarrierYamatoB2:  yamatoB2,
	CarrierClickPost: clickPost,
}

// column is one column of a layout: its header and its length in
// half-width units (Shift_JIS bytes).
type column struct {
	name string
	max  int
}

// row is one parcel's values, set by column number from 1 as the
// carriers' documents count them, with the warnings of its changes.
type row struct {
	columns  []column
	values   []string
	orderID  string
	warnings []Warning
}

func newRow(cols []column, orderID string) *row {
	return &row{columns: cols, values: make([]string, len(cols)), orderID: orderID}
}

func (r *row) warn(field, format string, args ...any) {
	r.warnings = append(r.warnings, Warning{OrderID: r.orderID, Field: field, Message: fmt.Sprintf(format, args...)})
}

// fold folds s to Shift_JIS, warning of each change under column n.
func (r *row) fold(n int, s string) string {
	s, changes := Fold(strings.TrimSpace(s), sjisCan)
	if len(changes) > 0 {
		r.warn(r.columns[n-1].name, "not in Shift_JIS: %s", strings.Join(changes, ", "))
	}
	return s
}

// set puts s, folded, in column n, cut to the column's length with a
// warning.
func (r *row) set(n int, s string) {
	s = r.fold(n, s)
	c := r.columns[n-1]
	if head, tail := cutWidth(s, c.max); tail != "" {
		r.warn(c.name, "cut to %d half-width characters: %q dropped", c.max, tail)
		s = head
	}
	r.values[n-1] = s
}

// piece is one part of an address for spread: its text, and the first
// field it may go in.
type piece struct {
	text  string
	first int
}

// spread lays address pieces into the columns ns in turn: a piece goes
// after the text of the current column when it fits there, else into the
// next column, and one longer than a column is broken between characters.
// Text past the last column is cut with a warning under the first.
func (r *row) spread(ns []int, pieces []piece) {
	vals := make([]string, len(ns))
	i := 0
	for _, p := range pieces {
		text := r.fold(ns[0], p.text)
		if text == "" {
			continue
		}
		if p.first > i && vals[i] != "" {
			i = min(p.first, len(ns))
		}
		for text != "" {
			if i >= len(ns) {
				r.warn(r.columns[ns[0]-1].name, "address too long for the label: %q dropped", text)
				break
			}
			max := r.columns[ns[i]-1].max
			room := max - sjisWidth(vals[i])
			if sjisWidth(text) <= room {
				vals[i] += text
				break
			}
			if vals[i] != "" && i+1 < len(ns) && sjisWidth(text) <= r.columns[ns[i+1]-1].max {
				i++
				continue
			}
			head, tail := cutWidth(text, room)
			vals[i] += head
			text = tail
			i++
		}
	}
	for k, n := range ns {
		r.values[n-1] = vals[k]
	}
}

// itemsSummary is what a label says is inside: the first item's title,
// and "他N点" for the rest.
func itemsSummary(p Parcel) (first, rest string) {
	first = p.Items[0].Title
	if n := len(p.Items) - 1; n > 0 {
		rest = fmt.Sprintf("他%d点", n)
	}
	return first, rest
}
