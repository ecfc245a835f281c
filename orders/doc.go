// Package orders is the order domain, on the ground floor: orders, items,
// their files and lifecycle, uploads, print-shop keys, claims, the webhook
// outbox and the fans' mail outbox; the goods' vocabulary the renderers
// share (Kind, Field, Inputs, Output, Profile, Preflight, ImageRating); the
// small interfaces it needs from the outside (the stores by concern,
// composed into Store; FileStore, Queue, DeliveryQueue, WebhookSender,
// MailSender; Catalog and Template); and the Service, the one home of every
// use case: take an order, upload, preview, render an item, list and mark
// orders printed, claim, ack, release, cancel, register, delete and rotate
// webhooks and read their log (under a WebhookPolicy: which URLs and
// addresses they may reach), dispatch and deliver a webhook, send the fans'
// e-mails (SendMails; ComposeMail writes them, mailtext.go), re-enqueue
// what Redis lost, create a shop key, erase an order's personal data and
// sweep what is past its retention period (retention.go). The
// database is the source of truth; the queue only carries item ids.
//
// It imports only the standard library and the root error package: no
// renderer, template loader, database or SDK. Implementations live
// elsewhere: sqlstore (the stores, PostgreSQL and SQLite), s3store (the file
// store), worker (the queues, the sender and the asynq handlers), templates
// (the catalogue, over the renderers in render). The HTTP API (api), the
// storefront, the worker's handlers and the CLI only translate: decode,
// call one Service method, encode; none touches a store. cmd/oshigoods
// wires them.
package orders
