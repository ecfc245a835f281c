package sqlstore

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"oshigoods/orders"
)

// Routing a new order on PostgreSQL reads no shop keys: the store keeps
// the keys it last read with their stamp (every key's id and row version,
// xmin), and the batch that stores the order begins with a statement that
// fails unless the keys' stamp is still that one. Any key added, changed
// or removed changes the stamp: the store then reads the keys again and
// stores the order anew. So an order is routed by the keys as they stand
// when it is stored, in one round trip, as a read of the keys just before
// storing it would route it.

// routingKeys is the shop keys as one read found them, by creation time
// then id, and their stamp (keysStamp).
type routingKeys struct {
	keys  []*orders.ShopKey
	stamp string
}

// keysStamp is the stamp of the shop keys as they stand: the MD5, in hex,
// of "id:xmin" for every key by id (bytewise), joined by commas. stampOf
// computes the same from a read of the keys.
const keysStamp = `SELECT md5(coalesce(string_agg(k.id || ':' || k.xmin::text, ',' ORDER BY k.id COLLATE "C"), '')) FROM shop_keys k`

// checkStamp fails with staleKeysCode unless the keys' stamp is $1.
const checkStamp = `SELECT 1 / ((` + keysStamp + `) = ?)::int`

// staleKeysCode is PostgreSQL's division_by_zero, which checkStamp raises
// when the keys changed: no statement of an order's batch divides
// otherwise.
const staleKeysCode = "22012"

// maxRouteTries is how many times an order is stored anew when the keys
// changed since they were read (each time, they are read again).
const maxRouteTries = 3

// stampOf is keysStamp for the keys given with their row versions.
func stampOf(keys []*orders.ShopKey, versions []*string) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k.ID + ":" + *versions[i]
	}
	slices.Sort(parts) // ids hold no ':', so this is by id
	sum := md5.Sum([]byte(strings.Join(parts, ",")))
	return hex.EncodeToString(sum[:])
}

// readRoutingKeys reads every key with its stamp, in one statement (so one
// snapshot), and keeps them for the next orders.
func (s *Store) readRoutingKeys(ctx context.Context) (*routingKeys, error) {
	var versions []*string
	keys, err := selectShopKeys(ctx, runner{s.db, s.d}, `, k.xmin::text`, func(*orders.ShopKey) []any {
		v := new(string)
		versions = append(versions, v)
		return []any{v}
	})
	if err != nil {
		return nil, err
	}
	rk := &routingKeys{keys: keys, stamp: stampOf(keys, versions)}
	s.routing.Store(rk)
	return rk, nil
}

// insertRouted stores o in one transaction (insertOrder), its ShopID first
// set to route(keys) for the shop keys as they stand then; with route nil,
// as o has it.
func (s *Store) insertRouted(ctx context.Context, o *orders.Order, route func([]*orders.ShopKey) string) error {
	switch {
	case route == nil:
		return s.writeBatch(ctx, func(e execer) error { return insertOrder(ctx, e, o) })
	case s.d != postgres:
		// SQLite: the keys are read in the write transaction, which no
		// other writer shares.
		return s.write(ctx, func(r runner) error {
			keys, err := selectShopKeys(ctx, r, "", nil)
			if err != nil {
				return err
			}
			o.ShopID = route(keys)
			return insertOrder(ctx, r, o)
		})
	}
	for range maxRouteTries {
		rk := s.routing.Load()
		if rk == nil {
			var err error
			if rk, err = s.readRoutingKeys(ctx); err != nil {
				return err
			}
		}
		err := s.writeBatch(ctx, func(e execer) error {
			o.ShopID = route(rk.keys)
			if err := e.do(ctx, checkStamp, rk.stamp); err != nil {
				return err
			}
			return insertOrder(ctx, e, o)
		})
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != staleKeysCode {
			return err
		}
		s.routing.CompareAndSwap(rk, nil)
	}
	return fmt.Errorf("route order %s: the shop keys changed %d times while it was stored", o.ID, maxRouteTries)
}
