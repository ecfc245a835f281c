package orders

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"oshigoods"
)

// The checkout use cases: pricing an order, opening its payment, and the
// payment's transitions (the operator's confirmation of a transfer, a
// provider's notice, the deadline).

// jst is Japan time, in which deadlines fall at the end of a day.
var jst = time.FixedZone("JST", 9*60*60)

// PaymentGrace is how long after its deadline a pending payment is
// expired by the sweeper: a transfer booked on the last evening, or a
// provider's late notice, still counts.
const PaymentGrace = time.Hour

// checkout prices o and sets its shipping and payment from req: the
// shipping address (required when an item is physical, dropped when none
// is), the method, the terms, the totals, and the payment's mode, status
// and deadline; items start awaiting payment unless the mode is none.
// Errors are EUNPROCESSABLE naming the field.
func (s *Service) checkout(o *Order, req NewOrder) error {
	if !req.TermsAccepted {
		return oshigoods.FieldErrorf("terms_accepted", "terms_accepted must be true: the fan must accept the shop's terms (特定商取引法に基づく表記・利用規約) to order.")
	}
	lines, physical := make([]Line, len(o.Items)), false
	for i, it := range o.Items {
		lines[i] = Line{UnitPrice: it.UnitPrice, Quantity: it.Quantity, Delivery: DeliveryOf(it.Kind)}
		physical = physical || lines[i].Delivery == DeliveryPhysical
	}
	var method ShippingMethod
	if physical {
		if req.ShippingAddress == nil {
			return oshigoods.FieldErrorf("shipping_address", "shipping_address is required: the order has printed goods to ship.")
		}
		a := req.ShippingAddress.Normalize()
		if err := a.Validate("shipping_address."); err != nil {
			return err
		}
		if s.Postal != nil {
			if prefs := s.Postal(strings.ReplaceAll(a.PostalCode, "-", "")); len(prefs) > 0 && !slices.Contains(prefs, a.Prefecture) {
				return oshigoods.FieldErrorf("shipping_address.prefecture", "shipping_address.prefecture is %s, but postal code %s is in %s: check the postal code and the prefecture.",
					a.Prefecture, a.PostalCode, strings.Join(prefs, "・"))
			}
		}
		m, err := s.Shipping.Method(req.ShippingMethod, "shipping_method")
		if err != nil {
			return err
		}
		o.ShippingAddress, o.ShippingMethod, method = &a, m.ID, m
	}
	t, err := Compute(lines, method, "shipping_method")
	if err != nil {
		return err
	}
	o.Totals = t
	p := s.Payments.WithDefaults()
	o.Payment = Payment{Mode: p.Mode, Status: PaymentPending, Amount: t.Total}
	switch p.Mode {
	case PaymentNone:
		o.Payment.Status = PaymentNotRequired
		return nil
	case PaymentBankTransfer:
		d := o.CreatedAt.In(jst).AddDate(0, 0, p.TransferDays)
		o.Payment.DueAt = time.Date(d.Year(), d.Month(), d.Day(), 23, 59, 59, 0, jst).UTC()
	case PaymentStripe:
		o.Payment.DueAt = o.CreatedAt.Add(p.CheckoutTTL)
	}
	o.Status = StatusAwaitingPayment
	for _, it := range o.Items {
		it.Status = StatusAwaitingPayment
	}
	return nil
}

// QuoteRequest asks for the totals of a cart before ordering.
type QuoteRequest struct {
	Items          []QuoteItem `json:"items"`
	ShippingMethod string      `json:"shipping_method,omitempty"`
}

// QuoteItem is one line of a cart.
type QuoteItem struct {
	Template string `json:"template"`
	Quantity int    `json:"quantity"`
}

// Quote returns a cart's totals as CreateOrder would compute them, with
// the shipping method used ("" for a digital-only cart). Errors name the
// field as CreateOrder's do.
func (s *Service) Quote(ctx context.Context, req QuoteRequest) (Totals, string, error) {
	lim := s.Limits.WithDefaults()
	if len(req.Items) == 0 {
		return Totals{}, "", oshigoods.FieldErrorf("items", "a quote needs at least one item.")
	}
	if len(req.Items) > lim.MaxItems {
		return Totals{}, "", oshigoods.FieldErrorf("items", "an order takes at most %d items; got %d.", lim.MaxItems, len(req.Items))
	}
	lines, physical := make([]Line, len(req.Items)), false
	for i, it := range req.Items {
		prefix := fmt.Sprintf("items[%d].", i)
		tpl, err := s.Catalog.Template(it.Template)
		if err != nil {
			return Totals{}, "", prefixed(prefix, err)
		}
		if it.Quantity == 0 {
			it.Quantity = 1
		}
		if it.Quantity < 1 || it.Quantity > lim.MaxQuantity {
			return Totals{}, "", oshigoods.FieldErrorf(prefix+"quantity", "quantity must be between 1 and %d; got %d.", lim.MaxQuantity, it.Quantity)
		}
		info := tpl.Info()
		lines[i] = Line{UnitPrice: info.Price, Quantity: it.Quantity, Delivery: DeliveryOf(info.Kind)}
		physical = physical || lines[i].Delivery == DeliveryPhysical
	}
	var method ShippingMethod
	if physical {
		m, err := s.Shipping.Method(req.ShippingMethod, "shipping_method")
		if err != nil {
			return Totals{}, "", err
		}
		method = m
	}
	t, err := Compute(lines, method, "shipping_method")
	return t, method.ID, err
}

// publicURL is PublicURL without a trailing slash, or the default.
func (s *Service) publicURL() string {
	if s.PublicURL == "" {
		return "http://127.0.0.1:8080"
	}
	return strings.TrimRight(s.PublicURL, "/")
}

// OrderPageURL is the fan's order page: the storefront's address with the
// order token in the fragment, which browsers never send to a server.
func (s *Service) OrderPageURL(orderID string) string {
	return s.publicURL() + "/orders/" + orderID + "#t=" + OrderToken(s.Secret, orderID)
}

// openCheckout opens a provider checkout for an order awaiting payment and
// records it. The return URLs carry no token: the storefront keeps it in
// the fan's browser.
func (s *Service) openCheckout(ctx context.Context, o *Order) (Checkout, error) {
	if s.Provider == nil {
		return Checkout{}, fmt.Errorf("open checkout: no payment provider configured")
	}
	req := CheckoutRequest{
		Order:      o,
		Shipping:   o.Totals.Shipping,
		SuccessURL: s.publicURL() + "/orders/" + o.ID + "?paid=1",
		CancelURL:  s.publicURL() + "/orders/" + o.ID,
		ExpiresAt:  o.Payment.DueAt,
	}
	if !req.ExpiresAt.After(s.now().Add(30 * time.Minute)) {
		return Checkout{}, oshigoods.Errorf(oshigoods.ECONFLICT, "The time to pay for this order has passed.")
	}
	for _, it := range o.Items {
		name := it.Template
		if tpl, err := s.Catalog.Template(it.Template); err == nil {
			name = tpl.Info().Title
		}
		req.Lines = append(req.Lines, CheckoutLine{Name: name, UnitPrice: it.UnitPrice, Quantity: it.Quantity})
	}
	c, err := s.Provider.StartCheckout(ctx, req)
	if err != nil {
		return Checkout{}, fmt.Errorf("start checkout: %w", err)
	}
	if err := s.Store.SetCheckout(ctx, o.ID, c); err != nil {
		return Checkout{}, err
	}
	return c, nil
}

// Checkout returns the fan's checkout URL for an order awaiting a Stripe
// payment, opening one when none is open (the first attempt at order time
// failed). ErrOrderNotFound for a wrong token; ECONFLICT when the order is
// not waiting for a card payment.
func (s *Service) Checkout(ctx context.Context, id, token string) (string, error) {
	o, err := s.Order(ctx, id, token)
	if err != nil {
		return "", err
	}
	if o.Payment.Mode != PaymentStripe || o.Payment.Status != PaymentPending {
		return "", oshigoods.Errorf(oshigoods.ECONFLICT, "The order is not waiting for a card payment (payment %s).", o.Payment.Status)
	}
	if o.Payment.CheckoutURL != "" {
		return o.Payment.CheckoutURL, nil
	}
	c, err := s.openCheckout(ctx, o)
	if err != nil {
		return "", err
	}
	return c.URL, nil
}

// MarkPaid records the operator's confirmation that an order was paid
// (a bank transfer arrived), with the operator's reference (e.g. the
// transfer's date and name), and starts its rendering. actor is who
// confirmed it in the audit log: ActorOperator from the command line, an
// Operator's Actor from the admin API. Marking a paid order again is a
// no-op. ENOTFOUND if there is no such order; ECONFLICT if it takes no
// payment, or its payment expired or was cancelled.
func (s *Service) MarkPaid(ctx context.Context, actor, orderID, reference string) (*Order, error) {
	if err := CheckText("reference", reference, false); err != nil {
		return nil, err
	}
	if len(reference) > 200 {
		return nil, oshigoods.FieldErrorf("reference", "reference is at most 200 bytes.")
	}
	o, err := s.Store.Order(ctx, orderID)
	if err != nil {
		return nil, err
	}
	if o.Payment.Status == PaymentNotRequired {
		return nil, oshigoods.Errorf(oshigoods.ECONFLICT, "The order takes no payment (it was placed with payment mode none).")
	}
	provider := string(o.Payment.Mode)
	changed, err := s.Store.RecordPayment(ctx, PaymentRecord{
		Type: PaymentEventPaid, OrderID: o.ID, Provider: provider, EventID: "operator:" + o.ID,
		Reference: reference, Amount: o.Totals.Total, By: actor, At: s.now(),
	})
	if err != nil {
		return nil, err
	}
	if changed {
		s.audit(ctx, actor, "payment.confirm", o.ID, fmt.Sprintf("provider=%s amount=%d", provider, o.Totals.Total))
	}
	return s.paid(ctx, o.ID)
}

// paid enqueues a paid order's items and returns the order as stored.
func (s *Service) paid(ctx context.Context, orderID string) (*Order, error) {
	o, err := s.Store.Order(ctx, orderID)
	if err != nil {
		return nil, err
	}
	s.enqueueItems(ctx, o)
	return s.Store.Order(ctx, orderID)
}

// PaymentNotice applies a provider's signed notice (the Stripe webhook):
// a completed checkout pays its order and starts its rendering, an
// expired one cancels it. A notice repeated, or about an order already
// paid, changes nothing. ENOTFOUND when no provider is configured;
// EINVALID when the signature does not verify (nothing changes then).
// A paid amount that differs from the order's total is logged for the
// operator and the order left waiting.
func (s *Service) PaymentNotice(ctx context.Context, payload []byte, signature string) error {
	if s.Provider == nil {
		return oshigoods.Errorf(oshigoods.ENOTFOUND, "No payment provider is configured.")
	}
	ev, err := s.Provider.ParseEvent(payload, signature)
	if err != nil {
		return err
	}
	if ev.Type == PaymentEventIgnored || ev.OrderID == "" {
		return nil
	}
	o, err := s.Store.Order(ctx, ev.OrderID)
	if oshigoods.ErrorCode(err) == oshigoods.ENOTFOUND {
		s.log().Warn("payment notice for an unknown order", "provider", s.Provider.Name(), "event", ev.ID, "order", ev.OrderID)
		return nil
	} else if err != nil {
		return err
	}
	if ev.Type == PaymentEventPaid {
		if ev.Pending {
			return nil // a konbini slip was issued; the money follows
		}
		if ev.Amount != o.Totals.Total {
			s.log().Error("payment amount differs from the order's total; left for the operator",
				"provider", s.Provider.Name(), "event", ev.ID, "order", o.ID, "paid", ev.Amount, "total", o.Totals.Total)
			return nil
		}
	}
	changed, err := s.Store.RecordPayment(ctx, PaymentRecord{
		Type: ev.Type, OrderID: o.ID, Provider: s.Provider.Name(), EventID: ev.ID,
		Reference: ev.Reference, Amount: ev.Amount, By: s.Provider.Name(), At: s.now(),
	})
	if oshigoods.ErrorCode(err) == oshigoods.ECONFLICT {
		s.log().Error("payment notice conflicts with the order's payment; left for the operator",
			"provider", s.Provider.Name(), "event", ev.ID, "order", o.ID, "type", ev.Type, "err", err)
		return nil
	} else if err != nil {
		return err
	}
	if changed && ev.Type == PaymentEventPaid {
		_, err = s.paid(ctx, o.ID)
	}
	return err
}

// ExpireOverduePayments cancels orders whose payment is still pending
// PaymentGrace after its deadline at now, at most limit of them (≤ 0
// means 100),
// and returns how many it expired. Many sweepers may run it at once: an
// order expired by one is a no-op for the others.
func (s *Service) ExpireOverduePayments(ctx context.Context, now time.Time, limit int) (int, error) {
	now = now.UTC()
	ids, err := s.Store.OverduePayments(ctx, now.Add(-PaymentGrace), limit)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		changed, err := s.Store.RecordPayment(ctx, PaymentRecord{
			Type: PaymentEventExpired, OrderID: id, Provider: "deadline", EventID: "deadline:" + id, By: "sweeper", At: now,
		})
		if err != nil {
			if oshigoods.ErrorCode(err) == oshigoods.ECONFLICT {
				continue // paid meanwhile
			}
			return n, err
		}
		if changed {
			n++
			s.log().Info("cancelled an unpaid order past its deadline", "order", id)
		}
	}
	return n, nil
}

// CheckoutOptions are what a storefront shows before ordering: the
// payment mode, the shipping methods and the bank account for transfers.
type CheckoutOptions struct {
	Payment         PaymentMode      `json:"payment"`
	ShippingMethods []ShippingMethod `json:"shipping_methods"`
	DefaultShipping string           `json:"default_shipping_method"`
	TaxRatePercent  int              `json:"tax_rate_percent"`
	TransferDays    int              `json:"transfer_days,omitempty"`
}

// CheckoutOptions returns the installation's checkout options.
func (s *Service) CheckoutOptions() CheckoutOptions {
	sh, p := s.Shipping.WithDefaults(), s.Payments.WithDefaults()
	def, _ := sh.Method("", "")
	o := CheckoutOptions{Payment: p.Mode, ShippingMethods: sh.Methods, DefaultShipping: def.ID, TaxRatePercent: TaxRatePercent}
	if p.Mode == PaymentBankTransfer {
		o.TransferDays = p.TransferDays
	}
	return o
}

// BankFor returns the account an order is to be paid into: the configured
// one while its bank transfer is pending, nil otherwise.
func (s *Service) BankFor(o *Order) *BankAccount {
	if o.Payment.Mode != PaymentBankTransfer || o.Payment.Status != PaymentPending {
		return nil
	}
	b := s.Payments.Bank
	return &b
}
