package sqlstore

import (
	"errors"
	"fmt"
	"testing"

	"oshigoods"
	"oshigoods/orders"
)

// testWebhookEndpoints checks the per-shop cap, deletion (with the
// endpoint's deliveries and log) and secret replacement, each confined to
// the endpoint's own shop.
func testWebhookEndpoints(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	ctx := t.Context()
	for i := range 3 {
		ep := &orders.WebhookEndpoint{ID: fmt.Sprintf("wa%d", i), ShopID: "shop1", URL: "https://a.example/hook", Secret: "whsec_a", CreatedAt: t0}
		if err := s.CreateWebhookEndpoint(ctx, ep, 3); err != nil {
			t.Fatalf("CreateWebhookEndpoint %d: %v", i, err)
		}
	}
	over := &orders.WebhookEndpoint{ID: "wa3", ShopID: "shop1", URL: "https://a.example/hook", Secret: "whsec_a", CreatedAt: t0}
	if err := s.CreateWebhookEndpoint(ctx, over, 3); !errors.Is(err, orders.ErrWebhookLimit) {
		t.Fatalf("fourth endpoint under a cap of 3: %v, want ErrWebhookLimit", err)
	}
	other := &orders.WebhookEndpoint{ID: "wb0", ShopID: "shopB", URL: "https://b.example/hook", Secret: "whsec_b", CreatedAt: t0}
	if err := s.CreateWebhookEndpoint(ctx, other, 3); err != nil {
		t.Fatalf("another shop's first endpoint: %v", err)
	}

	// An event owes a delivery to every endpoint of the order's shop
	// (shop1, newOrder's); deleting one takes its delivery and log with it.
	readyOrder(t, s, "o1", t0)
	if d, err := s.Delivery(ctx, mustEventID(t, s, "o1"), "wa0"); err != nil || d.Status != orders.DeliveryPending {
		t.Fatalf("delivery before delete: %+v, %v", d, err)
	}
	wantCode(t, "delete another shop's endpoint", s.DeleteWebhookEndpoint(ctx, "shopB", "wa0"), oshigoods.ENOTFOUND)
	if err := s.DeleteWebhookEndpoint(ctx, "shop1", "wa0"); err != nil {
		t.Fatalf("DeleteWebhookEndpoint: %v", err)
	}
	wantCode(t, "delete again", s.DeleteWebhookEndpoint(ctx, "shop1", "wa0"), oshigoods.ENOTFOUND)
	_, err := s.WebhookEndpoint(ctx, "wa0")
	wantCode(t, "deleted endpoint", err, oshigoods.ENOTFOUND)
	_, err = s.Delivery(ctx, mustEventID(t, s, "o1"), "wa0")
	wantCode(t, "deleted endpoint's delivery", err, oshigoods.ENOTFOUND)
	if err := s.CreateWebhookEndpoint(ctx, over, 3); err != nil {
		t.Fatalf("endpoint after a delete frees a place: %v", err)
	}

	wantCode(t, "rotate another shop's endpoint", s.SetWebhookSecret(ctx, "shopB", "wa1", "whsec_new"), oshigoods.ENOTFOUND)
	if err := s.SetWebhookSecret(ctx, "shop1", "wa1", "whsec_new"); err != nil {
		t.Fatalf("SetWebhookSecret: %v", err)
	}
	if got, err := s.WebhookEndpoint(ctx, "wa1"); err != nil || got.Secret != "whsec_new" {
		t.Fatalf("endpoint after SetWebhookSecret: %+v, %v", got, err)
	}
	if got, _ := s.WebhookEndpoint(ctx, "wb0"); got.Secret != "whsec_b" {
		t.Fatalf("another shop's secret changed: %q", got.Secret)
	}
}

func mustEventID(t *testing.T, s *Store, orderID string) string {
	t.Helper()
	evs, err := s.Events(t.Context(), orderID)
	if err != nil || len(evs) == 0 {
		t.Fatalf("events of %s: %v, %v", orderID, evs, err)
	}
	return evs[0].ID
}
