package orders

import (
	"context"
	"time"
)

// Store keeps orders, items, files, uploads and shop keys. Every method is
// safe for concurrent use by many processes sharing one database. Errors are
// *oshigoods.Error where the caller can act on them (ENOTFOUND, ECONFLICT);
// anything else is an internal error.
type Store interface {
	// CreateOrder stores o with its items in one transaction. IDs, token
	// hash, statuses and times are set by the caller. If o.IdempotencyKey is
	// set and an order with that key exists, nothing is written: the existing
	// order is returned with created false when its RequestHash equals
	// o.RequestHash, and ECONFLICT otherwise.
	CreateOrder(ctx context.Context, o *Order) (stored *Order, created bool, err error)

	// Order returns the order with its items and their files, items by Seq,
	// files by name. ENOTFOUND if there is none.
	Order(ctx context.Context, id string) (*Order, error)

	// Orders returns orders with the given status, oldest first, with items
	// and files, at most limit (limit ≤ 0 means 100).
	Orders(ctx context.Context, status Status, limit int) ([]*Order, error)

	// Item returns one item with its files. ENOTFOUND if there is none.
	Item(ctx context.Context, id string) (*Item, error)

	// TransitionItem moves an item to status `to` if its current status is one
	// of `from`, setting its error to reason (or clearing it when ""), and
	// re-derives its order's status, all in one transaction. It reports
	// whether the item changed; an item in another status is left as it is
	// (changed false, nil error). ENOTFOUND if there is no such item.
	TransitionItem(ctx context.Context, id string, from []Status, to Status, reason string) (changed bool, err error)

	// CompleteItem records an item's files and warnings and marks it ready,
	// in one transaction, if it is queued or rendering; an item already ready
	// (a task delivered twice) is left as it is. Files are keyed by
	// (item, name): recording the same files again replaces, never
	// duplicates. It re-derives the order's status. It reports whether the
	// item changed. ENOTFOUND if there is no such item.
	CompleteItem(ctx context.Context, id string, files []File, warnings []string) (changed bool, err error)

	// StaleItems returns items whose status is one of statuses and that have
	// not been updated since before, oldest first, at most limit. The worker's
	// reconciler uses it to re-enqueue work that Redis lost.
	StaleItems(ctx context.Context, statuses []Status, before time.Time, limit int) ([]*Item, error)

	// MarkPrinted moves a ready order and all its ready items to printed.
	// Marking a printed order again is a no-op. ENOTFOUND if there is no such
	// order, ECONFLICT if it is in another status.
	MarkPrinted(ctx context.Context, orderID string) error

	// CreateUpload stores an upload's record. ECONFLICT if the id exists.
	CreateUpload(ctx context.Context, u *Upload) error
	// Upload returns an upload's record. ENOTFOUND if there is none.
	Upload(ctx context.Context, id string) (*Upload, error)

	// CreateShopKey stores a shop key's record. ECONFLICT if the id or the
	// hash exists.
	CreateShopKey(ctx context.Context, k *ShopKey) error
	// ShopKeyByHash returns the key with the given hash. ENOTFOUND if none.
	ShopKeyByHash(ctx context.Context, hash string) (*ShopKey, error)

	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// Close releases the database.
	Close() error
}

// FileStore keeps blobs: uploads and rendered files. Put of the same key
// with the same bytes is idempotent.
type FileStore interface {
	Put(ctx context.Context, key string, data []byte, contentType string) error
	// Get returns the object's bytes; ENOTFOUND if there is none.
	Get(ctx context.Context, key string) ([]byte, error)
	// PresignGet returns a URL that downloads the object until ttl passes.
	PresignGet(ctx context.Context, key, filename string, ttl time.Duration) (string, error)
	// Ping checks that the bucket is reachable.
	Ping(ctx context.Context) error
}

// Queue hands items to the render workers. Enqueuing an item whose task is
// already pending is a no-op.
type Queue interface {
	EnqueueRender(ctx context.Context, item *Item) error
	// Ping checks that the broker answers.
	Ping(ctx context.Context) error
}
