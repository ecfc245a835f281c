package api

import (
	"io"
	"net/http"

	"oshigoods"
	"oshigoods/orders"
	"oshigoods/postal"
)

// maxStripeBody caps a Stripe webhook's body; its events are a few KiB.
const maxStripeBody = 256 << 10

func (s *Server) checkoutOptions(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.svc.CheckoutOptions())
}

// createQuote answers with a cart's totals as an order would have them.
func (s *Server) createQuote(w http.ResponseWriter, r *http.Request) {
	var req orders.QuoteRequest
	if err := decodeJSON(w, r, &req, maxSmallBody, "quote request", false); err != nil {
		s.writeError(w, r, err)
		return
	}
	t, method, err := s.svc.Quote(r.Context(), req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"totals": t, "shipping_method": method})
}

// orderCheckout answers with the card payment page of an order awaiting
// a Stripe payment (the order token is the bearer).
func (s *Server) orderCheckout(w http.ResponseWriter, r *http.Request) {
	url, err := s.svc.Checkout(r.Context(), r.PathValue("id"), bearer(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"checkout_url": url})
}

// stripeWebhook takes Stripe's signed events. A bad signature or a stale
// timestamp (a replay) is 400 and changes nothing.
func (s *Server) stripeWebhook(w http.ResponseWriter, r *http.Request) {
	payload, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxStripeBody))
	if err != nil {
		s.writeError(w, r, &oshigoods.Error{Code: oshigoods.EINVALID, Message: "the event body is unreadable or larger than 256 KiB."})
		return
	}
	if err := s.svc.PaymentNotice(r.Context(), payload, r.Header.Get("Stripe-Signature")); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"received": true})
}

// postalCode answers with the addresses of a 〒 code from Japan Post's
// list (package postal), for the storefront's address form:
// {"postal_code":"100-0001","addresses":[{"prefecture":"東京都","city":"千代田区","town":"千代田"}]}.
// A code that is not 7 digits is 422; one not in the list 404.
func (s *Server) postalCode(w http.ResponseWriter, r *http.Request) {
	digits, ok := postal.Normalize(r.PathValue("code"))
	if !ok {
		s.writeError(w, r, oshigoods.FieldErrorf("code", "a postal code is 7 digits, like 100-0001 or 1000001."))
		return
	}
	list := postal.Lookup(digits)
	if len(list) == 0 {
		s.writeError(w, r, oshigoods.Errorf(oshigoods.ENOTFOUND, "No address has postal code %s-%s.", digits[:3], digits[3:]))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"postal_code": digits[:3] + "-" + digits[3:], "addresses": list})
}
