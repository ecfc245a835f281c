package orders

import (
	"context"
	"fmt"
	"strings"
	"time"

	"oshigoods"
)

// Claims lease ready orders to a print shop. While a claim's lease runs, no
// other claim receives its orders; the orders stay ready (a claim is not a
// status) until the shop acks them printed or failed. When the lease
// expires, or the claim is released, its unacked orders can be claimed
// again.

// Claim defaults and limits.
const (
	// DefaultClaimMax is how many orders a claim takes when Max is zero.
	DefaultClaimMax = 10
	// MaxClaimMax is the most orders one claim takes.
	MaxClaimMax = 100
	// DefaultLease is how long a claim's lease lasts when Lease is zero.
	DefaultLease = 15 * time.Minute
	// MaxLease is the longest lease a shop may ask for.
	MaxLease = 24 * time.Hour
)

// ClaimRequest is what a shop asks a claim for.
type ClaimRequest struct {
	// Max is the most orders to lease: 0 means DefaultClaimMax; at most
	// MaxClaimMax.
	Max int `json:"max"`
	// Kinds, when not empty, limits the claim to orders whose every item
	// (cancelled ones aside) is of one of these kinds.
	Kinds []Kind `json:"kinds"`
	// Templates, when not empty, likewise limits it to these templates.
	Templates []string `json:"templates"`
	// Lease is how long the orders are held: 0 means DefaultLease; at most
	// MaxLease.
	Lease time.Duration `json:"-"`
}

// LeaseSeconds is a lease given in whole seconds, as the API takes it
// (lease_seconds), as a Duration. The range is checked before the
// conversion, so no value wraps around: 0 is the default (DefaultLease),
// else 1 to MaxLease in seconds; anything else is EUNPROCESSABLE naming
// lease_seconds.
func LeaseSeconds(n int) (time.Duration, error) {
	if n < 0 || n > int(MaxLease/time.Second) {
		return 0, oshigoods.FieldErrorf("lease_seconds", "lease_seconds must be between 1 and %d (%s); got %d.", int(MaxLease/time.Second), MaxLease, n)
	}
	return time.Duration(n) * time.Second, nil
}

// WithDefaults returns r with zero values replaced by the defaults, or an
// EUNPROCESSABLE error naming the field that is out of range.
func (r ClaimRequest) WithDefaults() (ClaimRequest, error) {
	switch {
	case r.Max < 0 || r.Max > MaxClaimMax:
		return r, oshigoods.FieldErrorf("max", "max must be between 1 and %d; got %d.", MaxClaimMax, r.Max)
	case r.Lease < 0 || r.Lease > MaxLease:
		return r, oshigoods.FieldErrorf("lease_seconds", "the lease must be between 1 second and %s.", MaxLease)
	}
	if r.Max == 0 {
		r.Max = DefaultClaimMax
	}
	if r.Lease == 0 {
		r.Lease = DefaultLease
	}
	for i, k := range r.Kinds {
		switch k {
		case KindPhoto, KindCard, KindVoice:
		default:
			return r, oshigoods.FieldErrorf(fmt.Sprintf("kinds[%d]", i), "unknown kind %q; kinds are photo, card, voice.", k)
		}
	}
	for i, t := range r.Templates {
		if strings.TrimSpace(t) == "" {
			return r, oshigoods.FieldErrorf(fmt.Sprintf("templates[%d]", i), "a template id is empty.")
		}
	}
	return r, nil
}

// Claim is a batch of orders leased to one shop.
type Claim struct {
	ID     string
	ShopID string
	// Orders are the claimed orders with items and files, in the order
	// they were claimed (oldest order first).
	Orders []*Order
	// Acks holds each order's outcome, by order id; an order not acked
	// yet is absent.
	Acks      map[string]Ack
	CreatedAt time.Time
	ExpiresAt time.Time
	// ReleasedAt is when the shop released the claim; zero if it did not.
	ReleasedAt time.Time
}

// Active reports whether the claim still holds its unacked orders at now.
func (c *Claim) Active(now time.Time) bool {
	return c.ReleasedAt.IsZero() && now.Before(c.ExpiresAt)
}

// Outcome is what a shop reports for a claimed order.
type Outcome string

const (
	OutcomePrinted Outcome = "printed" // made; the order becomes printed
	OutcomeFailed  Outcome = "failed"  // could not be made; the order fails with the reason
)

// Ack is a shop's report on one claimed order.
type Ack struct {
	OrderID string    `json:"order_id"`
	Outcome Outcome   `json:"outcome"`
	Reason  string    `json:"reason,omitempty"`
	AckedAt time.Time `json:"acked_at,omitzero"`
}

// Validate checks an ack's outcome and reason.
func (a Ack) Validate() error {
	switch {
	case a.OrderID == "":
		return oshigoods.FieldErrorf("order_id", "order_id is required.")
	case a.Outcome != OutcomePrinted && a.Outcome != OutcomeFailed:
		return oshigoods.FieldErrorf("outcome", "outcome must be printed or failed; got %q.", a.Outcome)
	case a.Outcome == OutcomeFailed && strings.TrimSpace(a.Reason) == "":
		return oshigoods.FieldErrorf("reason", "a failed order needs a reason.")
	case len(a.Reason) > 500:
		return oshigoods.FieldErrorf("reason", "reason is at most 500 bytes.")
	}
	return nil
}

// ClaimOrders leases the shop's ready orders to it (see
// Store.ClaimOrders). It returns nil when no order is ready to claim.
func (s *Service) ClaimOrders(ctx context.Context, shop *ShopKey, req ClaimRequest) (*Claim, error) {
	req, err := req.WithDefaults()
	if err != nil {
		return nil, err
	}
	c, err := s.Store.ClaimOrders(ctx, NewID("clm"), shop.ID, req, time.Now().UTC())
	if err != nil || c == nil {
		return c, err
	}
	ids := make([]string, len(c.Orders))
	for i, o := range c.Orders {
		ids[i] = o.ID
	}
	s.audit(ctx, ShopActor(shop), "claim", c.ID, "orders="+strings.Join(ids, ","))
	return c, nil
}

// ShopClaim returns the shop's claim; ENOTFOUND if it is another shop's.
func (s *Service) ShopClaim(ctx context.Context, shop *ShopKey, id string) (*Claim, error) {
	c, err := s.Store.Claim(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.ShopID != shop.ID {
		return nil, oshigoods.Errorf(oshigoods.ENOTFOUND, "Claim not found.")
	}
	return c, nil
}

// AckClaim records the shop's acks on its claim, in turn; it stops at the
// first error. It reports for each ack whether it changed anything (false
// for a repeat).
func (s *Service) AckClaim(ctx context.Context, shop *ShopKey, claimID string, acks []Ack) ([]bool, error) {
	if _, err := s.ShopClaim(ctx, shop, claimID); err != nil {
		return nil, err
	}
	if len(acks) == 0 {
		return nil, oshigoods.FieldErrorf("acks", "no acks given.")
	}
	changed := make([]bool, 0, len(acks))
	for i, a := range acks {
		if err := a.Validate(); err != nil {
			return changed, prefixed(fmt.Sprintf("acks[%d].", i), err)
		}
		c, err := s.Store.AckOrder(ctx, claimID, a, time.Now().UTC())
		if err != nil {
			return changed, err
		}
		if c {
			// The outcome only: a failure's reason is the shop's free text.
			s.audit(ctx, ShopActor(shop), "ack."+string(a.Outcome), a.OrderID, "claim="+claimID)
		}
		changed = append(changed, c)
	}
	return changed, nil
}

// ReleaseClaim ends the shop's lease on its claim's unacked orders.
func (s *Service) ReleaseClaim(ctx context.Context, shop *ShopKey, claimID string) error {
	if _, err := s.ShopClaim(ctx, shop, claimID); err != nil {
		return err
	}
	if err := s.Store.ReleaseClaim(ctx, claimID, time.Now().UTC()); err != nil {
		return err
	}
	s.audit(ctx, ShopActor(shop), "release", claimID, "")
	return nil
}

// CancelOrder cancels the order for the fan holding its token: ENOTFOUND
// for a wrong token, ECONFLICT once a shop has claimed or printed it.
func (s *Service) CancelOrder(ctx context.Context, id, token string) (*Order, error) {
	if _, err := s.Order(ctx, id, token); err != nil {
		return nil, err
	}
	if err := s.Store.CancelOrder(ctx, id, time.Now().UTC()); err != nil {
		return nil, err
	}
	return s.Store.Order(ctx, id)
}
