package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Mailpit returns the SMTP URL (smtp://…?tls=none) and the HTTP API URL
// of the test mailpit that scripts/test starts, from
// OSHIGOODS_TEST_SMTP_URL and OSHIGOODS_TEST_MAILPIT_API. When either is
// unset the test ends through Missing. The mailbox is shared by every test
// and every run: send to a unique address (MailAddress) and read with
// MailpitAPI.Wait, which searches by it.
func Mailpit(t testing.TB) (smtpURL, apiURL string) {
	t.Helper()
	return need(t, "OSHIGOODS_TEST_SMTP_URL"), need(t, "OSHIGOODS_TEST_MAILPIT_API")
}

// MailAddress returns a fresh address at example.jp, local part
// <prefix>-<random hex>, for a test's messages to be found by.
func MailAddress(prefix string) string { return prefix + "-" + Suffix() + "@example.jp" }

// StartMailpit starts a mailpit of the test's own (the binary named by
// OSHIGOODS_TEST_MAILPIT_BIN; unset: the test ends through Missing) with
// args added to its flags, on free loopback ports, its database in the
// test's temporary folder, and returns its SMTP address (host:port) and
// API URL once the API answers. For tests that need a server set up
// otherwise than the shared one: STARTTLS, authentication, refused
// recipients. It is stopped when the test ends; its log is printed if it
// fails to start.
func StartMailpit(t testing.TB, args ...string) (smtpAddr, apiURL string) {
	t.Helper()
	bin := need(t, "OSHIGOODS_TEST_MAILPIT_BIN")
	dir := t.TempDir()
	smtpAddr, httpAddr := FreeLoopbackAddr(t), FreeLoopbackAddr(t)
	logPath := filepath.Join(dir, "mailpit.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	cmd := exec.Command(bin, append([]string{
		"--smtp", smtpAddr, "--listen", httpAddr, "--database", filepath.Join(dir, "mailpit.db"),
		// Nothing leaves the machine: no update check, no reverse DNS.
		"--disable-version-check", "--smtp-disable-rdns",
	}, args...)...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	exited := startProcess(t, cmd)
	apiURL = "http://" + httpAddr
	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case <-exited:
			out, _ := os.ReadFile(logPath)
			t.Fatalf("mailpit exited at start:\n%s", out)
		default:
		}
		if resp, err := http.Get(apiURL + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return smtpAddr, apiURL
			}
		}
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(logPath)
			t.Fatalf("mailpit did not answer on %s within 20s:\n%s", apiURL, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// MailpitAPI reads and deletes what arrived at a mailpit, through its HTTP
// API (/api/v1).
type MailpitAPI struct {
	// URL is the API's base, e.g. http://127.0.0.1:8025.
	URL string
	// HTTP is the client; nil is one with a 10-second timeout.
	HTTP *http.Client
}

// MailpitAddress is an address as mailpit gives it: the display name
// decoded.
type MailpitAddress struct {
	Name    string
	Address string
}

// MailpitSummary is one message in a list.
type MailpitSummary struct {
	// ID is mailpit's id, for Message and Raw.
	ID string
	// MessageID is the Message-ID without angle brackets.
	MessageID string
	From      MailpitAddress
	To        []MailpitAddress
	Subject   string
	Created   time.Time
}

// MailpitMessage is one message as mailpit decodes it.
type MailpitMessage struct {
	ID        string
	MessageID string
	From      MailpitAddress
	To        []MailpitAddress
	// Subject, Text and HTML are decoded: UTF-8, the transfer encoding
	// undone.
	Subject string
	Text    string
	HTML    string
	Date    time.Time
}

func (c *MailpitAPI) client() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return &http.Client{Timeout: 10 * time.Second}
}

// do sends a request to path (with its query) and decodes a JSON answer
// into out, unless out is nil.
func (c *MailpitAPI) do(ctx context.Context, method, path string, body, out any) error {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(c.URL, "/")+path, r)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.client().Do(req)
	if err != nil {
		return fmt.Errorf("mailpit %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return fmt.Errorf("mailpit %s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(msg))
	}
	if out == nil {
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("decode mailpit %s %s: %w", method, path, err)
	}
	return nil
}

// Messages lists the newest messages, newest first (mailpit's first page,
// 50 by default).
func (c *MailpitAPI) Messages(ctx context.Context) ([]MailpitSummary, error) {
	var out struct{ Messages []MailpitSummary }
	err := c.do(ctx, http.MethodGet, "/api/v1/messages", nil, &out)
	return out.Messages, err
}

// Search lists the messages matching query in mailpit's search syntax,
// e.g. "to:fan-1a2b@example.jp", newest first.
func (c *MailpitAPI) Search(ctx context.Context, query string) ([]MailpitSummary, error) {
	var out struct{ Messages []MailpitSummary }
	err := c.do(ctx, http.MethodGet, "/api/v1/search?query="+url.QueryEscape(query), nil, &out)
	return out.Messages, err
}

// Message returns one message, decoded.
func (c *MailpitAPI) Message(ctx context.Context, id string) (MailpitMessage, error) {
	var m MailpitMessage
	err := c.do(ctx, http.MethodGet, "/api/v1/message/"+url.PathEscape(id), nil, &m)
	return m, err
}

// Raw returns one message's bytes as received.
func (c *MailpitAPI) Raw(ctx context.Context, id string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(c.URL, "/")+"/api/v1/message/"+url.PathEscape(id)+"/raw", nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.client().Do(req)
	if err != nil {
		return nil, fmt.Errorf("mailpit raw %s: %w", id, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("mailpit raw %s: %s", id, resp.Status)
	}
	return io.ReadAll(resp.Body)
}

// DeleteAll deletes every message. Only for a mailpit of the test's own
// (StartMailpit): the shared one serves tests running in parallel.
func (c *MailpitAPI) DeleteAll(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "/api/v1/messages", struct{}{}, nil)
}

// DeleteSearch deletes the messages matching query, e.g. a test's own
// "to:" address.
func (c *MailpitAPI) DeleteSearch(ctx context.Context, query string) error {
	return c.do(ctx, http.MethodDelete, "/api/v1/search?query="+url.QueryEscape(query), nil, nil)
}

// Wait returns the message sent to the address to, waiting up to 10
// seconds for it to arrive; it fails the test when none does, or when
// more than one did. The message is deleted from mailpit when the test
// ends.
func (c *MailpitAPI) Wait(t testing.TB, to string) MailpitMessage {
	t.Helper()
	return c.WaitAll(t, "to:"+to, 1)[0]
}

// WaitAll returns the n messages matching query (mailpit's search syntax,
// e.g. "to:fan-1a2b@example.jp"), newest first, waiting up to 10 seconds
// for them to arrive; it fails the test when fewer do, or when more than
// n did. The messages are deleted from mailpit when the test ends.
func (c *MailpitAPI) WaitAll(t testing.TB, query string, n int) []MailpitMessage {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c.DeleteSearch(ctx, query)
	})
	for {
		list, err := c.Search(ctx, query)
		if err != nil && ctx.Err() == nil {
			t.Fatal(err)
		}
		if len(list) > n {
			t.Fatalf("%d messages match %s, want %d", len(list), query, n)
		}
		if len(list) == n {
			out := make([]MailpitMessage, n)
			for i, s := range list {
				if out[i], err = c.Message(ctx, s.ID); err != nil {
					t.Fatal(err)
				}
			}
			return out
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%d messages matching %s arrived at %s within 10s, want %d", len(list), query, c.URL, n)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// MailpitChaos is which SMTP commands a mailpit started with
// --enable-chaos fails, and how (its API's ChaosTriggers).
type MailpitChaos struct {
	Sender         MailpitTrigger // MAIL FROM
	Recipient      MailpitTrigger // RCPT TO
	Authentication MailpitTrigger // AUTH
}

// MailpitTrigger fails a command with ErrorCode (400–599) Probability
// percent of the time; 0 never.
type MailpitTrigger struct {
	ErrorCode   int
	Probability int
}

// SetChaos sets the failures of a mailpit of the test's own started with
// --enable-chaos.
func (c *MailpitAPI) SetChaos(ctx context.Context, chaos MailpitChaos) error {
	return c.do(ctx, http.MethodPut, "/api/v1/chaos", chaos, nil)
}
