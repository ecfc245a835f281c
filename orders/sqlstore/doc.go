// Package sqlstore is the orders.Store over database/sql, one implementation
// for PostgreSQL (production) and SQLite (the zero-setup embedded mode).
package sqlstore
