package storefront_test

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"oshigoods/internal/testenv"
	"oshigoods/orders"
	"oshigoods/orders/sqlstore"
	"oshigoods/storefront"
	"oshigoods/templates"
)

type nopQueue struct{}

func (nopQueue) EnqueueRender(context.Context, *orders.Item) error { return nil }
func (nopQueue) Ping(context.Context) error                        { return nil }

var _ orders.FileStore = (*testenv.MemFiles)(nil)

// testAddress is where the tests' printed goods go.
var testAddress = orders.ShippingAddress{PostalCode: "100-0001", Prefecture: "東京都", City: "千代田区", Line1: "千代田1-1", Name: "山田 花子", Phone: "09012345678"}

func newServer(t *testing.T) (*httptest.Server, *orders.Service) {
	t.Helper()
	return newServerWith(t, nil)
}

// newServerWith is newServer with the service and the storefront's Config
// changed by configure before the storefront starts.
func newServerWith(t *testing.T, configure func(*orders.Service, *storefront.Config)) (*httptest.Server, *orders.Service) {
	t.Helper()
	catalog, err := templates.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	store, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "orders.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	svc := &orders.Service{
		Store: store, Queue: nopQueue{}, Files: testenv.NewMemFiles(), Catalog: catalog,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Secret: []byte("test secret"),
	}
	cfg := storefront.Config{Service: svc, Logger: svc.Logger}
	if configure != nil {
		configure(svc, &cfg)
	}
	sf, err := storefront.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sf)
	t.Cleanup(srv.Close)
	return srv, svc
}

// get fetches url. A page's body comes back as its text reads, without
// the <wbr> the storefront puts between phrases (TestPhraseBreaks tests
// those), so tests look for whole sentences.
func get(t *testing.T, url, token string) (*http.Response, string) {
	t.Helper()
	resp, body := getRaw(t, url, token)
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		body = strings.ReplaceAll(body, "<wbr>", "")
	}
	return resp, body
}

// getRaw fetches url and returns its body as it came.
func getRaw(t *testing.T, url, token string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestPages(t *testing.T) {
	srv, _ := newServer(t)
	cases := []struct {
		scenario string
		path     string
		status   int
		contains []string
		absent   []string
	}{
		{"catalogue lists every template", "/", 200,
			[]string{`lang="ja"`, `id="cart-count"`, `src="/static/cart.js?v=`, "￥880", `href="/goods/photo-2shot-l"`, `href="/goods/card-letter-tate"`, `href="/goods/card-letter-yoko"`, `href="/goods/voice-alarm-morning"`, "推しと2ショット写真（L判）"}, nil},
		{"photo page has an upload and a label for it", "/goods/photo-2shot-l", 200,
			[]string{`<label for="f-photo">`, `type="file" id="f-photo"`, `<label for="f-name">`, `id="err-name"`, `<label for="f-quantity">`, `src="/static/product.js?v=`,
				"カートに入れる", "￥1,200", `href="/cart"`}, []string{`id="c-name"`, `id="c-email"`}},
		{"card message is a textarea with a counter, no hard limit", "/goods/card-letter-tate", 200,
			[]string{`<textarea id="f-message" name="message"`, `data-max="400"`}, []string{"maxlength"}},
		{"voice has choices and an ordered list, and no quantity", "/goods/voice-alarm-morning", 200,
			[]string{`type="radio" name="name"`, `value="aoi"><span>`, `data-type="list"`, `name="lines" value="ohayou"`, `data-value="daisuki"`, "大好き！"}, []string{`id="f-quantity"`, `value="aoi" checked`}},
		{"order page carries no token", "/orders/ord_abc", 200, []string{`data-order="ord_abc"`, `src="/static/order.js?v=`}, []string{"otk_"}},
		{"an order id is escaped", "/orders/%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E", 200, []string{`data-order="&#34;&gt;&lt;script&gt;`}, []string{"<script>alert"}},
		{"unknown template", "/goods/nope", 404, []string{"ページが見つかりません"}, nil},
		{"unknown page", "/nope", 404, []string{"ページが見つかりません"}, nil},
		{"static file", "/static/product.js", 200, []string{"POST", "/v1/previews"}, nil},
		{"cart page", "/cart", 200, []string{`id="checkout"`, `src="/static/checkout.js?v=`, "カート"}, nil},
		{"特定商取引法に基づく表記", "/legal/tokushoho", 200, []string{"<h1>特定商取引法に基づく表記</h1>"}, nil},
		{"利用規約", "/legal/terms", 200, []string{"<h1>利用規約</h1>"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.scenario, func(t *testing.T) {
			resp, body := get(t, srv.URL+tc.path, "")
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if csp := resp.Header.Get("Content-Security-Policy"); csp != storefront.ContentSecurityPolicy {
				t.Fatalf("Content-Security-Policy %q", csp)
			}
			if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Referrer-Policy") != "no-referrer" {
				t.Fatalf("headers %v", resp.Header)
			}
			for _, s := range tc.contains {
				if !strings.Contains(body, s) {
					t.Errorf("body lacks %q", s)
				}
			}
			for _, s := range tc.absent {
				if strings.Contains(body, s) {
					t.Errorf("body has %q", s)
				}
			}
			if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") && strings.Contains(body, "<script>") {
				t.Errorf("inline script in %s", tc.path)
			}
		})
	}
}

// TestFiles: a finished file goes only to the holder of the order's token,
// given as a Bearer header.
func TestFiles(t *testing.T) {
	srv, svc := newServer(t)
	ctx := context.Background()
	o, token, _, err := svc.CreateOrder(ctx, orders.NewOrder{
		Customer:        orders.Customer{Name: "山田 花子", Email: "hanako@example.com"},
		Items:           []orders.NewItem{{Template: "card-letter-tate", Fields: map[string]string{"to": "さくら"}}},
		ShippingAddress: &testAddress, TermsAccepted: true,
	}, orders.Idempotency{})
	if err != nil {
		t.Fatal(err)
	}
	item := o.Items[0]
	key := "orders/" + o.ID + "/" + item.ID + "/preview.png"
	svc.Files.Put(ctx, key, []byte("png bytes"), "image/png")
	if _, err := svc.Store.CompleteItem(ctx, item.ID, orders.Completion{Files: []orders.File{{ItemID: item.ID, Name: "preview.png", Role: "preview", ContentType: "image/png", Size: 9, Key: key}}}); err != nil {
		t.Fatal(err)
	}
	other, otherToken, _, err := svc.CreateOrder(ctx, orders.NewOrder{
		Customer:        orders.Customer{Name: "B", Email: "b@example.com"},
		Items:           []orders.NewItem{{Template: "card-letter-tate", Fields: map[string]string{"to": "B"}}},
		ShippingAddress: &testAddress, TermsAccepted: true,
	}, orders.Idempotency{})
	if err != nil {
		t.Fatal(err)
	}
	url := srv.URL + "/files/" + o.ID + "/" + item.ID + "/preview.png"
	cases := []struct {
		scenario string
		url      string
		token    string
		status   int
	}{
		{"with the token", url, token, 200},
		{"without a token", url, "", 404},
		{"with another order's token", url, otherToken, 404},
		{"another order's item", srv.URL + "/files/" + other.ID + "/" + item.ID + "/preview.png", otherToken, 404},
		{"a file the item does not have", srv.URL + "/files/" + o.ID + "/" + item.ID + "/card.pdf", token, 404},
	}
	for _, tc := range cases {
		t.Run(tc.scenario, func(t *testing.T) {
			resp, body := get(t, tc.url, tc.token)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if tc.status == 200 && (body != "png bytes" || resp.Header.Get("Content-Type") != "image/png") {
				t.Fatalf("got %q as %s", body, resp.Header.Get("Content-Type"))
			}
			if cc := resp.Header.Get("Cache-Control"); cc != "private, no-store" {
				t.Fatalf("Cache-Control %q", cc)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	if _, err := storefront.New(storefront.Config{}); err == nil {
		t.Fatal("New without a Service: no error")
	}
}

// jargon are words a fan should not have to read: resolutions, sample
// rates, file formats, print margins. The print shop and the operator
// keep them (claim manifests, the console, the CLI).
var jargon = regexp.MustCompile(`(?i)\bdpi\b|\bppi\b|khz|\bwav\b|\bmp3\b|bleed|モノラル|ステレオ|解像度|ピクセル|画素`)

// TestNoJargon: no page a fan sees — the catalogue, every product, the
// cart, the order page, the legal pages — says dpi, kHz, WAV and the like,
// in its text or in the data its scripts show; nor does any message the
// scripts can show.
func TestNoJargon(t *testing.T) {
	srv, _ := newServer(t)
	catalog, err := templates.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	paths := []string{"/", "/cart", "/orders/ord_abc", "/privacy", "/legal/tokushoho", "/legal/terms", "/nope"}
	for _, tpl := range catalog.Templates() {
		paths = append(paths, "/goods/"+tpl.Info().ID)
	}
	tags := regexp.MustCompile(`(?s)<script.*?</script>|<[^>]*>`)
	attrs := regexp.MustCompile(`(?:data-[a-z-]+|placeholder|aria-label|title|alt)="([^"]*)"`)
	for _, p := range paths {
		_, body := get(t, srv.URL+p, "")
		text := html.UnescapeString(tags.ReplaceAllString(body, " "))
		for _, a := range attrs.FindAllStringSubmatch(body, -1) {
			text += " " + html.UnescapeString(a[1])
		}
		if m := jargon.FindAllString(text, -1); m != nil {
			t.Errorf("%s says %q", p, m)
		}
	}
	// The scripts' Japanese strings: what they show.
	literal := regexp.MustCompile("'[^'\\n]*'|`[^`]*`")
	japanese := regexp.MustCompile(`[ぁ-んァ-ヶ一-龯]`)
	for _, f := range []string{"common.js", "cart.js", "product.js", "checkout.js", "order.js"} {
		_, src := get(t, srv.URL+"/static/"+f, "")
		for _, s := range literal.FindAllString(src, -1) {
			if japanese.MatchString(s) && jargon.MatchString(s) {
				t.Errorf("%s shows %s", f, s)
			}
		}
	}
}
