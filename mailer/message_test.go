package mailer_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"flag"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"oshigoods/mailer"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var jst = time.FixedZone("JST", 9*60*60)

// orderReceived is the message the tests send: Japanese in the subject, the
// display names and both bodies, lines longer than 78 characters, and the
// characters a shop's mail has (〒, ￥, full-width brackets, a URL).
func orderReceived(to string) mailer.Message {
	return mailer.Message{
		From:    "ひかりグッズ <shop@example.jp>",
		To:      "山田 花子 <" + to + ">",
		Subject: "【ひかりグッズ】ご注文を承りました（注文番号 A-1024）",
		Text: "山田 花子 様\n\n" +
			"このたびは「ひかりグッズ」をご利用いただき、誠にありがとうございます。以下の内容でご注文を承りました。商品の制作が始まりましたら、改めてご連絡いたします。\n\n" +
			"  アクリルスタンド（オリジナル写真）× 1  ￥1,980\n" +
			"  お届け先：〒100-0001 東京都千代田区千代田1-1\n\n" +
			"ご注文の状況はこちらからご確認いただけます：\n" +
			"https://shop.example.jp/orders/A-1024?token=7f3a9c2e-very-long-token-so-the-line-is-longer-than-seventy-eight\n\n" +
			"-- \nひかりグッズ\n",
		HTML: `<!doctype html><html lang="ja"><body>` + "\n" +
			`<p>山田 花子 様</p>` + "\n" +
			`<p>このたびは「ひかりグッズ」をご利用いただき、誠にありがとうございます。以下の内容でご注文を承りました。</p>` + "\n" +
			`<table><tr><td>アクリルスタンド（オリジナル写真）× 1</td><td>￥1,980</td></tr></table>` + "\n" +
			`<p>お届け先：〒100-0001 東京都千代田区千代田1-1</p>` + "\n" +
			`<p><a href="https://shop.example.jp/orders/A-1024?token=7f3a9c2e-very-long-token-so-the-line-is-longer-than-seventy-eight">ご注文の状況を見る</a></p>` + "\n" +
			`</body></html>` + "\n",
		MessageID: "order-A-1024.received@example.jp",
		Date:      time.Date(2025, 3, 14, 15, 9, 26, 0, jst),
	}
}

// parsed is what a mail reader makes of a message's bytes.
type parsed struct {
	header      mail.Header
	subject     string
	from        *mail.Address
	to          []*mail.Address
	contentType string
	text, html  string
}

// parse reads raw as a mail reader would: net/mail for the header,
// mime.WordDecoder for the subject, mime/multipart for the parts, each
// part's transfer encoding undone by hand.
func parse(t *testing.T, raw []byte) parsed {
	t.Helper()
	for i, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 78 {
			t.Errorf("line %d has %d characters, over 78: %q", i+1, len(line), line)
		}
		if strings.ContainsAny(line, "\r\n") {
			t.Errorf("line %d has a bare CR or LF: %q", i+1, line)
		}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("net/mail cannot read the message: %v", err)
	}
	var p parsed
	p.header = msg.Header
	if p.subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Fatalf("decode Subject: %v", err)
	}
	froms, err := msg.Header.AddressList("From")
	if err != nil || len(froms) != 1 {
		t.Fatalf("parse From: %d addresses, %v", len(froms), err)
	}
	p.from = froms[0]
	if p.to, err = msg.Header.AddressList("To"); err != nil {
		t.Fatalf("parse To: %v", err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("parse Content-Type: %v", err)
	}
	p.contentType = mt
	if mt == "text/plain" {
		p.text = decodePart(t, msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
		return p
	}
	if mt != "multipart/alternative" {
		t.Fatalf("Content-Type %s, want multipart/alternative", mt)
	}
	r := multipart.NewReader(msg.Body, params["boundary"])
	var types []string
	for {
		part, err := r.NextRawPart()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("read part: %v", err)
		}
		pt, pparams, err := mime.ParseMediaType(part.Header.Get("Content-Type"))
		if err != nil {
			t.Fatalf("parse part Content-Type: %v", err)
		}
		if pparams["charset"] != "UTF-8" {
			t.Errorf("part %s has charset %q, want UTF-8", pt, pparams["charset"])
		}
		types = append(types, pt)
		body := decodePart(t, part.Header.Get("Content-Transfer-Encoding"), part)
		switch pt {
		case "text/plain":
			p.text = body
		case "text/html":
			p.html = body
		}
	}
	if strings.Join(types, ",") != "text/plain,text/html" {
		t.Errorf("parts %v, want text/plain then text/html", types)
	}
	return p
}

func decodePart(t *testing.T, cte string, r io.Reader) string {
	t.Helper()
	switch cte {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, r)
	default:
		t.Errorf("Content-Transfer-Encoding %q, want quoted-printable or base64", cte)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decode %s part: %v", cte, err)
	}
	return string(b)
}

// crlf is s with its line ends as they travel.
func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

func TestBytesRoundTrip(t *testing.T) {
	ascii := orderReceived("fan@example.jp")
	ascii.Subject = "Your order A-1024 was received"
	ascii.From = "Hikari Goods <shop@example.jp>"
	ascii.To = `"Yamada, Hanako" <fan@example.jp>, other@example.jp`
	ascii.Text = "Thank you.\nThe total is 1,980 yen.\n"
	ascii.HTML = "<p>Thank you.</p>"
	textOnly := orderReceived("fan@example.jp")
	textOnly.HTML = ""
	noNewline := orderReceived("fan@example.jp")
	noNewline.Text = "最後に改行がない本文"
	noNewline.HTML = "<p>same</p>"

	for _, tc := range []struct {
		scenario string
		m        mailer.Message
		fromName string
		to       []string
		mimeType string
	}{
		{"Japanese subject, names and bodies", orderReceived("fan@example.jp"), "ひかりグッズ", []string{"fan@example.jp"}, "multipart/alternative"},
		{"plain ASCII, two recipients, a name needing quotes", ascii, "Hikari Goods", []string{"fan@example.jp", "other@example.jp"}, "multipart/alternative"},
		{"text only", textOnly, "ひかりグッズ", []string{"fan@example.jp"}, "text/plain"},
		{"text without a final line break", noNewline, "ひかりグッズ", []string{"fan@example.jp"}, "multipart/alternative"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			raw, err := tc.m.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			p := parse(t, raw)
			if p.subject != tc.m.Subject {
				t.Errorf("Subject %q, want %q", p.subject, tc.m.Subject)
			}
			if p.from.Name != tc.fromName || p.from.Address != "shop@example.jp" {
				t.Errorf("From %q <%s>, want %q <shop@example.jp>", p.from.Name, p.from.Address, tc.fromName)
			}
			var to []string
			for _, a := range p.to {
				to = append(to, a.Address)
			}
			if strings.Join(to, ",") != strings.Join(tc.to, ",") {
				t.Errorf("To %v, want %v", to, tc.to)
			}
			if p.contentType != tc.mimeType {
				t.Errorf("Content-Type %s, want %s", p.contentType, tc.mimeType)
			}
			if p.text != crlf(tc.m.Text) {
				t.Errorf("text\n%q\nwant\n%q", p.text, crlf(tc.m.Text))
			}
			if p.html != crlf(tc.m.HTML) {
				t.Errorf("HTML\n%q\nwant\n%q", p.html, crlf(tc.m.HTML))
			}
			if got := p.header.Get("Message-ID"); got != "<"+tc.m.MessageID+">" {
				t.Errorf("Message-ID %q", got)
			}
			if got := p.header.Get("MIME-Version"); got != "1.0" {
				t.Errorf("MIME-Version %q", got)
			}
			if d, err := p.header.Date(); err != nil || !d.Equal(tc.m.Date) {
				t.Errorf("Date %v (%v), want %v", d, err, tc.m.Date)
			}
			if got := p.header.Get("Date"); got != "Fri, 14 Mar 2025 15:09:26 +0900" {
				t.Errorf("Date header %q, want it in the Date's own zone", got)
			}
		})
	}
}

func TestBytesDeterministic(t *testing.T) {
	m := orderReceived("fan@example.jp")
	a, err := m.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := m.Bytes()
	if !bytes.Equal(a, b) {
		t.Fatal("the same Message gave different bytes")
	}
	m.Text += "追伸"
	c, _ := m.Bytes()
	if bytes.Equal(a, c) {
		t.Fatal("a different Message gave the same bytes")
	}
	boundary := func(raw []byte) string {
		msg, _ := mail.ReadMessage(bytes.NewReader(raw))
		_, params, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
		return params["boundary"]
	}
	if boundary(a) == boundary(c) {
		t.Error("the boundary does not depend on the content")
	}
	// The golden file shows what a fan's mail looks like on the wire;
	// go test ./mailer -run TestBytesDeterministic -update rewrites it.
	golden := filepath.Join("testdata", "order-received.eml")
	if *update {
		if err := os.WriteFile(golden, a, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if !bytes.Equal(a, want) {
		t.Errorf("Bytes differ from %s (run with -update if the change is meant):\n%s", golden, a)
	}
}

func TestBytesRefuses(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		change   func(*mailer.Message)
		field    string
		problem  string
	}{
		{"LF in the subject", func(m *mailer.Message) { m.Subject = "ご注文\nBcc: victim@example.jp" }, "Subject", "line break"},
		{"CR in the subject", func(m *mailer.Message) { m.Subject = "ご注文\rBcc: victim@example.jp" }, "Subject", "line break"},
		{"CRLF in To", func(m *mailer.Message) { m.To = "fan@example.jp\r\nBcc: victim@example.jp" }, "To", "line break"},
		{"LF in the From name", func(m *mailer.Message) { m.From = "ひかり\nX-Evil: 1 <shop@example.jp>" }, "From", "line break"},
		{"LF in the Message-ID", func(m *mailer.Message) { m.MessageID = "a@example.jp\nBcc: victim@example.jp" }, "MessageID", "line break"},
		{"no From", func(m *mailer.Message) { m.From = "" }, "From", "empty"},
		{"From not an address", func(m *mailer.Message) { m.From = "ひかりグッズ" }, "From", ""},
		{"no To", func(m *mailer.Message) { m.To = "" }, "To", "empty"},
		{"To not an address", func(m *mailer.Message) { m.To = "fan at example.jp" }, "To", ""},
		{"To not ASCII", func(m *mailer.Message) { m.To = "ファン@example.jp" }, "To", "not ASCII"},
		{"no Message-ID", func(m *mailer.Message) { m.MessageID = "" }, "MessageID", "empty"},
		{"Message-ID without @", func(m *mailer.Message) { m.MessageID = "order-1" }, "MessageID", "id@domain"},
		{"Message-ID with a space", func(m *mailer.Message) { m.MessageID = "order 1@example.jp" }, "MessageID", "id@domain"},
		{"Message-ID too long", func(m *mailer.Message) { m.MessageID = strings.Repeat("a", 250) + "@example.jp" }, "MessageID", "longer than 250"},
		{"zero Date", func(m *mailer.Message) { m.Date = time.Time{} }, "Date", "zero"},
		{"no text", func(m *mailer.Message) { m.Text = "" }, "Text", "empty"},
		{"invalid UTF-8", func(m *mailer.Message) { m.Subject = "\xff" }, "Text", "UTF-8"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			m := orderReceived("fan@example.jp")
			tc.change(&m)
			raw, err := m.Bytes()
			var me *mailer.MessageError
			if !errors.As(err, &me) {
				t.Fatalf("Bytes = %d bytes, %v; want a *MessageError", len(raw), err)
			}
			if me.Field != tc.field || !strings.Contains(err.Error(), tc.problem) {
				t.Errorf("error %q on field %s, want field %s and %q", err, me.Field, tc.field, tc.problem)
			}
			if tc.problem == "line break" && !errors.Is(err, mailer.ErrLineBreak) {
				t.Errorf("error %q is not ErrLineBreak", err)
			}
			if !mailer.Permanent(err) {
				t.Error("a bad message is not Permanent")
			}
		})
	}
}

func TestMessageIDBrackets(t *testing.T) {
	m := orderReceived("fan@example.jp")
	a, _ := m.Bytes()
	m.MessageID = "<" + m.MessageID + ">"
	b, err := m.Bytes()
	if err != nil || !bytes.Equal(a, b) {
		t.Errorf("a Message-ID in angle brackets gave other bytes (%v)", err)
	}
}
