-- Claims (leases of ready orders to a print shop), the event outbox with
-- per-order sequence numbers, and webhook endpoints with their deliveries.

-- The order's current lease, on its own row, so that a claim can lock and
-- test it in one statement (FOR UPDATE SKIP LOCKED re-checks it).
ALTER TABLE orders ADD COLUMN claim_id TEXT;
ALTER TABLE orders ADD COLUMN lease_expires_at INTEGER;
-- The sequence number of the order's last event.
ALTER TABLE orders ADD COLUMN event_seq INTEGER NOT NULL DEFAULT 0;

CREATE TABLE claims (
    id          TEXT PRIMARY KEY,
    shop_id     TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    released_at INTEGER
);
CREATE INDEX claims_shop ON claims (shop_id, created_at);

CREATE TABLE claim_orders (
    claim_id  TEXT NOT NULL REFERENCES claims (id) ON DELETE CASCADE,
    order_id  TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    outcome   TEXT NOT NULL DEFAULT '',  -- '', printed or failed
    reason    TEXT NOT NULL DEFAULT '',
    acked_at  INTEGER,
    PRIMARY KEY (claim_id, order_id)
);
CREATE INDEX claim_orders_order ON claim_orders (order_id);

CREATE TABLE events (
    id         TEXT PRIMARY KEY,
    order_id   TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    type       TEXT NOT NULL,
    data       TEXT NOT NULL,   -- JSON object
    created_at INTEGER NOT NULL,
    UNIQUE (order_id, seq)
);

CREATE TABLE webhook_endpoints (
    id         TEXT PRIMARY KEY,
    shop_id    TEXT NOT NULL,
    url        TEXT NOT NULL,
    secret     TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX webhook_endpoints_shop ON webhook_endpoints (shop_id, created_at);

CREATE TABLE webhook_deliveries (
    event_id    TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    status      TEXT NOT NULL,   -- pending, delivered or failed
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    enqueued_at INTEGER,     -- last handed to the queue; NULL never
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (event_id, endpoint_id)
);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (status, enqueued_at);

CREATE TABLE webhook_attempts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id    TEXT NOT NULL,
    event_type  TEXT NOT NULL,
    attempt     INTEGER NOT NULL,
    status_code INTEGER NOT NULL,
    error       TEXT NOT NULL,
    duration_ms INTEGER NOT NULL,
    outcome     TEXT NOT NULL,
    at          INTEGER NOT NULL
);
CREATE INDEX webhook_attempts_endpoint ON webhook_attempts (endpoint_id, id);
