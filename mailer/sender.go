package mailer

import (
	"context"
	"errors"
	"net/textproto"
	"strconv"
)

// Sender sends one message. Send returns nil once the message is handed
// over (to the SMTP server, or written to its file); on failure, Permanent
// tells whether sending it again can succeed. Send honours ctx: a
// cancelled or expired ctx ends it with an error wrapping ctx.Err().
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Permanent reports whether err says that sending the same message again
// cannot succeed, so a caller that retries should stop: a *MessageError (a
// missing or malformed field), or a 5xx reply of the SMTP server to the
// message itself (MAIL FROM, RCPT TO or DATA: an address refused, a message
// too large). It is false for nil and for everything else, which may pass
// later: a network error, a timeout, a 4xx reply, and also a refusal that
// concerns the connection, not the message (no STARTTLS, a wrong
// password, a bad certificate, and 530, 534, 535 and 538, the replies that
// ask to authenticate or encrypt first, whatever the command): those fail
// every message alike until the configuration or the server is fixed, and
// no message should be given up for them.
//
// Not every 5xx to RCPT TO is the recipient's fault: a server that wants
// credentials the URL lacks may answer "554 5.7.1 relay access denied",
// which Permanent cannot tell from a policy refusal of this recipient. A
// caller that sees many permanent failures at once should suspect the
// configuration; ReplyError has the code and text to log.
func Permanent(err error) bool {
	var me *MessageError
	var re *ReplyError
	switch {
	case errors.As(err, &me):
		return true
	case errors.As(err, &re):
		if re.Command != "MAIL FROM" && re.Command != "RCPT TO" && re.Command != "DATA" {
			return false
		}
		switch re.Code {
		case 530, 534, 535, 538:
			// "Authenticate first", "encrypt first" (RFC 4954, 3207):
			// replies about the session, which some servers give only at
			// MAIL FROM.
			return false
		}
		return re.Code >= 500 && re.Code <= 599
	}
	return false
}

// ReplyError is an SMTP server's refusal: the reply to a command that was
// not a success.
type ReplyError struct {
	// Command is the command refused: "greeting" (the server's first
	// reply), "EHLO", "STARTTLS", "AUTH", "MAIL FROM", "RCPT TO" or "DATA".
	Command string
	// Code is the reply code, e.g. 550; 5xx is permanent, 4xx temporary.
	Code int
	// Msg is the server's text after the code.
	Msg string
}

func (e *ReplyError) Error() string {
	return "smtp " + e.Command + ": " + strconv.Itoa(e.Code) + " " + e.Msg
}

// reply returns err as a *ReplyError when it is an SMTP reply, or err.
func reply(command string, err error) error {
	var te *textproto.Error
	if errors.As(err, &te) {
		return &ReplyError{Command: command, Code: te.Code, Msg: te.Msg}
	}
	return err
}
