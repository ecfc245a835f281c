package orders

import (
	"time"
)

// Status is the lifecycle state of an order or an item:
//
//	awaiting_payment → received → queued → rendering → ready → printed → shipped   (printed goods)
//	awaiting_payment → received → queued → rendering → ready → delivered           (downloads)
//
// plus failed and cancelled. An order starts awaiting_payment only when
// the installation takes payment (bank transfer, Stripe) and starts
// received when it does not. An order's status is derived from its items'
// (see DeriveStatus) by the store in the same transaction that changes
// them.
type Status string

const (
	StatusAwaitingPayment Status = "awaiting_payment" // stored, waiting for payment; nothing renders yet
	StatusReceived        Status = "received"         // stored (and paid, if payment is taken), not yet handed to the queue
	StatusQueued          Status = "queued"           // a render task was enqueued (an order taken is stored queued, its tasks enqueued just after)
	StatusRendering       Status = "rendering"        // a worker is rendering it
	StatusReady           Status = "ready"            // every file is rendered and stored
	StatusPrinted         Status = "printed"          // a print shop marked it printed
	StatusShipped         Status = "shipped"          // the print shop handed it to a carrier (Order.Shipment)
	StatusDelivered       Status = "delivered"        // a download: its link was issued to the fan
	StatusFailed          Status = "failed"           // rendering failed; Item.Error says why
	StatusCancelled       Status = "cancelled"        // the fan or the shop cancelled it
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	switch s {
	case StatusAwaitingPayment, StatusReceived, StatusQueued, StatusRendering, StatusReady, StatusPrinted,
		StatusShipped, StatusDelivered, StatusFailed, StatusCancelled:
		return true
	}
	return false
}

// ItemState is what DeriveStatus reads of an item.
type ItemState struct {
	Status Status
	Kind   Kind
}

// DeriveStatus returns an order's status from its items': cancelled when
// all are cancelled; failed when any failed; otherwise the least advanced
// status among the items that are not cancelled, in the order
// awaiting_payment, received, queued, rendering, ready, printed, shipped,
// delivered. In an order that also has printed goods, a download that is
// ready counts as delivered: the order's status then follows the goods the
// print shop makes and ships (so a mixed order whose card was printed is
// printed, not ready again). An order with no items is received.
func DeriveStatus(items []ItemState) Status {
	order := []Status{StatusAwaitingPayment, StatusReceived, StatusQueued, StatusRendering, StatusReady,
		StatusPrinted, StatusShipped, StatusDelivered}
	rank := make(map[Status]int, len(order))
	for i, s := range order {
		rank[s] = i
	}
	physical := false
	for _, it := range items {
		if it.Status != StatusCancelled && DeliveryOf(it.Kind) == DeliveryPhysical {
			physical = true
		}
	}
	least, live := len(order), false
	for _, it := range items {
		s := it.Status
		switch s {
		case StatusFailed:
			return StatusFailed
		case StatusCancelled:
			continue
		}
		live = true
		if physical && s == StatusReady && DeliveryOf(it.Kind) == DeliveryDigital {
			s = StatusDelivered
		}
		if r, ok := rank[s]; ok && r < least {
			least = r
		}
	}
	if !live {
		if len(items) == 0 {
			return StatusReceived
		}
		return StatusCancelled
	}
	return order[least]
}

// Shipment is how a physical order left the print shop.
type Shipment struct {
	// Carrier is the carrier's id: "yamato", "japanpost" or "sagawa".
	Carrier string `json:"carrier"`
	// TrackingNumber is the carrier's number for the parcel (digits and,
	// for some Japan Post services, letters), checked per carrier.
	TrackingNumber string    `json:"tracking_number"`
	ShippedAt      time.Time `json:"shipped_at"`
}

// Customer is who ordered.
type Customer struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// Order is a fan's order of one or more items.
type Order struct {
	ID string
	// TokenHash is the hex SHA-256 of the order token, the fan's capability
	// to read the order. The token itself is never stored.
	TokenHash string
	Status    Status
	Customer  Customer
	// IdempotencyKey is the client's Idempotency-Key in its scope
	// (Idempotency.ScopedKey; "" when none), and RequestHash the hash of
	// the request body it was first used with.
	IdempotencyKey string
	RequestHash    string
	// ShopID is the shop its physical items are routed to (Route); ""
	// while none makes them, or when it has none (voice only).
	ShopID string
	Items  []*Item
	// ShippingAddress is where the physical items go; nil for a
	// digital-only order.
	ShippingAddress *ShippingAddress
	// ShippingMethod is the ID of the shipping method (Shipping.Method);
	// "" for a digital-only order.
	ShippingMethod string
	// Totals are the order's money, computed when it was taken.
	Totals Totals
	// Payment is where its payment stands.
	Payment Payment
	// TermsAcceptedAt is when the fan accepted the shop's terms.
	TermsAcceptedAt time.Time
	// Shipment is set once the order's printed goods shipped; nil before.
	Shipment *Shipment
	// Uploads are the ids of the uploads the items' image fields name. Set
	// when the order is created, so that the store keeps those uploads with
	// the order (the upload sweeper passes them over); not read back.
	Uploads   []string
	CreatedAt time.Time
	UpdatedAt time.Time
	// ErasedAt is when the order's personal data was erased (EraseOrder,
	// or the retention period), zero if it was not. An erased order keeps
	// its ids, items' templates, kinds, quantities, statuses and dates; its
	// customer, fields, warnings, errors and files are gone.
	ErasedAt time.Time

	// created is set on the order CreateOrder has just stored: it has no
	// events yet (Timeline).
	created bool
}

// Item is one good in an order, rendered by one task.
type Item struct {
	ID       string
	OrderID  string
	Seq      int // position in the order, from 0
	Template string
	Kind     Kind
	Quantity int
	// TemplateVersion is the version of the template the item was
	// validated and priced with (TemplateInfo.Version), and so the one it
	// is rendered with, however the catalogue changes after; "" for an
	// item taken before versions were recorded, rendered with the current
	// template.
	TemplateVersion string
	// UnitPrice is the template's price when the item was ordered, tax
	// included; the order's totals are computed from it.
	UnitPrice Yen
	// Fields are the fan's values; image fields hold upload ids.
	Fields map[string]string
	Status Status
	// Error is the public reason for a failed item, "" otherwise.
	Error string
	// Warnings are what the fan was told when ordering (a soft photo, a
	// shrunk name) and, once rendered, merged with the render's own
	// (MergeWarnings): order-time first, each once.
	Warnings []string
	// Preflight is the rendered print file's check, with Warnings copied
	// in; nil until the item is rendered, or when its renderer makes none.
	Preflight *Preflight
	Files     []File
	// Attempts is how many renders of the item started, whatever ended
	// them; Renders.MaxAttempts bounds it.
	Attempts int
	// TaskSeq numbers the item's render task (the queue names the task
	// by it): 0 is the one handed over when it was ordered, and each
	// hand-over under a fresh task, when the last one died, counts one.
	TaskSeq int
	// DelayReason is, while the item waits on a retry because a render
	// failed for a reason that passes (a service briefly unavailable, the
	// decode budget full), the public words for why; "" otherwise. A
	// render that completes the item clears it.
	DelayReason string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// File is a rendered file of an item, stored in the file store under Key.
type File struct {
	ItemID      string
	Name        string
	Role        Role
	ContentType string
	Size        int64
	SHA256      string
	Key         string
}

// Upload is an image a fan uploaded, stored in the file store under Key.
type Upload struct {
	ID        string
	Format    string // "jpeg", "png", …
	Width     int
	Height    int
	Size      int64
	SHA256    string
	Key       string
	CreatedAt time.Time
}

// ShopKey is a print shop's API key, and so the shop: its ID is the shop's
// id (Order.ShopID, Claim.ShopID, WebhookEndpoint.ShopID), which stays when
// the key is rotated. Only the hash of the key is stored.
type ShopKey struct {
	ID   string
	Name string
	Hash string // hex SHA-256 of the key
	// Kinds and Templates are what the shop makes (see Makes), sorted.
	Kinds     []Kind
	Templates []string
	CreatedAt time.Time
	// RevokedAt is when the operator revoked the key; zero while active.
	RevokedAt time.Time
	// OpenOrders is how many orders routed to the shop are not yet
	// printed, failed or cancelled; set by ShopKeyStore.ShopKeys only.
	OpenOrders int
}
