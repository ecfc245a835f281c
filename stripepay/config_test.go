package stripepay

import (
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82"

	"oshigoods/internal/testenv"
)

func TestConfigValidate(t *testing.T) {
	ok := Config{SecretKey: testKey, WebhookSecret: testSecret}
	with := func(edit func(*Config)) Config {
		c := ok
		edit(&c)
		return c
	}
	for _, tc := range []struct {
		scenario string
		cfg      Config
		want     []string // the problems, one line each; none means valid
	}{
		{"defaults with the secrets", ok, nil},
		{"restricted live key", with(func(c *Config) { c.SecretKey = "rk_live_51Habc" }), nil},
		{"stripe-mock on loopback", with(func(c *Config) { c.APIBase = "http://127.0.0.1:12111" }), nil},
		{"stripe-mock on IPv6 loopback", with(func(c *Config) { c.APIBase = "http://[::1]:12111/" }), nil},
		{"konbini", with(func(c *Config) { c.PaymentMethods = []string{"card", "konbini"} }), nil},
		{"methods from the Dashboard", with(func(c *Config) { c.PaymentMethods = []string{"dashboard"} }), nil},
		{"nothing", Config{}, []string{
			"SecretKey is missing; give the account's secret key, sk_test_… or sk_live_…",
			"WebhookSecret is missing; give the webhook endpoint's signing secret, whsec_…",
		}},
		{"publishable key", with(func(c *Config) { c.SecretKey = "pk_test_SECRETISH" }),
			[]string{"SecretKey is a publishable key (pk_…); give the secret key, sk_test_… or sk_live_…"}},
		{"not a key", with(func(c *Config) { c.SecretKey = "sk_test_SECRET with space" }),
			[]string{"SecretKey does not look like a Stripe secret key; give sk_test_…, sk_live_… or a restricted key rk_…"}},
		{"webhook secret without its prefix", with(func(c *Config) { c.WebhookSecret = "SECRET123" }),
			[]string{"WebhookSecret does not look like a webhook signing secret; give whsec_… from the endpoint's page in the Stripe Dashboard"}},
		{"API base plain http elsewhere", with(func(c *Config) { c.APIBase = "http://stripe-mock:12111" }),
			[]string{`APIBase "http://stripe-mock:12111" is plain http:// to a host that is not loopback; the secret key travels only over https, or to stripe-mock on 127.0.0.1`}},
		{"API base localhost by name", with(func(c *Config) { c.APIBase = "http://localhost:12111" }),
			[]string{`APIBase "http://localhost:12111" is plain http:// to a host that is not loopback`}},
		{"API base not a URL", with(func(c *Config) { c.APIBase = "127.0.0.1:12111" }),
			[]string{`APIBase "127.0.0.1:12111" is not an http(s) base URL; give https://host[:port], or http://127.0.0.1:12111 for stripe-mock`}},
		{"live key elsewhere", with(func(c *Config) { c.SecretKey = "sk_live_SECRET"; c.APIBase = "http://127.0.0.1:12111" }),
			[]string{`APIBase "http://127.0.0.1:12111" is not Stripe's API, and the key is a live key; a live key goes to Stripe only`}},
		{"paypay", with(func(c *Config) { c.PaymentMethods = []string{"card", "paypay"} }),
			[]string{`PaymentMethods "card,paypay" has paypay, which Checkout's payment_method_types does not take in Stripe's API; enable PayPay in the Stripe Dashboard and give dashboard`}},
		{"unknown method and a repeat", with(func(c *Config) { c.PaymentMethods = []string{"card", "bitcoin", "card"} }), []string{
			`PaymentMethods "card,bitcoin,card" has "bitcoin", which is not a payment method; give card, konbini, or dashboard`,
			`PaymentMethods "card,bitcoin,card" lists card twice`,
		}},
		{"dashboard with methods", with(func(c *Config) { c.PaymentMethods = []string{"dashboard", "card"} }),
			[]string{`PaymentMethods "dashboard,card" mixes dashboard with methods; give dashboard alone, or methods without it`}},
		{"tolerance too long", with(func(c *Config) { c.Tolerance = 2 * time.Hour }),
			[]string{"Tolerance 2h0m0s is out of range; give 1s–1h0m0s"}},
		{"negative tolerance", with(func(c *Config) { c.Tolerance = -time.Second }),
			[]string{"Tolerance -1s is out of range; give 1s–1h0m0s"}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			err := tc.cfg.Validate()
			if err != nil && strings.Contains(err.Error(), "SECRET") {
				t.Errorf("the error shows a secret: %v", err)
			}
			testenv.ErrorLines(t, err, tc.want)
		})
	}
}

func TestDefaultConfig(t *testing.T) {
	c := Config{}.WithDefaults()
	if c.APIBase != stripe.APIURL || len(c.PaymentMethods) != 1 || c.PaymentMethods[0] != "card" || c.Tolerance != 5*time.Minute {
		t.Errorf("defaults = %+v", c)
	}
}
