package mailer

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"oshigoods"
)

// Config is the SMTP sender's settings. Zero values are the defaults
// (DefaultConfig); Validate says what is allowed.
type Config struct {
	// URL is the SMTP server, with the credentials if it wants them, in one
	// of three forms:
	//
	//	smtp://user:pass@host:587      STARTTLS, required: sending fails if the server does not offer it
	//	smtps://user:pass@host:465     TLS from the first byte (implicit TLS)
	//	smtp://host:1025?tls=none      no TLS: only without credentials, or to a loopback host
	//
	// The port defaults to 587 for smtp and 465 for smtps. The user and
	// password are percent-encoded as in any URL. Required: no default.
	URL string
	// From is the envelope sender (MAIL FROM, where bounces go) and the
	// From of a Message that has none; an address, with or without a
	// display name. Empty: each Message's own From address, which then
	// must be set.
	From string
	// Timeout is the most one Send may take, from dialling to the server's
	// last reply, if ctx does not end it sooner. From 1 second to 1 hour.
	// Default 30 seconds.
	Timeout time.Duration
	// RootCAs are the certificate authorities that the server's
	// certificate must chain to. Nil: the system's.
	RootCAs *x509.CertPool
}

// DefaultConfig returns the default settings: no URL, and a 30-second
// timeout.
func DefaultConfig() Config { return Config{Timeout: 30 * time.Second} }

// WithDefaults returns c with zero values replaced by the defaults.
func (c Config) WithDefaults() Config {
	if c.Timeout == 0 {
		c.Timeout = DefaultConfig().Timeout
	}
	return c
}

// Validate reports every setting that is wrong, one
// *oshigoods.ConfigError each, joined. A URL error names the part of the
// URL at fault and shows the URL with its password replaced by "xxxxx";
// the password itself is never in an error. Refused: a scheme other than
// smtp or smtps, a missing host, a bad port, a user without a password,
// a path, a query other than tls=none (and that only with smtp), and
// tls=none with credentials to a host that is not loopback (localhost,
// 127.0.0.0/8, ::1): the password would cross the network in clear.
func (c Config) Validate() error {
	_, err := c.WithDefaults().parse()
	return err
}

// tlsMode is how a connection is secured.
type tlsMode int

const (
	startTLS    tlsMode = iota // plain, then STARTTLS, required
	implicitTLS                // TLS from the first byte
	noTLS                      // plain throughout
)

// endpoint is a parsed, valid Config.
type endpoint struct {
	mode       tlsMode
	host, addr string // host name or IP; host:port to dial
	user, pass string
	loopback   bool
	from       string // envelope sender; "" for each message's From
}

// parse checks c, which has its defaults, and returns what Send needs.
func (c Config) parse() (endpoint, error) {
	var errs []error
	bad := func(field string, value any, problem string) {
		errs = append(errs, &oshigoods.ConfigError{Field: field, Value: value, Problem: problem})
	}
	ep, urlErrs := parseURL(c.URL)
	errs = append(errs, urlErrs...)
	if c.From != "" {
		if strings.ContainsAny(c.From, "\r\n") {
			bad("From", nil, "contains a line break (CR or LF)")
		} else if a, err := mail.ParseAddress(c.From); err != nil {
			bad("From", c.From, "is not an e-mail address: "+err.Error())
		} else if !isASCII(a.Address) {
			bad("From", c.From, "is not an ASCII address")
		} else {
			ep.from = a.Address
		}
	}
	if c.Timeout < time.Second || c.Timeout > time.Hour {
		bad("Timeout", c.Timeout, "is out of range; give 1s–1h")
	}
	return ep, errors.Join(errs...)
}

// parseURL parses Config.URL; its errors show the URL redacted.
func parseURL(raw string) (endpoint, []error) {
	var ep endpoint
	if raw == "" {
		return ep, []error{&oshigoods.ConfigError{Field: "URL", Problem: "is empty; give smtp://user:pass@host:587, smtps://user:pass@host:465 or smtp://host:1025?tls=none"}}
	}
	u, err := url.Parse(raw)
	if err != nil {
		if strings.Contains(raw, "@") {
			// A '/', '?' or '#' in the password ends the host early, and
			// the reason would quote the password's start as a port.
			return ep, []error{&oshigoods.ConfigError{Field: "URL", Problem: "is not a URL; percent-encode any '/', '?', '#' or '@' in the user and password"}}
		}
		// url.Parse's error quotes the whole URL: keep only its reason.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return ep, []error{&oshigoods.ConfigError{Field: "URL", Problem: "is not a URL: " + err.Error()}}
	}
	if strings.Contains(u.Path+u.RawQuery+u.Fragment, "@") {
		// The same, parsed: "smtp://user:12/pw@host" is host "user", port
		// 12 and path "/pw@host", which a redacted URL would still show.
		return ep, []error{&oshigoods.ConfigError{Field: "URL", Problem: "has an '@' after the host; percent-encode any '/', '?', '#' or '@' in the user and password"}}
	}
	shown := u.Redacted()
	var errs []error
	bad := func(problem string) {
		errs = append(errs, &oshigoods.ConfigError{Field: "URL", Value: shown, Problem: problem})
	}
	port := ""
	switch u.Scheme {
	case "smtp":
		ep.mode, port = startTLS, "587"
	case "smtps":
		ep.mode, port = implicitTLS, "465"
	default:
		// The rest of the URL means nothing without the scheme.
		bad(fmt.Sprintf("has scheme %q; give smtp:// (STARTTLS, or tls=none) or smtps:// (implicit TLS)", u.Scheme))
		return ep, errs
	}
	if u.Opaque != "" {
		bad("has no // after the scheme; give smtp://host:port")
	}
	ep.host = u.Hostname()
	if ep.host == "" {
		bad("has no host")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			bad(fmt.Sprintf("has port %q; give 1–65535", p))
		}
		port = p
	}
	ep.addr = net.JoinHostPort(ep.host, port)
	if u.Path != "" && u.Path != "/" {
		bad("has a path; give none")
	}
	if u.Fragment != "" {
		bad("has a fragment; give none")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		bad("has a malformed query; give none or tls=none")
	}
	for k, vs := range q {
		switch {
		case k != "tls":
			bad(fmt.Sprintf("has query parameter %q; the only one is tls=none", k))
		case len(vs) != 1 || vs[0] != "none":
			bad(fmt.Sprintf("has tls=%q; the only value is none (STARTTLS is the default of smtp://)", strings.Join(vs, ",")))
		case u.Scheme == "smtps":
			bad("has tls=none with smtps://, which is always TLS; give smtp:// for no TLS")
		default:
			ep.mode = noTLS
		}
	}
	if u.User != nil {
		ep.user = u.User.Username()
		ep.pass, _ = u.User.Password()
		if ep.user == "" {
			bad("has a password but no user")
		} else if ep.pass == "" {
			bad("has a user but no password")
		}
	}
	ep.loopback = isLoopback(ep.host)
	if ep.mode == noTLS && u.User != nil && !ep.loopback {
		bad(fmt.Sprintf("has credentials and tls=none to %s, which is not loopback: the password would cross the network in clear; use smtps:// or STARTTLS (drop tls=none)", ep.host))
	}
	return ep, errs
}

// isLoopback reports whether host is localhost or a loopback IP. Other
// names are not looked up: a name that resolves to loopback today may not
// tomorrow.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
