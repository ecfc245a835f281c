package mailer_test

import (
	"context"
	"errors"
	"fmt"
	"net/textproto"
	"testing"

	"oshigoods/mailer"
)

func TestPermanent(t *testing.T) {
	reply := func(cmd string, code int) error {
		return fmt.Errorf("send mail: %w", &mailer.ReplyError{Command: cmd, Code: code, Msg: "…"})
	}
	for _, tc := range []struct {
		scenario string
		err      error
		want     bool
	}{
		{"no error", nil, false},
		{"a bad message", fmt.Errorf("send: %w", &mailer.MessageError{Field: "To", Err: errors.New("is empty")}), true},
		{"recipient refused", reply("RCPT TO", 550), true},
		{"sender refused", reply("MAIL FROM", 553), true},
		{"message too large", reply("DATA", 552), true},
		{"recipient deferred", reply("RCPT TO", 451), false},
		{"mailbox full, try later", reply("RCPT TO", 452), false},
		{"STARTTLS first, at MAIL FROM", reply("MAIL FROM", 530), false},
		{"authentication required, at RCPT TO", reply("RCPT TO", 530), false},
		{"encryption required", reply("MAIL FROM", 538), false},
		{"wrong password", reply("AUTH", 535), false},
		{"greeting refused", reply("greeting", 554), false},
		{"no STARTTLS", fmt.Errorf("send: %w", mailer.ErrNoSTARTTLS), false},
		{"a bare SMTP reply", &textproto.Error{Code: 550, Msg: "no"}, false},
		{"a timeout", fmt.Errorf("send: %w", context.DeadlineExceeded), false},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			if got := mailer.Permanent(tc.err); got != tc.want {
				t.Errorf("Permanent(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}
