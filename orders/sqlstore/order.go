package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"oshigoods"
	"oshigoods/orders"
	"oshigoods/render"
)

// defaultLimit is the number of rows a list returns when its limit is ≤ 0.
const defaultLimit = 100

const (
	orderColumns = `id, token_hash, status, customer_name, customer_email,
		COALESCE(idempotency_key, ''), request_hash, COALESCE(shop_id, ''), created_at, updated_at, erased_at,
		shipping_address, shipping_method, items_total, shipping_fee, total, tax,
		payment_mode, payment_status, payment_ref, checkout_url, payment_due_at, paid_at, terms_accepted_at,
		carrier, tracking_number, shipped_at`
	itemColumns = `id, order_id, seq, template, template_version, kind, quantity, unit_price, fields,
		status, error_message, warnings, preflight, created_at, updated_at`
	fileColumns = `item_id, name, role, content_type, size, sha256, storage_key`
	// itemRenderColumns are read with itemColumns, and written by the
	// render's own statements (render.go), never by an insert.
	itemRenderColumns = `attempts, task_seq, delay_reason`
)

// CreateOrder stores o with its items, and any files they carry, in one
// transaction, and returns the order as stored. If o.IdempotencyKey is set
// and an order with that key exists, nothing is written: the existing order
// is returned with created false when its RequestHash equals o.RequestHash,
// and ECONFLICT otherwise. Two requests racing with one key resolve the same
// way: the one whose insert loses returns the winner's order. A key expires
// orders.IdempotencyTTL after the order that first used it was created
// (measured from o.CreatedAt): then the old order lets go of it and o is
// stored as new.
func (s *Store) CreateOrder(ctx context.Context, o *orders.Order) (*orders.Order, bool, error) {
	return s.CreateRoutedOrder(ctx, o, nil)
}

// CreateRoutedOrder is CreateOrder with o.ShopID set to route(keys) first,
// keys being every shop key (as RoutingKeys returns them) as they stand
// when o is stored; route nil leaves o.ShopID as it is.
func (s *Store) CreateRoutedOrder(ctx context.Context, o *orders.Order, route func([]*orders.ShopKey) string) (*orders.Order, bool, error) {
	release, err := s.admit(ctx)
	if err != nil {
		return nil, false, err
	}
	defer release()
	if o.IdempotencyKey != "" {
		stored, found, err := s.orderByKey(ctx, o)
		if found || err != nil {
			return stored, false, err
		}
	}
	err = s.insertRouted(ctx, o, route)
	if err != nil {
		if o.IdempotencyKey != "" && s.d.uniqueViolation(err) {
			// Another request with this key committed first.
			stored, found, err2 := s.orderByKey(ctx, o)
			if found || err2 != nil {
				return stored, false, err2
			}
		}
		return nil, false, err
	}
	if w, ok := written(o); ok {
		return w, true, nil
	}
	stored, err := s.Order(ctx, o.ID)
	if err != nil {
		return nil, false, err
	}
	return stored, true, nil
}

// written returns the order insertOrder stored for o, as Order would read
// it back, so that a new order is not read again: times as the database
// keeps them (UTC, whole milliseconds), the payment's defaults, the
// totals' currency, no uploads (they are not read back), and the items'
// render columns at their defaults. It shares no map, slice or pointer
// with o. It reports false for an order whose stored form it does not
// mirror — an item with files or a preflight record (a new order has
// neither), or text in a JSON column that is not valid UTF-8 (which JSON
// stores replaced) — and the caller reads that one back.
func written(o *orders.Order) (*orders.Order, bool) {
	at := func(t time.Time) time.Time {
		if t.IsZero() {
			return t
		}
		return t.UTC().Truncate(time.Millisecond)
	}
	w := &orders.Order{ID: o.ID, TokenHash: o.TokenHash, Status: o.Status, Customer: o.Customer,
		IdempotencyKey: o.IdempotencyKey, RequestHash: o.RequestHash, ShopID: o.ShopID,
		CreatedAt: at(o.CreatedAt), UpdatedAt: at(o.UpdatedAt), ShippingMethod: o.ShippingMethod,
		Totals: o.Totals, Payment: o.Payment, TermsAcceptedAt: at(o.TermsAcceptedAt)}
	if o.ShippingAddress != nil {
		a := *o.ShippingAddress
		w.ShippingAddress = &a
	}
	if w.Payment.Mode == "" {
		w.Payment.Mode, w.Payment.Status = orders.PaymentNone, orders.PaymentNotRequired
	}
	w.Payment.DueAt, w.Payment.PaidAt = at(w.Payment.DueAt), at(w.Payment.PaidAt)
	w.Totals.Currency = orders.Currency
	w.Payment.Amount = w.Totals.Total
	for _, it := range o.Items {
		c := &orders.Item{ID: it.ID, OrderID: o.ID, Seq: it.Seq, Template: it.Template, TemplateVersion: it.TemplateVersion,
			Kind: it.Kind, Quantity: it.Quantity, UnitPrice: it.UnitPrice, Fields: maps.Clone(it.Fields), Status: it.Status,
			Error: it.Error, Warnings: slices.Clone(it.Warnings), CreatedAt: at(it.CreatedAt), UpdatedAt: at(it.UpdatedAt)}
		if it.Preflight != nil || len(it.Files) > 0 || !validText(it.Warnings, it.Fields) {
			return nil, false
		}
		w.Items = append(w.Items, c)
	}
	if a := o.ShippingAddress; a != nil && !validText([]string{a.PostalCode, a.Prefecture, a.City, a.Line1, a.Line2, a.Name, a.Phone}, nil) {
		return nil, false
	}
	return w, true
}

// validText reports whether every string of list and every key and value
// of m is valid UTF-8.
func validText(list []string, m map[string]string) bool {
	for _, v := range list {
		if !utf8.ValidString(v) {
			return false
		}
	}
	for k, v := range m {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return false
		}
	}
	return true
}

// orderByKey looks up the order with o's idempotency key. It returns it if
// its request hash matches o's, ECONFLICT if not, and found false if there
// is none.
func (s *Store) orderByKey(ctx context.Context, o *orders.Order) (*orders.Order, bool, error) {
	var id, hash string
	var created time.Time
	err := runner{s.db, s.d}.queryRow(ctx,
		`SELECT id, request_hash, created_at FROM orders WHERE idempotency_key = ?`, o.IdempotencyKey).Scan(&id, &hash, scanTime(&created))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	} else if err != nil {
		return nil, false, fmt.Errorf("find order by idempotency key: %w", err)
	}
	if !created.After(o.CreatedAt.Add(-orders.IdempotencyTTL)) {
		// Expired: the key is free again, for this request or another.
		if err := s.write(ctx, func(r runner) error {
			_, err := r.exec(ctx, `UPDATE orders SET idempotency_key = NULL WHERE id = ? AND idempotency_key = ?`, id, o.IdempotencyKey)
			return err
		}); err != nil {
			return nil, false, fmt.Errorf("expire idempotency key: %w", err)
		}
		return nil, false, nil
	}
	if hash != o.RequestHash {
		return nil, true, oshigoods.Errorf(oshigoods.ECONFLICT,
			"The Idempotency-Key was already used with a different request.")
	}
	stored, err := s.Order(ctx, id)
	if err != nil {
		return nil, true, err
	}
	return stored, true, nil
}

// insertOrder writes o, its mail owed, its uploads, its items and their
// files. Its statements read nothing, so that they can be sent at once
// (writeBatch).
func insertOrder(ctx context.Context, r execer, o *orders.Order) error {
	var key, shop any
	if o.IdempotencyKey != "" {
		key = o.IdempotencyKey
	}
	if o.ShopID != "" {
		shop = o.ShopID
	}
	var addr any
	if o.ShippingAddress != nil {
		b, err := json.Marshal(o.ShippingAddress)
		if err != nil {
			return fmt.Errorf("encode shipping address: %w", err)
		}
		addr = string(b)
	}
	p, t := o.Payment, o.Totals
	if p.Mode == "" {
		p.Mode, p.Status = orders.PaymentNone, orders.PaymentNotRequired
	}
	if err := r.do(ctx, `INSERT INTO orders (`+
		`id, token_hash, status, customer_name, customer_email, idempotency_key, request_hash, shop_id, created_at, updated_at,
		shipping_address, shipping_method, items_total, shipping_fee, total, tax,
		payment_mode, payment_status, payment_ref, checkout_url, payment_due_at, paid_at, terms_accepted_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		o.ID, o.TokenHash, string(o.Status), o.Customer.Name, o.Customer.Email, key, o.RequestHash, shop,
		o.CreatedAt, o.UpdatedAt, addr, o.ShippingMethod, int64(t.Items), int64(t.Shipping), int64(t.Total), int64(t.Tax),
		string(p.Mode), string(p.Status), p.Reference, p.CheckoutURL, nullTime(p.DueAt), nullTime(p.PaidAt), nullTime(o.TermsAcceptedAt)); err != nil {
		return fmt.Errorf("insert order: %w", err)
	}
	if err := queueMail(ctx, r, o.ID, orders.MailOrderReceived, o.CreatedAt); err != nil {
		return err
	}
	for _, id := range o.Uploads {
		if err := r.do(ctx, `INSERT INTO order_uploads (order_id, upload_id) VALUES (?, ?)`, o.ID, id); err != nil {
			return fmt.Errorf("insert order upload: %w", err)
		}
	}
	for _, it := range o.Items {
		fields, err := json.Marshal(it.Fields)
		if err != nil {
			return fmt.Errorf("encode item fields: %w", err)
		}
		warnings, err := json.Marshal(it.Warnings)
		if err != nil {
			return fmt.Errorf("encode item warnings: %w", err)
		}
		preflight, err := encodePreflight(it.Preflight)
		if err != nil {
			return err
		}
		if err := r.do(ctx, `INSERT INTO items (`+itemColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			it.ID, o.ID, it.Seq, it.Template, it.TemplateVersion, string(it.Kind), it.Quantity, int64(it.UnitPrice), string(fields),
			string(it.Status), it.Error, string(warnings), preflight, it.CreatedAt, it.UpdatedAt); err != nil {
			return fmt.Errorf("insert item: %w", err)
		}
		if err := upsertFiles(ctx, r, it.ID, it.Files); err != nil {
			return err
		}
	}
	return nil
}

// upsertFiles records files of an item, replacing those of the same name,
// in one statement: of files that share a name the last is recorded, as
// if each were recorded in turn.
func upsertFiles(ctx context.Context, r execer, itemID string, files []orders.File) error {
	last := make(map[string]int, len(files))
	for i, f := range files {
		last[f.Name] = i
	}
	if len(last) == 0 {
		return nil
	}
	values := make([]string, 0, len(last))
	args := make([]any, 0, 7*len(last))
	for i, f := range files {
		if last[f.Name] == i {
			values = append(values, "("+placeholders(7)+")")
			args = append(args, itemID, f.Name, string(f.Role), f.ContentType, f.Size, f.SHA256, f.Key)
		}
	}
	if err := r.do(ctx, `INSERT INTO files (`+fileColumns+`)
		VALUES `+strings.Join(values, ", ")+`
		ON CONFLICT (item_id, name) DO UPDATE SET
			role = excluded.role, content_type = excluded.content_type, size = excluded.size,
			sha256 = excluded.sha256, storage_key = excluded.storage_key`, args...); err != nil {
		return fmt.Errorf("upsert files: %w", err)
	}
	return nil
}

// Order returns the order with its items and their files, items by Seq,
// files by name. ENOTFOUND if there is none.
func (s *Store) Order(ctx context.Context, id string) (*orders.Order, error) {
	var list []*orders.Order
	err := s.read(ctx, func(r runner) (err error) {
		list, err = loadOrders(ctx, r, `WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, oshigoods.Errorf(oshigoods.ENOTFOUND, "Order not found.")
	}
	return list[0], nil
}

// Orders returns the shop's orders with the given status, oldest first,
// with items and files, at most limit (limit ≤ 0 means 100).
func (s *Store) Orders(ctx context.Context, shopID string, status orders.Status, limit int) ([]*orders.Order, error) {
	if limit <= 0 {
		limit = defaultLimit
	}
	var list []*orders.Order
	err := s.read(ctx, func(r runner) (err error) {
		list, err = loadOrders(ctx, r, `WHERE shop_id = ? AND status = ? ORDER BY created_at, id LIMIT ?`, shopID, string(status), limit)
		return err
	})
	return list, err
}

// loadOrders reads the orders selected by where, in its order, with their
// items and files.
func loadOrders(ctx context.Context, r runner, where string, args ...any) ([]*orders.Order, error) {
	rows, err := r.query(ctx, `SELECT `+orderColumns+` FROM orders `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("select orders: %w", err)
	}
	var list []*orders.Order
	for rows.Next() {
		o := &orders.Order{}
		var addr sql.NullString
		var t orders.Totals
		var sh orders.Shipment
		if err := rows.Scan(&o.ID, &o.TokenHash, &o.Status, &o.Customer.Name, &o.Customer.Email,
			&o.IdempotencyKey, &o.RequestHash, &o.ShopID, scanTime(&o.CreatedAt), scanTime(&o.UpdatedAt), scanNullTime(&o.ErasedAt),
			&addr, &o.ShippingMethod, &t.Items, &t.Shipping, &t.Total, &t.Tax,
			&o.Payment.Mode, &o.Payment.Status, &o.Payment.Reference, &o.Payment.CheckoutURL,
			scanNullTime(&o.Payment.DueAt), scanNullTime(&o.Payment.PaidAt), scanNullTime(&o.TermsAcceptedAt),
			&sh.Carrier, &sh.TrackingNumber, scanNullTime(&sh.ShippedAt)); err != nil {
			rows.Close()
			return nil, fmt.Errorf("scan order: %w", err)
		}
		if sh.Carrier != "" {
			o.Shipment = &sh
		}
		t.Currency = orders.Currency
		o.Totals, o.Payment.Amount = t, t.Total
		if addr.Valid {
			o.ShippingAddress = &orders.ShippingAddress{}
			if err := json.Unmarshal([]byte(addr.String), o.ShippingAddress); err != nil {
				rows.Close()
				return nil, fmt.Errorf("decode order %s shipping address: %w", o.ID, err)
			}
		}
		list = append(list, o)
	}
	// Close before the next query: SQLite has a single connection.
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("select orders: %w", err)
	}
	if len(list) == 0 {
		return nil, nil
	}
	ids := make([]any, len(list))
	byID := make(map[string]*orders.Order, len(list))
	for i, o := range list {
		ids[i] = o.ID
		byID[o.ID] = o
	}
	items, err := loadItems(ctx, r, `WHERE order_id IN (`+placeholders(len(ids))+`) ORDER BY order_id, seq`, ids...)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		o := byID[it.OrderID]
		o.Items = append(o.Items, it)
	}
	return list, nil
}

// loadItems reads the items selected by where, in its order, with their files.
func loadItems(ctx context.Context, r runner, where string, args ...any) ([]*orders.Item, error) {
	rows, err := r.query(ctx, `SELECT `+itemColumns+`, `+itemRenderColumns+` FROM items `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("select items: %w", err)
	}
	items, err := scanItems(rows)
	if err != nil || len(items) == 0 {
		return nil, err
	}
	return items, loadFiles(ctx, r, items)
}

// scanItems reads rows of itemColumns and itemRenderColumns, without the
// items' files, and closes rows.
func scanItems(rows *sql.Rows) ([]*orders.Item, error) {
	defer rows.Close()
	var items []*orders.Item
	for rows.Next() {
		it := &orders.Item{}
		var fields, warnings string
		var preflight sql.NullString
		if err := rows.Scan(&it.ID, &it.OrderID, &it.Seq, &it.Template, &it.TemplateVersion, &it.Kind, &it.Quantity, &it.UnitPrice, &fields,
			&it.Status, &it.Error, &warnings, &preflight, scanTime(&it.CreatedAt), scanTime(&it.UpdatedAt),
			&it.Attempts, &it.TaskSeq, &it.DelayReason); err != nil {
			return nil, fmt.Errorf("scan item: %w", err)
		}
		if err := json.Unmarshal([]byte(fields), &it.Fields); err != nil {
			return nil, fmt.Errorf("decode item %s fields: %w", it.ID, err)
		}
		if err := json.Unmarshal([]byte(warnings), &it.Warnings); err != nil {
			return nil, fmt.Errorf("decode item %s warnings: %w", it.ID, err)
		}
		if preflight.Valid {
			it.Preflight = &render.Preflight{}
			if err := json.Unmarshal([]byte(preflight.String), it.Preflight); err != nil {
				return nil, fmt.Errorf("decode item %s preflight: %w", it.ID, err)
			}
		}
		items = append(items, it)
	}
	// Close before the next query: SQLite has a single connection.
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("select items: %w", err)
	}
	return items, nil
}

// loadFiles reads the files of items into them, by name.
func loadFiles(ctx context.Context, r runner, items []*orders.Item) error {
	ids := make([]any, len(items))
	byID := make(map[string]*orders.Item, len(items))
	for i, it := range items {
		ids[i] = it.ID
		byID[it.ID] = it
	}
	rows, err := r.query(ctx, `SELECT `+fileColumns+` FROM files WHERE item_id IN (`+placeholders(len(ids))+`)`, ids...)
	if err != nil {
		return fmt.Errorf("select files: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var f orders.File
		if err := rows.Scan(&f.ItemID, &f.Name, &f.Role, &f.ContentType, &f.Size, &f.SHA256, &f.Key); err != nil {
			return fmt.Errorf("scan file: %w", err)
		}
		it := byID[f.ItemID]
		it.Files = append(it.Files, f)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("select files: %w", err)
	}
	// By name in byte order, the same on both databases whatever the
	// collation.
	for _, it := range items {
		sort.Slice(it.Files, func(i, j int) bool { return it.Files[i].Name < it.Files[j].Name })
	}
	return nil
}

// Item returns one item with its files. ENOTFOUND if there is none.
func (s *Store) Item(ctx context.Context, id string) (*orders.Item, error) {
	var items []*orders.Item
	err := s.read(ctx, func(r runner) (err error) {
		items, err = loadItems(ctx, r, `WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, errItemNotFound()
	}
	return items[0], nil
}

func errItemNotFound() error { return oshigoods.Errorf(oshigoods.ENOTFOUND, "Item not found.") }

// TransitionItem moves an item to status to if its current status is one of
// from, setting its error to reason (or clearing it when ""), and re-derives
// its order's status, all in one transaction. Any render's lease on the
// item ends, and an item that leaves production (failed, cancelled, …) no
// longer waits on a retry (DelayReason ""). It reports whether the item
// changed; an item in another status is left as it is (changed false, nil
// error). ENOTFOUND if there is no such item.
func (s *Store) TransitionItem(ctx context.Context, id string, from []orders.Status, to orders.Status, reason string) (bool, error) {
	if !to.Valid() {
		return false, fmt.Errorf("transition item %s: unknown status %q", id, to)
	}
	return s.changeItem(ctx, id, func(r runner, cur orders.Status, now time.Time) (bool, error) {
		if !slices.Contains(from, cur) {
			return false, nil
		}
		if _, err := r.exec(ctx, `UPDATE items SET status = ?, error_message = ?, updated_at = ?, render_lease_until = NULL,
			delay_reason = CASE WHEN ? THEN delay_reason ELSE '' END WHERE id = ?`,
			string(to), reason, now, unsettled(to), id); err != nil {
			return false, fmt.Errorf("update item: %w", err)
		}
		return true, nil
	})
}

// CompleteItem records an item's files, warnings and preflight record
// exactly as given and marks it ready, in one transaction, if it is queued
// or rendering; an item in any other status, ready included (a task
// delivered twice), is left as it is and changed is false. The warnings
// replace the item's: merging them with the order's is the caller's
// (orders.Service.RenderItem). Files are keyed by (item, name): recording
// the same files again replaces, never duplicates. It re-derives the
// order's status. The render's lease and any delay end with it. ENOTFOUND
// if there is no such item.
func (s *Store) CompleteItem(ctx context.Context, id string, c orders.Completion) (bool, error) {
	w, err := json.Marshal(c.Warnings)
	if err != nil {
		return false, fmt.Errorf("encode item warnings: %w", err)
	}
	pf, err := encodePreflight(c.Preflight)
	if err != nil {
		return false, err
	}
	return s.updateItem(ctx, id, func(r runner, o lockedOrder, now time.Time) (bool, error) {
		// The status is checked by the update itself, under the order's
		// lock: no rows means the item was in another status.
		var kind orders.Kind
		err := r.queryRow(ctx, `UPDATE items SET status = ?, error_message = '', warnings = ?, preflight = ?, updated_at = ?,
			render_lease_until = NULL, delay_reason = '' WHERE id = ? AND status IN (?, ?) RETURNING kind`,
			string(orders.StatusReady), string(w), pf, now, id, string(orders.StatusQueued), string(orders.StatusRendering)).Scan(&kind)
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		} else if err != nil {
			return false, fmt.Errorf("update item: %w", err)
		}
		if err := upsertFiles(ctx, r, id, c.Files); err != nil {
			return false, err
		}
		// A download is ready: the fan is mailed its link (once per
		// order). Printed goods are mailed when they ship.
		if orders.DeliveryOf(kind) == orders.DeliveryDigital {
			if err := queueMail(ctx, r, o.id, orders.MailReady, now); err != nil {
				return false, err
			}
		}
		return true, nil
	})
}

// encodePreflight returns a preflight record as the JSON stored in its
// column, or nil (NULL) for none.
func encodePreflight(p *render.Preflight) (any, error) {
	if p == nil {
		return nil, nil
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode item preflight: %w", err)
	}
	return string(b), nil
}

// changeItem runs change on an item, given its status read under the
// lock, as updateItem does.
func (s *Store) changeItem(ctx context.Context, id string,
	change func(r runner, cur orders.Status, now time.Time) (bool, error)) (bool, error) {
	return s.updateItem(ctx, id, func(r runner, _ lockedOrder, now time.Time) (bool, error) {
		var cur orders.Status
		if err := r.queryRow(ctx, `SELECT status FROM items WHERE id = ?`, id).Scan(&cur); err != nil {
			return false, fmt.Errorf("read item status: %w", err)
		}
		return change(r, cur, now)
	})
}

// updateItem runs change on an item in a write transaction that holds its
// order's row lock (lockItemOrder), so that concurrent changes to items of
// one order derive the order's status one after the other. change reads
// the item only under the lock. When it reports a change, the order's
// status is derived again from all its items. ENOTFOUND if there is no
// such item.
func (s *Store) updateItem(ctx context.Context, id string,
	change func(r runner, o lockedOrder, now time.Time) (bool, error)) (bool, error) {
	var changed bool
	err := s.write(ctx, func(r runner) error {
		changed = false
		o, err := lockItemOrder(ctx, r, id)
		if err != nil {
			return err
		}
		now := s.now()
		if changed, err = change(r, o, now); err != nil || !changed {
			return err
		}
		return derive(ctx, r, o, now)
	})
	if err != nil {
		return false, err
	}
	return changed, nil
}

// lockedOrder is an order whose row the transaction holds locked, as it
// was when locked: what deriving its status again needs.
type lockedOrder struct {
	id     string
	status orders.Status
	seq    int64 // event_seq
}

// lockItemOrder locks the row of item id's order until the transaction
// ends (on SQLite the transaction already holds the database's write
// lock), in one statement, and returns the order as locked. ENOTFOUND if
// there is no such item.
func lockItemOrder(ctx context.Context, r runner, id string) (lockedOrder, error) {
	var o lockedOrder
	// An item's order_id never changes: the subquery may read it
	// before the lock.
	err := r.queryRow(ctx, `SELECT id, status, event_seq FROM orders WHERE id = (SELECT order_id FROM items WHERE id = ?)`+r.d.forUpdate, id).
		Scan(&o.id, &o.status, &o.seq)
	if errors.Is(err, sql.ErrNoRows) {
		return o, errItemNotFound()
	} else if err != nil {
		return o, fmt.Errorf("lock order: %w", err)
	}
	return o, nil
}

// lockOrder locks an order's row until the transaction ends (on SQLite the
// transaction already holds the database's write lock).
func lockOrder(ctx context.Context, r runner, orderID string) error {
	var status orders.Status
	err := r.queryRow(ctx, `SELECT status FROM orders WHERE id = ?`+r.d.forUpdate, orderID).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return oshigoods.Errorf(oshigoods.ENOTFOUND, "Order not found.")
	} else if err != nil {
		return fmt.Errorf("lock order: %w", err)
	}
	return nil
}

// deriveOrder sets an order's status from its items' and its update time
// to now, as derive does. The caller holds the order's row lock.
func deriveOrder(ctx context.Context, r runner, orderID string, now time.Time) error {
	o := lockedOrder{id: orderID}
	if err := r.queryRow(ctx, `SELECT status, event_seq FROM orders WHERE id = ?`, orderID).Scan(&o.status, &o.seq); err != nil {
		return fmt.Errorf("read order status: %w", err)
	}
	return derive(ctx, r, o, now)
}

// derive sets the status of o, locked by the caller with its status and
// event sequence unchanged since, from its items' and its update time to
// now. When the status becomes one that has an event (orders.EventType),
// it advances the order's event sequence and writes the event under it,
// with a pending delivery for every webhook endpoint of the order's shop,
// in the same transaction: the outbox the webhook dispatcher reads.
func derive(ctx context.Context, r runner, o lockedOrder, now time.Time) error {
	rows, err := r.query(ctx, `SELECT status, kind, error_message FROM items WHERE order_id = ? ORDER BY seq`, o.id)
	if err != nil {
		return fmt.Errorf("read item statuses: %w", err)
	}
	var statuses []orders.ItemState
	reason := ""
	for rows.Next() {
		var st orders.ItemState
		var msg string
		if err := rows.Scan(&st.Status, &st.Kind, &msg); err != nil {
			rows.Close()
			return fmt.Errorf("scan item status: %w", err)
		}
		if st.Status == orders.StatusFailed && reason == "" {
			reason = msg
		}
		statuses = append(statuses, st)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read item statuses: %w", err)
	}
	status := orders.DeriveStatus(statuses)
	typ := ""
	if status != o.status {
		typ = orders.EventType(status)
	}
	seq := o.seq
	if typ != "" {
		seq++
	}
	if _, err := r.exec(ctx, `UPDATE orders SET status = ?, updated_at = ?, event_seq = ? WHERE id = ?`,
		string(status), now, seq, o.id); err != nil {
		return fmt.Errorf("update order status: %w", err)
	}
	if typ == "" {
		return nil
	}
	if status != orders.StatusFailed {
		reason = ""
	}
	data := orders.EventData{Status: status, Reason: reason}
	if status == orders.StatusShipped {
		sh := &orders.Shipment{}
		if err := r.queryRow(ctx, `SELECT carrier, tracking_number, shipped_at FROM orders WHERE id = ?`, o.id).
			Scan(&sh.Carrier, &sh.TrackingNumber, scanNullTime(&sh.ShippedAt)); err != nil {
			return fmt.Errorf("read shipment: %w", err)
		}
		data.Shipment = sh
	}
	return addEvent(ctx, r, &orders.Event{ID: orders.NewID("evt"), Type: typ, OrderID: o.id, Sequence: seq,
		Data: data, CreatedAt: now})
}

// StaleItems returns items, with their files, whose status is one of
// statuses and that have not been updated since before, least recently
// updated first, at most limit (limit ≤ 0 means 100). No statuses select
// no items.
func (s *Store) StaleItems(ctx context.Context, statuses []orders.Status, before time.Time, limit int) ([]*orders.Item, error) {
	if len(statuses) == 0 {
		return nil, nil
	}
	if limit <= 0 {
		limit = defaultLimit
	}
	args := make([]any, 0, len(statuses)+2)
	for _, st := range statuses {
		args = append(args, string(st))
	}
	args = append(args, before, limit)
	var items []*orders.Item
	err := s.read(ctx, func(r runner) (err error) {
		items, err = loadItems(ctx, r, `WHERE status IN (`+placeholders(len(statuses))+`)
			AND updated_at < ? ORDER BY updated_at, id LIMIT ?`, args...)
		return err
	})
	return items, err
}

// MarkPrinted moves a ready order and all its ready items to printed.
// Marking a printed order again is a no-op. ENOTFOUND if there is no such
// order, ECONFLICT if it is in another status or a claim's lease holds it
// (the claim settles it with an ack). See orders.OrderStore.
func (s *Store) MarkPrinted(ctx context.Context, orderID string) error {
	return s.write(ctx, func(r runner) error {
		var status orders.Status
		var claimID sql.NullString
		var lease time.Time
		err := r.queryRow(ctx, `SELECT status, claim_id, lease_expires_at FROM orders WHERE id = ?`+r.d.forUpdate, orderID).
			Scan(&status, &claimID, scanNullTime(&lease))
		if errors.Is(err, sql.ErrNoRows) {
			return oshigoods.Errorf(oshigoods.ENOTFOUND, "Order not found.")
		} else if err != nil {
			return fmt.Errorf("lock order: %w", err)
		}
		now := s.now()
		switch {
		case status == orders.StatusPrinted || status == orders.StatusShipped:
			return nil
		case status != orders.StatusReady:
			return oshigoods.Errorf(oshigoods.ECONFLICT, "The order is %s, not ready to be marked printed.", status)
		case !lease.IsZero() && lease.After(now):
			return oshigoods.Errorf(oshigoods.ECONFLICT, "Claim %s holds the order until %s; ack it through that claim.",
				claimID.String, lease.UTC().Format(time.RFC3339))
		}
		if _, err := r.exec(ctx, `UPDATE items SET status = ?, updated_at = ? WHERE order_id = ? AND status = ? AND kind <> ?`,
			string(orders.StatusPrinted), now, orderID, string(orders.StatusReady), string(orders.KindVoice)); err != nil {
			return fmt.Errorf("mark items printed: %w", err)
		}
		return deriveOrder(ctx, r, orderID, now)
	})
}
