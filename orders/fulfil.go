package orders

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"oshigoods"
)

// The fulfilment use cases: a print shop reports a printed order shipped
// with its carrier and tracking number, and a download is delivered when
// its link is issued to the fan.

// Carriers knows the carriers a shop ships with: their tracking-number
// rules and the fan's tracking page. Package fulfil implements it.
type Carriers interface {
	// CheckTracking returns the carrier's tracking number as stored
	// (digits, or letters and digits, without separators) or an
	// EUNPROCESSABLE error naming field and the carrier's rule, or the
	// carrier when it is unknown.
	CheckTracking(carrier, number, field string) (string, error)
	// TrackingURL is the carrier's public tracking page for the number;
	// "" when it has none.
	TrackingURL(carrier, number string) string
	// CarrierName is the carrier's name as a fan reads it, e.g. ヤマト運輸.
	CarrierName(carrier string) string
}

// NewShipment is a print shop's report that an order left: the carrier's
// id ("yamato", "japanpost", "sagawa") and its tracking number.
type NewShipment struct {
	Carrier        string `json:"carrier"`
	TrackingNumber string `json:"tracking_number"`
}

// MarkShipped records that the shop shipped a printed order of its own
// and returns the order: its printed items become shipped, the fan is
// mailed the carrier and tracking number and sees them on the order page.
// A repeat with the same carrier and number is a no-op. ENOTFOUND if there
// is no such order or it is another shop's; EUNPROCESSABLE naming
// "carrier" or "tracking_number" when the carrier is unknown or the
// number breaks its rule; ECONFLICT if the order is not printed, or was
// shipped with another number.
func (s *Service) MarkShipped(ctx context.Context, shop *ShopKey, orderID string, req NewShipment) (*Order, error) {
	if _, err := s.shopOrder(ctx, shop, orderID); err != nil {
		return nil, err
	}
	sh, err := s.checkShipment(req)
	if err != nil {
		return nil, err
	}
	sh.ShippedAt = s.now()
	changed, err := s.Store.MarkShipped(ctx, orderID, sh)
	if err != nil {
		return nil, err
	}
	if changed {
		s.audit(ctx, ShopActor(shop), "shipped", orderID, "carrier="+sh.Carrier)
		s.log().Info("order shipped", "order", orderID, "shop", shop.Name, "carrier", sh.Carrier)
	}
	return s.Store.Order(ctx, orderID)
}

// checkShipment checks a shipment's carrier and tracking number with
// Carriers (any carrier id of a-z and a number of letters and digits
// without it).
func (s *Service) checkShipment(req NewShipment) (Shipment, error) {
	carrier := strings.ToLower(strings.TrimSpace(req.Carrier))
	if carrier == "" {
		return Shipment{}, oshigoods.FieldErrorf("carrier", "carrier is required, e.g. yamato, japanpost or sagawa.")
	}
	if s.Carriers != nil {
		n, err := s.Carriers.CheckTracking(carrier, req.TrackingNumber, "tracking_number")
		if err != nil {
			return Shipment{}, err
		}
		return Shipment{Carrier: carrier, TrackingNumber: n}, nil
	}
	n := strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, strings.TrimSpace(req.TrackingNumber))
	if n == "" || len(n) > 32 || strings.IndexFunc(n, func(r rune) bool {
		return !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z')
	}) >= 0 {
		return Shipment{}, oshigoods.FieldErrorf("tracking_number", "tracking_number must be 1 to 32 digits or capital letters; got %q.", req.TrackingNumber)
	}
	return Shipment{Carrier: carrier, TrackingNumber: n}, nil
}

// ShipmentView is a shipment as the fan sees it: the carrier's name and
// its tracking page.
type ShipmentView struct {
	Shipment
	CarrierName string `json:"carrier_name"`
	TrackingURL string `json:"tracking_url,omitempty"`
}

// ViewShipment returns o's shipment for the fan, nil before it ships.
func (s *Service) ViewShipment(o *Order) *ShipmentView {
	if o.Shipment == nil {
		return nil
	}
	v := &ShipmentView{Shipment: *o.Shipment, CarrierName: o.Shipment.Carrier}
	if s.Carriers != nil {
		v.CarrierName = s.Carriers.CarrierName(o.Shipment.Carrier)
		v.TrackingURL = s.Carriers.TrackingURL(o.Shipment.Carrier, o.Shipment.TrackingNumber)
	}
	return v
}

// IssueDownloads marks the order's ready downloads delivered, as their
// links are now issued to the fan (the order view shows them; the ready
// e-mail carries them), and returns the order as it is then. An order
// with none is returned as it is.
func (s *Service) IssueDownloads(ctx context.Context, o *Order) (*Order, error) {
	ready := false
	for _, it := range o.Items {
		ready = ready || (it.Status == StatusReady && DeliveryOf(it.Kind) == DeliveryDigital)
	}
	if !ready {
		return o, nil
	}
	changed, err := s.Store.DeliverDigital(ctx, o.ID, s.now())
	if err != nil {
		return nil, fmt.Errorf("deliver downloads: %w", err)
	}
	if !changed {
		return o, nil
	}
	return s.Store.Order(ctx, o.ID)
}

// TimelineStep is one step an order took, for the fan's order page:
// "received", "paid", "ready", "printed", "shipped" or "delivered", and
// when.
type TimelineStep struct {
	Step string    `json:"step"`
	At   time.Time `json:"at"`
}

// Timeline returns the steps o has taken, in order: received when it was
// stored, paid when its payment was confirmed, and the first time it
// became ready, printed, shipped or delivered (its events). The order
// CreateOrder has just stored has no events yet: its timeline is made
// without the store.
func (s *Service) Timeline(ctx context.Context, o *Order) ([]TimelineStep, error) {
	steps := []TimelineStep{{Step: "received", At: o.CreatedAt}}
	if !o.Payment.PaidAt.IsZero() {
		steps = append(steps, TimelineStep{Step: "paid", At: o.Payment.PaidAt})
	}
	if o.created {
		return steps, nil // CreateOrder's: no event yet
	}
	events, err := s.Store.Events(ctx, o.ID)
	if err != nil {
		return nil, fmt.Errorf("load events: %w", err)
	}
	seen := map[string]bool{}
	for _, e := range events {
		step := strings.TrimPrefix(e.Type, "order.")
		switch e.Type {
		case EventOrderReady, EventOrderPrinted, EventOrderShipped, EventOrderDelivered:
			if !seen[step] {
				seen[step] = true
				steps = append(steps, TimelineStep{Step: step, At: e.CreatedAt})
			}
		}
	}
	return steps, nil
}

// Parcel is one order's physical goods as they leave the print shop: one
// box or envelope, one packing slip page, one carrier label.
type Parcel struct {
	// OrderID is the order's id ("ord_…"): the slip's QR code, the
	// label's お客様管理番号, and what a piece's slug starts with.
	OrderID string
	// OrderedAt is when the fan ordered; the slip prints its date in
	// Japan time.
	OrderedAt time.Time
	// Recipient is the shipping address (ShippingAddress, as
	// normalised and validated at checkout).
	Recipient ShippingAddress
	// Method is the order's shipping method; its ID and Carrier choose
	// the label type (送り状種類).
	Method ShippingMethod
	// Items are the physical items in the parcel, in order. At least one.
	Items []ParcelItem
	// Note is a message to the fan printed on the slip (備考), e.g. "お誕生日
	// おめでとうございます". Optional; it never goes on the carrier label.
	Note string
}

// ParcelItem is one item in a parcel.
type ParcelItem struct {
	ItemID string
	// Title is the good's name as the fan knows it, e.g. "推しとの合成写真 L判".
	Title string
	// Quantity is the number of copies, at least 1.
	Quantity int
	// UnitPrice is the price of one copy, tax included; the slip shows it
	// only when asked to (fulfil.WithPrices).
	UnitPrice Yen
	// Thumbnail is a JPEG or PNG preview of the item for the slip; nil
	// draws a placeholder box.
	Thumbnail []byte
}

// Tracking is one issued label read back from a carrier's export: the
// order it ships and its tracking number.
type Tracking struct {
	OrderID string
	Number  string
}

// PackingDocs lays out a claim's parcels for the print shop (package
// fulfil implements it with the operator's shop as the sender).
type PackingDocs interface {
	// PackingSlips returns a PDF of one packing slip (納品書) per parcel.
	PackingSlips(ctx context.Context, parcels []Parcel) ([]byte, error)
	// CarrierCSV returns the carrier's label-import file for the parcels
	// (layout e.g. "yamato-b2"), with what it had to alter to fit.
	CarrierCSV(layout string, parcels []Parcel, shipDate time.Time) (data []byte, contentType, filename string, warnings []string, err error)
	// ParseTracking reads the carrier's export of issued labels.
	ParseTracking(layout string, r io.Reader) ([]Tracking, error)
	// CarrierOf is the carrier a layout's labels go with ("yamato-b2" →
	// "yamato"), "" for an unknown layout.
	CarrierOf(layout string) string
}

// ClaimParcels returns the parcels of a claim of the shop's: one per order
// with printed goods not yet shipped, with its recipient, method and
// items, each with its preview as the thumbnail. Orders without an
// address (downloads only, or erased) have none. ENOTFOUND if there is no
// such claim or it is another shop's.
func (s *Service) ClaimParcels(ctx context.Context, shop *ShopKey, claimID string) (*Claim, []Parcel, error) {
	c, err := s.ShopClaim(ctx, shop, claimID)
	if err != nil {
		return nil, nil, err
	}
	var parcels []Parcel
	for _, o := range c.Orders {
		if o.ShippingAddress == nil || o.Shipment != nil {
			continue
		}
		p := Parcel{OrderID: o.ID, OrderedAt: o.CreatedAt, Recipient: *o.ShippingAddress}
		if m, err := s.Shipping.Method(o.ShippingMethod, ""); err == nil {
			p.Method = m
		} else {
			p.Method = ShippingMethod{ID: o.ShippingMethod, Name: o.ShippingMethod}
		}
		for _, it := range o.Items {
			if it.Status == StatusCancelled || DeliveryOf(it.Kind) != DeliveryPhysical {
				continue
			}
			pi := ParcelItem{ItemID: it.ID, Title: it.Template, Quantity: it.Quantity, UnitPrice: it.UnitPrice}
			if tpl, err := s.Catalog.Template(it.Template); err == nil {
				pi.Title = tpl.Info().Title
			}
			for _, f := range it.Files {
				if f.Role == RolePreview && strings.HasPrefix(f.ContentType, "image/") {
					if pi.Thumbnail, err = s.Files.Get(ctx, f.Key); err != nil {
						return nil, nil, fmt.Errorf("fetch preview of %s: %w", it.ID, err)
					}
					break
				}
			}
			p.Items = append(p.Items, pi)
		}
		if len(p.Items) > 0 {
			parcels = append(parcels, p)
		}
	}
	return c, parcels, nil
}

// errNoPackingDocs is the answer when the installation has no PackingDocs.
var errNoPackingDocs = oshigoods.Errorf(oshigoods.ENOTFOUND, "Packing documents are not configured on this server.")

// PackingSlips returns the packing slips of a claim of the shop's, one
// page per parcel (ClaimParcels). ENOTFOUND as ClaimParcels; ECONFLICT
// when no order of the claim is left to ship.
func (s *Service) PackingSlips(ctx context.Context, shop *ShopKey, claimID string) ([]byte, error) {
	if s.Packing == nil {
		return nil, errNoPackingDocs
	}
	_, parcels, err := s.ClaimParcels(ctx, shop, claimID)
	if err != nil {
		return nil, err
	}
	if len(parcels) == 0 {
		return nil, oshigoods.Errorf(oshigoods.ECONFLICT, "No order of claim %s is left to ship.", claimID)
	}
	return s.Packing.PackingSlips(ctx, parcels)
}

// ShippingCSV returns the carrier's label-import file for a claim of the
// shop's (layout e.g. "yamato-b2"), dated today in Japan time, with the
// changes made to fit the layout. ENOTFOUND and ECONFLICT as PackingSlips;
// EUNPROCESSABLE on "carrier" for an unknown layout.
func (s *Service) ShippingCSV(ctx context.Context, shop *ShopKey, claimID, layout string) (data []byte, contentType, filename string, warnings []string, err error) {
	if s.Packing == nil {
		return nil, "", "", nil, errNoPackingDocs
	}
	if s.Packing.CarrierOf(layout) == "" {
		return nil, "", "", nil, oshigoods.FieldErrorf("carrier", "carrier must be a label layout such as yamato-b2 or japanpost-clickpost; got %q.", layout)
	}
	_, parcels, err := s.ClaimParcels(ctx, shop, claimID)
	if err != nil {
		return nil, "", "", nil, err
	}
	if len(parcels) == 0 {
		return nil, "", "", nil, oshigoods.Errorf(oshigoods.ECONFLICT, "No order of claim %s is left to ship.", claimID)
	}
	return s.Packing.CarrierCSV(layout, parcels, s.now())
}

// ImportedTracking is the outcome of one row of a tracking import.
type ImportedTracking struct {
	OrderID        string `json:"order_id"`
	TrackingNumber string `json:"tracking_number"`
	// Status is "shipped", "unchanged" (shipped before with this number)
	// or "error" with Error saying why.
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
}

// ImportTracking reads the carrier's export of issued labels (layout
// e.g. "yamato-b2") for a claim of the shop's and marks each order of the
// claim it names shipped (MarkShipped), row by row: a row for an order
// not in the claim, or that cannot ship, is reported and the others go
// on. ENOTFOUND as ClaimParcels; EUNPROCESSABLE when the file cannot be
// read as the layout.
func (s *Service) ImportTracking(ctx context.Context, shop *ShopKey, claimID, layout string, r io.Reader) ([]ImportedTracking, error) {
	if s.Packing == nil {
		return nil, errNoPackingDocs
	}
	carrier := s.Packing.CarrierOf(layout)
	if carrier == "" {
		return nil, oshigoods.FieldErrorf("carrier", "carrier must be a label layout such as yamato-b2; got %q.", layout)
	}
	c, err := s.ShopClaim(ctx, shop, claimID)
	if err != nil {
		return nil, err
	}
	rows, err := s.Packing.ParseTracking(layout, r)
	if err != nil {
		return nil, err
	}
	inClaim := map[string]bool{}
	for _, o := range c.Orders {
		inClaim[o.ID] = true
	}
	out := make([]ImportedTracking, 0, len(rows))
	for _, row := range rows {
		res := ImportedTracking{OrderID: row.OrderID, TrackingNumber: row.Number, Status: "shipped"}
		if !inClaim[row.OrderID] {
			res.Status, res.Error = "error", "the order is not in this claim"
			out = append(out, res)
			continue
		}
		before, err := s.Store.Order(ctx, row.OrderID)
		if err == nil && before.Shipment != nil {
			res.Status = "unchanged"
		}
		if _, err := s.MarkShipped(ctx, shop, row.OrderID, NewShipment{Carrier: carrier, TrackingNumber: row.Number}); err != nil {
			res.Status, res.Error = "error", oshigoods.ErrorMessage(err)
		}
		out = append(out, res)
	}
	return out, nil
}
