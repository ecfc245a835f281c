package orders

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"oshigoods"
)

// Checkout's vocabulary: prices, shipping addresses, shipping methods and
// the totals of an order. Money is whole yen (Yen), never a float.

// Yen is an amount of money in Japanese yen, tax included (総額表示).
type Yen int64

// Currency is the only currency the shop sells in.
const Currency = "JPY"

// Price is an amount with its currency, as the API shows it:
// {"amount": 880, "currency": "JPY"}.
type Price struct {
	Amount   Yen    `json:"amount"`
	Currency string `json:"currency"`
}

// JPY returns the Price of n yen.
func JPY(n Yen) Price { return Price{Amount: n, Currency: Currency} }

// TaxRate is the consumption tax rate included in every price: 10 % (the
// standard rate; printed goods and downloads are not food, so the reduced
// 8 % rate never applies). Shipping is taxed at the same rate.
const TaxRatePercent = 10

// IncludedTax returns the consumption tax included in a tax-inclusive
// amount, rounded down (切り捨て), as an invoice shows it: the tax of the
// whole amount at one rate, computed once, not summed per line.
func IncludedTax(total Yen) Yen {
	return total * TaxRatePercent / (100 + TaxRatePercent)
}

// DeliveryMode says how a good reaches the fan.
type DeliveryMode string

const (
	// DeliveryPhysical goods are printed by a shop and shipped to the
	// order's shipping address (photos, cards).
	DeliveryPhysical DeliveryMode = "physical"
	// DeliveryDigital goods are downloaded (voice clips); they need no
	// address and no shipping.
	DeliveryDigital DeliveryMode = "digital"
)

// DeliveryOf returns the delivery mode of a kind: digital for voice clips,
// physical for everything printed.
func DeliveryOf(k Kind) DeliveryMode {
	if k == KindVoice {
		return DeliveryDigital
	}
	return DeliveryPhysical
}

// Prefectures are the 47 prefectures in JIS X 0401 order, as an address
// names them.
var Prefectures = [47]string{
	"北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県",
	"茨城県", "栃木県", "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県",
	"新潟県", "富山県", "石川県", "福井県", "山梨県", "長野県", "岐阜県",
	"静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府", "兵庫県",
	"奈良県", "和歌山県", "鳥取県", "島根県", "岡山県", "広島県", "山口県",
	"徳島県", "香川県", "愛媛県", "高知県", "福岡県", "佐賀県", "長崎県",
	"熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県",
}

// ShippingAddress is where a physical order goes: a Japanese domestic
// address and its recipient.
type ShippingAddress struct {
	// PostalCode is 〒 as "123-4567" once normalised (Normalize); the fan
	// may type "1234567", full-width digits or a leading 〒.
	PostalCode string `json:"postal_code"`
	// Prefecture is one of Prefectures.
	Prefecture string `json:"prefecture"`
	// City is the city, ward, town or village (市区町村), with the town
	// name if the fan puts it here.
	City string `json:"city"`
	// Line1 is the rest of the street address (町域・番地).
	Line1 string `json:"line1"`
	// Line2 is the building and room, optional.
	Line2 string `json:"line2,omitempty"`
	// Name is the recipient (宛名).
	Name string `json:"name"`
	// Phone is a Japanese phone number, 10 or 11 digits from 0 once
	// normalised ("09012345678"); hyphens, spaces, full-width digits and
	// +81 are accepted on input.
	Phone string `json:"phone"`
}

// FullAddress is the address on one line as a label reads it: prefecture,
// city, line1 and, after a full-width space, line2.
func (a ShippingAddress) FullAddress() string {
	s := a.Prefecture + a.City + a.Line1
	if a.Line2 != "" {
		s += "　" + a.Line2
	}
	return s
}

// FormatPhone writes a normalised phone number as Japanese write it: a
// mobile or IP number (070, 080, 090, 050) 3-4-4, a 03 or 06 number 2-4-4,
// another 10-digit number 3-3-4; anything else as it is.
func FormatPhone(p string) string {
	if !phoneRE.MatchString(p) {
		return p
	}
	switch {
	case len(p) == 11:
		return p[:3] + "-" + p[3:7] + "-" + p[7:]
	case strings.HasPrefix(p, "03") || strings.HasPrefix(p, "06"):
		return p[:2] + "-" + p[2:6] + "-" + p[6:]
	}
	return p[:3] + "-" + p[3:6] + "-" + p[6:]
}

// Address field limits, in characters. The carriers' label imports cut at
// about these lengths (ヤマト B2: 住所 32 + 建物 16 全角, 名前 16 全角), so
// longer values would be cut on the label.
const (
	MaxCityChars  = 32
	MaxLine1Chars = 32
	MaxLine2Chars = 32
	MaxNameChars  = 32
)

var (
	postalRE = regexp.MustCompile(`^[0-9]{3}-?[0-9]{4}$`)
	phoneRE  = regexp.MustCompile(`^0[0-9]{9,10}$`)
)

// widthFold maps full-width digits, hyphens and spaces to ASCII, as Japanese
// phone keyboards type them.
var widthFold = strings.NewReplacer(
	"０", "0", "１", "1", "２", "2", "３", "3", "４", "4", "５", "5", "６", "6", "７", "7", "８", "8", "９", "9",
	"－", "-", "ー", "-", "‐", "-", "‑", "-", "–", "-", "—", "-", "―", "-", "−", "-", "　", " ", "＋", "+", "（", "(", "）", ")",
)

// Normalize returns a with surrounding spaces trimmed, the postal code as
// "123-4567" and the phone as its digits, when they can be read so; values
// that cannot are left for Validate to refuse.
func (a ShippingAddress) Normalize() ShippingAddress {
	trim := func(s string) string { return strings.TrimSpace(strings.ReplaceAll(s, "　", " ")) }
	a.Prefecture, a.City, a.Line1, a.Line2, a.Name = trim(a.Prefecture), trim(a.City), trim(a.Line1), trim(a.Line2), trim(a.Name)
	pc := strings.TrimSpace(widthFold.Replace(a.PostalCode))
	pc = strings.TrimSpace(strings.TrimPrefix(pc, "〒"))
	if postalRE.MatchString(pc) {
		pc = strings.ReplaceAll(pc, "-", "")
		pc = pc[:3] + "-" + pc[3:]
	}
	a.PostalCode = pc
	ph := strings.TrimSpace(widthFold.Replace(a.Phone))
	digits := strings.Map(func(r rune) rune {
		switch r {
		case '-', ' ', '(', ')':
			return -1
		}
		return r
	}, ph)
	if strings.HasPrefix(digits, "+81") {
		digits = "0" + strings.TrimPrefix(strings.TrimPrefix(digits, "+81"), "0")
	}
	if phoneRE.MatchString(digits) {
		ph = digits
	}
	a.Phone = ph
	return a
}

// Validate checks a normalised address (Normalize): every field but Line2
// present, the postal code 7 digits, the prefecture one of the 47, the
// phone a Japanese number, each within its length and free of control
// characters. The error is EUNPROCESSABLE naming the field under prefix,
// e.g. "shipping_address.postal_code".
func (a ShippingAddress) Validate(prefix string) error {
	type field struct {
		name, value string
		max         int
		optional    bool
	}
	for _, f := range []field{
		{"name", a.Name, MaxNameChars, false},
		{"postal_code", a.PostalCode, 8, false},
		{"prefecture", a.Prefecture, 4, false},
		{"city", a.City, MaxCityChars, false},
		{"line1", a.Line1, MaxLine1Chars, false},
		{"line2", a.Line2, MaxLine2Chars, true},
		{"phone", a.Phone, 20, false},
	} {
		name := prefix + f.name
		if f.value == "" {
			if f.optional {
				continue
			}
			return oshigoods.FieldErrorf(name, "%s is required.", name)
		}
		if n := utf8.RuneCountInString(f.value); n > f.max {
			return oshigoods.FieldErrorf(name, "%s is at most %d characters; got %d.", name, f.max, n)
		}
		if err := CheckText(name, f.value, false); err != nil {
			return err
		}
	}
	if !postalRE.MatchString(a.PostalCode) {
		return oshigoods.FieldErrorf(prefix+"postal_code", "%spostal_code must be 7 digits, like 123-4567 or 1234567; got %q.", prefix, a.PostalCode)
	}
	if !slices.Contains(Prefectures[:], a.Prefecture) {
		return oshigoods.FieldErrorf(prefix+"prefecture", "%sprefecture must be one of the 47 prefectures, written as 東京都, 大阪府, 北海道 or 神奈川県; got %q.", prefix, a.Prefecture)
	}
	if !phoneRE.MatchString(a.Phone) {
		return oshigoods.FieldErrorf(prefix+"phone", "%sphone must be a Japanese phone number of 10 or 11 digits starting with 0, like 090-1234-5678; got %q.", prefix, a.Phone)
	}
	return nil
}

// ShippingMethod is one way the operator ships physical goods.
type ShippingMethod struct {
	// ID names it in requests, e.g. "nekopos".
	ID string `json:"id"`
	// Name is what a fan reads, e.g. "ネコポス".
	Name string `json:"name"`
	// Carrier is the carrier that takes it, e.g. "yamato".
	Carrier string `json:"carrier"`
	// Fee is what it costs, tax included.
	Fee Yen `json:"fee"`
	// FreeFrom is the items' subtotal from which it is free; 0 means never.
	FreeFrom Yen `json:"free_from,omitempty"`
	// MaxItems is the most pieces (quantities added up) one parcel of it
	// holds; 0 means no limit. An order with more cannot use it.
	MaxItems int `json:"max_items,omitempty"`
}

// Shipping is the operator's shipping configuration: the methods a fan can
// choose and which one is chosen when a request names none.
type Shipping struct {
	Methods []ShippingMethod
	// Default is the ID of the method used when an order names none;
	// "" means the first.
	Default string
}

// DefaultShipping is the built-in configuration: ネコポス 300 円 (free from
// 5,000 円, up to 20 pieces — prints and cards are thin) and 宅急便コンパクト
// 800 円 for larger orders.
func DefaultShipping() Shipping {
	return Shipping{Methods: []ShippingMethod{
		{ID: "nekopos", Name: "ネコポス", Carrier: "yamato", Fee: 300, FreeFrom: 5000, MaxItems: 20},
		{ID: "compact", Name: "宅急便コンパクト", Carrier: "yamato", Fee: 800, FreeFrom: 10000},
	}}
}

// WithDefaults returns s, or DefaultShipping when it has no method.
func (s Shipping) WithDefaults() Shipping {
	if len(s.Methods) == 0 {
		return DefaultShipping()
	}
	return s
}

var methodIDRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

// Validate reports every method that is malformed: an ID not of
// [a-z0-9_-] (1 to 32), a name missing, a negative fee or threshold, an ID
// twice, and a Default that names no method.
func (s Shipping) Validate() error {
	var errs []error
	seen := map[string]bool{}
	for i, m := range s.Methods {
		f := fmt.Sprintf("Shipping.Methods[%d]", i)
		switch {
		case !methodIDRE.MatchString(m.ID):
			errs = append(errs, &oshigoods.ConfigError{Field: f + ".ID", Value: m.ID, Problem: "must be 1 to 32 of a-z, 0-9, _ and -"})
		case seen[m.ID]:
			errs = append(errs, &oshigoods.ConfigError{Field: f + ".ID", Value: m.ID, Problem: "is given twice"})
		}
		seen[m.ID] = true
		if strings.TrimSpace(m.Name) == "" {
			errs = append(errs, &oshigoods.ConfigError{Field: f + ".Name", Problem: "is empty; give the name a fan reads, e.g. ネコポス"})
		}
		if m.Fee < 0 || m.FreeFrom < 0 || m.MaxItems < 0 {
			errs = append(errs, &oshigoods.ConfigError{Field: f, Value: m.ID, Problem: "has a negative fee, threshold or item limit"})
		}
	}
	if s.Default != "" && !seen[s.Default] {
		errs = append(errs, &oshigoods.ConfigError{Field: "Shipping.Default", Value: s.Default, Problem: "names no shipping method"})
	}
	return errors.Join(errs...)
}

// Method returns the method with the given ID ("" is the default), or an
// EUNPROCESSABLE error naming field.
func (s Shipping) Method(id, field string) (ShippingMethod, error) {
	s = s.WithDefaults()
	if id == "" {
		id = s.Default
		if id == "" {
			return s.Methods[0], nil
		}
	}
	for _, m := range s.Methods {
		if m.ID == id {
			return m, nil
		}
	}
	ids := make([]string, len(s.Methods))
	for i, m := range s.Methods {
		ids[i] = m.ID
	}
	return ShippingMethod{}, oshigoods.FieldErrorf(field, "%s must be one of %s; got %q.", field, strings.Join(ids, ", "), id)
}

// Totals are an order's money, computed by the server from the catalogue's
// prices and the shipping configuration; a client never sends a price.
type Totals struct {
	// Items is the sum of each item's unit price times its quantity.
	Items Yen `json:"items"`
	// Shipping is the shipping fee, 0 for a digital-only order or when
	// the method is free from the items' subtotal.
	Shipping Yen `json:"shipping"`
	// Total is Items plus Shipping: what the fan pays.
	Total Yen `json:"total"`
	// Tax is the consumption tax included in Total (IncludedTax).
	Tax      Yen    `json:"tax"`
	Currency string `json:"currency"`
}

// Line is one priced item for Compute: its unit price, quantity and how it
// is delivered.
type Line struct {
	UnitPrice Yen
	Quantity  int
	Delivery  DeliveryMode
}

// Compute returns the totals of lines shipped by m: the shipping fee is
// charged once when any line is physical, unless the items' subtotal
// reaches m.FreeFrom. It returns an EUNPROCESSABLE error on field when the
// physical pieces exceed m.MaxItems.
func Compute(lines []Line, m ShippingMethod, field string) (Totals, error) {
	t := Totals{Currency: Currency}
	physical, pieces := false, 0
	for _, l := range lines {
		t.Items += l.UnitPrice * Yen(l.Quantity)
		if l.Delivery == DeliveryPhysical {
			physical = true
			pieces += l.Quantity
		}
	}
	if physical {
		if m.MaxItems > 0 && pieces > m.MaxItems {
			return Totals{}, oshigoods.FieldErrorf(field, "%s takes at most %d pieces in one parcel; the order has %d: choose another method.", m.Name, m.MaxItems, pieces)
		}
		if m.FreeFrom <= 0 || t.Items < m.FreeFrom {
			t.Shipping = m.Fee
		}
	}
	t.Total = t.Items + t.Shipping
	t.Tax = IncludedTax(t.Total)
	return t, nil
}
