-- Orders, their items and files, uploads and print-shop keys.
-- Times are timestamptz in UTC, millisecond precision.

CREATE TABLE orders (
    id              TEXT PRIMARY KEY,
    token_hash      TEXT NOT NULL,
    status          TEXT NOT NULL,
    customer_name   TEXT NOT NULL,
    customer_email  TEXT NOT NULL,
    idempotency_key TEXT,          -- NULL when the client sent none
    request_hash    TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX orders_idempotency_key ON orders (idempotency_key);
CREATE INDEX orders_status_created ON orders (status, created_at);

CREATE TABLE items (
    id            TEXT PRIMARY KEY,
    order_id      TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    template      TEXT NOT NULL,
    kind          TEXT NOT NULL,
    quantity      INTEGER NOT NULL,
    fields        TEXT NOT NULL,   -- JSON object
    status        TEXT NOT NULL,
    error_message TEXT NOT NULL,
    warnings      TEXT NOT NULL,   -- JSON array
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    UNIQUE (order_id, seq)
);
CREATE INDEX items_status_updated ON items (status, updated_at);

CREATE TABLE files (
    item_id      TEXT NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    storage_key  TEXT NOT NULL,
    PRIMARY KEY (item_id, name)
);

CREATE TABLE uploads (
    id          TEXT PRIMARY KEY,
    format      TEXT NOT NULL,
    width       INTEGER NOT NULL,
    height      INTEGER NOT NULL,
    size        BIGINT NOT NULL,
    sha256      TEXT NOT NULL,
    storage_key TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE shop_keys (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    hash       TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL
);
