package orders

import (
	"context"
	"time"
)

// The audit log records who did what and when: shops' claims, acks,
// releases and printed marks, webhook endpoint changes, and the operator's
// key changes and erasures. An entry names ids and settings, never
// personal data (no names, e-mails, addresses, messages or free text a shop
// typed), so the log can be kept longer than the orders.

// ActorOperator is the actor of the operator's commands (oshigoods CLI).
const ActorOperator = "operator"

// ActorFan and ActorRetention erase orders: the fan with the order's
// token, the sweeper when the retention period has passed.
const (
	ActorFan       = "fan"
	ActorRetention = "retention"
)

// ShopActor is the actor of a shop's requests: "shop:<key id>".
func ShopActor(shop *ShopKey) string { return "shop:" + shop.ID }

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	ID int64     `json:"id"`
	At time.Time `json:"at"`
	// Actor is ActorOperator, a ShopActor, ActorFan (an erasure the fan
	// asked for) or ActorRetention (the retention sweeper).
	Actor string `json:"actor"`
	// Action is a dotted verb: claim, release, ack.printed, ack.failed,
	// printed, key.create, key.revoke, key.rotate, webhook.create,
	// webhook.delete, webhook.rotate, order.erase, …
	Action string `json:"action"`
	// Subject is the id acted on: an order, a claim, a key, an endpoint.
	Subject string `json:"subject"`
	// Detail is ids and settings only, never personal data.
	Detail string `json:"detail,omitempty"`
}

// Audit records that actor did action to subject, now. detail must hold no
// personal data. The action has already happened, so callers that cannot
// undo it log a failure rather than fail (see audit).
func (s *Service) Audit(ctx context.Context, actor, action, subject, detail string) error {
	return s.Store.AddAudit(ctx, AuditEntry{At: time.Now().UTC(), Actor: actor, Action: action, Subject: subject, Detail: detail})
}

// audit records an entry and logs, rather than returns, a failure: the
// action it records is done.
func (s *Service) audit(ctx context.Context, actor, action, subject, detail string) {
	if err := s.Audit(ctx, actor, action, subject, detail); err != nil {
		s.log().Error("audit log", "actor", actor, "action", action, "subject", subject, "err", err)
	}
}

// AuditLog returns the audit entries at or after since, oldest first, at
// most limit (≤ 0 means 1000).
func (s *Service) AuditLog(ctx context.Context, since time.Time, limit int) ([]AuditEntry, error) {
	return s.Store.AuditLog(ctx, since, limit)
}
