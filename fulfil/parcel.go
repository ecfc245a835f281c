package fulfil

import (
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"oshigoods"
	"oshigoods/orders"
)

// Shop is the operator as the sender of every parcel (ご依頼主): who the
// packing slip comes from and whose address the carrier label shows. It
// comes from configuration; cmd/oshigoods fills it.
type Shop struct {
	// Name is the shop's name as the slip and the label show it, e.g.
	// "推しグッズ工房". Required; at most 16 full-width characters, the
	// label's ご依頼主名.
	Name string
	// PostalCode is the shop's 〒, "123-4567" or "1234567". Required.
	PostalCode string
	// Address is the shop's full address, prefecture first, building
	// included. Required; at most 48 full-width characters (the label's
	// ご依頼主住所 and its building line).
	Address string
	// Phone is the shop's phone number, 10 or 11 digits from 0, hyphens
	// allowed ("03-1234-5678"). Required: every carrier asks for it.
	Phone string
	// Email is the address a fan writes to about a parcel; optional, shown
	// on the slip.
	Email string

	// YamatoCustomerCode is the B2クラウド contract's ご請求先顧客コード,
	// 10 to 12 digits (usually the contract phone number and a 2-digit
	// branch). Needed only for the yamato-b2 CSV, which B2クラウド refuses
	// without it.
	YamatoCustomerCode string
	// YamatoClassCode is the ご請求先分類コード, 3 digits; optional.
	YamatoClassCode string
	// YamatoFreightCode is the 運賃管理番号, 2 digits. Empty is "01", the
	// code of a contract's first fare table.
	YamatoFreightCode string
}

var (
	shopPostalRE = regexp.MustCompile(`^[0-9]{3}-?[0-9]{4}$`)
	shopPhoneRE  = regexp.MustCompile(`^0[0-9-]{9,14}$`)
	yamatoCodeRE = regexp.MustCompile(`^[0-9]{10,12}$`)
	classCodeRE  = regexp.MustCompile(`^[0-9]{3}$`)
	freightRE    = regexp.MustCompile(`^[0-9]{2}$`)
)

// Validate reports every field that is missing or malformed, one
// *oshigoods.ConfigError each (errors.Join): a name, postal code, address
// or phone missing or not of its form; a name or address longer than the
// carrier label holds, or holding a character Shift_JIS cannot; an email
// that is not one address; a Yamato code not of its digits.
func (s Shop) Validate() error {
	var errs []error
	bad := func(field, value, problem string) {
		errs = append(errs, &oshigoods.ConfigError{Field: "Shop." + field, Value: value, Problem: problem})
	}
	required := map[string]string{"Name": s.Name, "PostalCode": s.PostalCode, "Address": s.Address, "Phone": s.Phone}
	for _, f := range []string{"Name", "PostalCode", "Address", "Phone"} {
		if strings.TrimSpace(required[f]) == "" {
			bad(f, required[f], "is required")
		}
	}
	if s.Name != "" {
		if _, ch := Fold(s.Name, sjisCan); len(ch) > 0 {
			bad("Name", s.Name, "has characters a Shift_JIS carrier label cannot hold: "+strings.Join(ch, ", "))
		} else if n := sjisWidth(s.Name); n > 32 {
			bad("Name", s.Name, fmt.Sprintf("is longer than a carrier label's sender name: at most 16 full-width or 32 half-width characters, got %d half-width", n))
		}
	}
	if s.Address != "" {
		if _, ch := Fold(s.Address, sjisCan); len(ch) > 0 {
			bad("Address", s.Address, "has characters a Shift_JIS carrier label cannot hold: "+strings.Join(ch, ", "))
		} else if n := sjisWidth(s.Address); n > 96 {
			bad("Address", s.Address, fmt.Sprintf("is longer than a carrier label's sender address: at most 48 full-width or 96 half-width characters, got %d half-width", n))
		}
	}
	if s.PostalCode != "" && !shopPostalRE.MatchString(s.PostalCode) {
		bad("PostalCode", s.PostalCode, "must be 7 digits, like 123-4567")
	}
	if s.Phone != "" {
		if digits := strings.ReplaceAll(s.Phone, "-", ""); !shopPhoneRE.MatchString(s.Phone) || len(digits) < 10 || len(digits) > 11 {
			bad("Phone", s.Phone, "must be a Japanese phone number of 10 or 11 digits from 0, hyphens allowed")
		}
	}
	if s.Email != "" {
		if a, err := mail.ParseAddress(s.Email); err != nil || a.Address != s.Email {
			bad("Email", s.Email, "must be one bare email address, like shop@example.jp")
		}
	}
	if s.YamatoCustomerCode != "" && !yamatoCodeRE.MatchString(s.YamatoCustomerCode) {
		bad("YamatoCustomerCode", s.YamatoCustomerCode, "must be the 10 to 12 digits of the B2クラウド ご請求先顧客コード")
	}
	if s.YamatoClassCode != "" && !classCodeRE.MatchString(s.YamatoClassCode) {
		bad("YamatoClassCode", s.YamatoClassCode, "must be 3 digits")
	}
	if s.YamatoFreightCode != "" && !freightRE.MatchString(s.YamatoFreightCode) {
		bad("YamatoFreightCode", s.YamatoFreightCode, "must be 2 digits, like 01")
	}
	return errors.Join(errs...)
}

// jst is Japan time: ship dates and order dates are Japan's calendar days.
var jst = time.FixedZone("JST", 9*60*60)

// Parcel and ParcelItem are the domain's (orders.Parcel): the service
// gathers them from a claim, this package lays them out.
type (
	Parcel     = orders.Parcel
	ParcelItem = orders.ParcelItem
)

// validate checks what every output needs of a parcel: an order id, a
// valid recipient, at least one item, each with a title and a quantity.
// Errors are EUNPROCESSABLE naming the field as parcels[i].….
func validateParcel(p Parcel, i int) error {
	f := fmt.Sprintf("parcels[%d].", i)
	if p.OrderID == "" || !utf8.ValidString(p.OrderID) || strings.ContainsAny(p.OrderID, " \t\r\n,\"") {
		return oshigoods.FieldErrorf(f+"order_id", "%sorder_id must be an order id like ord_…; got %q.", f, p.OrderID)
	}
	if err := p.Recipient.Normalize().Validate(f + "recipient."); err != nil {
		return err
	}
	if len(p.Items) == 0 {
		return oshigoods.FieldErrorf(f+"items", "parcel of order %s has no items.", p.OrderID)
	}
	for j, it := range p.Items {
		g := fmt.Sprintf("%sitems[%d].", f, j)
		if strings.TrimSpace(it.Title) == "" {
			return oshigoods.FieldErrorf(g+"title", "%stitle is required (order %s).", g, p.OrderID)
		}
		if it.Quantity < 1 {
			return oshigoods.FieldErrorf(g+"quantity", "%squantity must be at least 1 (order %s); got %d.", g, p.OrderID, it.Quantity)
		}
		if it.UnitPrice < 0 {
			return oshigoods.FieldErrorf(g+"unit_price", "%sunit_price must not be negative (order %s).", g, p.OrderID)
		}
	}
	return nil
}

// recipient returns the parcel's address normalised.
func recipientOf(p Parcel) orders.ShippingAddress { return p.Recipient.Normalize() }
