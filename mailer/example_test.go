package mailer_test

import (
	"bytes"
	"fmt"
	"time"

	"oshigoods/mailer"
)

// A message's bytes, up to its body: the Japanese subject and display name
// are RFC 2047 encoded words, folded to stay within 78 characters.
func ExampleMessage_Bytes() {
	m := mailer.Message{
		From:      "ひかりグッズ <shop@example.jp>",
		To:        "fan@example.jp",
		Subject:   "ご注文を承りました",
		Text:      "ご注文ありがとうございます。\n",
		HTML:      "<p>ご注文ありがとうございます。</p>\n",
		MessageID: "order-A-1024.received@example.jp",
		Date:      time.Date(2025, 3, 14, 15, 9, 26, 0, time.FixedZone("JST", 9*60*60)),
	}
	raw, err := m.Bytes()
	if err != nil {
		panic(err)
	}
	header, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	fmt.Println(string(bytes.ReplaceAll(header, []byte("\r\n"), []byte("\n"))))
	// Output:
	// Date: Fri, 14 Mar 2025 15:09:26 +0900
	// From: =?UTF-8?B?44Gy44GL44KK44Kw44OD44K6?= <shop@example.jp>
	// To: fan@example.jp
	// Subject: =?UTF-8?B?44GU5rOo5paH44KS5om/44KK44G+44GX44Gf?=
	// Message-ID: <order-A-1024.received@example.jp>
	// Auto-Submitted: auto-generated
	// MIME-Version: 1.0
	// Content-Type: multipart/alternative;
	//  boundary="=_b8b0df377ca9724c48689934d6782fa0"
}
