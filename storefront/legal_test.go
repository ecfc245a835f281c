package storefront_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"oshigoods/orders"
	"oshigoods/storefront"
)

// TestLegalPages: the legal pages show the operator's Markdown from
// LegalDir, rendered with raw HTML dropped and script links defused; a page
// without a file shows the placeholder that asks the operator to fill it
// in; the privacy page keeps the configured retention periods under the
// operator's text; 特商法 states the shipping fees and payment terms as the
// shop is configured.
func TestLegalPages(t *testing.T) {
	operator := t.TempDir()
	writeLegal(t, operator, "tokushoho.md", "| 項目 | 内容 |\n| --- | --- |\n| 販売業者 | 株式会社オシカツ |\n| 所在地 | 東京都千代田区千代田1-1<br>オシビル3F<br/> |\n\n"+
		"<script>alert('tokushoho')</script>\n\n<img src=x onerror=alert(1)>\n\n[お問い合わせ](javascript:alert(2)) と [メール](mailto:shop@example.jp)\n\n"+
		"<a href=\"https://evil.example\" onclick=\"steal()\">inline</a>\n")
	writeLegal(t, operator, "privacy.md", "## 事業者\n株式会社オシカツがお預かりします。\n")
	cases := []struct {
		scenario string
		dir      string
		payments orders.Payments
		path     string
		want     []string
		absent   []string
	}{
		{"placeholder 特商法", "", orders.Payments{}, "/legal/tokushoho",
			[]string{"【要記入】この内容は運営者が設定してください", "このページは見本です", "販売業者", "運営責任者", "所在地", "電話番号", "メールアドレス",
				"販売価格", "商品代金以外の必要料金", "支払方法", "支払期限", "引渡し時期", "返品・交換",
				"ネコポス：￥300（5,000円以上で送料無料・20点まで）", "宅急便コンパクト：￥800（10,000円以上で送料無料）", "ショップからご案内します"}, nil},
		{"placeholder 利用規約", "", orders.Payments{}, "/legal/terms",
			[]string{"<h1>利用規約</h1>", "【要記入】この内容は運営者が設定してください", "このページは見本です"}, []string{"送料とお支払い方法"}},
		{"placeholder privacy keeps the periods", "", orders.Payments{}, "/privacy",
			[]string{"【要記入】この内容は運営者が設定してください", "<strong>お届け先</strong>", "<strong>24 時間</strong>", "<strong>90 日</strong>"}, nil},
		{"operator 特商法, bank transfer", operator, orders.Payments{Mode: orders.PaymentBankTransfer, TransferDays: 5, Bank: orders.BankAccount{Bank: "ゆうちょ銀行", Number: "1234567", Holder: "オシカツ"}}, "/legal/tokushoho",
			[]string{"<td>株式会社オシカツ</td>", "<td>東京都千代田区千代田1-1<br>オシビル3F<br></td>", `href="mailto:shop@example.jp"`, "銀行振込（前払い）。ご注文日から5日後の23:59"},
			[]string{"<script>alert", "onerror", "javascript:", "onclick", `href="https://evil.example"`, "【要記入】", "このページは見本です"}},
		{"operator privacy, periods kept", operator, orders.Payments{}, "/privacy",
			[]string{"株式会社オシカツがお預かりします。", "<strong>24 時間</strong>", "<strong>90 日</strong>"}, []string{"【要記入】", "このページは見本です"}},
		{"operator without terms.md: placeholder", operator, orders.Payments{}, "/legal/terms",
			[]string{"【要記入】この内容は運営者が設定してください"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.scenario, func(t *testing.T) {
			srv, _ := newServerWith(t, func(svc *orders.Service, c *storefront.Config) {
				c.LegalDir = tc.dir
				svc.Payments = tc.payments
			})
			resp, body := get(t, srv.URL+tc.path, "")
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if csp := resp.Header.Get("Content-Security-Policy"); csp != storefront.ContentSecurityPolicy {
				t.Fatalf("Content-Security-Policy %q", csp)
			}
			for _, s := range tc.want {
				if !strings.Contains(body, s) {
					t.Errorf("page lacks %q", s)
				}
			}
			for _, s := range tc.absent {
				if strings.Contains(body, s) {
					t.Errorf("page has %q", s)
				}
			}
			if strings.Contains(body, "<script>") {
				t.Errorf("inline script on %s", tc.path)
			}
		})
	}
}

// TestLoadLegal: a folder the storefront cannot use is refused with the
// reason, so the start stops instead of serving the placeholders.
func TestLoadLegal(t *testing.T) {
	dir := func(files map[string]string) string {
		d := t.TempDir()
		for name, text := range files {
			writeLegal(t, d, name, text)
		}
		return d
	}
	cases := []struct {
		scenario string
		dir      string
		problem  string // "" when it loads
	}{
		{"no folder: placeholders", "", ""},
		{"all three", dir(map[string]string{"tokushoho.md": "a", "terms.md": "b", "privacy.md": "c"}), ""},
		{"one of three", dir(map[string]string{"terms.md": "b"}), ""},
		{"missing folder", filepath.Join(t.TempDir(), "nope"), "no such file"},
		{"a file, not a folder", filepath.Join(dir(map[string]string{"terms.md": "b"}), "terms.md"), "is not a folder"},
		{"no legal file", dir(map[string]string{"README.txt": "x"}), "has none of tokushoho.md, terms.md and privacy.md"},
		{"HTML instead of Markdown", dir(map[string]string{"terms.md": "b", "tokushoho.html": "<p>x</p>"}), "write it in Markdown as tokushoho.md"},
		{"not UTF-8", dir(map[string]string{"terms.md": "\xff\xfe利用規約"}), "is not UTF-8"},
		{"empty", dir(map[string]string{"terms.md": "  \n"}), "is empty"},
		{"too large", dir(map[string]string{"terms.md": strings.Repeat("あ", storefront.MaxLegalBytes/3+1)}), "larger than 256 KiB"},
	}
	for _, tc := range cases {
		t.Run(tc.scenario, func(t *testing.T) {
			l, err := storefront.LoadLegal(tc.dir)
			switch {
			case tc.problem == "" && err != nil:
				t.Fatalf("LoadLegal: %v", err)
			case tc.problem != "" && (err == nil || !strings.Contains(err.Error(), tc.problem)):
				t.Fatalf("LoadLegal: %v, want an error saying %q", err, tc.problem)
			case tc.problem == "" && tc.dir == "" && len(l.Placeholders) != 3:
				t.Fatalf("placeholders %v, want all three", l.Placeholders)
			}
		})
	}
}

// TestCartPage: the checkout form offers the 47 prefectures in JIS order
// from orders.Prefectures, the address fields carry the autocomplete tokens
// phones fill them by, the consent links the three legal pages, and the
// shipping methods show their fees; the payment mode sets the note and the
// button. Every page's footer links the three legal pages.
func TestCartPage(t *testing.T) {
	// The cart and checkout need nothing the policy did not allow before:
	// scripts and styles only from files, requests only to this origin.
	const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; " +
		"media-src 'self' blob:; connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
	if storefront.ContentSecurityPolicy != csp {
		t.Fatalf("Content-Security-Policy changed to %q", storefront.ContentSecurityPolicy)
	}
	srv, _ := newServer(t)
	resp, body := get(t, srv.URL+"/cart", "")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Security-Policy") != storefront.ContentSecurityPolicy {
		t.Fatalf("status %d, CSP %q", resp.StatusCode, resp.Header.Get("Content-Security-Policy"))
	}
	sel := regexp.MustCompile(`(?s)<select id="a-pref"[^>]*>(.*?)</select>`).FindStringSubmatch(body)
	if sel == nil {
		t.Fatal("no prefecture select")
	}
	opts := regexp.MustCompile(`<option value="([^"]+)">`).FindAllStringSubmatch(sel[1], -1)
	if len(opts) != 47 {
		t.Fatalf("%d prefectures, want 47", len(opts))
	}
	for i, o := range opts {
		if o[1] != orders.Prefectures[i] {
			t.Fatalf("prefecture %d is %s, want %s", i, o[1], orders.Prefectures[i])
		}
	}
	for _, s := range []string{
		`autocomplete="postal-code" inputmode="numeric"`, `autocomplete="address-level1"`, `autocomplete="address-level2"`,
		`autocomplete="address-line1"`, `autocomplete="address-line2"`, `type="tel" id="a-phone" name="shipping_address.phone" autocomplete="tel"`,
		`id="a-name" name="shipping_address.name" autocomplete="name"`, `id="c-email" name="customer.email" autocomplete="email"`,
		`id="err-shipping_address.postal_code"`, `id="err-terms_accepted"`,
		`<a href="/legal/tokushoho" target="_blank" rel="noopener">特定商取引法に基づく表記</a>・<a href="/legal/terms" target="_blank" rel="noopener">利用規約</a>・<a href="/privacy" target="_blank" rel="noopener">プライバシーポリシー</a>に同意します`,
		`value="nekopos" checked`, "￥300（5,000円以上で送料無料・20点まで）", "小計", "送料", "合計", "うち消費税10%",
		"お支払い方法は、ご注文のあとにショップからご案内します。",
	} {
		if !strings.Contains(body, s) {
			t.Errorf("cart page lacks %q", s)
		}
	}
	if strings.Contains(body, "<script>") {
		t.Error("inline script on the cart page")
	}
	if got := submitText(body); got != "注文を確定する ♡" {
		t.Errorf("order button %q", got)
	}

	for _, tc := range []struct {
		mode   orders.PaymentMode
		want   []string
		button string
	}{
		{orders.PaymentBankTransfer, []string{"銀行振込（前払い）。ご注文日から7日後の23:59", `data-payment="bank_transfer"`}, "注文を確定する（銀行振込） ♡"},
		{orders.PaymentStripe, []string{"Stripe", `data-payment="stripe"`}, "お支払いへ進む ♡"},
	} {
		t.Run(string(tc.mode), func(t *testing.T) {
			srv, _ := newServerWith(t, func(svc *orders.Service, _ *storefront.Config) {
				svc.Payments = orders.Payments{Mode: tc.mode, Bank: orders.BankAccount{Bank: "ゆうちょ銀行", Number: "1234567", Holder: "オシカツ"}}
			})
			_, body := get(t, srv.URL+"/cart", "")
			for _, s := range tc.want {
				if !strings.Contains(body, s) {
					t.Errorf("cart page lacks %q", s)
				}
			}
			if got := submitText(body); got != tc.button {
				t.Errorf("order button %q, want %q", got, tc.button)
			}
		})
	}

	for _, path := range []string{"/", "/goods/card-letter-tate", "/cart", "/orders/ord_abc", "/privacy", "/legal/tokushoho", "/legal/terms", "/nope"} {
		_, body := get(t, srv.URL+path, "")
		for _, link := range []string{`href="/legal/tokushoho"`, `href="/legal/terms"`, `href="/privacy"`, `href="/cart"`} {
			if !strings.Contains(body, link) {
				t.Errorf("%s lacks %s", path, link)
			}
		}
	}
}

func writeLegal(t *testing.T, dir, name, text string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

var (
	submitRE = regexp.MustCompile(`(?s)<button type="submit" class="primary" id="submit">(.*?)</button>`)
	tagRE    = regexp.MustCompile(`<[^>]*>`)
)

// submitText is the text of a page's submit button, without its markup.
func submitText(body string) string {
	m := submitRE.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return tagRE.ReplaceAllString(m[1], "")
}
