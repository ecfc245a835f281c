package orders

import (
	"time"
)

// Status is the lifecycle state of an order or an item:
//
//	received → queued → rendering → ready → printed
//
// plus failed and cancelled. An order's status is derived from its items'
// (see DeriveStatus) by the store in the same transaction that changes them.
type Status string

const (
	StatusReceived  Status = "received"  // stored, not yet handed to the queue
	StatusQueued    Status = "queued"    // a render task was enqueued
	StatusRendering Status = "rendering" // a worker is rendering it
	StatusReady     Status = "ready"     // every file is rendered and stored
	StatusPrinted   Status = "printed"   // a print shop marked it printed
	StatusFailed    Status = "failed"    // rendering failed; Item.Error says why
	StatusCancelled Status = "cancelled" // the fan or the shop cancelled it
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	switch s {
	case StatusReceived, StatusQueued, StatusRendering, StatusReady, StatusPrinted, StatusFailed, StatusCancelled:
		return true
	}
	return false
}

// DeriveStatus returns an order's status from its items' statuses: cancelled
// when all are cancelled; failed when any failed; otherwise the least
// advanced status among the items that are not cancelled. An order with no
// items is received.
func DeriveStatus(items []Status) Status {
	order := []Status{StatusReceived, StatusQueued, StatusRendering, StatusReady, StatusPrinted}
	rank := make(map[Status]int, len(order))
	for i, s := range order {
		rank[s] = i
	}
	least, live := len(order), false
	for _, s := range items {
		switch s {
		case StatusFailed:
			return StatusFailed
		case StatusCancelled:
			continue
		}
		live = true
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
	Items          []*Item
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Item is one good in an order, rendered by one task.
type Item struct {
	ID       string
	OrderID  string
	Seq      int // position in the order, from 0
	Template string
	Kind     Kind
	Quantity int
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
	CreatedAt time.Time
	UpdatedAt time.Time
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

// ShopKey is a print shop's API key. Only the hash of the key is stored.
type ShopKey struct {
	ID        string
	Name      string
	Hash      string // hex SHA-256 of the key
	CreatedAt time.Time
}
