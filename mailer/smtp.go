package mailer

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"strings"
	"time"
)

// ErrNoSTARTTLS is returned by SMTP.Send when the URL asks for STARTTLS
// (smtp:// without tls=none) and the server does not offer it: the
// message and the password are not sent in clear instead. It is not
// Permanent: the server is misconfigured, not the message.
var ErrNoSTARTTLS = errors.New("server does not offer STARTTLS")

// SMTP sends messages to an SMTP server, one connection a message.
type SMTP struct {
	cfg Config
	ep  endpoint
}

var _ Sender = (*SMTP)(nil)

// NewSMTP returns an SMTP sender for c, or Validate's error.
func NewSMTP(c Config) (*SMTP, error) {
	c = c.WithDefaults()
	ep, err := c.parse()
	if err != nil {
		return nil, fmt.Errorf("configure SMTP: %w", err)
	}
	return &SMTP{cfg: c, ep: ep}, nil
}

// Send sends m: it connects, secures the connection as the URL says,
// authenticates when the URL has credentials (PLAIN, LOGIN or CRAM-MD5,
// whichever the server offers first in that order), and hands over the
// message. A Message without From gets Config.From.
//
// Errors: a *MessageError for a bad message, before connecting; a
// *ReplyError for a refusal by the server (Permanent says which are
// final); ErrNoSTARTTLS; and network, TLS and timeout errors, which wrap
// ctx.Err() when ctx or the Timeout ended the send. The envelope sender is
// Config.From's address, or else the message's From address.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	if m.From == "" {
		m.From = s.cfg.From
	}
	raw, err := m.Bytes()
	if err != nil {
		return err
	}
	from, to, _ := m.addresses() // Bytes checked them
	envFrom := s.ep.from
	if envFrom == "" {
		envFrom = from.Address
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	if err := s.send(ctx, envFrom, to, raw); err != nil {
		if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
			err = fmt.Errorf("%w: %w", ctx.Err(), err)
		}
		return fmt.Errorf("send mail via %s: %w", s.ep.addr, err)
	}
	return nil
}

func (s *SMTP) send(ctx context.Context, from string, to []*mail.Address, raw []byte) error {
	conn, err := s.dial(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	// When ctx ends (cancelled, or its deadline, which the Timeout
	// bounds, passes), the connection's deadline moves to the past, which
	// ends the read or write waiting now. Setting it only then, not to
	// ctx's deadline at the start, means the error always comes with
	// ctx.Err() set, so Send can wrap it.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	c, err := smtp.NewClient(conn, s.ep.host)
	if err != nil {
		return reply("greeting", err)
	}
	defer c.Close()
	if s.ep.mode == startTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return ErrNoSTARTTLS
		}
		if err := c.StartTLS(s.tlsConfig()); err != nil {
			return fmt.Errorf("start TLS: %w", reply("STARTTLS", err))
		}
	}
	if s.ep.user != "" {
		a, err := s.auth(c)
		if err != nil {
			return err
		}
		if err := c.Auth(a); err != nil {
			return fmt.Errorf("authenticate as %s: %w", s.ep.user, reply("AUTH", err))
		}
	}
	if err := c.Mail(from); err != nil {
		return reply("MAIL FROM", err)
	}
	for _, a := range to {
		if err := c.Rcpt(a.Address); err != nil {
			return reply("RCPT TO", err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return reply("DATA", err)
	}
	if _, err := w.Write(raw); err != nil {
		return fmt.Errorf("write message: %w", err)
	}
	if err := w.Close(); err != nil {
		return reply("DATA", err)
	}
	// The server has the message; a failed QUIT does not unsend it.
	c.Quit()
	return nil
}

func (s *SMTP) dial(ctx context.Context) (net.Conn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.ep.addr)
	if err != nil {
		return nil, err // net.OpError names the address
	}
	if s.ep.mode != implicitTLS {
		return conn, nil
	}
	tc := tls.Client(conn, s.tlsConfig())
	if err := tc.HandshakeContext(ctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("TLS handshake: %w", err)
	}
	return tc, nil
}

func (s *SMTP) tlsConfig() *tls.Config {
	return &tls.Config{ServerName: s.ep.host, RootCAs: s.cfg.RootCAs, MinVersion: tls.VersionTLS12}
}

// auth picks the first mechanism the server offers of PLAIN, LOGIN and
// CRAM-MD5.
func (s *SMTP) auth(c *smtp.Client) (smtp.Auth, error) {
	ok, list := c.Extension("AUTH")
	if !ok {
		return nil, errors.New("authenticate: the URL has credentials but the server offers no AUTH")
	}
	mechs := strings.Fields(strings.ToUpper(list))
	has := func(m string) bool {
		for _, x := range mechs {
			if x == m {
				return true
			}
		}
		return false
	}
	switch {
	case has("PLAIN"):
		return &passwordAuth{mech: "PLAIN", user: s.ep.user, pass: s.ep.pass, loopback: s.ep.loopback}, nil
	case has("LOGIN"):
		return &passwordAuth{mech: "LOGIN", user: s.ep.user, pass: s.ep.pass, loopback: s.ep.loopback}, nil
	case has("CRAM-MD5"):
		return smtp.CRAMMD5Auth(s.ep.user, s.ep.pass), nil
	}
	return nil, fmt.Errorf("authenticate: the server offers AUTH %s, none of PLAIN, LOGIN, CRAM-MD5", list)
}

// passwordAuth is AUTH PLAIN (RFC 4616) or AUTH LOGIN. Like net/smtp's
// PlainAuth it sends the password only over TLS or to a loopback host, but
// it takes any loopback address (127.0.0.0/8, ::1, localhost), as Validate
// does, where net/smtp knows only 127.0.0.1, ::1 and localhost.
type passwordAuth struct {
	mech       string
	user, pass string
	loopback   bool
	step       int
}

func (a *passwordAuth) Start(server *smtp.ServerInfo) (string, []byte, error) {
	if !server.TLS && !a.loopback {
		return "", nil, errors.New("refuse to send the password over a connection that is not encrypted")
	}
	if a.mech == "PLAIN" {
		return "PLAIN", []byte("\x00" + a.user + "\x00" + a.pass), nil
	}
	return "LOGIN", nil, nil
}

func (a *passwordAuth) Next(fromServer []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	if a.mech == "PLAIN" {
		return nil, errors.New("unexpected challenge to AUTH PLAIN")
	}
	// LOGIN: the server asks "Username:", then "Password:".
	a.step++
	switch a.step {
	case 1:
		return []byte(a.user), nil
	case 2:
		return []byte(a.pass), nil
	}
	return nil, errors.New("unexpected challenge to AUTH LOGIN")
}
