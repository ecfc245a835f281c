package mailer

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// Message is one e-mail. Its Bytes are the same for the same Message, so a
// message written twice (a retry, a rewrite of its .eml file) is the same
// message twice.
type Message struct {
	// From is the sender: an address, optionally with a display name, which
	// may be Japanese: "ひかりグッズ <shop@example.jp>". Empty: the SMTP
	// sender's Config.From (the Dir sender has none, so there it is an
	// error).
	From string
	// To is the recipient in the same form as From, or several separated
	// by commas. Addresses must be ASCII (no SMTPUTF8); display names need
	// not be.
	To string
	// Subject is the subject line; Japanese is encoded as RFC 2047 words.
	// May be empty.
	Subject string
	// Text is the plain-text body. Required: it is what a reader without
	// HTML sees.
	Text string
	// HTML is the HTML body. Optional: empty sends the text alone, not a
	// multipart/alternative.
	HTML string
	// MessageID is the Message-ID, with or without its angle brackets:
	// "order-123.shipped@example.jp". Required and unique per message: it
	// names the Dir sender's file, and a resend of the same message keeps
	// it.
	MessageID string
	// Date is the Date header, written in Date's own time zone (JST reads
	// best for fans). Required: a zero Date is an error, so that the bytes
	// never depend on the clock.
	Date time.Time
}

// ErrLineBreak is the problem of a MessageError for a header field (From,
// To, Subject, MessageID) holding a CR or LF: written into a header, it
// would let the text after it add header fields of its own.
var ErrLineBreak = errors.New("contains a line break (CR or LF)")

// MessageError is a Message that cannot be sent as it is: a missing or
// malformed field. Bytes and every Sender return it before sending
// anything, and Permanent reports true for it.
type MessageError struct {
	// Field is the Message field at fault: "From", "To", "Subject",
	// "MessageID", "Date" or "Text".
	Field string
	// Err is the problem, ErrLineBreak for a header injection.
	Err error
}

func (e *MessageError) Error() string { return "mailer: message " + e.Field + " " + e.Err.Error() }

// Unwrap returns the problem.
func (e *MessageError) Unwrap() error { return e.Err }

func fieldErr(field, problem string) *MessageError {
	return &MessageError{Field: field, Err: errors.New(problem)}
}

// maxLine is the length header lines are folded at and body lines kept
// under (RFC 5322 2.1.1: SHOULD 78, MUST 998).
const maxLine = 78

// Bytes returns the message as an RFC 5322 message in UTF-8: Date, From,
// To, Subject (RFC 2047 encoded when not plain ASCII), Message-ID,
// MIME-Version, Auto-Submitted: auto-generated (so that vacation replies
// are not sent back), then the text, or a multipart/alternative of the
// text and the HTML. Each body is quoted-printable or base64, whichever is
// shorter, so no line passes 78 characters. The boundary is a hash of the
// content, so the same Message gives the same bytes.
//
// It returns a *MessageError when a field is missing or malformed, with
// ErrLineBreak for a CR or LF in a header field.
func (m Message) Bytes() ([]byte, error) {
	h, err := m.header()
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString(h)
	b.WriteString("MIME-Version: 1.0\r\n")
	text := encodeBody(m.Text)
	if m.HTML == "" {
		b.WriteString("Content-Type: text/plain; charset=UTF-8\r\n")
		b.WriteString("Content-Transfer-Encoding: " + text.encoding + "\r\n\r\n")
		b.Write(text.body)
		return b.Bytes(), nil
	}
	html := encodeBody(m.HTML)
	sum := sha256.New()
	for _, s := range []string{h, text.encoding, html.encoding} {
		sum.Write([]byte(s))
		sum.Write([]byte{0})
	}
	sum.Write(text.body)
	sum.Write([]byte{0})
	sum.Write(html.body)
	// "=_" never occurs in quoted-printable or base64 text, so the boundary
	// cannot occur in a part whatever the hash.
	boundary := "=_" + hex.EncodeToString(sum.Sum(nil))[:32]
	var ct strings.Builder
	writeField(&ct, "Content-Type", []string{"multipart/alternative;", `boundary="` + boundary + `"`})
	b.WriteString(ct.String() + "\r\n")
	for _, p := range []struct {
		typ string
		enc encoded
	}{{"text/plain", text}, {"text/html", html}} {
		b.WriteString("--" + boundary + "\r\n")
		b.WriteString("Content-Type: " + p.typ + "; charset=UTF-8\r\n")
		b.WriteString("Content-Transfer-Encoding: " + p.enc.encoding + "\r\n\r\n")
		b.Write(p.enc.body)
		b.WriteString("\r\n")
	}
	b.WriteString("--" + boundary + "--\r\n")
	return b.Bytes(), nil
}

// header checks the fields and returns the header lines before
// MIME-Version, each ending in CRLF.
func (m Message) header() (string, error) {
	for _, f := range []struct{ name, v string }{{"From", m.From}, {"To", m.To}, {"Subject", m.Subject}, {"MessageID", m.MessageID}} {
		if strings.ContainsAny(f.v, "\r\n") {
			return "", &MessageError{Field: f.name, Err: ErrLineBreak}
		}
	}
	from, to, err := m.addresses()
	if err != nil {
		return "", err
	}
	id, err := messageID(m.MessageID)
	if err != nil {
		return "", err
	}
	if m.Date.IsZero() {
		return "", fieldErr("Date", "is zero; give the time the message was written")
	}
	if m.Text == "" {
		return "", fieldErr("Text", "is empty; every message has a plain-text body")
	}
	if !utf8.ValidString(m.Subject) || !utf8.ValidString(m.Text) || !utf8.ValidString(m.HTML) {
		return "", fieldErr("Text", "or Subject or HTML is not valid UTF-8")
	}
	var b strings.Builder
	writeField(&b, "Date", []string{m.Date.Format(time.RFC1123Z)})
	writeField(&b, "From", addressWords(from))
	var words []string
	for i, a := range to {
		w := addressWords(a)
		if i < len(to)-1 {
			w[len(w)-1] += ","
		}
		words = append(words, w...)
	}
	writeField(&b, "To", words)
	writeField(&b, "Subject", phraseWords(m.Subject, false))
	writeField(&b, "Message-ID", []string{"<" + id + ">"})
	writeField(&b, "Auto-Submitted", []string{"auto-generated"})
	return b.String(), nil
}

// addresses parses From and To.
func (m Message) addresses() (from *mail.Address, to []*mail.Address, err error) {
	if m.From == "" {
		return nil, nil, fieldErr("From", "is empty; give the shop's address")
	}
	from, err = mail.ParseAddress(m.From)
	if err != nil {
		return nil, nil, &MessageError{Field: "From", Err: err}
	}
	if m.To == "" {
		return nil, nil, fieldErr("To", "is empty; give the fan's address")
	}
	to, err = mail.ParseAddressList(m.To)
	if err != nil {
		return nil, nil, &MessageError{Field: "To", Err: err}
	}
	for _, f := range []struct {
		name string
		as   []*mail.Address
	}{{"From", []*mail.Address{from}}, {"To", to}} {
		for _, a := range f.as {
			if !isASCII(a.Address) {
				return nil, nil, fieldErr(f.name, "has an address that is not ASCII: "+a.Address)
			}
		}
	}
	return from, to, nil
}

// messageID returns id without its angle brackets, or a *MessageError
// when it is not a msg-id (RFC 5322 3.6.4: dot-atom-text "@" dot-atom-text,
// or a domain literal on the right).
func messageID(id string) (string, error) {
	id = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(id), "<"), ">")
	if id == "" {
		return "", fieldErr("MessageID", "is empty; give a unique id such as order-123.shipped@example.jp")
	}
	if len(id) > 250 {
		return "", fieldErr("MessageID", "is longer than 250 characters")
	}
	left, right, ok := strings.Cut(id, "@")
	if !ok || !isDotAtom(left) || !(isDotAtom(right) || isDomainLiteral(right)) {
		return "", fieldErr("MessageID", "is not of the form id@domain with ASCII letters, digits and !#$%&'*+-/=?^_`{|}~.")
	}
	return id, nil
}

func isDotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '.' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0) {
			return false
		}
	}
	return true
}

func isDomainLiteral(s string) bool {
	if len(s) < 3 || s[0] != '[' || s[len(s)-1] != ']' {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		if c := s[i]; c < 33 || c > 126 || c == '[' || c == ']' || c == '\\' {
			return false
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// writeField writes "Name: w1 w2 …" folded before a word that would take
// the line past maxLine.
func writeField(b *strings.Builder, name string, words []string) {
	b.WriteString(name + ":")
	n := len(name) + 1
	for i, w := range words {
		if i > 0 && n+1+len(w) > maxLine {
			b.WriteString("\r\n")
			n = 0
		}
		b.WriteString(" " + w)
		n += 1 + len(w)
	}
	b.WriteString("\r\n")
}

// addressWords returns the words of a mailbox: the display name, plain,
// quoted or RFC 2047 encoded, then the address in angle brackets; or the
// bare address when there is no name.
func addressWords(a *mail.Address) []string {
	if a.Name == "" {
		return []string{a.Address}
	}
	return append(phraseWords(a.Name, true), "<"+a.Address+">")
}

// Encoded words carry at most this many bytes of UTF-8, cut between
// characters, so "Subject: " and one word fit on a 78-character line:
// 9 + len("=?UTF-8?B?") + 4*39/3 + len("?=") = 73.
const wordBytes = 39

// phraseWords returns s as header words: as they are when s is printable
// ASCII in short words, single-spaced, with nothing that looks like an
// encoded word; otherwise as RFC 2047 B-encoded words of UTF-8. A display
// name (name) that is plain but not all atoms is one quoted string.
func phraseWords(s string, name bool) []string {
	if s == "" {
		return nil
	}
	if plainPhrase(s) {
		if name && !isAtomPhrase(s) {
			return []string{`"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`}
		}
		return strings.Split(s, " ")
	}
	var words []string
	for s != "" {
		n := 0
		for n < len(s) {
			_, size := utf8.DecodeRuneInString(s[n:])
			if n+size > wordBytes {
				break
			}
			n += size
		}
		words = append(words, "=?UTF-8?B?"+base64.StdEncoding.EncodeToString([]byte(s[:n]))+"?=")
		s = s[n:]
	}
	return words
}

func plainPhrase(s string) bool {
	if strings.Contains(s, "=?") || strings.Contains(s, "  ") || s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	for _, w := range strings.Split(s, " ") {
		if len(w) > 60 {
			return false
		}
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// isAtomPhrase reports whether s is atoms separated by spaces, a display
// name that needs no quotes.
func isAtomPhrase(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != ' ' && (c == '.' || !isDotAtom(string(c))) {
			return false
		}
	}
	return true
}

type encoded struct {
	encoding string // Content-Transfer-Encoding
	body     []byte // ends in CRLF, which is not part of the text
}

// encodeBody returns s with CRLF line ends as quoted-printable or base64,
// whichever is shorter: quoted-printable for mostly ASCII (HTML), base64
// for mostly Japanese, which quoted-printable would triple.
func encodeBody(s string) encoded {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.ReplaceAll(s, "\n", "\r\n")
	var qp bytes.Buffer
	w := quotedprintable.NewWriter(&qp)
	w.Write([]byte(s)) // a bytes.Buffer does not fail
	w.Close()
	if !bytes.HasSuffix(qp.Bytes(), []byte("\r\n")) {
		// A soft line break: the line ends here, the text does not gain a
		// line break.
		qp.WriteString("=\r\n")
	}
	b64 := base64.StdEncoding.EncodeToString([]byte(s))
	if qp.Len() <= len(b64)+len(b64)/76*2+2 {
		return encoded{"quoted-printable", qp.Bytes()}
	}
	var b bytes.Buffer
	for len(b64) > 76 {
		b.WriteString(b64[:76] + "\r\n")
		b64 = b64[76:]
	}
	b.WriteString(b64 + "\r\n")
	return encoded{"base64", b.Bytes()}
}
