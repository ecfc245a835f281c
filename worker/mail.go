package worker

import (
	"context"
	"log/slog"
	"time"

	"oshigoods/orders"
)

// Mailer sends the fans' e-mails from the mail outbox: each pass is the
// service's use case (orders.Service.SendMails), which claims the mails
// that are due, composes and sends them through Sender, and records the
// outcome (sent, retried later, or failed). It runs beside the reconciler
// in every worker process; many mailers may run at once, since a mail is
// claimed by one at a time.
type Mailer struct {
	Service *orders.Service
	// Sender hands the messages to the mail server (or writes them to
	// files).
	Sender orders.MailSender
	Logger *slog.Logger
	// Interval between passes. Zero means 5 seconds.
	Interval time.Duration
	// Batch is the most mails a pass claims. Zero means 20; a pass that
	// fills its batch is followed at once by another.
	Batch int
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
}

// Run sends every Interval until ctx is done.
func (m *Mailer) Run(ctx context.Context) {
	every(ctx, orDefault(m.Interval, 5*time.Second), func(ctx context.Context) bool {
		n, err := m.Pass(ctx)
		if err != nil {
			if ctx.Err() == nil {
				m.log().Error("send mails", "err", err)
			}
			return false
		}
		return n >= m.batch()
	})
}

// Pass sends the mails that are due once and returns how many it handled.
func (m *Mailer) Pass(ctx context.Context) (int, error) {
	now := time.Now
	if m.Now != nil {
		now = m.Now
	}
	return m.Service.SendMails(ctx, m.Sender, now(), m.batch())
}

// batch is small: a pass holds its mails' leases until it has sent them
// all, one after the other.
func (m *Mailer) batch() int { return orDefault(m.Batch, 20) }

func (m *Mailer) log() *slog.Logger { return orDiscard(m.Logger) }
