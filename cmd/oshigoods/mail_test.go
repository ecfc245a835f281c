package main

import (
	"bytes"
	"database/sql"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"oshigoods/internal/testenv"
)

// fanOrder is an order of two letter cards (printed: no upload needed)
// from a fan with the given address.
func fanOrder(email string) map[string]any {
	return testenv.Checkout(map[string]any{
		"customer": map[string]string{"name": "山田 花子", "email": email},
		"items":    []map[string]any{{"template": "card-letter-tate", "quantity": 2, "fields": map[string]string{"to": "さくら"}}},
	})
}

// voiceOrder is an order of one voice clip: a download, no address.
func voiceOrder(email string) map[string]any {
	return map[string]any{
		"terms_accepted": true,
		"customer":       map[string]string{"name": "山田 花子", "email": email},
		"items": []map[string]any{{"template": "voice-alarm-morning",
			"fields": map[string]string{"name": "sakura", "lines": "ohayou", "repeat": "1", "preset": "phone"}}},
	}
}

// placeOrder posts body and returns the order.
func placeOrder(t *testing.T, base string, body map[string]any) orderResp {
	t.Helper()
	var o orderResp
	if code := call(t, "POST", base+"/v1/orders", "", nil, body, &o); code != 201 {
		t.Fatalf("order: %d %+v", code, o)
	}
	return o
}

// mailEnv is the embedded backend with quick mail passes, the fans' links
// at https://shop.example.jp (no request goes there: it is only text).
func mailEnv(t *testing.T) map[string]string {
	env := backends[0].env(t)
	env["OSHIGOODS_PUBLIC_URL"] = "https://shop.example.jp"
	env["OSHIGOODS_MAIL_INTERVAL"] = "100ms"
	env["OSHIGOODS_MAIL_RETRY"] = "200ms"
	return env
}

// eml is an e-mail as a mail program reads it.
type eml struct {
	header     mail.Header
	subject    string
	text, html string
}

// readEML parses raw with net/mail and mime: the subject decoded, the
// text and HTML parts of a multipart/alternative undone.
func readEML(t *testing.T, raw []byte) eml {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("not an e-mail: %v", err)
	}
	e := eml{header: msg.Header}
	if e.subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Fatalf("subject: %v", err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("content type %s (%v), want multipart/alternative", mt, err)
	}
	r := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := r.NextRawPart()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		var body io.Reader = p
		switch p.Header.Get("Content-Transfer-Encoding") {
		case "base64":
			body = base64.NewDecoder(base64.StdEncoding, p)
		case "quoted-printable":
			body = quotedprintable.NewReader(p)
		}
		b, err := io.ReadAll(body)
		if err != nil {
			t.Fatal(err)
		}
		switch ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); ct {
		case "text/plain":
			e.text = strings.ReplaceAll(string(b), "\r\n", "\n")
		case "text/html":
			e.html = string(b)
		}
	}
	return e
}

// waitFile returns the one file in dir, waiting up to 20 seconds for it.
func waitFile(t *testing.T, dir string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		entries, _ := os.ReadDir(dir)
		var names []string
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".eml") && !strings.HasPrefix(e.Name(), ".") {
				names = append(names, e.Name())
			}
		}
		if len(names) > 1 {
			t.Fatalf("%d mails in %s, want 1: %v", len(names), dir, names)
		}
		if len(names) == 1 {
			return filepath.Join(dir, names[0])
		}
		if time.Now().After(deadline) {
			t.Fatalf("no mail in %s within 20s", dir)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestMailToFiles: with no SMTP server (the embedded default), the order
// confirmation is written as an .eml file under DATA_DIR/mail that a mail
// program reads: the Japanese subject, the fan as recipient, a
// Message-ID at the public host and the order page link; the log names
// the file, never the address.
func TestMailToFiles(t *testing.T) {
	env := mailEnv(t)
	srv := startServe(t, env)
	to := testenv.MailAddress("files")
	o := placeOrder(t, srv.base, fanOrder(to))
	path := waitFile(t, filepath.Join(env["OSHIGOODS_DATA_DIR"], "mail"))
	e := readEML(t, readFile(t, path))
	if want := "【oshigoods】ご注文ありがとうございます（ご注文番号 " + o.ID + "）"; e.subject != want {
		t.Errorf("subject %q, want %q", e.subject, want)
	}
	if a, err := e.header.AddressList("To"); err != nil || len(a) != 1 || a[0].Address != to || a[0].Name != "山田 花子" {
		t.Errorf("To %v (%v), want 山田 花子 <%s>", a, err, to)
	}
	if a, err := e.header.AddressList("From"); err != nil || len(a) != 1 || a[0].Address != "noreply@localhost" || a[0].Name != "oshigoods" {
		t.Errorf("From %v (%v), want oshigoods <noreply@localhost>", a, err)
	}
	if id := e.header.Get("Message-Id"); !regexp.MustCompile(`^<mail_[a-z2-7]+@shop\.example\.jp>$`).MatchString(id) {
		t.Errorf("Message-ID %q", id)
	}
	page := "https://shop.example.jp/orders/" + o.ID + "#t=" + o.Token
	if !strings.Contains(e.text, page) || !strings.Contains(e.html, `href="`+page+`"`) {
		t.Errorf("the mail lacks the order page link %s:\n%s", page, e.text)
	}
	for _, want := range []string{"山田 花子 様", "推しからの手紙（縦書き便箋） × 2　￥1,760", "〒100-0001", "お支払いについてはショップからご案内します。"} {
		if !strings.Contains(e.text, want) {
			t.Errorf("the text lacks %q:\n%s", want, e.text)
		}
	}
	srv.shutdown(t)
	logs := srv.logs.String()
	if !strings.Contains(logs, "mail written") || !strings.Contains(logs, filepath.Base(path)) {
		t.Errorf("the log does not name the file %s:\n%s", path, logs)
	}
	if strings.Contains(logs, to) {
		t.Errorf("the log holds the fan's address:\n%s", logs)
	}
}

// TestMailSMTP: with OSHIGOODS_SMTP_URL at mailpit, the order
// confirmation arrives; and a voice order's ready mail arrives with a
// download link that gives the clip.
func TestMailSMTP(t *testing.T) {
	smtpURL, apiURL := testenv.Mailpit(t)
	api := &testenv.MailpitAPI{URL: apiURL}
	env := mailEnv(t)
	env["OSHIGOODS_SMTP_URL"] = smtpURL
	env["OSHIGOODS_MAIL_FROM"] = "ひかりグッズ <shop@example.jp>"
	env["OSHIGOODS_SHOP_NAME"] = "ひかりグッズ"
	srv := startServe(t, env)
	var fans []string

	t.Run("order received", func(t *testing.T) {
		to := testenv.MailAddress("received")
		fans = append(fans, to)
		o := placeOrder(t, srv.base, fanOrder(to))
		m := api.Wait(t, to)
		if want := "【ひかりグッズ】ご注文ありがとうございます（ご注文番号 " + o.ID + "）"; m.Subject != want {
			t.Errorf("subject %q, want %q", m.Subject, want)
		}
		if m.From.Address != "shop@example.jp" || m.From.Name != "ひかりグッズ" {
			t.Errorf("from %+v", m.From)
		}
		if page := "https://shop.example.jp/orders/" + o.ID + "#t=" + o.Token; !strings.Contains(m.Text, page) {
			t.Errorf("the mail lacks the order page link %s:\n%s", page, m.Text)
		}
	})

	t.Run("voice ready with a download link", func(t *testing.T) {
		to := testenv.MailAddress("ready")
		fans = append(fans, to)
		o := placeOrder(t, srv.base, voiceOrder(to))
		var ready *testenv.MailpitMessage
		for _, m := range api.WaitAll(t, "to:"+to, 2) {
			if strings.Contains(m.Subject, "ダウンロードのご用意ができました") {
				ready = &m
			}
		}
		if ready == nil {
			t.Fatal("no ready mail among the two")
		}
		// The mail issued the clip's links: the order is delivered.
		waitStatus(t, srv.base, o.ID, o.Token, "delivered")
		if !strings.Contains(ready.Text, "iPhone・Android のアラーム音に使えます") {
			t.Errorf("the ready mail does not say what the clip is for:\n%s", ready.Text)
		}
		links := regexp.MustCompile(`http://127\.0\.0\.1:\d+/\S+`).FindAllString(ready.Text, -1)
		if len(links) == 0 {
			t.Fatalf("no download link in:\n%s", ready.Text)
		}
		for _, link := range links {
			if u, err := url.Parse(link); err != nil || u.Query().Get("X-Amz-Signature") == "" {
				t.Fatalf("link %s is not presigned", link)
			}
			resp, err := http.Get(link)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || len(data) < 1000 {
				t.Fatalf("GET %s: %d, %d bytes", link, resp.StatusCode, len(data))
			}
			// A WAV (RIFF…WAVE), or an MP3 (ID3 or a frame sync).
			wav := bytes.HasPrefix(data, []byte("RIFF")) && string(data[8:12]) == "WAVE"
			mp3 := bytes.HasPrefix(data, []byte("ID3")) || data[0] == 0xff && data[1]&0xe0 == 0xe0
			if !wav && !mp3 {
				t.Fatalf("%s is not audio: %q…", link, data[:16])
			}
		}
	})
	srv.shutdown(t)
	for _, to := range fans {
		if strings.Contains(srv.logs.String(), to) {
			t.Errorf("the log holds the fan's address %s:\n%s", to, srv.logs)
		}
	}
}

// TestMailServerOutage: the mail server is down when the order is taken;
// the confirmation is retried, and delivered, once, when it is back.
func TestMailServerOutage(t *testing.T) {
	smtpURL, apiURL := testenv.Mailpit(t)
	api := &testenv.MailpitAPI{URL: apiURL}
	mailpit, err := url.Parse(smtpURL)
	if err != nil {
		t.Fatal(err)
	}
	// A loopback port with nothing listening: the server is down.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := l.Addr().String()
	l.Close()

	env := mailEnv(t)
	env["OSHIGOODS_SMTP_URL"] = "smtp://" + down + "?tls=none"
	srv := startServe(t, env)
	to := testenv.MailAddress("outage")
	o := placeOrder(t, srv.base, fanOrder(to))

	// A failed attempt recorded in the outbox and a retry begun. An
	// attempt is counted when it is claimed, before its result is known,
	// so attempts=2 with attempt 1's refusal may be the second attempt in
	// flight: it may yet reach the server brought back below.
	db, err := sql.Open("sqlite", filepath.Join(env["OSHIGOODS_DATA_DIR"], "oshigoods.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	outbox := func() (status string, attempts int, lastError string) {
		t.Helper()
		if err := db.QueryRow(`SELECT status, attempts, last_error FROM mail_outbox WHERE order_id = ? AND kind = 'order_received'`, o.ID).
			Scan(&status, &attempts, &lastError); err != nil {
			t.Fatal(err)
		}
		return
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		status, attempts, lastError := outbox()
		if status != "pending" {
			t.Fatalf("outbox %s after %d attempts (%s) while the server is down", status, attempts, lastError)
		}
		if attempts >= 2 && strings.Contains(lastError, "connection refused") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not retried within 20s: %d attempts, %q", attempts, lastError)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if list, err := api.Search(t.Context(), "to:"+to); err != nil || len(list) != 0 {
		t.Fatalf("%d messages (%v) arrived while the server was down", len(list), err)
	}

	// The server is back, at the same address (a relay to mailpit).
	back, err := net.Listen("tcp", down)
	if err != nil {
		t.Fatalf("bring the server back at %s: %v", down, err)
	}
	t.Cleanup(func() { back.Close() })
	go relay(back, mailpit.Host)
	m := api.Wait(t, to)
	if !strings.Contains(m.Subject, o.ID) {
		t.Errorf("subject %q", m.Subject)
	}
	// Nothing more comes: the mail is settled, sent once.
	time.Sleep(time.Second)
	if list, err := api.Search(t.Context(), "to:"+to); err != nil || len(list) != 1 {
		t.Fatalf("%d copies (%v), want exactly one", len(list), err)
	}
	if status, attempts, lastError := outbox(); status != "sent" || attempts < 2 || lastError != "" {
		t.Fatalf("outbox %s, %d attempts, %q; want sent after the failed attempts", status, attempts, lastError)
	}
	srv.shutdown(t)
	if logs := srv.logs.String(); !strings.Contains(logs, "will retry") || strings.Contains(logs, to) {
		t.Errorf("the log should tell of the retries, without the address:\n%s", logs)
	}
}

// relay forwards every connection l accepts to target, both ways.
func relay(l net.Listener, target string) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			s, err := net.Dial("tcp", target)
			if err != nil {
				return
			}
			defer s.Close()
			go io.Copy(s, c)
			io.Copy(c, s)
		}()
	}
}
