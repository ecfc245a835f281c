package orders

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"
)

// The fans' e-mails, in polite Japanese (です・ます). Each kind is written
// once, as a mailDoc of blocks (headings, paragraphs, rows, links, notes),
// and rendered twice from it: as plain text and as HTML (html/template,
// escaped), so the two never say different things.

// errUnknownMailKind is ComposeMail's error for a kind it has no text for;
// SendMails gives such a mail up at once.
var errUnknownMailKind = errors.New("no text for this kind of mail")

// mailDoc is one mail before it is rendered.
type mailDoc struct {
	Subject  string
	Greeting string // "山田 花子 様"
	Blocks   []mailBlock
	// Signature closes the mail: the shop's name and why the mail came.
	Signature []string
}

// mailBlock is one part of a mail, rendered in this order: heading,
// paragraphs, items, links, rows, notes. Empty parts are left out.
type mailBlock struct {
	Heading string
	// Paras are paragraphs; a "\n" in one breaks the line.
	Paras []string
	// Items are the order's lines: "・Label　Value".
	Items []mailRow
	Links []mailLink
	// Rows are labelled values: "Label：Value".
	Rows []mailRow
	// Notes are the small print: "※Note".
	Notes []string
}

type mailRow struct{ Label, Value string }

// mailLink is a URL, with the words before it (Label, may be empty).
type mailLink struct{ Label, URL string }

// ComposeMail writes the mail of the given kind for order o, as outbox
// mail mailID, at now: the subject 【shop name】…（ご注文番号 …）, the
// greeting with the fan's name, and the kind's content:
//
//   - order received: the items with their amounts, the subtotal,
//     shipping and total with the tax included, the shipping address of
//     printed goods, how to pay (by the payment mode: the bank account,
//     amount and deadline of a transfer; the checkout link of a card
//     payment; none: the shop tells), and the order page link;
//   - payment received: the amount paid, and that production starts;
//   - ready: presigned download links of the voice clips, valid for
//     URLTTL (the mail says until when), and that they work as alarm
//     sounds;
//   - shipped: the shipping method and the address.
//
// Every kind ends with the order page link (OrderPageURL) and the
// signature. It returns the file store's error when a link cannot be
// signed, and an error for a kind it has no text for.
func (s *Service) ComposeMail(ctx context.Context, o *Order, mailID string, kind MailKind, now time.Time) (MailMessage, error) {
	shop := s.Mails.WithDefaults().ShopName
	d := mailDoc{
		Greeting: o.Customer.Name + " 様",
		Signature: []string{
			shop,
			"このメールは、" + shop + "でご注文いただいた方へ自動でお送りしています。お心当たりのない場合は、お手数ですがこのメールを破棄してください。",
		},
	}
	subject := func(what string) string { return "【" + shop + "】" + what + "（ご注文番号 " + o.ID + "）" }
	switch kind {
	case MailOrderReceived:
		d.Subject = subject("ご注文ありがとうございます")
		d.Blocks = append(d.Blocks, mailBlock{
			Paras: []string{"このたびは「" + shop + "」をご利用いただき、まことにありがとうございます。\n以下の内容でご注文を承りました。"},
			Rows:  []mailRow{{"ご注文番号", o.ID}, {"ご注文日時", jstMinute(o.CreatedAt)}},
		}, s.itemsBlock(o))
		if o.ShippingAddress != nil {
			d.Blocks = append(d.Blocks, s.addressBlock(o))
		}
		d.Blocks = append(d.Blocks, s.paymentBlock(o))
	case MailPaymentReceived:
		paid := "ご入金" // a transfer; a card is paid, not deposited
		if o.Payment.Mode == PaymentStripe {
			paid = "お支払い"
		}
		d.Subject = subject(paid + "を確認しました")
		b := mailBlock{
			Paras: []string{"ご注文番号 " + o.ID + " の" + paid + "を確認しました。ありがとうございます。\nこれより制作を開始します。出来上がりまで、いましばらくお待ちください。"},
			Rows:  []mailRow{{"お支払い金額", yen(o.Payment.Amount)}},
		}
		if !o.Payment.PaidAt.IsZero() {
			b.Rows = append(b.Rows, mailRow{paid + "確認日時", jstMinute(o.Payment.PaidAt)})
		}
		d.Blocks = append(d.Blocks, b)
	case MailReady:
		d.Subject = subject("ダウンロードのご用意ができました")
		b, err := s.downloadBlock(ctx, o, now)
		if err != nil {
			return MailMessage{}, err
		}
		d.Blocks = append(d.Blocks, mailBlock{
			Paras: []string{"お待たせいたしました。ご注文いただいた音声のご用意ができました。\n下記のリンクからダウンロードしてください。"},
		}, b, mailBlock{
			Paras: []string{"ダウンロードした音声は、iPhone・Android のアラーム音に使えます。"},
		})
	case MailShipped:
		d.Subject = subject("ご注文の商品を発送しました")
		d.Blocks = append(d.Blocks, mailBlock{
			Paras: []string{"ご注文いただいた商品を発送しました。到着まで、いましばらくお待ちください。"},
		})
		if v := s.ViewShipment(o); v != nil {
			d.Blocks = append(d.Blocks, mailBlock{Heading: "配送について", Rows: []mailRow{
				{"配送業者", v.CarrierName},
				{"お問い合わせ番号", v.TrackingNumber},
				{"発送日", jstDay(v.ShippedAt)},
			}})
			if v.TrackingURL != "" {
				d.Blocks = append(d.Blocks, mailBlock{Paras: []string{"配送状況は、配送業者の次のページで確認できます。"},
					Links: []mailLink{{"", v.TrackingURL}}})
			}
		}
		if o.ShippingAddress != nil {
			d.Blocks = append(d.Blocks, s.addressBlock(o))
		}
	default:
		return MailMessage{}, fmt.Errorf("compose mail %s: kind %q: %w", mailID, kind, errUnknownMailKind)
	}
	d.Blocks = append(d.Blocks, mailBlock{
		Heading: "ご注文の確認",
		Paras:   []string{"ご注文の状況は、次のページからいつでもご確認いただけます。"},
		Links:   []mailLink{{"", s.OrderPageURL(o.ID)}},
		Notes:   []string{"このリンクはご注文者さま専用です。ほかの方には共有しないでください。"},
	})
	html, err := d.html()
	if err != nil {
		return MailMessage{}, err
	}
	return MailMessage{
		ToName: o.Customer.Name, ToAddress: o.Customer.Email,
		Subject: d.Subject, Text: d.text(), HTML: html,
		MessageID: mailID + "@" + s.mailHost(),
		Date:      now.In(jst),
	}, nil
}

// title is the name a fan knows an item by: its template's title.
func (s *Service) title(it *Item) string {
	if s.Catalog != nil {
		if tpl, err := s.Catalog.Template(it.Template); err == nil {
			return tpl.Info().Title
		}
	}
	return it.Template
}

// itemsBlock lists the order's items and its totals.
func (s *Service) itemsBlock(o *Order) mailBlock {
	b := mailBlock{Heading: "ご注文内容"}
	for _, it := range o.Items {
		if it.Status == StatusCancelled {
			continue
		}
		name := s.title(it)
		if DeliveryOf(it.Kind) == DeliveryDigital {
			name += "（ダウンロード）"
		}
		b.Items = append(b.Items, mailRow{name + " × " + strconv.Itoa(it.Quantity), yen(it.UnitPrice * Yen(it.Quantity))})
	}
	b.Rows = []mailRow{
		{"小計", yen(o.Totals.Items)},
		{"送料", yen(o.Totals.Shipping)},
		{"合計", fmt.Sprintf("%s（うち消費税%d%% %s）", yen(o.Totals.Total), TaxRatePercent, yen(o.Totals.Tax))},
	}
	return b
}

// addressBlock is where printed goods go, and how.
func (s *Service) addressBlock(o *Order) mailBlock {
	a := o.ShippingAddress
	lines := []string{"〒" + a.PostalCode, a.Prefecture + a.City + a.Line1}
	if a.Line2 != "" {
		lines = append(lines, a.Line2)
	}
	lines = append(lines, a.Name+" 様", "電話番号："+FormatPhone(a.Phone))
	b := mailBlock{Heading: "お届け先", Paras: []string{strings.Join(lines, "\n")}}
	if o.ShippingMethod != "" {
		method := o.ShippingMethod
		if m, err := s.Shipping.Method(o.ShippingMethod, ""); err == nil {
			method = m.Name
		}
		b.Rows = []mailRow{{"配送方法", method}}
	}
	return b
}

// paymentBlock says how to pay, as the order's payment stands now.
func (s *Service) paymentBlock(o *Order) mailBlock {
	p := o.Payment
	b := mailBlock{Heading: "お支払いについて"}
	switch {
	case p.Status == PaymentPaid:
		b.Paras = []string{"お支払いを確認しました。ありがとうございます。"}
	case p.Status == PaymentExpired:
		b.Paras = []string{"お支払い期限までにご入金が確認できなかったため、このご注文はキャンセルされました。"}
	case p.Status == PaymentCancelled:
		b.Paras = []string{"このご注文はキャンセルされました。"}
	case p.Mode == PaymentBankTransfer && p.Status == PaymentPending:
		bank := s.BankFor(o)
		b.Heading = "お振込のお願い"
		b.Paras = []string{"下記の口座へ、お支払い期限までに合計金額をお振込みください。\nご入金を確認後、制作を開始します。"}
		for _, r := range []mailRow{
			{"金融機関", bank.Bank}, {"支店名", bank.Branch}, {"口座種別", bank.AccountType},
			{"口座番号", bank.Number}, {"口座名義", bank.Holder},
			{"お振込金額", yen(p.Amount)}, {"お支払い期限", jstMinute(p.DueAt)},
		} {
			if r.Value != "" {
				b.Rows = append(b.Rows, r)
			}
		}
		b.Notes = []string{"お支払い期限を過ぎてもご入金が確認できない場合、ご注文は自動的にキャンセルされます。"}
	case p.Mode == PaymentStripe && p.Status == PaymentPending:
		b.Rows = []mailRow{{"お支払い金額", yen(p.Amount)}}
		if !p.DueAt.IsZero() {
			b.Rows = append(b.Rows, mailRow{"お支払い期限", jstMinute(p.DueAt)})
		}
		if p.CheckoutURL != "" {
			b.Paras = []string{"下記のお支払いページから、お支払い期限までにお支払いください。\nお支払いを確認後、制作を開始します。"}
			b.Links = []mailLink{{"お支払いページ", p.CheckoutURL}}
		} else {
			b.Paras = []string{"下記のご注文ページから、お支払い期限までにお支払いください。\nお支払いを確認後、制作を開始します。"}
		}
	default:
		b.Paras = []string{"お支払いについてはショップからご案内します。"}
	}
	return b
}

// downloadBlock links the order's ready voice clips, signed from now for
// URLTTL.
func (s *Service) downloadBlock(ctx context.Context, o *Order, now time.Time) (mailBlock, error) {
	b := mailBlock{Heading: "ダウンロード"}
	for _, it := range o.Items {
		if it.Kind != KindVoice || it.Status != StatusReady {
			continue
		}
		for _, f := range it.Files {
			if f.Role != RoleOutput {
				continue
			}
			u, err := s.FileURL(ctx, f)
			if err != nil {
				return b, fmt.Errorf("sign download link: %w", err)
			}
			label := s.title(it) + "　" + f.Name
			switch f.ContentType {
			case "audio/mpeg":
				label += "（スマホ向けの軽いファイル）"
			case "audio/wav":
				label += "（高音質）"
			}
			b.Links = append(b.Links, mailLink{label, u})
		}
	}
	b.Rows = []mailRow{{"リンクの有効期限", jstMinute(now.Add(s.urlTTL()))}}
	b.Notes = []string{"有効期限を過ぎたときは、ご注文ページから新しいリンクでダウンロードいただけます。"}
	for _, it := range o.Items {
		if DeliveryOf(it.Kind) == DeliveryPhysical && it.Status != StatusCancelled {
			b.Notes = append(b.Notes, "印刷してお届けする商品は、発送のご用意ができしだい別にお知らせします。")
			break
		}
	}
	return b, nil
}

// yen writes an amount as ￥1,234.
func yen(n Yen) string {
	s := strconv.FormatInt(int64(n), 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-￥" + b.String()
	}
	return "￥" + b.String()
}

// jstDay writes t's day in Japan time as 2026年12月13日（日）.
func jstDay(t time.Time) string {
	t = t.In(jst)
	return fmt.Sprintf("%d年%d月%d日（%s）", t.Year(), int(t.Month()), t.Day(),
		[...]string{"日", "月", "火", "水", "木", "金", "土"}[t.Weekday()])
}

// jstMinute writes t in Japan time as 2026年12月13日（日）23:59.
func jstMinute(t time.Time) string {
	t = t.In(jst)
	return fmt.Sprintf("%s%02d:%02d", jstDay(t), t.Hour(), t.Minute())
}

// text renders the mail as plain text: headings as ■, the parts of a
// block (paragraphs, items, links, rows) and the blocks apart by a blank
// line, notes under what they note, the signature under a rule.
func (d mailDoc) text() string {
	var w strings.Builder
	w.WriteString(d.Greeting + "\n\n")
	for _, b := range d.Blocks {
		if b.Heading != "" {
			w.WriteString("■" + b.Heading + "\n")
		}
		var parts []string
		for _, p := range b.Paras {
			parts = append(parts, p+"\n")
		}
		var part strings.Builder
		next := func() {
			if part.Len() > 0 {
				parts = append(parts, part.String())
				part.Reset()
			}
		}
		for _, it := range b.Items {
			part.WriteString("・" + it.Label + "　" + it.Value + "\n")
		}
		next()
		for _, l := range b.Links {
			if l.Label != "" {
				part.WriteString(l.Label + "\n")
			}
			part.WriteString(l.URL + "\n")
		}
		next()
		for _, r := range b.Rows {
			part.WriteString(r.Label + "：" + r.Value + "\n")
		}
		next()
		w.WriteString(strings.Join(parts, "\n"))
		for _, n := range b.Notes {
			w.WriteString("※" + n + "\n")
		}
		w.WriteString("\n")
	}
	w.WriteString("――――――――――――――――\n")
	for _, l := range d.Signature {
		w.WriteString(l + "\n")
	}
	return w.String()
}

// html renders the mail as HTML, every value escaped.
func (d mailDoc) html() (string, error) {
	var b bytes.Buffer
	if err := mailHTML.Execute(&b, d); err != nil {
		return "", fmt.Errorf("render mail HTML: %w", err)
	}
	return b.String(), nil
}

// mailHTML is the mail's HTML: inline styles (mail programs drop style
// sheets), one column, readable on a phone.
var mailHTML = template.Must(template.New("mail").Funcs(template.FuncMap{
	// lines escapes each line of s and joins them with <br>.
	"lines": func(s string) template.HTML {
		parts := strings.Split(s, "\n")
		for i, p := range parts {
			parts[i] = template.HTMLEscapeString(p)
		}
		return template.HTML(strings.Join(parts, "<br>\n"))
	},
}).Parse(`<!DOCTYPE html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Subject}}</title>
</head>
<body style="margin:0;padding:16px;background:#ffffff;color:#222222;font-family:sans-serif;font-size:15px;line-height:1.7;">
<div style="max-width:600px;margin:0 auto;">
<p>{{.Greeting}}</p>
{{range .Blocks}}<div style="margin:0 0 24px;">
{{if .Heading}}<h2 style="margin:0 0 8px;padding:0 0 4px;border-bottom:1px solid #dddddd;font-size:16px;">{{.Heading}}</h2>
{{end}}{{range .Paras}}<p style="margin:0 0 8px;">{{lines .}}</p>
{{end}}{{if .Items}}<table style="border-collapse:collapse;margin:0 0 8px;">
{{range .Items}}<tr><td style="padding:2px 16px 2px 0;">{{.Label}}</td><td style="padding:2px 0;text-align:right;white-space:nowrap;">{{.Value}}</td></tr>
{{end}}</table>
{{end}}{{range .Links}}<p style="margin:0 0 8px;">{{if .Label}}{{.Label}}<br>
{{end}}<a href="{{.URL}}" style="color:#c2185b;word-break:break-all;">{{.URL}}</a></p>
{{end}}{{if .Rows}}<table style="border-collapse:collapse;margin:0 0 8px;">
{{range .Rows}}<tr><th style="padding:2px 16px 2px 0;text-align:left;font-weight:normal;color:#555555;white-space:nowrap;">{{.Label}}</th><td style="padding:2px 0;">{{.Value}}</td></tr>
{{end}}</table>
{{end}}{{range .Notes}}<p style="margin:0 0 4px;font-size:13px;color:#555555;">※{{.}}</p>
{{end}}</div>
{{end}}<hr style="border:none;border-top:1px solid #dddddd;">
{{range .Signature}}<p style="margin:0 0 4px;font-size:13px;color:#555555;">{{.}}</p>
{{end}}</div>
</body>
</html>
`))

// urlTTL is how long presigned download links last (URLTTL, default one
// hour), as FileURL signs them.
func (s *Service) urlTTL() time.Duration {
	if s.URLTTL <= 0 {
		return time.Hour
	}
	return s.URLTTL
}
