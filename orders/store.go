package orders

import (
	"context"
	"time"
)

// Store keeps orders, items, files, uploads, shop keys, claims, the
// webhook outbox and the fans' mail outbox: the composition of the small stores below, one per
// concern, which is what an implementation (sqlstore) provides and what
// cmd/oshigoods wires into the Service. The small interfaces name what each
// use case needs (the render use case needs an ItemStore, an UploadStore
// and a FileStore; LoadImages takes just an UploadStore), so a function
// that needs one concern takes only it, and a test's stand-in implements
// only what the test is about. Every method is
// safe for concurrent use by many processes sharing one database. Errors
// are *oshigoods.Error where the caller can act on them (ENOTFOUND,
// ECONFLICT); anything else is an internal error.
type Store interface {
	OrderStore
	ItemStore
	UploadStore
	ShopKeyStore
	ClaimStore
	WebhookStore
	AuditStore
	RetentionStore
	PaymentStore
	FulfilmentStore
	MailStore
	AdminKeyStore
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// Close releases the database.
	Close() error
}

// OrderStore keeps orders with their items and files: taking, reading,
// printing and cancelling them.
type OrderStore interface {
	// CreateOrder stores o with its items in one transaction. IDs, token
	// hash, statuses and times are set by the caller. If o.IdempotencyKey is
	// set and an order with that key exists, nothing is written: the existing
	// order is returned with created false when its RequestHash equals
	// o.RequestHash, and ECONFLICT otherwise. A key expires IdempotencyTTL
	// after the order that used it was created (counted back from
	// o.CreatedAt): the old order then lets go of it and o is stored.
	CreateOrder(ctx context.Context, o *Order) (stored *Order, created bool, err error)

	// CreateRoutedOrder is CreateOrder with o.ShopID set to route(keys)
	// first, keys being every shop key, as RoutingKeys returns them, as
	// they stand when o is stored (route may be called more than once);
	// route nil leaves o.ShopID as it is.
	CreateRoutedOrder(ctx context.Context, o *Order, route func(keys []*ShopKey) string) (stored *Order, created bool, err error)

	// Order returns the order with its items and their files, items by Seq,
	// files by name. ENOTFOUND if there is none.
	Order(ctx context.Context, id string) (*Order, error)

	// SearchOrders returns the orders q selects, newest first (by
	// creation time, then id), with items and files, at most q.Limit (≤ 0
	// means 100): the operator's search.
	SearchOrders(ctx context.Context, q OrderQuery) ([]*Order, error)

	// Orders returns the orders routed to the shop with the given status,
	// oldest first, with items and files, at most limit (limit ≤ 0 means
	// 100).
	Orders(ctx context.Context, shopID string, status Status, limit int) ([]*Order, error)

	// MarkPrinted moves a ready order and all its ready items to printed.
	// Marking a printed order again is a no-op. ENOTFOUND if there is no such
	// order; ECONFLICT if it is in another status, or an active claim's
	// lease holds it (only that claim settles it, with AckOrder).
	MarkPrinted(ctx context.Context, orderID string) error

	// CancelOrder cancels every item of an order that is not already
	// cancelled, and so the order. Cancelling a cancelled order is a no-op.
	// ENOTFOUND if there is no such order; ECONFLICT if an active claim
	// holds it or it is printed.
	CancelOrder(ctx context.Context, orderID string, now time.Time) error
}

// ItemStore moves items through their lifecycle: the render use case and
// the reconciler need it.
type ItemStore interface {
	// Item returns one item with its files. ENOTFOUND if there is none.
	Item(ctx context.Context, id string) (*Item, error)

	// TransitionItem moves an item to status `to` if its current status is one
	// of `from`, setting its error to reason (or clearing it when ""), and
	// re-derives its order's status, all in one transaction. It reports
	// whether the item changed; an item in another status is left as it is
	// (changed false, nil error). ENOTFOUND if there is no such item.
	TransitionItem(ctx context.Context, id string, from []Status, to Status, reason string) (changed bool, err error)

	// CompleteItem records an item's files, warnings and preflight record
	// (c, stored exactly as given: the warnings replace the item's) and
	// marks it ready, in one transaction, if it is queued or rendering; an
	// item already ready (a task delivered twice) is left as it is. Files
	// are keyed by (item, name): recording the same files again replaces,
	// never duplicates. It re-derives the order's status. It reports whether
	// the item changed. ENOTFOUND if there is no such item.
	CompleteItem(ctx context.Context, id string, c Completion) (changed bool, err error)

	// StaleItems returns items whose status is one of statuses and that have
	// not been updated since before, oldest first, at most limit. It only
	// reads: the reconciler takes its items with ClaimStaleItems.
	StaleItems(ctx context.Context, statuses []Status, before time.Time, limit int) ([]*Item, error)

	// BeginRender starts a render of an item at now, in one transaction:
	// an item received or queued, or rendering with no render holding its
	// lease (the last one died), whose renders started fewer than
	// maxAttempts times, becomes rendering, counts an attempt, is leased
	// to this render until now+lease and loses its reconciler mark. It
	// returns the item so changed (its Attempts names this render in
	// ExtendRender and DelayItem; its Files may be left out), or started
	// false, changing nothing, with the item as it is, when the item is
	// settled, another render's lease holds it, or it used up its
	// attempts. ENOTFOUND if there is no such item.
	BeginRender(ctx context.Context, id string, now time.Time, lease time.Duration, maxAttempts int) (item *Item, started bool, err error)

	// ExtendRender renews until `until` the lease of the item's render
	// numbered attempt. It reports false, changing nothing, when that
	// render no longer holds the item: it was settled, delayed or handed
	// over again, or another render began.
	ExtendRender(ctx context.Context, id string, attempt int, until time.Time) (held bool, err error)

	// DelayItem records that the item's render numbered attempt failed for
	// a reason that passes and will be retried: the item goes back to
	// queued, its lease ends, and DelayReason becomes reason (public
	// words) until a render completes it. It reports false, changing
	// nothing, when that render no longer holds the item. ENOTFOUND if
	// there is no such item.
	DelayItem(ctx context.Context, id string, attempt int, reason string) (changed bool, err error)

	// RequeueItem readies an item still to be rendered (received, queued
	// or rendering) for a fresh render task: its TaskSeq counts one more,
	// it becomes queued and any render's lease on it ends. It returns the
	// item so changed, or changed false when it is settled. ENOTFOUND if
	// there is no such item.
	RequeueItem(ctx context.Context, id string) (item *Item, changed bool, err error)

	// RetryItem gives an item in one of from (failed, or stuck) a fresh
	// start for the operator: queued under a fresh render task (TaskSeq
	// one more), attempts counted from zero, no lease, error or delay. It
	// returns the item so changed, or changed false when it is in another
	// status. ENOTFOUND if there is no such item.
	RetryItem(ctx context.Context, id string, from []Status) (item *Item, changed bool, err error)

	// ClaimStaleItems takes up to limit items for a reconciler pass at
	// now, least recently changed first: items still to be rendered that
	// no pass took since staleBefore and that are either received or
	// queued and unchanged since staleBefore, or rendering with no render
	// holding their lease. It marks them taken at now in the same
	// transaction, so that passes running at once (one per worker
	// process) never take the same item.
	ClaimStaleItems(ctx context.Context, now, staleBefore time.Time, limit int) ([]*Item, error)
}

// UploadStore keeps the records of fans' uploads.
type UploadStore interface {
	// CreateUpload stores an upload's record. ECONFLICT if the id exists.
	CreateUpload(ctx context.Context, u *Upload) error

	// Upload returns an upload's record. ENOTFOUND if there is none.
	Upload(ctx context.Context, id string) (*Upload, error)
}

// ShopKeyStore keeps print-shop keys and the routing of orders to them.
type ShopKeyStore interface {
	// CreateShopKey stores a shop key's record with its kinds and
	// templates. ECONFLICT if the id or the hash exists.
	CreateShopKey(ctx context.Context, k *ShopKey) error

	// ShopKeyByHash returns the key with the given hash, revoked or not.
	// ENOTFOUND if none.
	ShopKeyByHash(ctx context.Context, hash string) (*ShopKey, error)

	// ShopKeys returns every key, revoked ones too, by creation time then
	// id, with OpenOrders set.
	ShopKeys(ctx context.Context) ([]*ShopKey, error)

	// RoutingKeys returns every key, revoked ones too, by creation time
	// then id, without OpenOrders (0): what Route reads, without counting
	// each shop's orders.
	RoutingKeys(ctx context.Context) ([]*ShopKey, error)

	// RevokeShopKey marks the key revoked at now (again: a no-op) and, in
	// the same transaction, unroutes the shop's open orders (not printed,
	// failed or cancelled) and ends their leases, so that they can be
	// routed to another shop, and fails the deliveries its endpoints were
	// still owed. ENOTFOUND if there is no such key.
	RevokeShopKey(ctx context.Context, id string, now time.Time) error

	// RotateShopKey replaces an active key's hash: the old key stops
	// working at once, the shop (its id, orders, claims, webhooks) stays.
	// ENOTFOUND if there is no such key; ECONFLICT if it is revoked or the
	// hash exists.
	RotateShopKey(ctx context.Context, id, hash string) error

	// UnroutedOrders returns the orders waiting for a shop, oldest first,
	// with items and files, at most limit (≤ 0 means 100): no shop, not
	// printed, failed or cancelled, and an item that is not cancelled and
	// not a voice.
	UnroutedOrders(ctx context.Context, limit int) ([]*Order, error)

	// RouteOrder sets an unrouted order's shop. It reports false, changing
	// nothing, when the order has a shop already or does not exist.
	RouteOrder(ctx context.Context, orderID, shopID string) (bool, error)
}

// AuditStore keeps the audit log of shop and operator actions.
type AuditStore interface {
	// AddAudit appends an entry; its ID is set by the store.
	AddAudit(ctx context.Context, e AuditEntry) error

	// AuditLog returns the entries at or after since, oldest first, at
	// most limit (≤ 0 means 1000).
	AuditLog(ctx context.Context, since time.Time, limit int) ([]AuditEntry, error)
}

// ClaimStore leases ready orders to print shops and records their acks.
type ClaimStore interface {
	// ClaimOrders leases up to req.Max ready orders to the shop under a new
	// claim with the given id, oldest order first, until now+req.Lease.
	// Orders leased by another active claim are skipped; orders whose lease
	// expired (or whose claim was released) can be claimed again. With
	// req.Kinds or req.Templates set, only orders whose every item that is
	// not cancelled matches are taken. req must have its defaults applied
	// (ClaimRequest.WithDefaults). Many callers may claim at once: no two
	// active claims ever hold the same order. It returns nil, and stores
	// nothing, when no order can be claimed.
	ClaimOrders(ctx context.Context, id, shopID string, req ClaimRequest, now time.Time) (*Claim, error)

	// Claim returns a claim with its orders (items and files) and acks.
	// ENOTFOUND if there is none.
	Claim(ctx context.Context, id string) (*Claim, error)

	// AckOrder records a shop's outcome for one order of a claim, in one
	// transaction: printed moves the order's ready items to printed, failed
	// moves them to failed with "print shop: <reason>"; either ends the
	// order's lease. A repeat of the same outcome is a no-op (changed
	// false). ENOTFOUND if the claim does not exist or does not hold the
	// order; ECONFLICT if the order was acked with another outcome, or its
	// lease ended and another claim took it, or it is no longer ready (a
	// fan cancelled it after the lease ended).
	AckOrder(ctx context.Context, claimID string, ack Ack, now time.Time) (changed bool, err error)

	// ReleaseClaim ends a claim's lease at now: its unacked orders can be
	// claimed again. Releasing again is a no-op. ENOTFOUND if none.
	ReleaseClaim(ctx context.Context, claimID string, now time.Time) error
}

// WebhookStore keeps the outbox: order events, webhook endpoints, and the
// deliveries owed to them with their log.
type WebhookStore interface {
	// Events returns an order's events by sequence. The store writes them
	// itself (see EventType), in the transaction that changes the order's
	// status, with a delivery owed to every webhook endpoint registered then.
	Events(ctx context.Context, orderID string) ([]*Event, error)

	// CreateWebhookEndpoint stores an endpoint unless its shop already has
	// max (ErrWebhookLimit), counted in the same transaction. ECONFLICT if
	// the id exists.
	CreateWebhookEndpoint(ctx context.Context, e *WebhookEndpoint, max int) error

	// DeleteWebhookEndpoint deletes the shop's endpoint with its pending
	// deliveries and its log. ENOTFOUND if the shop has no such endpoint.
	DeleteWebhookEndpoint(ctx context.Context, shopID, id string) error

	// SetWebhookSecret replaces the secret of the shop's endpoint.
	// ENOTFOUND if the shop has no such endpoint.
	SetWebhookSecret(ctx context.Context, shopID, id, secret string) error

	// WebhookEndpoint returns an endpoint. ENOTFOUND if none.
	WebhookEndpoint(ctx context.Context, id string) (*WebhookEndpoint, error)

	// WebhookEndpoints returns a shop's endpoints, oldest first.
	WebhookEndpoints(ctx context.Context, shopID string) ([]*WebhookEndpoint, error)

	// PendingDeliveries returns pending deliveries, with their event and
	// endpoint, not handed to the queue since before (or never), oldest
	// event first, at most limit (≤ 0 means 100).
	PendingDeliveries(ctx context.Context, before time.Time, limit int) ([]*Delivery, error)

	// MarkDeliveryEnqueued records that a delivery was handed to the queue
	// at now. ENOTFOUND if there is no such delivery.
	MarkDeliveryEnqueued(ctx context.Context, eventID, endpointID string, now time.Time) error

	// Delivery returns one delivery with its event and endpoint. ENOTFOUND
	// if there is none.
	Delivery(ctx context.Context, eventID, endpointID string) (*Delivery, error)

	// RecordDeliveryAttempt appends a to its endpoint's delivery log and
	// sets the delivery's state to a.Outcome and its attempt count to
	// a.Attempt, in one transaction. A delivered delivery stays delivered.
	// ENOTFOUND if there is no such delivery.
	RecordDeliveryAttempt(ctx context.Context, a DeliveryAttempt) error

	// DeliveryLog returns an endpoint's delivery attempts, newest first, at
	// most limit (≤ 0 means 100).
	DeliveryLog(ctx context.Context, endpointID string, limit int) ([]DeliveryAttempt, error)
}

// RetentionStore finds personal data past its retention period and
// erases it (retention.go). Every method may be called by many sweepers at
// once and repeated: deletions of what is gone are no-ops.
type RetentionStore interface {
	// ExpiredUploads returns uploads made before `before` that no order
	// uses, oldest first, at most limit (≤ 0 means 100).
	ExpiredUploads(ctx context.Context, before time.Time, limit int) ([]*Upload, error)

	// DeleteUpload deletes an upload's record if no order uses it, and
	// reports whether it did (false: gone already, or an order took it).
	DeleteUpload(ctx context.Context, id string) (deleted bool, err error)

	// ExpiredOrders returns the ids of orders, oldest change first, at most
	// limit (≤ 0 means 100), that are either not erased, finished
	// (Order.Finished) and unchanged since before, with no active claim; or
	// erased with files or uploads still recorded (an erasure to finish).
	ExpiredOrders(ctx context.Context, before time.Time, limit int) ([]string, error)

	// EraseOrder anonymises an order in one transaction under its lock: the
	// customer's name and e-mail, the idempotency key and request hash,
	// and its items' fields, warnings, errors and preflight records are
	// cleared and ErasedAt set to now. Ready items of physical goods are
	// cancelled (so no shop claims an order without its photo), and the
	// order's status derived again. Its files' and uploads' records stay
	// until ForgetFiles, so their objects can be deleted first. It reports
	// whether the order changed; an erased order is left as it is.
	// ENOTFOUND if there is no such order; ECONFLICT while an item is
	// received, queued or rendering, or an active claim's lease holds it.
	EraseOrder(ctx context.Context, orderID string, now time.Time) (changed bool, err error)

	// ErasureKeys returns the file-store keys of an erased order's
	// rendered files and of the uploads it uses that no order still
	// holding its personal data uses. None for an order that is not erased.
	ErasureKeys(ctx context.Context, orderID string) ([]string, error)

	// ForgetFiles deletes the records of an erased order's rendered files,
	// its use of uploads, and the uploads no other order uses. A no-op for
	// an order that is not erased.
	ForgetFiles(ctx context.Context, orderID string) error
}

// PaymentStore records orders' payments (payment.go).
type PaymentStore interface {
	// SetCheckout records the checkout opened for an order whose payment
	// is pending: its reference, URL and, as the payment's deadline, when
	// it closes. ENOTFOUND if there is no such order; ECONFLICT if its
	// payment is not pending.
	SetCheckout(ctx context.Context, orderID string, c Checkout) error

	// RecordPayment applies one payment transition (rec.Type) in one
	// transaction under the order's lock. Paid moves a pending payment to
	// paid, the order's items from awaiting_payment to received, and owes
	// the fan the payment-received mail; expired moves a pending payment
	// to expired and cancels the items. The record is kept with its
	// provider reference. A record whose (Provider, EventID) is stored
	// already, a paid order paid again, and an expired or cancelled one
	// expired again change nothing (changed false). ENOTFOUND if there is
	// no such order; ECONFLICT when paying an order whose payment expired
	// or was cancelled, or expiring a paid one.
	RecordPayment(ctx context.Context, rec PaymentRecord) (changed bool, err error)

	// OverduePayments returns the ids of orders whose payment is pending
	// with a deadline before `before`, earliest first, at most limit (≤ 0
	// means 100).
	OverduePayments(ctx context.Context, before time.Time, limit int) ([]string, error)

	// PaymentRecords returns an order's payment records, oldest first.
	PaymentRecords(ctx context.Context, orderID string) ([]PaymentRecord, error)
}

// FulfilmentStore records how orders reach the fan: shipped by a carrier
// or, for downloads, delivered by a link.
type FulfilmentStore interface {
	// MarkShipped records the shipment of a printed order in one
	// transaction: its printed items become shipped, the fan is owed the
	// shipped mail and the order.shipped event is written. Shipping it
	// again with the same carrier and number is a no-op (changed false).
	// ENOTFOUND if there is no such order; ECONFLICT if it is not printed
	// (ack it printed first), or shipped with another tracking number.
	MarkShipped(ctx context.Context, orderID string, sh Shipment) (changed bool, err error)

	// DeliverDigital marks an order's ready downloads delivered (their
	// link was issued to the fan) and derives the order's status. It
	// reports whether any item changed; none ready is a no-op. ENOTFOUND
	// if there is no such order.
	DeliverDigital(ctx context.Context, orderID string, now time.Time) (changed bool, err error)
}

// Completion is what a finished render records on its item.
type Completion struct {
	Files []File
	// Warnings are the item's warnings after the render: the order's and
	// the render's, merged (MergeWarnings).
	Warnings []string
	// Preflight is the print file's check, nil when the renderer made none.
	Preflight *Preflight
}

// FileStore keeps blobs: uploads, rendered files and the bundles of
// template versions orders were taken with. Put of the same key
// with the same bytes is idempotent.
type FileStore interface {
	Put(ctx context.Context, key string, data []byte, contentType string) error
	// Get returns the object's bytes; ENOTFOUND if there is none.
	Get(ctx context.Context, key string) ([]byte, error)
	// Exists reports whether there is an object under key, without
	// reading it.
	Exists(ctx context.Context, key string) (bool, error)
	// Delete removes the object. Deleting a key that does not exist is not
	// an error, so a deletion that failed halfway can simply be repeated.
	Delete(ctx context.Context, key string) error
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
