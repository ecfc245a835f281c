-- The operator's API keys (oshigoods admin-keys create), hashed like shop
-- keys; and indexes for the console's search: by e-mail, which ignores
-- case, and newest first.
CREATE TABLE admin_keys (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    hash       TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);

CREATE INDEX orders_customer_email ON orders (LOWER(customer_email));
CREATE INDEX orders_created ON orders (created_at, id);
