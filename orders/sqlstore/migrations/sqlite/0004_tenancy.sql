-- Shops are tenants: each key says what its shop makes, each order is
-- routed to one shop, keys can be revoked; and the operator's audit log.

-- What the shop makes: comma-separated kinds and template ids. A key from
-- before tenancy made everything physical, so it keeps doing so.
ALTER TABLE shop_keys ADD COLUMN kinds TEXT NOT NULL DEFAULT '';
ALTER TABLE shop_keys ADD COLUMN templates TEXT NOT NULL DEFAULT '';
ALTER TABLE shop_keys ADD COLUMN revoked_at INTEGER;
UPDATE shop_keys SET kinds = 'card,photo';

-- The shop (shop_keys.id) the order's physical items are routed to; NULL
-- while no key makes them, or when the order has none (voice only).
ALTER TABLE orders ADD COLUMN shop_id TEXT;
CREATE INDEX orders_shop_status ON orders (shop_id, status, created_at);

CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      INTEGER NOT NULL,
    actor   TEXT NOT NULL,   -- operator, or shop:<key id>
    action  TEXT NOT NULL,   -- claim, ack.printed, key.revoke, …
    subject TEXT NOT NULL,   -- the id acted on
    detail  TEXT NOT NULL    -- ids and settings only, never personal data
);
CREATE INDEX audit_log_at ON audit_log (at);
