package mailer_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"oshigoods/internal/testenv"
	"oshigoods/mailer"
)

func newSMTP(t *testing.T, c mailer.Config) *mailer.SMTP {
	t.Helper()
	s, err := mailer.NewSMTP(c)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// checkArrived compares what mailpit decoded with the message sent.
func checkArrived(t *testing.T, got testenv.MailpitMessage, sent mailer.Message, to string) {
	t.Helper()
	if got.Subject != sent.Subject {
		t.Errorf("Subject %q, want %q", got.Subject, sent.Subject)
	}
	if got.From.Name != "ひかりグッズ" || got.From.Address != "shop@example.jp" {
		t.Errorf("From %q <%s>, want ひかりグッズ <shop@example.jp>", got.From.Name, got.From.Address)
	}
	if len(got.To) != 1 || got.To[0].Name != "山田 花子" || got.To[0].Address != to {
		t.Errorf("To %+v, want 山田 花子 <%s>", got.To, to)
	}
	if got.MessageID != sent.MessageID {
		t.Errorf("Message-ID %q, want %q", got.MessageID, sent.MessageID)
	}
	// Line ends travel as CRLF; mailpit gives them back as they came.
	if got.Text != crlf(sent.Text) {
		t.Errorf("text\n%q\nwant\n%q", got.Text, crlf(sent.Text))
	}
	if got.HTML != crlf(sent.HTML) {
		t.Errorf("HTML\n%q\nwant\n%q", got.HTML, crlf(sent.HTML))
	}
}

// TestSMTPJapanese sends the Japanese order mail through the test mailpit
// and reads it back decoded.
func TestSMTPJapanese(t *testing.T) {
	smtpURL, apiURL := testenv.Mailpit(t)
	api := &testenv.MailpitAPI{URL: apiURL}
	to := testenv.MailAddress("fan")
	m := orderReceived(to)
	m.MessageID = "order-" + testenv.Suffix() + ".received@example.jp"
	if err := newSMTP(t, mailer.Config{URL: smtpURL}).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := api.Wait(t, to)
	checkArrived(t, got, m, to)
	raw, err := api.Raw(context.Background(), got.ID)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := m.Bytes()
	if !strings.HasSuffix(string(raw), string(want)) {
		t.Errorf("the bytes received do not end in the message's Bytes:\n%s", raw)
	}
}

// TestSMTPFrom fills a Message's missing From from Config.From.
func TestSMTPFrom(t *testing.T) {
	smtpURL, apiURL := testenv.Mailpit(t)
	to := testenv.MailAddress("fan")
	m := orderReceived(to)
	m.From = ""
	s := newSMTP(t, mailer.Config{URL: smtpURL, From: "ひかりグッズ <shop@example.jp>"})
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := (&testenv.MailpitAPI{URL: apiURL}).Wait(t, to)
	if got.From.Name != "ひかりグッズ" || got.From.Address != "shop@example.jp" {
		t.Errorf("From %q <%s>, want Config.From", got.From.Name, got.From.Address)
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key to dir and
// returns their paths and a pool that trusts the certificate.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "oshigoods test mailpit"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TestSMTPTLS sends over STARTTLS and implicit TLS to mailpits of the
// test's own that require them and a password, and checks what a client
// must refuse: a certificate it does not trust, a wrong password, and a
// server that does not offer STARTTLS.
func TestSMTPTLS(t *testing.T) {
	plainURL, _ := testenv.Mailpit(t)
	plain, err := url.Parse(plainURL)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)
	// The password needs percent-encoding in a URL; mailpit reads it
	// plain from an htpasswd file.
	const user, password = "shop", "p@ss/w?rd#1"
	authFile := filepath.Join(dir, "smtp-auth")
	if err := os.WriteFile(authFile, []byte(user+":"+password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tlsFlags := []string{"--smtp-tls-cert", certFile, "--smtp-tls-key", keyFile, "--smtp-auth-file", authFile}
	starttlsAddr, starttlsAPI := testenv.StartMailpit(t, append(tlsFlags, "--smtp-require-starttls")...)
	implicitAddr, implicitAPI := testenv.StartMailpit(t, append(tlsFlags, "--smtp-require-tls")...)
	creds := url.UserPassword(user, password).String()
	wrong := url.UserPassword(user, "wrong").String()

	for _, tc := range []struct {
		scenario string
		url      string
		api      string // where the message arrives; "" when Send must fail
		rootCAs  *x509.CertPool
		want     string // in the error
		wantIs   error
	}{
		{"STARTTLS with a password", "smtp://" + creds + "@" + starttlsAddr, starttlsAPI, pool, "", nil},
		{"implicit TLS with a password", "smtps://" + creds + "@" + implicitAddr, implicitAPI, pool, "", nil},
		{"STARTTLS, certificate not trusted", "smtp://" + creds + "@" + starttlsAddr, "", nil, "certificate", nil},
		{"implicit TLS, certificate not trusted", "smtps://" + creds + "@" + implicitAddr, "", nil, "certificate", nil},
		{"STARTTLS, wrong password", "smtp://" + wrong + "@" + starttlsAddr, "", pool, "AUTH", nil},
		{"STARTTLS asked of a server without it", "smtp://" + plain.Host, "", pool, "STARTTLS", mailer.ErrNoSTARTTLS},
		{"STARTTLS asked of a server without it, with a password", "smtp://" + creds + "@" + plain.Host, "", pool, "STARTTLS", mailer.ErrNoSTARTTLS},
		{"no TLS to a server that requires STARTTLS", "smtp://" + starttlsAddr + "?tls=none", "", pool, "530", nil},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			to := testenv.MailAddress("fan")
			m := orderReceived(to)
			s := newSMTP(t, mailer.Config{URL: tc.url, RootCAs: tc.rootCAs, Timeout: 10 * time.Second})
			err := s.Send(context.Background(), m)
			if tc.api != "" {
				if err != nil {
					t.Fatal(err)
				}
				checkArrived(t, (&testenv.MailpitAPI{URL: tc.api}).Wait(t, to), m, to)
				return
			}
			if err == nil {
				t.Fatal("Send succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) || tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Errorf("error %q, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), password) {
				t.Errorf("the error shows the password: %v", err)
			}
			if mailer.Permanent(err) {
				t.Errorf("Permanent(%v): a refusal of the connection, not of the message, must not stop retries", err)
			}
		})
	}
}

// TestSMTPPermanent makes a mailpit of the test's own refuse recipients
// and senders, and checks which refusals are Permanent.
func TestSMTPPermanent(t *testing.T) {
	addr, apiURL := testenv.StartMailpit(t, `--smtp-allowed-recipients`, `@example\.jp$`, "--enable-chaos")
	api := &testenv.MailpitAPI{URL: apiURL}
	s := newSMTP(t, mailer.Config{URL: "smtp://" + addr + "?tls=none"})
	for _, tc := range []struct {
		scenario  string
		to        string
		chaos     testenv.MailpitChaos
		command   string
		code      int
		permanent bool
	}{
		{"recipient refused", "fan@example.invalid", testenv.MailpitChaos{}, "RCPT TO", 550, true},
		{"recipient deferred", "fan@example.jp", testenv.MailpitChaos{Recipient: testenv.MailpitTrigger{ErrorCode: 451, Probability: 100}}, "RCPT TO", 451, false},
		{"sender refused", "fan@example.jp", testenv.MailpitChaos{Sender: testenv.MailpitTrigger{ErrorCode: 553, Probability: 100}}, "MAIL FROM", 553, true},
		{"sender deferred", "fan@example.jp", testenv.MailpitChaos{Sender: testenv.MailpitTrigger{ErrorCode: 421, Probability: 100}}, "MAIL FROM", 421, false},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			if err := api.SetChaos(context.Background(), tc.chaos); err != nil {
				t.Fatal(err)
			}
			err := s.Send(context.Background(), orderReceived(tc.to))
			var re *mailer.ReplyError
			if !errors.As(err, &re) {
				t.Fatalf("Send = %v, want a *ReplyError", err)
			}
			if re.Command != tc.command || re.Code != tc.code {
				t.Errorf("refused %s with %d, want %s with %d (%v)", re.Command, re.Code, tc.command, tc.code, err)
			}
			if mailer.Permanent(err) != tc.permanent {
				t.Errorf("Permanent(%v) = %v, want %v", err, !tc.permanent, tc.permanent)
			}
		})
	}
	if err := api.SetChaos(context.Background(), testenv.MailpitChaos{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), orderReceived("fan@example.jp")); err != nil {
		t.Errorf("an allowed recipient without chaos: %v", err)
	}
}

// TestSMTPTemporary checks failures with no SMTP server to answer: a
// closed port, and a server that never greets, which ctx and the Timeout
// must end.
func TestSMTPTemporary(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()

	// A server that accepts and says nothing.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { silent.Close() })
	go func() {
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()

	for _, tc := range []struct {
		scenario    string
		addr        string
		deadline    time.Duration // of ctx; 0 none
		cancelAfter time.Duration // 0 never
		timeout     time.Duration // Config.Timeout
		wantIs      error
	}{
		{"closed port", closed, 0, 0, 0, syscall.ECONNREFUSED},
		{"silent server, ctx deadline", silent.Addr().String(), 300 * time.Millisecond, 0, 0, context.DeadlineExceeded},
		{"silent server, ctx cancelled", silent.Addr().String(), 0, 300 * time.Millisecond, 0, context.Canceled},
		{"silent server, Config.Timeout", silent.Addr().String(), 0, 0, time.Second, context.DeadlineExceeded},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.deadline > 0 {
				ctx, cancel = context.WithTimeout(ctx, tc.deadline)
				defer cancel()
			}
			if tc.cancelAfter > 0 {
				time.AfterFunc(tc.cancelAfter, cancel)
			}
			s := newSMTP(t, mailer.Config{URL: "smtp://" + tc.addr + "?tls=none", Timeout: tc.timeout})
			start := time.Now()
			err := s.Send(ctx, orderReceived("fan@example.jp"))
			if !errors.Is(err, tc.wantIs) {
				t.Errorf("Send = %v, want %v", err, tc.wantIs)
			}
			if mailer.Permanent(err) {
				t.Errorf("Permanent(%v) = true", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("Send took %v", d)
			}
		})
	}
}
