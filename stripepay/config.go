package stripepay

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v82"

	"oshigoods"
)

// Config is the provider's settings. Zero values are the defaults
// (DefaultConfig) except the two secrets, which are required; Validate
// says what is allowed.
type Config struct {
	// SecretKey is the account's API key: a secret key (sk_test_…,
	// sk_live_…) or a restricted key (rk_test_…, rk_live_…) allowed to
	// write Checkout Sessions. Required.
	SecretKey string
	// WebhookSecret is the signing secret (whsec_…) of the webhook
	// endpoint registered for /v1/payments/stripe/webhook. Required.
	WebhookSecret string
	// APIBase is the API's base URL. Default is Stripe's API
	// (stripe.APIURL). Tests point it at stripe-mock on loopback: plain
	// http:// is taken for a loopback host only, and a live key only with
	// the default.
	APIBase string
	// PaymentMethods are the Checkout Session's payment_method_types:
	// "card", "konbini" (the account must have konbini enabled), or
	// MethodsFromDashboard alone to leave the choice to the account's
	// Dashboard settings: the only way to offer PayPay, which Checkout's
	// payment_method_types does not take, if the account has it. Default
	// ["card"].
	PaymentMethods []string
	// Tolerance is how old a webhook event's signature timestamp may be;
	// an older one is refused as a replay. From 1s to 1h. Default 5
	// minutes (Stripe's own).
	Tolerance time.Duration
}

// MethodsFromDashboard, as the only PaymentMethods value, leaves out
// payment_method_types so that Checkout offers what the account enables in
// its Dashboard.
const MethodsFromDashboard = "dashboard"

// methods are the payment_method_types values Config takes.
var methods = []string{"card", "konbini"}

// Bounds and defaults of the settings.
const (
	DefaultTolerance = 5 * time.Minute
	MinTolerance     = time.Second
	MaxTolerance     = time.Hour
)

// DefaultConfig returns the default settings, without the secrets.
func DefaultConfig() Config {
	return Config{APIBase: stripe.APIURL, PaymentMethods: []string{"card"}, Tolerance: DefaultTolerance}
}

// WithDefaults returns c with zero values replaced by the defaults.
func (c Config) WithDefaults() Config {
	d := DefaultConfig()
	if c.APIBase = strings.TrimRight(c.APIBase, "/"); c.APIBase == "" {
		c.APIBase = d.APIBase
	}
	if len(c.PaymentMethods) == 0 {
		c.PaymentMethods = d.PaymentMethods
	}
	if c.Tolerance == 0 {
		c.Tolerance = d.Tolerance
	}
	return c
}

// Validate reports every setting that cannot work, one
// *oshigoods.ConfigError each, joined. The secrets are never part of an
// error: their Value is nil.
func (c Config) Validate() error {
	var errs []error
	bad := func(field string, value any, problem string) {
		errs = append(errs, &oshigoods.ConfigError{Field: field, Value: value, Problem: problem})
	}
	c = c.WithDefaults()
	switch {
	case c.SecretKey == "":
		bad("SecretKey", nil, "is missing; give the account's secret key, sk_test_… or sk_live_…")
	case hasPrefix(c.SecretKey, "pk_"):
		bad("SecretKey", nil, "is a publishable key (pk_…); give the secret key, sk_test_… or sk_live_…")
	case !keyLike(c.SecretKey, "sk_test_", "sk_live_", "rk_test_", "rk_live_"):
		bad("SecretKey", nil, "does not look like a Stripe secret key; give sk_test_…, sk_live_… or a restricted key rk_…")
	}
	switch {
	case c.WebhookSecret == "":
		bad("WebhookSecret", nil, "is missing; give the webhook endpoint's signing secret, whsec_…")
	case !keyLike(c.WebhookSecret, "whsec_"):
		bad("WebhookSecret", nil, "does not look like a webhook signing secret; give whsec_… from the endpoint's page in the Stripe Dashboard")
	}
	if u, err := url.Parse(c.APIBase); err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" ||
		(u.Scheme != "http" && u.Scheme != "https") {
		bad("APIBase", c.APIBase, "is not an http(s) base URL; give https://host[:port], or http://127.0.0.1:12111 for stripe-mock")
	} else if u.Scheme == "http" && !loopback(u.Hostname()) {
		bad("APIBase", c.APIBase, "is plain http:// to a host that is not loopback; the secret key travels only over https, or to stripe-mock on 127.0.0.1")
	} else if c.APIBase != stripe.APIURL && (hasPrefix(c.SecretKey, "sk_live_") || hasPrefix(c.SecretKey, "rk_live_")) {
		bad("APIBase", c.APIBase, "is not Stripe's API, and the key is a live key; a live key goes to Stripe only")
	}
	list := strings.Join(c.PaymentMethods, ",")
	switch {
	case slices.Contains(c.PaymentMethods, MethodsFromDashboard):
		if len(c.PaymentMethods) > 1 {
			bad("PaymentMethods", list, "mixes dashboard with methods; give dashboard alone, or methods without it")
		}
	default:
		for i, m := range c.PaymentMethods {
			switch {
			case m == "paypay":
				bad("PaymentMethods", list, "has paypay, which Checkout's payment_method_types does not take in Stripe's API; enable PayPay in the Stripe Dashboard and give dashboard")
			case !slices.Contains(methods, m):
				bad("PaymentMethods", list, fmt.Sprintf("has %q, which is not a payment method; give card, konbini, or dashboard", m))
			case slices.Contains(c.PaymentMethods[:i], m):
				bad("PaymentMethods", list, "lists "+m+" twice")
			}
		}
	}
	if c.Tolerance < MinTolerance || c.Tolerance > MaxTolerance {
		bad("Tolerance", c.Tolerance, fmt.Sprintf("is out of range; give %s–%s", MinTolerance, MaxTolerance))
	}
	return errors.Join(errs...)
}

// hasPrefix is strings.HasPrefix, named for the key checks.
func hasPrefix(s, prefix string) bool { return strings.HasPrefix(s, prefix) }

// keyLike reports whether s is one of the prefixes followed by one or more
// letters and digits, as Stripe's keys are.
func keyLike(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if rest, ok := strings.CutPrefix(s, p); ok && rest != "" &&
			strings.Trim(rest, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == "" {
			return true
		}
	}
	return false
}

// loopback reports whether host is a loopback IP address (127.0.0.0/8,
// ::1). A name, localhost too, is not: it might resolve elsewhere.
func loopback(host string) bool {
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
