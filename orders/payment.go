package orders

import (
	"context"
	"fmt"
	"time"

	"oshigoods"
)

// PaymentMode is how an installation takes payment (OSHIGOODS_PAYMENT).
type PaymentMode string

const (
	// PaymentNone: orders proceed at once; the shop handles payment
	// outside oshigoods. The embedded default.
	PaymentNone PaymentMode = "none"
	// PaymentBankTransfer: an order waits (awaiting_payment) until the
	// operator confirms the transfer (MarkPaid); unpaid past its deadline
	// it is cancelled.
	PaymentBankTransfer PaymentMode = "bank_transfer"
	// PaymentStripe: an order waits until a Stripe Checkout Session for it
	// completes, as Stripe's signed webhook says.
	PaymentStripe PaymentMode = "stripe"
)

// Valid reports whether m is a known mode.
func (m PaymentMode) Valid() bool {
	switch m {
	case PaymentNone, PaymentBankTransfer, PaymentStripe:
		return true
	}
	return false
}

// PaymentStatus is where an order's payment stands.
type PaymentStatus string

const (
	PaymentNotRequired PaymentStatus = "not_required" // payment mode none
	PaymentPending     PaymentStatus = "pending"      // waiting for the fan to pay
	PaymentPaid        PaymentStatus = "paid"         // paid; rendering started
	PaymentExpired     PaymentStatus = "expired"      // not paid by the deadline; the order is cancelled
	PaymentCancelled   PaymentStatus = "cancelled"    // the order was cancelled before it was paid
)

// Payment is an order's payment.
type Payment struct {
	Mode   PaymentMode   `json:"mode"`
	Status PaymentStatus `json:"status"`
	// Amount is what is owed: the order's Totals.Total.
	Amount Yen `json:"amount"`
	// Reference is the provider's reference of the payment: the Stripe
	// Checkout Session id, or the operator's note of the transfer.
	Reference string `json:"reference,omitempty"`
	// CheckoutURL is where the fan pays (Stripe); "" otherwise.
	CheckoutURL string `json:"checkout_url,omitempty"`
	// DueAt is the deadline; zero when there is none.
	DueAt time.Time `json:"due_at,omitzero"`
	// PaidAt is when it was paid; zero until then.
	PaidAt time.Time `json:"paid_at,omitzero"`
}

// BankAccount is where fans transfer money (振込先), the operator's
// configuration in bank_transfer mode.
type BankAccount struct {
	Bank        string `json:"bank"`         // 銀行名, e.g. ゆうちょ銀行
	Branch      string `json:"branch"`       // 支店名
	AccountType string `json:"account_type"` // 普通 or 当座
	Number      string `json:"number"`       // 口座番号
	Holder      string `json:"holder"`       // 口座名義 (カナ)
}

// Payments is an installation's payment configuration.
type Payments struct {
	// Mode is how payment is taken. Zero is PaymentNone.
	Mode PaymentMode
	// Bank is the account fans transfer to; required with
	// PaymentBankTransfer.
	Bank BankAccount
	// TransferDays is how long a fan has to transfer, in days from the
	// order. Default 7.
	TransferDays int
	// CheckoutTTL is how long a Stripe Checkout Session stays open (Stripe
	// allows 30 minutes to 24 hours). Default 24 hours.
	CheckoutTTL time.Duration
}

// WithDefaults returns p with zero values replaced by the defaults.
func (p Payments) WithDefaults() Payments {
	if p.Mode == "" {
		p.Mode = PaymentNone
	}
	if p.TransferDays <= 0 {
		p.TransferDays = 7
	}
	if p.CheckoutTTL <= 0 {
		p.CheckoutTTL = 24 * time.Hour
	}
	return p
}

// Validate reports an unknown mode, a bank transfer mode without a bank
// account, a transfer period over 30 days and a Checkout TTL outside
// Stripe's 30 minutes to 24 hours.
func (p Payments) Validate() error {
	if p.Mode != "" && !p.Mode.Valid() {
		return &oshigoods.ConfigError{Field: "Payments.Mode", Value: p.Mode, Problem: "is not none, bank_transfer or stripe"}
	}
	if p.Mode == PaymentBankTransfer && (p.Bank.Bank == "" || p.Bank.Number == "" || p.Bank.Holder == "") {
		return &oshigoods.ConfigError{Field: "Payments.Bank", Problem: "is incomplete: bank_transfer needs the bank, the account number and the holder"}
	}
	if p.TransferDays > 30 || p.TransferDays < 0 {
		return &oshigoods.ConfigError{Field: "Payments.TransferDays", Value: p.TransferDays, Problem: "is out of range; give 1 to 30 days, or 0 for 7"}
	}
	if p.CheckoutTTL != 0 && (p.CheckoutTTL < 30*time.Minute || p.CheckoutTTL > 24*time.Hour) {
		return &oshigoods.ConfigError{Field: "Payments.CheckoutTTL", Value: p.CheckoutTTL, Problem: "is out of Stripe's range of 30m to 24h"}
	}
	return nil
}

// Checkout is a hosted payment page opened for an order.
type Checkout struct {
	// Reference is the provider's id of it (a Checkout Session id).
	Reference string
	// URL is where the fan pays.
	URL string
	// ExpiresAt is when it closes unpaid.
	ExpiresAt time.Time
}

// CheckoutRequest is what a provider needs to open a Checkout: the order,
// what it costs, and where the fan comes back to.
type CheckoutRequest struct {
	Order *Order
	// Lines are the order's items as the fan sees them, with unit prices.
	Lines []CheckoutLine
	// Shipping is the shipping fee, 0 when free or digital only.
	Shipping Yen
	// SuccessURL and CancelURL are the order page the fan returns to.
	SuccessURL, CancelURL string
	ExpiresAt             time.Time
}

// CheckoutLine is one line of a Checkout.
type CheckoutLine struct {
	Name      string
	UnitPrice Yen
	Quantity  int
}

// PaymentEventType is what a provider's notice says happened.
type PaymentEventType string

const (
	PaymentEventPaid    PaymentEventType = "paid"    // the order was paid
	PaymentEventExpired PaymentEventType = "expired" // the checkout closed unpaid
	PaymentEventIgnored PaymentEventType = ""        // a notice oshigoods does not act on
)

// PaymentEvent is a provider's notice, its signature verified.
type PaymentEvent struct {
	// ID is the provider's event id.
	ID   string
	Type PaymentEventType
	// OrderID is the order the payment is for (the Checkout's client
	// reference).
	OrderID string
	// Reference is the provider's payment reference (the Checkout
	// Session id).
	Reference string
	// Amount is what was paid, in yen.
	Amount Yen
	// Pending is set when a paid checkout's money is not yet in (konbini:
	// the session completes when the slip is issued); the order waits for
	// the async success event.
	Pending bool
}

// PaymentProvider opens hosted checkouts and reads the provider's signed
// notices (package stripepay implements it over Stripe).
type PaymentProvider interface {
	// Name is the provider's name, recorded with its references ("stripe").
	Name() string
	// StartCheckout opens a checkout for the request's order. Calls for
	// the same order and amount are idempotent at the provider.
	StartCheckout(ctx context.Context, req CheckoutRequest) (Checkout, error)
	// ParseEvent verifies a notice's signature (header is the provider's
	// signature header) and returns what it says. A bad or stale
	// signature is EINVALID; nothing may change then.
	ParseEvent(payload []byte, header string) (PaymentEvent, error)
}

// PaymentRecord is one payment transition as the store records it, with
// its provider reference; (Provider, EventID) makes a repeat a no-op.
type PaymentRecord struct {
	Type     PaymentEventType // paid or expired
	OrderID  string
	Provider string // "bank_transfer", "stripe"
	// EventID identifies the notice or the operator's action that made
	// the transition, unique per provider.
	EventID   string
	Reference string
	Amount    Yen
	// By is who recorded it: "operator" (the command line), an
	// Operator.Actor ("operator:<key id>"), "stripe", "sweeper".
	By string
	At time.Time
}

// String describes the record for logs, with no personal data.
func (r PaymentRecord) String() string {
	return fmt.Sprintf("%s %s ref=%s amount=%d", r.Provider, r.OrderID, r.Reference, r.Amount)
}
