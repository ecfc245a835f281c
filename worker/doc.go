// Package worker holds the asynq task types and their handlers: rendering an
// item and storing its files, and the reconciler that re-enqueues items the
// database has but Redis lost. Handlers are idempotent: a task delivered
// twice stores the same objects under the same keys and records one set of
// files.
package worker
