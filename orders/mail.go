package orders

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"oshigoods"
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
	// holds the fan's address (SendMails removes it).
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

// MailMessage is one e-mail to a fan, composed (ComposeMail) for a
// MailSender to send. Its From is the sender's: the shop's address.
type MailMessage struct {
	// ToName and ToAddress are the fan: the name shown, and the address.
	ToName, ToAddress string
	// Subject, Text and HTML are in Japanese, UTF-8; HTML is escaped.
	Subject, Text, HTML string
	// MessageID is the Message-ID without angle brackets,
	// "<mail id>@<PublicURL's host>": the same for every attempt at one
	// outbox mail, so that a copy sent again after a crash is recognisable.
	MessageID string
	// Date is when it was composed, in Japan time.
	Date time.Time
}

// MailSender sends a fan's e-mail (cmd/oshigoods adapts package mailer).
type MailSender interface {
	// Send hands m over to the mail server, or returns why not. An error
	// wrapping ErrMailRejected says that sending m again cannot succeed
	// (the server refused the address or the message for good); any other
	// error may pass on a later attempt.
	Send(ctx context.Context, m MailMessage) error
}

// ErrMailRejected is wrapped by a MailSender's error when sending the same
// message again cannot succeed: SendMails gives the mail up at once.
var ErrMailRejected = errors.New("mail rejected for good")

// Mails is how the fans' e-mails are written and retried. Zero values mean
// the defaults.
type Mails struct {
	// ShopName names the shop in every mail: in the subject, as
	// 【ShopName】, and in the signature. At most 40 characters, no control
	// characters. Default "oshigoods".
	ShopName string
	// FirstRetry is the delay after a mail's first failed attempt; it
	// doubles with each failure up to MaxMailRetry. From 10ms to 1h.
	// Default one minute.
	FirstRetry time.Duration
	// GiveUpAfter is how long after a mail was owed it is still tried: a
	// failure whose next attempt would fall later fails the mail for good.
	// From 1 minute to 7 days. Default 24 hours.
	GiveUpAfter time.Duration
}

// Defaults and bounds of Mails.
const (
	DefaultShopName     = "oshigoods"
	MaxShopNameChars    = 40
	DefaultMailRetry    = time.Minute
	MaxMailRetry        = time.Hour
	DefaultMailGiveUp   = 24 * time.Hour
	MinMailGiveUp       = time.Minute
	MaxMailGiveUp       = 7 * 24 * time.Hour
	minMailRetry        = 10 * time.Millisecond
	defaultMailBatch    = 100
	mailReasonMaxLength = 500
)

// MailLease is how long a sender holds a mail it claimed (DueMails), and
// MailSendTimeout the most one send may take: less than the lease, so a
// lease never ends while its mail is being sent and no other sender sends
// it a second time.
const (
	MailLease       = 5 * time.Minute
	MailSendTimeout = 2 * time.Minute
)

// WithDefaults returns m with zero values replaced by the defaults.
func (m Mails) WithDefaults() Mails {
	if strings.TrimSpace(m.ShopName) == "" {
		m.ShopName = DefaultShopName
	}
	m.ShopName = strings.TrimSpace(m.ShopName)
	if m.FirstRetry <= 0 {
		m.FirstRetry = DefaultMailRetry
	}
	if m.GiveUpAfter <= 0 {
		m.GiveUpAfter = DefaultMailGiveUp
	}
	return m
}

// Validate reports every setting out of its range, one
// *oshigoods.ConfigError each, joined: a shop name over 40 characters or
// with a control character, a first retry outside 10ms–1h, a give-up period
// outside 1m–168h. Zero values are the defaults and pass.
func (m Mails) Validate() error {
	var errs []error
	if n := utf8.RuneCountInString(strings.TrimSpace(m.ShopName)); n > MaxShopNameChars {
		errs = append(errs, &oshigoods.ConfigError{Field: "Mails.ShopName", Value: m.ShopName,
			Problem: fmt.Sprintf("is %d characters; give at most %d", n, MaxShopNameChars)})
	} else if err := CheckText("shop name", m.ShopName, false); err != nil {
		errs = append(errs, &oshigoods.ConfigError{Field: "Mails.ShopName", Value: m.ShopName, Problem: "has a control character"})
	}
	if m.FirstRetry != 0 && (m.FirstRetry < minMailRetry || m.FirstRetry > MaxMailRetry) {
		errs = append(errs, &oshigoods.ConfigError{Field: "Mails.FirstRetry", Value: m.FirstRetry, Problem: "is out of range; give 10ms–1h"})
	}
	if m.GiveUpAfter != 0 && (m.GiveUpAfter < MinMailGiveUp || m.GiveUpAfter > MaxMailGiveUp) {
		errs = append(errs, &oshigoods.ConfigError{Field: "Mails.GiveUpAfter", Value: m.GiveUpAfter, Problem: "is out of range; give 1m–168h (7 days)"})
	}
	return errors.Join(errs...)
}

// RetryDelay is the delay after the attempts-th failed attempt:
// FirstRetry, doubling each time, at most MaxMailRetry.
func (m Mails) RetryDelay(attempts int) time.Duration {
	m = m.WithDefaults()
	d := m.FirstRetry << min(max(attempts-1, 0), 20)
	if d <= 0 || d > MaxMailRetry {
		d = MaxMailRetry
	}
	return d
}

// SendMails sends the fans' mails that are due at now, at most limit of
// them (≤ 0 means 100), through send, and returns how many it handled
// (claimed). Each mail is claimed (MailStore.DueMails), composed from its
// order as it is now (ComposeMail) and sent, with MailSendTimeout; it is
// then marked sent, or retried later (Mails.RetryDelay), or failed for
// good: when the sender says it is rejected (ErrMailRejected), when its
// next attempt would fall past Mails.GiveUpAfter, or when its order's
// personal data was erased (the mail is dropped, never sent). Reasons are
// logged and stored without the fan's address. Many senders may run at
// once: a mail is claimed by one at a time. It returns the store's errors;
// a mail's own failure is recorded, not returned.
func (s *Service) SendMails(ctx context.Context, send MailSender, now time.Time, limit int) (int, error) {
	if limit <= 0 {
		limit = defaultMailBatch
	}
	due, err := s.Store.DueMails(ctx, now.UTC(), MailLease, limit)
	if err != nil {
		return 0, err
	}
	for i, m := range due {
		if err := ctx.Err(); err != nil {
			return i, err // the rest are sent when their lease ends
		}
		if err := s.sendMail(ctx, send, m, now); err != nil {
			return i, err
		}
	}
	return len(due), nil
}

// sendMail sends one claimed mail and records the outcome. It returns only
// the store's errors.
func (s *Service) sendMail(ctx context.Context, send MailSender, m *OutboxMail, now time.Time) error {
	log := s.log().With("mail", m.ID, "order", m.OrderID, "kind", m.Kind, "attempt", m.Attempts)
	o, err := s.Store.Order(ctx, m.OrderID)
	if oshigoods.ErrorCode(err) == oshigoods.ENOTFOUND {
		return s.Store.MailFailed(ctx, m.ID, "order not found: not sent", time.Time{}, true)
	} else if err != nil {
		return err
	}
	if !o.ErasedAt.IsZero() || o.Customer.Email == "" {
		log.Info("mail dropped: the order's personal data was erased")
		return s.Store.MailFailed(ctx, m.ID, "order erased: not sent", time.Time{}, true)
	}
	msg, err := s.ComposeMail(ctx, o, m.ID, m.Kind, now)
	if err == nil {
		sctx, cancel := context.WithTimeout(ctx, MailSendTimeout)
		err = send.Send(sctx, msg)
		cancel()
	}
	// Record the outcome with a context of its own: a mail sent as the
	// process stops must still be marked sent, or it would go twice.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err == nil {
		log.Info("mail sent")
		if err := s.Store.MailSent(ctx, m.ID, now.UTC()); err != nil {
			return err
		}
		if m.Kind == MailReady {
			// The mail carries the download links: the downloads are
			// delivered.
			if _, err := s.IssueDownloads(ctx, o); err != nil {
				return err
			}
		}
		return nil
	}
	reason := scrubAddress(err.Error(), o.Customer.Email)
	if len(reason) > mailReasonMaxLength {
		reason = strings.ToValidUTF8(reason[:mailReasonMaxLength], "") + "…"
	}
	cfg := s.Mails.WithDefaults()
	next := now.UTC().Add(cfg.RetryDelay(m.Attempts))
	switch {
	case errors.Is(err, ErrMailRejected), errors.Is(err, errUnknownMailKind):
		log.Error("mail failed for good: rejected", "err", reason)
		return s.Store.MailFailed(ctx, m.ID, reason, time.Time{}, true)
	case next.After(m.CreatedAt.Add(cfg.GiveUpAfter)):
		log.Error("mail failed for good: retried for too long", "since", m.CreatedAt, "err", reason)
		return s.Store.MailFailed(ctx, m.ID, reason, time.Time{}, true)
	}
	log.Warn("mail not sent; will retry", "next", next, "err", reason)
	return s.Store.MailFailed(ctx, m.ID, reason, next, false)
}

// scrubAddress replaces every occurrence of addr in s, whatever its case,
// with "<recipient>": a server's refusal often quotes the address, which
// must reach neither a log nor the outbox.
func scrubAddress(s, addr string) string {
	if addr == "" {
		return s
	}
	return regexp.MustCompile(`(?i)`+regexp.QuoteMeta(addr)).ReplaceAllLiteralString(s, "<recipient>")
}

// mailHost is the right side of Message-IDs: PublicURL's host name, or
// "localhost" when it is not a plain name or IPv4 address.
func (s *Service) mailHost() string {
	u, err := url.Parse(s.publicURL())
	if err != nil {
		return "localhost"
	}
	h := u.Hostname()
	if h == "" || strings.Trim(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != "" ||
		strings.HasPrefix(h, ".") || strings.HasSuffix(h, ".") || strings.Contains(h, "..") {
		return "localhost"
	}
	return h
}
