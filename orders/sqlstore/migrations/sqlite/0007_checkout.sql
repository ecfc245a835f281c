-- Checkout: prices, shipping, payment and the fan's mail outbox.
-- Money is whole yen in BIGINT columns, tax included.
ALTER TABLE orders ADD COLUMN shipping_address TEXT;                 -- JSON object; NULL for digital only
ALTER TABLE orders ADD COLUMN shipping_method TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN items_total BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN shipping_fee BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN total BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN tax BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN payment_mode TEXT NOT NULL DEFAULT 'none';
ALTER TABLE orders ADD COLUMN payment_status TEXT NOT NULL DEFAULT 'not_required';
ALTER TABLE orders ADD COLUMN payment_ref TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN checkout_url TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN payment_due_at INTEGER;
ALTER TABLE orders ADD COLUMN paid_at INTEGER;
ALTER TABLE orders ADD COLUMN terms_accepted_at INTEGER;
CREATE INDEX orders_payment_due ON orders (payment_status, payment_due_at);
ALTER TABLE items ADD COLUMN unit_price BIGINT NOT NULL DEFAULT 0;

-- Every payment transition with its provider reference; (provider,
-- event_id) makes a repeated notice or a repeated operator action a no-op.
CREATE TABLE payments (
    provider   TEXT NOT NULL,
    event_id   TEXT NOT NULL,
    order_id   TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    type       TEXT NOT NULL,      -- paid, expired
    reference  TEXT NOT NULL,
    amount     BIGINT NOT NULL,
    recorded_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (provider, event_id)
);
CREATE INDEX payments_order ON payments (order_id);

-- Mail owed to the fan, written in the transaction that makes it owed (an
-- outbox): the message is composed when it is sent, from the order as it
-- is then, so no personal data waits here.
CREATE TABLE mail_outbox (
    id              TEXT PRIMARY KEY,
    order_id        TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,  -- order_received, payment_received, ready, shipped
    status          TEXT NOT NULL,  -- pending, sent, failed
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER,
    UNIQUE (order_id, kind)
);
CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at);
