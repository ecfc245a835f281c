// Package orders is the order domain: orders, items, their files and
// lifecycle, uploads and print-shop keys, the Store that keeps them, and the
// Service that takes a fan's order and hands it to the render queue. The
// database is the source of truth; the queue only carries item ids.
//
// Implementations live in subpackages: sqlstore (PostgreSQL and SQLite),
// api (the HTTP API). cmd/oshigoods wires them.
package orders
