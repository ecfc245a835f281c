// Package worker is the asynq side of the system: the task types and the
// queues (Queue implements orders.Queue and orders.DeliveryQueue), and the
// handlers and loops that hand the work to the order service's use cases:
// Renderer (orders.Service.RenderItem), Deliverer
// (orders.Service.DeliverWebhook, sending through its HTTP client), the
// Reconciler (orders.Service.RequeueStale), the Dispatcher
// (orders.Service.DispatchWebhooks), the Sweeper (orders.Service.SweepUploads
// and SweepOrders) and the Mailer (orders.Service.SendMails), the last four
// loops on one runner (every). They unmarshal a payload, call one
// method and map its error to a retry or asynq.SkipRetry; none touches a
// store. Tasks are idempotent: a task delivered twice stores the same
// objects under the same keys and records one set of files.
package worker
