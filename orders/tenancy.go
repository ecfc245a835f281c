package orders

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"oshigoods"
)

// Shops are tenants. The operator gives each shop key the kinds and the
// templates its shop makes; every order's physical items (photos and cards:
// a voice clip is digital and goes to no shop) are routed to one shop by
// Route when the order is taken, and orders no key makes wait, unrouted,
// until a key that makes them is created (RouteWaiting). A shop lists,
// claims, reads, acks and marks printed its own orders only, and only its
// webhook endpoints receive their events; to it another shop's order does
// not exist (ENOTFOUND, as for a missing one).

// NewShopKey is what the operator gives a new print-shop key.
type NewShopKey struct {
	Name string
	// Kinds the shop makes: photo, card. Every template of these kinds is
	// the shop's.
	Kinds []Kind
	// Templates the shop makes besides its kinds', by catalogue id.
	Templates []string
}

// Makes reports whether the shop makes the item: its kind is one of the
// key's kinds, or its template one of the key's templates.
func (k *ShopKey) Makes(it *Item) bool {
	return slices.Contains(k.Kinds, it.Kind) || slices.Contains(k.Templates, it.Template)
}

// Active reports whether the key still authenticates.
func (k *ShopKey) Active() bool { return k.RevokedAt.IsZero() }

// Physical reports whether an item is made by a print shop: a photo or a
// card that is not cancelled.
func Physical(it *Item) bool {
	return it.Kind != KindVoice && it.Status != StatusCancelled
}

// Route returns the shop the order's physical items go to: the first
// active key, by creation time and then id, that makes every one of them.
// It returns "" when the order has no physical item, or when no key makes
// them all (the order waits). One order goes to one shop, whole.
func Route(keys []*ShopKey, items []*Item) string {
	var physical []*Item
	for _, it := range items {
		if Physical(it) {
			physical = append(physical, it)
		}
	}
	if len(physical) == 0 {
		return ""
	}
	sorted := slices.Clone(keys)
	slices.SortStableFunc(sorted, func(a, b *ShopKey) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	for _, k := range sorted {
		if !k.Active() {
			continue
		}
		all := true
		for _, it := range physical {
			if !k.Makes(it) {
				all = false
				break
			}
		}
		if all {
			return k.ID
		}
	}
	return ""
}

// CreateShopKey creates a print-shop key for what req says the shop makes,
// returns it with its record, and routes the orders that were waiting for
// such a shop. The key is shown once; only its hash is stored. A key must
// name at least one kind or template (EUNPROCESSABLE otherwise): a key that
// makes nothing would never receive an order. Kinds are photo and card;
// templates must be the catalogue's photo or card templates.
func (s *Service) CreateShopKey(ctx context.Context, req NewShopKey) (key string, k *ShopKey, err error) {
	name := strings.TrimSpace(req.Name)
	if name == "" || utf8.RuneCountInString(name) > 100 {
		return "", nil, oshigoods.FieldErrorf("name", "name is required, at most 100 characters.")
	}
	kinds, templates, err := s.checkMakes(req.Kinds, req.Templates)
	if err != nil {
		return "", nil, err
	}
	key = "shk_" + NewSecret()
	k = &ShopKey{ID: NewID("key"), Name: name, Hash: Hash(key), Kinds: kinds, Templates: templates, CreatedAt: time.Now().UTC()}
	if err := s.Store.CreateShopKey(ctx, k); err != nil {
		return "", nil, err
	}
	s.audit(ctx, ActorOperator, "key.create", k.ID, makesDetail(k))
	if _, err := s.RouteWaiting(ctx); err != nil {
		s.log().Warn("route waiting orders", "err", err)
	}
	return key, k, nil
}

// checkMakes validates and normalises (sorted, each once) a key's kinds
// and templates.
func (s *Service) checkMakes(kinds []Kind, templates []string) ([]Kind, []string, error) {
	if len(kinds) == 0 && len(templates) == 0 {
		return nil, nil, oshigoods.FieldErrorf("kinds", "say what the shop makes: kinds (photo, card) or templates, or both.")
	}
	var ks []Kind
	for _, k := range kinds {
		switch k {
		case KindPhoto, KindCard:
		case KindVoice:
			return nil, nil, oshigoods.FieldErrorf("kinds", "voice clips are digital: no print shop makes them.")
		default:
			return nil, nil, oshigoods.FieldErrorf("kinds", "unknown kind %q; a shop makes photo or card.", k)
		}
		if !slices.Contains(ks, k) {
			ks = append(ks, k)
		}
	}
	var ts []string
	for _, id := range templates {
		id = strings.TrimSpace(id)
		if s.Catalog == nil {
			return nil, nil, fmt.Errorf("check templates: no catalogue")
		}
		tpl, err := s.Catalog.Template(id)
		if err != nil {
			return nil, nil, oshigoods.FieldErrorf("templates", "no template %q in the catalogue.", id)
		}
		if tpl.Info().Kind == KindVoice {
			return nil, nil, oshigoods.FieldErrorf("templates", "%s is a voice clip, digital: no print shop makes it.", id)
		}
		if !slices.Contains(ts, id) {
			ts = append(ts, id)
		}
	}
	slices.Sort(ks)
	slices.Sort(ts)
	return ks, ts, nil
}

// makesDetail is a key's kinds and templates for the audit log.
func makesDetail(k *ShopKey) string {
	kinds := make([]string, len(k.Kinds))
	for i, kd := range k.Kinds {
		kinds[i] = string(kd)
	}
	return "kinds=" + strings.Join(kinds, ",") + " templates=" + strings.Join(k.Templates, ",")
}

// ShopByKey returns the active shop a key belongs to, or EUNAUTHORIZED
// (for a revoked key too, from the moment it is revoked: nothing caches
// keys).
func (s *Service) ShopByKey(ctx context.Context, key string) (*ShopKey, error) {
	if key == "" {
		return nil, oshigoods.Errorf(oshigoods.EUNAUTHORIZED, "a print-shop key is required: Authorization: Bearer <key>.")
	}
	k, err := s.Store.ShopKeyByHash(ctx, Hash(key))
	if oshigoods.ErrorCode(err) == oshigoods.ENOTFOUND || (err == nil && !k.Active()) {
		return nil, oshigoods.Errorf(oshigoods.EUNAUTHORIZED, "unknown print-shop key.")
	}
	return k, err
}

// ShopKeys returns every key, revoked ones too, oldest first, with how
// many open orders each shop has.
func (s *Service) ShopKeys(ctx context.Context) ([]*ShopKey, error) {
	return s.Store.ShopKeys(ctx)
}

// RevokeShopKey revokes a key: from now on it is 401. The shop's open
// orders are unrouted, their leases ended, and routed again to another key
// that makes them, or wait. Revoking again is a no-op. ENOTFOUND if there
// is no such key.
func (s *Service) RevokeShopKey(ctx context.Context, id string) error {
	if err := s.Store.RevokeShopKey(ctx, id, time.Now().UTC()); err != nil {
		return err
	}
	s.audit(ctx, ActorOperator, "key.revoke", id, "")
	if _, err := s.RouteWaiting(ctx); err != nil {
		s.log().Warn("route waiting orders", "err", err)
	}
	return nil
}

// RotateShopKey gives the shop a new key, shown once, and revokes the old
// one at once; the shop keeps its id, orders, claims and webhooks.
// ENOTFOUND if there is no such key, ECONFLICT if it is revoked.
func (s *Service) RotateShopKey(ctx context.Context, id string) (string, error) {
	key := "shk_" + NewSecret()
	if err := s.Store.RotateShopKey(ctx, id, Hash(key)); err != nil {
		return "", err
	}
	s.audit(ctx, ActorOperator, "key.rotate", id, "")
	return key, nil
}

// UnroutedOrders returns up to ShopOrderLimit orders waiting for a shop
// that makes them, oldest first: the operator's view.
func (s *Service) UnroutedOrders(ctx context.Context) ([]*Order, error) {
	return s.Store.UnroutedOrders(ctx, ShopOrderLimit)
}

// RouteWaiting routes the waiting orders (UnroutedOrders) that a key now
// makes, and reports how many it routed.
func (s *Service) RouteWaiting(ctx context.Context) (int, error) {
	keys, err := s.Store.RoutingKeys(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for {
		waiting, err := s.Store.UnroutedOrders(ctx, ShopOrderLimit)
		if err != nil {
			return n, err
		}
		routed := 0
		for _, o := range waiting {
			shop := Route(keys, o.Items)
			if shop == "" {
				continue
			}
			ok, err := s.Store.RouteOrder(ctx, o.ID, shop)
			if err != nil {
				return n, err
			}
			if ok {
				routed++
			}
		}
		n += routed
		// A full page all left waiting would come back the same: stop.
		if len(waiting) < ShopOrderLimit || routed == 0 {
			return n, nil
		}
	}
}

// shopOrder returns the order if it is routed to the shop; ENOTFOUND, the
// same as for a missing order, if it is another shop's or nobody's.
func (s *Service) shopOrder(ctx context.Context, shop *ShopKey, orderID string) (*Order, error) {
	o, err := s.Store.Order(ctx, orderID)
	if err != nil {
		return nil, err
	}
	if o.ShopID == "" || o.ShopID != shop.ID {
		return nil, errOrderNotFound()
	}
	return o, nil
}

// errOrderNotFound is the store's ENOTFOUND for a missing order, word for
// word, so another shop's order looks the same as none.
func errOrderNotFound() error { return oshigoods.Errorf(oshigoods.ENOTFOUND, "Order not found.") }
