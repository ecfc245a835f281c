package orders_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"oshigoods/fulfil"
	"oshigoods/internal/testenv"
	"oshigoods/orders"
	"oshigoods/templates"
)

var update = flag.Bool("update", false, "rewrite the golden mails in testdata/mail")

// mailNow is the fixed clock of the composition tests: 2026-12-06
// (Sunday) 10:15 in Japan.
var mailNow = time.Date(2026, 12, 6, 1, 15, 0, 0, time.UTC)

// mailService is a Service that composes mails: the built-in catalogue,
// files in memory (links to files.invalid), a fixed secret and address.
func mailService(t *testing.T, p orders.Payments) *orders.Service {
	t.Helper()
	catalog, err := templates.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return &orders.Service{Catalog: catalog, Files: testenv.NewMemFiles(), Secret: []byte("0123456789abcdef"),
		PublicURL: "https://shop.example.jp", Payments: p, Mails: orders.Mails{ShopName: "ひかりグッズ"}}
}

var transferAccount = orders.BankAccount{Bank: "ゆうちょ銀行", Branch: "〇一八", AccountType: "普通", Number: "1234567", Holder: "ヒカリグッズ"}

// mailOrder is an order taken at mailNow of the given items, priced and
// shipped as CreateOrder would, with payment p.
func mailOrder(items []*orders.Item, p orders.Payment) *orders.Order {
	o := &orders.Order{ID: "ord_mailtest", Status: orders.StatusReceived, Customer: orders.Customer{Name: "山田 花子", Email: "hanako@example.com"},
		Items: items, CreatedAt: mailNow, UpdatedAt: mailNow, Payment: p}
	var lines []orders.Line
	for i, it := range items {
		it.ID, it.OrderID, it.Seq = "itm_"+string(rune('a'+i)), o.ID, i
		lines = append(lines, orders.Line{UnitPrice: it.UnitPrice, Quantity: it.Quantity, Delivery: orders.DeliveryOf(it.Kind)})
		if orders.DeliveryOf(it.Kind) == orders.DeliveryPhysical {
			o.ShippingAddress, o.ShippingMethod = &orders.ShippingAddress{PostalCode: "100-0001", Prefecture: "東京都", City: "千代田区",
				Line1: "千代田1-1", Line2: "推しマンション101", Name: "山田 花子", Phone: "09012345678"}, "nekopos"
		}
	}
	m := orders.ShippingMethod{}
	if o.ShippingAddress != nil {
		m = orders.DefaultShipping().Methods[0]
	}
	o.Totals, _ = orders.Compute(lines, m, "")
	o.Payment.Amount = o.Totals.Total
	return o
}

func card(q int) *orders.Item {
	return &orders.Item{Template: "card-letter-tate", Kind: orders.KindCard, Quantity: q, UnitPrice: 880, Status: orders.StatusQueued}
}

func voice() *orders.Item {
	return &orders.Item{Template: "voice-alarm-morning", Kind: orders.KindVoice, Quantity: 1, UnitPrice: 660, Status: orders.StatusQueued}
}

// readyVoice is a rendered voice clip with its files.
func readyVoice() *orders.Item {
	it := voice()
	it.Status = orders.StatusReady
	it.Files = []orders.File{
		{Name: "alarm.mp3", Role: orders.RoleOutput, ContentType: "audio/mpeg", Key: "files/itm_a/alarm.mp3"},
		{Name: "alarm.wav", Role: orders.RoleOutput, ContentType: "audio/wav", Key: "files/itm_a/alarm.wav"},
		{Name: "preview.mp3", Role: orders.RolePreview, ContentType: "audio/mpeg", Key: "files/itm_a/preview.mp3"},
	}
	return it
}

// TestComposeMail compares each kind of mail, text and HTML, with its
// golden file in testdata/mail (go test -run TestComposeMail -update
// rewrites them: read them as a fan would before committing).
func TestComposeMail(t *testing.T) {
	none := orders.Payments{}
	bank := orders.Payments{Mode: orders.PaymentBankTransfer, Bank: transferAccount}
	card1 := orders.Payments{Mode: orders.PaymentStripe}
	for _, tc := range []struct {
		scenario string
		golden   string
		payments orders.Payments
		kind     orders.MailKind
		order    func() *orders.Order
		want     []string // lines the text must hold besides the golden
	}{
		{"order received, paid outside oshigoods, printed and download", "order-received-none", none, orders.MailOrderReceived, func() *orders.Order {
			return mailOrder([]*orders.Item{card(2), voice()}, orders.Payment{Mode: orders.PaymentNone, Status: orders.PaymentNotRequired})
		}, []string{"お支払いについてはショップからご案内します。", "合計：￥2,720（うち消費税10% ￥247）", "〒100-0001"}},
		{"order received, bank transfer pending", "order-received-bank-transfer", bank, orders.MailOrderReceived, func() *orders.Order {
			return mailOrder([]*orders.Item{card(2)}, orders.Payment{Mode: orders.PaymentBankTransfer, Status: orders.PaymentPending,
				DueAt: time.Date(2026, 12, 13, 23, 59, 59, 0, time.FixedZone("JST", 9*3600))})
		}, []string{"お支払い期限：2026年12月13日（日）23:59", "口座名義：ヒカリグッズ", "お振込金額：￥2,060", "ご入金を確認後、制作を開始します。"}},
		{"order received, card payment pending, download only", "order-received-stripe", card1, orders.MailOrderReceived, func() *orders.Order {
			return mailOrder([]*orders.Item{voice()}, orders.Payment{Mode: orders.PaymentStripe, Status: orders.PaymentPending,
				CheckoutURL: "https://checkout.stripe.example/c/pay/cs_test_1", DueAt: mailNow.Add(24 * time.Hour)})
		}, []string{"https://checkout.stripe.example/c/pay/cs_test_1", "合計：￥660（うち消費税10% ￥60）"}},
		{"payment received", "payment-received", bank, orders.MailPaymentReceived, func() *orders.Order {
			return mailOrder([]*orders.Item{card(2)}, orders.Payment{Mode: orders.PaymentBankTransfer, Status: orders.PaymentPaid,
				PaidAt: mailNow.Add(26 * time.Hour)})
		}, []string{"ご入金を確認しました", "お支払い金額：￥2,060", "ご入金確認日時：2026年12月7日（月）12:15"}},
		{"ready: download links", "ready", none, orders.MailReady, func() *orders.Order {
			return mailOrder([]*orders.Item{readyVoice()}, orders.Payment{Mode: orders.PaymentNone, Status: orders.PaymentNotRequired})
		}, []string{"http://files.invalid/files/itm_a/alarm.mp3", "http://files.invalid/files/itm_a/alarm.wav",
			"リンクの有効期限：2026年12月6日（日）11:15", "iPhone・Android のアラーム音に使えます"}},
		{"shipped", "shipped", none, orders.MailShipped, func() *orders.Order {
			o := mailOrder([]*orders.Item{card(1)}, orders.Payment{Mode: orders.PaymentNone, Status: orders.PaymentNotRequired})
			o.Shipment = &orders.Shipment{Carrier: "yamato", TrackingNumber: "123456789013", ShippedAt: mailNow.Add(48 * time.Hour)}
			return o
		}, []string{"発送しました", "配送方法：ネコポス", "配送業者：ヤマト運輸", "お問い合わせ番号：123456789013", "発送日：2026年12月8日（火）",
			"https://jizen.kuronekoyamato.co.jp/jizen/servlet/crjz.b.NQ0010?id=123456789013", "電話番号：090-1234-5678"}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			svc := mailService(t, tc.payments)
			svc.Carriers = fulfil.Carriers{}
			o := tc.order()
			m, err := svc.ComposeMail(t.Context(), o, "mail_test1", tc.kind, mailNow)
			if err != nil {
				t.Fatal(err)
			}
			if m.ToAddress != "hanako@example.com" || m.ToName != "山田 花子" || m.MessageID != "mail_test1@shop.example.jp" || !m.Date.Equal(mailNow) {
				t.Fatalf("envelope: to %q <%s>, id %s, date %s", m.ToName, m.ToAddress, m.MessageID, m.Date)
			}
			if !strings.HasPrefix(m.Subject, "【ひかりグッズ】") || !strings.HasSuffix(m.Subject, "（ご注文番号 ord_mailtest）") {
				t.Errorf("subject %q", m.Subject)
			}
			page := svc.OrderPageURL(o.ID)
			for _, want := range append(tc.want, "山田 花子 様", page) {
				if !strings.Contains(m.Text, want) {
					t.Errorf("text lacks %q", want)
				}
			}
			if !strings.Contains(m.HTML, `<a href="`+page+`"`) {
				t.Errorf("HTML lacks the order page link %s", page)
			}
			golden(t, tc.golden+".txt", "Subject: "+m.Subject+"\n\n"+m.Text)
			golden(t, tc.golden+".html", m.HTML)
		})
	}
}

// golden compares got with testdata/mail/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "mail", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -run TestComposeMail -update writes it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file; got:\n%s", path, got)
	}
}

// TestComposeMailEscapes: what a fan typed is text in the HTML, never
// markup; the plain text keeps it as typed.
func TestComposeMailEscapes(t *testing.T) {
	svc := mailService(t, orders.Payments{})
	o := mailOrder([]*orders.Item{card(1)}, orders.Payment{Mode: orders.PaymentNone, Status: orders.PaymentNotRequired})
	o.Customer.Name = `<script>alert("推し")</script>`
	o.ShippingAddress.Line2 = `推し&"マンション"<101>`
	m, err := svc.ComposeMail(t.Context(), o, "mail_x", orders.MailOrderReceived, mailNow)
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range []string{"<script>", `"マンション"<101>`} {
		if strings.Contains(m.HTML, raw) {
			t.Errorf("HTML holds %q unescaped", raw)
		}
	}
	for _, esc := range []string{"&lt;script&gt;", "推し&amp;&#34;マンション&#34;&lt;101&gt;"} {
		if !strings.Contains(m.HTML, esc) {
			t.Errorf("HTML lacks %q", esc)
		}
	}
	if !strings.Contains(m.Text, `<script>alert("推し")</script> 様`) {
		t.Errorf("text changed the name:\n%s", m.Text)
	}
	if _, err := svc.ComposeMail(t.Context(), o, "mail_x", "birthday", mailNow); err == nil {
		t.Error("a kind with no text composed")
	}
}
