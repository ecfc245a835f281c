package orders_test

import (
	"testing"
	"time"

	"oshigoods/orders"
)

// TestRoute: an order's physical items go whole to the first active key,
// by creation time then id, that makes every one of them; a voice-only
// order goes to no shop, and an order no key makes waits ("").
func TestRoute(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cards := &orders.ShopKey{ID: "key_cards", Kinds: []orders.Kind{orders.KindCard}, CreatedAt: t0.Add(time.Hour)}
	tate := &orders.ShopKey{ID: "key_tate", Templates: []string{"card-letter-tate"}, CreatedAt: t0}
	all := &orders.ShopKey{ID: "key_all", Kinds: []orders.Kind{orders.KindCard, orders.KindPhoto}, CreatedAt: t0.Add(2 * time.Hour)}
	tieA := &orders.ShopKey{ID: "key_a", Kinds: []orders.Kind{orders.KindPhoto}, CreatedAt: t0.Add(3 * time.Hour)}
	tieB := &orders.ShopKey{ID: "key_b", Kinds: []orders.Kind{orders.KindPhoto}, CreatedAt: t0.Add(3 * time.Hour)}
	revoked := &orders.ShopKey{ID: "key_0", Kinds: []orders.Kind{orders.KindCard, orders.KindPhoto}, CreatedAt: t0.Add(-time.Hour), RevokedAt: t0}
	item := func(kind orders.Kind, tpl string, st orders.Status) *orders.Item {
		return &orders.Item{Kind: kind, Template: tpl, Status: st}
	}
	photo := item(orders.KindPhoto, "photo-2shot-l", orders.StatusReady)
	tateCard := item(orders.KindCard, "card-letter-tate", orders.StatusReady)
	yokoCard := item(orders.KindCard, "card-letter-yoko", orders.StatusReady)
	voice := item(orders.KindVoice, "voice-alarm-morning", orders.StatusReady)
	tests := []struct {
		scenario string
		keys     []*orders.ShopKey
		items    []*orders.Item
		want     string
	}{
		{"template key older than the kind key", []*orders.ShopKey{cards, tate}, []*orders.Item{tateCard}, "key_tate"},
		{"kind key makes what the template key does not", []*orders.ShopKey{cards, tate}, []*orders.Item{yokoCard}, "key_cards"},
		{"the whole order to one shop", []*orders.ShopKey{cards, tate}, []*orders.Item{tateCard, yokoCard}, "key_cards"},
		{"voice rides along with the physical items", []*orders.ShopKey{tate}, []*orders.Item{tateCard, voice}, "key_tate"},
		{"photo and card need a key making both", []*orders.ShopKey{cards, tate, tieA, all}, []*orders.Item{photo, tateCard}, "key_all"},
		{"voice only goes to no shop", []*orders.ShopKey{all}, []*orders.Item{voice}, ""},
		{"cancelled items need no shop", []*orders.ShopKey{cards}, []*orders.Item{item(orders.KindPhoto, "photo-2shot-l", orders.StatusCancelled), yokoCard}, "key_cards"},
		{"no key makes it: it waits", []*orders.ShopKey{cards, tate}, []*orders.Item{photo}, ""},
		{"no keys at all", nil, []*orders.Item{photo}, ""},
		{"a revoked key gets nothing", []*orders.ShopKey{revoked}, []*orders.Item{photo}, ""},
		{"a tie goes by id", []*orders.ShopKey{tieB, tieA}, []*orders.Item{photo}, "key_a"},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			if got := orders.Route(tc.keys, tc.items); got != tc.want {
				t.Fatalf("Route = %q, want %q", got, tc.want)
			}
		})
	}
}
