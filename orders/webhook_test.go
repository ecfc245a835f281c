package orders_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"oshigoods/orders"
)

// standardVerify is a Standard Webhooks verifier written from the
// specification (https://www.standardwebhooks.com), not from the signer:
// the key is the base64 after "whsec_"; the signed content is
// "<webhook-id>.<webhook-timestamp>.<body>"; webhook-signature is a
// space-delimited list of "<version>,<base64 HMAC-SHA256>", of which any
// "v1" one may match (compared in constant time); a timestamp more than
// five minutes from now, either way, is refused against replay.
func standardVerify(secret string, h http.Header, body []byte, now time.Time) error {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return errors.New("secret is not base64")
	}
	id, ts, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if id == "" || ts == "" || sigs == "" {
		return errors.New("missing headers")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errors.New("bad timestamp")
	}
	if t := time.Unix(sec, 0); now.Sub(t) > 5*time.Minute || t.Sub(now) > 5*time.Minute {
		return errors.New("timestamp out of tolerance")
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "." + string(body)))
	expected := mac.Sum(nil)
	for _, s := range strings.Split(sigs, " ") {
		version, sig, ok := strings.Cut(s, ",")
		if !ok || version != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(sig)
		if err == nil && hmac.Equal(got, expected) {
			return nil
		}
	}
	return errors.New("no matching signature")
}

func signedHeaders(secret, id string, at time.Time, body []byte) http.Header {
	h := http.Header{}
	h.Set(orders.HeaderWebhookID, id)
	h.Set(orders.HeaderWebhookTimestamp, strconv.FormatInt(at.Unix(), 10))
	h.Set(orders.HeaderWebhookSignature, orders.SignStandardWebhook(secret, id, at, body))
	return h
}

func TestStandardWebhookSignature(t *testing.T) {
	secret := orders.NewWebhookSecret()
	if key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_")); !strings.HasPrefix(secret, "whsec_") || err != nil || len(key) < 24 || len(key) > 64 {
		t.Fatalf("secret %q is not whsec_ and base64 of 24–64 bytes (%v)", secret, err)
	}
	now := time.Now()
	body := []byte(`{"id":"evt_1","type":"order.ready","order_id":"ord_1","sequence":1}`)
	h := signedHeaders(secret, "evt_1", now, body)
	for _, tc := range []struct {
		scenario string
		secret   string
		header   http.Header
		body     []byte
		now      time.Time
		ok       bool
	}{
		{"as sent", secret, h, body, now, true},
		{"tampered body", secret, h, []byte(strings.Replace(string(body), "ready", "failed", 1)), now, false},
		{"stale timestamp", secret, signedHeaders(secret, "evt_1", now.Add(-10*time.Minute), body), body, now, false},
		{"timestamp from the future", secret, signedHeaders(secret, "evt_1", now.Add(10*time.Minute), body), body, now, false},
		{"another event's id", secret, func() http.Header { c := h.Clone(); c.Set("webhook-id", "evt_2"); return c }(), body, now, false},
		{"another secret", orders.NewWebhookSecret(), h, body, now, false},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			if err := standardVerify(tc.secret, tc.header, tc.body, tc.now); (err == nil) != tc.ok {
				t.Errorf("independent verifier: %v, want ok %v", err, tc.ok)
			}
			got := orders.VerifyStandardWebhook(tc.secret, tc.header.Get("webhook-id"), tc.header.Get("webhook-timestamp"),
				tc.header.Get("webhook-signature"), tc.body, tc.now, 5*time.Minute)
			if got != tc.ok {
				t.Errorf("VerifyStandardWebhook = %v, want %v", got, tc.ok)
			}
		})
	}
}

// TestLegacyWebhookSecret: a secret made before the standard (whsec_ and
// unpadded base64url) still signs both headers, with its own bytes as key.
func TestLegacyWebhookSecret(t *testing.T) {
	legacy := "whsec_" + base64.RawURLEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef")) // 43 characters, no padding
	now := time.Now()
	body := []byte(`{"id":"evt_1"}`)
	if !orders.VerifyWebhook(legacy, orders.SignWebhook(legacy, now, body), body, now, 5*time.Minute) {
		t.Error("old Oshigoods-Signature does not verify with a legacy secret")
	}
	h := signedHeaders(legacy, "evt_1", now, body)
	if !orders.VerifyStandardWebhook(legacy, "evt_1", h.Get("webhook-timestamp"), h.Get("webhook-signature"), body, now, 5*time.Minute) {
		t.Error("webhook-signature does not verify with a legacy secret")
	}
	if string(orders.WebhookKey(legacy)) != legacy {
		t.Errorf("legacy key is %q, want the secret's bytes", orders.WebhookKey(legacy))
	}
}
