package orders

import (
	"context"
	"time"
)

// MailKind is which e-mail a fan is owed. The store queues one of each kind
// at most per order (an outbox row), in the transaction that makes it owed:
// order received when the order is stored, payment received when it is
// paid, ready when a download is ready, shipped when it ships.
type MailKind string

const (
	MailOrderReceived   MailKind = "order_received"
	MailPaymentReceived MailKind = "payment_received"
	MailReady           MailKind = "ready"
	MailShipped         MailKind = "shipped"
)

// MailStatus is where an outbox mail stands.
type MailStatus string

const (
	MailPending MailStatus = "pending" // owed: sent when due (next attempt), perhaps again after a failure
	MailSent    MailStatus = "sent"    // handed to the mail server (or written to its file)
	MailFailed  MailStatus = "failed"  // given up: refused for good, retried for too long, or its order erased
)

// OutboxMail is one mail owed to a fan, as the outbox keeps it: which
// order and which kind, never the message. The message is composed when it
// is sent, from the order as it is then, so no personal data waits in the
// outbox.
type OutboxMail struct {
	ID      string
	OrderID string
	Kind    MailKind
	Status  MailStatus
	// Attempts counts the attempts started, the one a claim (DueMails)
	// starts included.
	Attempts int
	// LastError is why the last attempt failed, "" if none did. It never
	// holds the fan's address.
	LastError string
	// NextAttemptAt is when the mail is due, or, while a sender holds it,
	// when that sender's lease ends.
	NextAttemptAt time.Time
	CreatedAt     time.Time
	// SentAt is when it was sent; zero until then.
	SentAt time.Time
}

// MailStore keeps the fans' mail outbox. The store owes a mail itself, in
// the transaction that makes it owed (see MailKind); these methods send it.
// Many senders (one per worker process) may call them at once.
type MailStore interface {
	// DueMails claims up to limit (≤ 0 means 100) pending mails that are
	// due at now, the earliest due first: in one transaction it counts an
	// attempt for each and moves its next attempt to now+lease, so that no
	// other sender claims it while this one sends it. A sender that dies
	// mid-send leaves the mail to be claimed again when the lease ends.
	// Callers claiming at once never get the same mail.
	DueMails(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*OutboxMail, error)

	// MailSent marks a pending mail sent at now. A mail that is not
	// pending, or not there (its order was erased), is left as it is.
	MailSent(ctx context.Context, id string, now time.Time) error

	// MailFailed records a failed attempt with its reason: with final the
	// mail is failed for good; otherwise it stays pending, due again at
	// next. A mail that is not pending, or not there, is left as it is.
	MailFailed(ctx context.Context, id, reason string, next time.Time, final bool) error

	// Mails returns an order's mails, oldest first.
	Mails(ctx context.Context, orderID string) ([]*OutboxMail, error)
}
