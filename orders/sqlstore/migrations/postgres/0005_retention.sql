-- Personal data is kept only as long as declared (orders/retention.go).
-- erased_at: when the order's personal data was erased; NULL if it was not.
ALTER TABLE orders ADD COLUMN erased_at TIMESTAMPTZ;
CREATE INDEX orders_updated ON orders (updated_at);

-- The uploads each order uses: the upload sweeper keeps these, and an
-- order's erasure deletes those no other order uses. The reference to
-- uploads makes an order whose upload was swept meanwhile fail to store.
CREATE TABLE order_uploads (
    order_id  TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    upload_id TEXT NOT NULL REFERENCES uploads (id),
    PRIMARY KEY (order_id, upload_id)
);
CREATE INDEX order_uploads_upload ON order_uploads (upload_id);
CREATE INDEX uploads_created ON uploads (created_at);

-- Orders taken before this migration: an item's fields name its uploads
-- by id (JSON string values), so an upload whose quoted id appears in an
-- item's fields is in use.
INSERT INTO order_uploads (order_id, upload_id)
    SELECT DISTINCT i.order_id, u.id FROM items i JOIN uploads u ON i.fields LIKE '%"' || u.id || '"%';
