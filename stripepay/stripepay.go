package stripepay

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/stripe/stripe-go/v82"

	"oshigoods"
	"oshigoods/orders"
)

// Name is the provider's name, recorded with its payments.
const Name = "stripe"

// RequestTimeout bounds one call to Stripe's API, connection included;
// stripe-go retries a failed call twice with the same Idempotency-Key.
const RequestTimeout = 30 * time.Second

// currency is the only currency the shop sells in, as Stripe spells it.
// The yen has no minor unit: Stripe's amounts in jpy are whole yen.
const currency = "jpy"

// Provider opens Stripe Checkout Sessions and reads Stripe's webhook
// events; it is an orders.PaymentProvider. It is safe for concurrent use.
type Provider struct {
	cfg    Config
	client *stripe.Client
}

var _ orders.PaymentProvider = (*Provider)(nil)

// New returns a Provider for cfg, or cfg's problems (Validate). It does
// not dial Stripe.
func New(cfg Config) (*Provider, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSHandshakeTimeout = 10 * time.Second
	transport.ResponseHeaderTimeout = RequestTimeout
	hc := &http.Client{
		Timeout:   RequestTimeout,
		Transport: transport,
		// Stripe's API never redirects; a redirect would take the key
		// somewhere else.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	backends := stripe.NewBackendsWithConfig(&stripe.BackendConfig{
		URL:               stripe.String(cfg.APIBase),
		HTTPClient:        hc,
		MaxNetworkRetries: stripe.Int64(2),
		// Errors come back to the caller, which logs them.
		LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelNull},
	})
	return &Provider{cfg: cfg, client: stripe.NewClient(cfg.SecretKey, stripe.WithBackends(backends))}, nil
}

// Name returns "stripe".
func (p *Provider) Name() string { return Name }

// StartCheckout creates a Checkout Session in payment mode, in yen, for
// req's order: one line item per line (its name and unit price), the
// shipping fee as a fixed-amount shipping option named 送料, the order id
// as client_reference_id and metadata order_id, the fan's e-mail, the
// return URLs, the expiry, locale ja and the configured payment methods.
// Its Idempotency-Key is the order id and the amount (IdempotencyKey), so
// a retry, here or by stripe-go, never opens a second session for the same
// order and amount (Stripe keeps keys 24 hours, the longest a session
// lives).
//
// The lines and shipping must add up to the order's total. A Stripe
// outage, a rate limit or a network failure is EUNAVAILABLE; anything else
// Stripe refuses (a bad key, a bad parameter) is an internal error whose
// cause names Stripe's message.
func (p *Provider) StartCheckout(ctx context.Context, req orders.CheckoutRequest) (orders.Checkout, error) {
	params, err := p.sessionParams(req)
	if err != nil {
		return orders.Checkout{}, err
	}
	s, err := p.client.V1CheckoutSessions.Create(ctx, params)
	if err != nil {
		return orders.Checkout{}, apiError("create checkout session", err)
	}
	if s.ID == "" || s.URL == "" {
		return orders.Checkout{}, fmt.Errorf("create checkout session: Stripe answered without an id or URL")
	}
	c := orders.Checkout{Reference: s.ID, URL: s.URL, ExpiresAt: req.ExpiresAt}
	if s.ExpiresAt > 0 {
		c.ExpiresAt = time.Unix(s.ExpiresAt, 0).UTC()
	}
	return c, nil
}

// sessionParams are the Checkout Session's parameters for req.
func (p *Provider) sessionParams(req orders.CheckoutRequest) (*stripe.CheckoutSessionCreateParams, error) {
	o := req.Order
	if o == nil || o.ID == "" {
		return nil, errors.New("start checkout: the request has no order")
	}
	if len(req.Lines) == 0 {
		return nil, fmt.Errorf("start checkout %s: no lines", o.ID)
	}
	params := &stripe.CheckoutSessionCreateParams{
		Mode:              stripe.String(string(stripe.CheckoutSessionModePayment)),
		Currency:          stripe.String(currency),
		ClientReferenceID: stripe.String(o.ID),
		Metadata:          map[string]string{"order_id": o.ID},
		PaymentIntentData: &stripe.CheckoutSessionCreatePaymentIntentDataParams{Metadata: map[string]string{"order_id": o.ID}},
		SuccessURL:        stripe.String(req.SuccessURL),
		CancelURL:         stripe.String(req.CancelURL),
		Locale:            stripe.String("ja"),
	}
	var amount orders.Yen
	for i, l := range req.Lines {
		if l.Quantity < 1 || l.UnitPrice < 0 || l.Name == "" {
			return nil, fmt.Errorf("start checkout %s: line %d has no name, a negative price or a quantity under 1", o.ID, i)
		}
		amount += l.UnitPrice * orders.Yen(l.Quantity)
		params.LineItems = append(params.LineItems, &stripe.CheckoutSessionCreateLineItemParams{
			PriceData: &stripe.CheckoutSessionCreateLineItemPriceDataParams{
				Currency:    stripe.String(currency),
				UnitAmount:  stripe.Int64(int64(l.UnitPrice)),
				ProductData: &stripe.CheckoutSessionCreateLineItemPriceDataProductDataParams{Name: stripe.String(l.Name)},
			},
			Quantity: stripe.Int64(int64(l.Quantity)),
		})
	}
	if req.Shipping > 0 {
		amount += req.Shipping
		params.ShippingOptions = []*stripe.CheckoutSessionCreateShippingOptionParams{{
			ShippingRateData: &stripe.CheckoutSessionCreateShippingOptionShippingRateDataParams{
				Type:        stripe.String("fixed_amount"),
				DisplayName: stripe.String("送料"),
				FixedAmount: &stripe.CheckoutSessionCreateShippingOptionShippingRateDataFixedAmountParams{
					Amount:   stripe.Int64(int64(req.Shipping)),
					Currency: stripe.String(currency),
				},
			},
		}}
	}
	if amount != o.Totals.Total {
		return nil, fmt.Errorf("start checkout %s: lines and shipping add up to %d yen, the order's total is %d", o.ID, amount, o.Totals.Total)
	}
	if o.Customer.Email != "" {
		params.CustomerEmail = stripe.String(o.Customer.Email)
	}
	if !req.ExpiresAt.IsZero() {
		params.ExpiresAt = stripe.Int64(req.ExpiresAt.Unix())
	}
	if p.cfg.PaymentMethods[0] != MethodsFromDashboard {
		params.PaymentMethodTypes = stripe.StringSlice(p.cfg.PaymentMethods)
	}
	params.SetIdempotencyKey(IdempotencyKey(o.ID, amount))
	return params, nil
}

// IdempotencyKey is the Idempotency-Key of the Checkout Session for an
// order and amount: the same order at the same amount is one session.
func IdempotencyKey(orderID string, amount orders.Yen) string {
	return "oshigoods-checkout-" + orderID + "-" + strconv.FormatInt(int64(amount), 10)
}

// apiError classifies an error of a call to Stripe's API: EUNAVAILABLE
// for what a later try may cure (a network failure, Stripe's 5xx, a rate
// limit), an internal error otherwise. The cause is kept for the log.
func apiError(action string, err error) error {
	var se *stripe.Error
	if errors.As(err, &se) && se.HTTPStatusCode < 500 && se.HTTPStatusCode != http.StatusTooManyRequests {
		return fmt.Errorf("%s: %w", action, err)
	}
	return oshigoods.Unavailable(fmt.Errorf("%s: %w", action, err))
}
