package api

import (
	"context"
	"time"

	"oshigoods/orders"
	"oshigoods/render"
)

type orderView struct {
	ID       string          `json:"id"`
	Token    string          `json:"token,omitempty"`
	Status   orders.Status   `json:"status"`
	Customer orders.Customer `json:"customer"`
	Items    []itemView      `json:"items"`
	// ShippingAddress is where the printed goods go; absent for a
	// digital-only order (and once erased).
	ShippingAddress *orders.ShippingAddress `json:"shipping_address,omitempty"`
	ShippingMethod  string                  `json:"shipping_method,omitempty"`
	Totals          orders.Totals           `json:"totals"`
	Payment         paymentView             `json:"payment"`
	// Shipment is the carrier, tracking number and tracking page once the
	// printed goods shipped.
	Shipment *orders.ShipmentView `json:"shipment,omitempty"`
	// Delayed is true while an item waits on a retry because a render
	// failed for a reason that passes (a service briefly unavailable, the
	// decode budget full); DelayReason, then, is the first such item's
	// reason in plain words.
	Delayed     bool   `json:"delayed"`
	DelayReason string `json:"delay_reason,omitempty"`
	// Timeline is the steps the order took with their times, for the
	// fan's page.
	Timeline  []orders.TimelineStep `json:"timeline"`
	CreatedAt time.Time             `json:"created_at"`
	UpdatedAt time.Time             `json:"updated_at"`
	// ErasedAt is when the order's personal data was erased; absent if
	// it was not.
	ErasedAt *time.Time `json:"erased_at,omitempty"`
}

type itemView struct {
	ID       string      `json:"id"`
	Template string      `json:"template"`
	Kind     render.Kind `json:"kind"`
	Quantity int         `json:"quantity"`
	// UnitPrice is one piece's price when it was ordered.
	UnitPrice orders.Price      `json:"unit_price"`
	Fields    map[string]string `json:"fields"`
	Status    orders.Status     `json:"status"`
	Error     string            `json:"error,omitempty"`
	// TemplateVersion is the template version the item was taken and is
	// made with; absent for an item taken before versions were recorded.
	TemplateVersion string `json:"template_version,omitempty"`
	// Delayed is true while the item waits on a retry after a render
	// failed for a reason that passes; DelayReason says why, in plain
	// words. Both clear when a render completes it.
	Delayed     bool   `json:"delayed"`
	DelayReason string `json:"delay_reason,omitempty"`
	// Warnings are the fan's order-time warnings and, once rendered, the
	// render's, merged (order-time first, each once).
	Warnings []string `json:"warnings,omitempty"`
	// Preflight is the print file's check, once rendered (when the
	// renderer makes one).
	Preflight *render.Preflight `json:"preflight,omitempty"`
	Files     []fileView        `json:"files,omitempty"`
}

// paymentView is the order's payment, with the account to transfer to
// while a bank transfer is pending.
type paymentView struct {
	orders.Payment
	Bank *orders.BankAccount `json:"bank,omitempty"`
}

type fileView struct {
	Name        string      `json:"name"`
	Role        render.Role `json:"role"`
	ContentType string      `json:"content_type"`
	Size        int64       `json:"size"`
	SHA256      string      `json:"sha256"`
	URL         string      `json:"url"`
}

// viewOrder renders an order for the API, with presigned file URLs.
func (s *Server) viewOrder(ctx context.Context, o *orders.Order) (orderView, error) {
	v := orderView{ID: o.ID, Status: o.Status, Customer: o.Customer, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt, Items: []itemView{},
		ShippingAddress: o.ShippingAddress, ShippingMethod: o.ShippingMethod, Totals: o.Totals,
		Payment: paymentView{Payment: o.Payment, Bank: s.svc.BankFor(o)}, Shipment: s.svc.ViewShipment(o)}
	if !o.ErasedAt.IsZero() {
		v.ErasedAt = &o.ErasedAt
	}
	v.DelayReason, v.Delayed = o.Delay()
	tl, err := s.svc.Timeline(ctx, o)
	if err != nil {
		return v, err
	}
	v.Timeline = tl
	for _, it := range o.Items {
		iv := itemView{ID: it.ID, Template: it.Template, Kind: it.Kind, Quantity: it.Quantity, UnitPrice: orders.JPY(it.UnitPrice), Fields: it.Fields, Status: it.Status, Error: it.Error, Warnings: it.Warnings, Preflight: it.Preflight, TemplateVersion: it.TemplateVersion}
		if it.Delayed() {
			iv.Delayed, iv.DelayReason = true, it.DelayReason
		}
		for _, f := range it.Files {
			url, err := s.svc.FileURL(ctx, f)
			if err != nil {
				return v, err
			}
			iv.Files = append(iv.Files, fileView{f.Name, f.Role, f.ContentType, f.Size, f.SHA256, url})
		}
		v.Items = append(v.Items, iv)
	}
	return v, nil
}
