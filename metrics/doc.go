// Package metrics exposes what an operator watches, in Prometheus's text
// format, on a registry of its own: orders and items by status, renders by
// kind with their durations and outcomes, asynq's queues by state, the
// reconciler's actions, the webhook and mail outboxes, the HTTP routes and
// the database pool. Every series is named oshigoods_…; no label holds an
// id, a token or anything about a person (routes are ServeMux patterns).
// alerts.yml beside this file holds the alert rules that go with them.
package metrics
