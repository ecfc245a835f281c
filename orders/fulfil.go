package orders

import (
	"context"
	"fmt"
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
// became ready, printed, shipped or delivered (its events).
func (s *Service) Timeline(ctx context.Context, o *Order) ([]TimelineStep, error) {
	steps := []TimelineStep{{Step: "received", At: o.CreatedAt}}
	if !o.Payment.PaidAt.IsZero() {
		steps = append(steps, TimelineStep{Step: "paid", At: o.Payment.PaidAt})
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
