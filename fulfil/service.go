package fulfil

import (
	"context"
	"io"
	"strings"
	"time"

	"oshigoods"
	"oshigoods/orders"
)

// The adapters orders.Service takes: Carriers (tracking numbers and pages)
// and Docs (packing slips, carrier files and their tracking exports).
var (
	_ orders.Carriers    = Carriers{}
	_ orders.PackingDocs = (*Docs)(nil)
)

// carrierNames are the carriers as a fan reads them.
var carrierNames = map[string]string{"yamato": "ヤマト運輸", "japanpost": "日本郵便", "sagawa": "佐川急便"}

// widthFold maps the full-width digits, letters and hyphens a Japanese
// keyboard types to ASCII, and drops separators.
var widthFold = strings.NewReplacer(
	"０", "0", "１", "1", "２", "2", "３", "3", "４", "4", "５", "5", "６", "6", "７", "7", "８", "8", "９", "9",
	"－", "", "ー", "", "‐", "", "−", "", "-", "", " ", "", "　", "")

// Carriers is orders.Carriers over CheckTracking, TrackingURL and the
// carriers' names.
type Carriers struct{}

// CheckTracking returns number as stored (full-width digits folded,
// hyphens and spaces dropped, letters upper-cased) if the carrier issues
// such a number (CheckTracking); otherwise an EUNPROCESSABLE error naming
// field, or "carrier" for a carrier that is not yamato, japanpost or
// sagawa.
func (Carriers) CheckTracking(carrier, number, field string) (string, error) {
	n := strings.ToUpper(widthFold.Replace(strings.TrimSpace(number)))
	if _, ok := carrierNames[carrier]; !ok {
		return "", oshigoods.FieldErrorf("carrier", "carrier must be yamato, japanpost or sagawa; got %q.", carrier)
	}
	if err := CheckTracking(carrier, n); err != nil {
		e := &oshigoods.Error{Code: oshigoods.EUNPROCESSABLE, Field: field, Message: oshigoods.ErrorMessage(err)}
		return "", e
	}
	return n, nil
}

// TrackingURL is TrackingURL.
func (Carriers) TrackingURL(carrier, number string) string { return TrackingURL(carrier, number) }

// CarrierName is the carrier's name in Japanese, or its id when unknown.
func (Carriers) CarrierName(carrier string) string {
	if n, ok := carrierNames[carrier]; ok {
		return n
	}
	return carrier
}

// Docs is orders.PackingDocs for one shop (the sender): packing slips of
// Size (default A4), with prices when Prices is set.
type Docs struct {
	Shop   Shop
	Size   PageSize
	Prices bool
}

// PackingSlips is PackingSlips with the Docs' shop, size and prices.
func (d *Docs) PackingSlips(ctx context.Context, parcels []orders.Parcel) ([]byte, error) {
	size := d.Size
	if size == "" {
		size = A4
	}
	var opts []SlipOption
	if d.Prices {
		opts = append(opts, WithPrices())
	}
	return PackingSlips(ctx, d.Shop, parcels, size, opts...)
}

// CarrierCSV is CarrierCSV with the Docs' shop; warnings read
// "ord_…: column: what changed".
func (d *Docs) CarrierCSV(layout string, parcels []orders.Parcel, shipDate time.Time) ([]byte, string, string, []string, error) {
	data, ct, name, warns, err := CarrierCSV(layout, d.Shop, parcels, shipDate)
	if e, ok := err.(*oshigoods.Error); ok && strings.HasPrefix(e.Field, "Shop.") {
		// The operator's settings, not the print shop's request.
		return nil, "", "", nil, oshigoods.Errorf(oshigoods.ECONFLICT, "The shop's sender details are incomplete for %s; ask the shop's operator to set them. (%s)", layout, e.Message)
	} else if err != nil {
		return nil, "", "", nil, err
	}
	out := make([]string, len(warns))
	for i, w := range warns {
		out[i] = w.String()
	}
	return data, ct, name, out, nil
}

// ParseTracking is ParseTracking.
func (d *Docs) ParseTracking(layout string, r io.Reader) ([]orders.Tracking, error) {
	return ParseTracking(layout, r)
}

// CarrierOf is the carrier of a label layout: yamato for yamato-b2,
// japanpost for japanpost-clickpost; "" for another.
func (d *Docs) CarrierOf(layout string) string {
	switch layout {
	case CarrierYamatoB2:
		return "yamato"
	case CarrierClickPost:
		return "japanpost"
	}
	return ""
}
