package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/mail"
	"path/filepath"

	"oshigoods/mailer"
	"oshigoods/orders"
)

// fanMail sends the fans' e-mails (orders.MailSender) through package
// mailer: to the SMTP server of OSHIGOODS_SMTP_URL, or, without one, as
// .eml files under DATA_DIR/mail, each file's path logged (never an
// address). From is OSHIGOODS_MAIL_FROM, shown with the shop's name when
// it has none of its own. A refusal no retry mends (mailer.Permanent) is
// orders.ErrMailRejected.
type fanMail struct {
	sender mailer.Sender
	dir    *mailer.Dir // set when e-mails are written to files
	from   string
	logger *slog.Logger
}

var _ orders.MailSender = (*fanMail)(nil)

// newFanMail returns the sender cfg describes, and what it is for the log.
func newFanMail(cfg config, logger *slog.Logger) (*fanMail, string, error) {
	from, err := mail.ParseAddress(cfg.MailFrom)
	if err != nil {
		return nil, "", fmt.Errorf("OSHIGOODS_MAIL_FROM: %w", err)
	}
	if from.Name == "" {
		from.Name = cfg.Mails.WithDefaults().ShopName
	}
	f := &fanMail{from: from.String(), logger: logger}
	if cfg.SMTPURL == "" {
		dir := filepath.Join(cfg.DataDir, "mail")
		if f.dir, err = mailer.NewDir(dir); err != nil {
			return nil, "", err
		}
		f.sender = f.dir
		return f, "files in " + dir + " (set OSHIGOODS_SMTP_URL to send them)", nil
	}
	if f.sender, err = mailer.NewSMTP(mailer.Config{URL: cfg.SMTPURL, From: from.Address}); err != nil {
		return nil, "", fmt.Errorf("OSHIGOODS_SMTP_URL: %w", err)
	}
	return f, "smtp " + redact(cfg.SMTPURL), nil
}

// Send sends m from the shop to the fan.
func (f *fanMail) Send(ctx context.Context, m orders.MailMessage) error {
	msg := mailer.Message{
		From:    f.from,
		To:      (&mail.Address{Name: m.ToName, Address: m.ToAddress}).String(),
		Subject: m.Subject, Text: m.Text, HTML: m.HTML,
		MessageID: m.MessageID, Date: m.Date,
	}
	if err := f.sender.Send(ctx, msg); err != nil {
		if mailer.Permanent(err) {
			return fmt.Errorf("%w: %w", orders.ErrMailRejected, err)
		}
		return err
	}
	if f.dir != nil {
		f.logger.Info("mail written", "path", f.dir.Path(msg))
	}
	return nil
}
