package storefront_test

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"
	"unicode"

	"github.com/chromedp/chromedp"

	"oshigoods/internal/phrase"
	"oshigoods/internal/testbrowser"
	"oshigoods/internal/testenv"
	"oshigoods/orders"
	"oshigoods/orders/api"
	"oshigoods/orders/sqlstore"
	"oshigoods/storefront"
	"oshigoods/templates"
)

// The browser tests run Debian's Chromium (or OSHIGOODS_TEST_CHROMIUM)
// headless against the storefront and the JSON API on loopback, as
// cmd/oshigoods's storefront tests do; without Chromium they are skipped,
// except under CI or OSHIGOODS_TEST_REQUIRE_SERVICES (testbrowser.Path).

// newShop serves the storefront with the API under /v1/, over catalog, on
// a loopback port, and returns its base URL.
func newShop(t *testing.T, catalog *templates.Catalog) string {
	t.Helper()
	store, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "orders.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := &orders.Service{Store: store, Queue: nopQueue{}, Files: testenv.NewMemFiles(), Catalog: catalog, Logger: logger, Secret: []byte("test secret")}
	sf, err := storefront.New(storefront.Config{Service: svc, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/v1/", api.New(svc, logger, nil))
	mux.Handle("/", sf)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

func builtin(t *testing.T) *templates.Catalog {
	t.Helper()
	c, err := templates.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// tab is a headless Chromium tab (testbrowser.Start) with the test it
// fails.
type tab struct {
	t   *testing.T
	ctx context.Context
	*testbrowser.Tab
}

func newTab(t *testing.T) *tab {
	t.Helper()
	b := testbrowser.Start(t, "")
	return &tab{t: t, ctx: b.Ctx, Tab: b}
}

// do runs actions with a deadline, failing the test with what it was doing.
func (b *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v\npage errors: %q", what, err, b.pageErrors())
	}
}

func (b *tab) pageErrors() []string { return b.Errors() }

func (b *tab) eval(expr string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// evalJSON evaluates an expression that returns JSON text into v.
func (b *tab) evalJSON(expr string, v any) {
	b.t.Helper()
	if err := json.Unmarshal([]byte(b.eval(expr)), v); err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
}

// waitFor polls a JavaScript predicate until it is true.
func (b *tab) waitFor(what, predicate string) {
	b.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](predicate))
		cancel()
		if err == nil && ok {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.t.Fatalf("wait for %s: timed out\npage errors: %q\npage text: %s", what, b.pageErrors(), b.eval(`document.body.innerText`))
}

// open loads a page at a width and waits until the scripts settled: the
// product page's preview and the cart's quote idle.
func (b *tab) open(url string, width int64) {
	b.t.Helper()
	b.do("open "+url, chromedp.EmulateViewport(width, 800), chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS("footer")))
	b.waitFor("the page to settle", `(() => { const f = document.getElementById('order-form'); const c = document.getElementById('checkout'); return (!f || f.dataset.preview === 'idle') && (!c || c.hidden || c.dataset.quote === 'idle'); })()`)
}

// shoot saves a full-page screenshot at the current width.
func (b *tab) shoot(dir, name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	time.Sleep(200 * time.Millisecond)
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

func (b *tab) checkPageErrors() {
	b.t.Helper()
	if errs := b.pageErrors(); len(errs) > 0 {
		b.t.Fatalf("the pages reported errors:\n%s", strings.Join(errs, "\n"))
	}
}

// shownErrors is the text of every error box the fan can see.
const shownErrors = `JSON.stringify(Array.from(document.querySelectorAll('.error, .form-error')).filter(e => !e.hidden && e.offsetParent !== null).map(e => e.id + ': ' + e.textContent))`

// putInCart puts a card for さくら in the cart, as the product page does.
const putInCart = `window.oshiCart.add({template: 'card-letter-tate', fields: {to: 'さくら'}, quantity: 1}, 20)`

// TestErrorsOnlyAfterTouch: on first load of a product page and of the
// checkout form no error shows (the card's required 宛名 is empty, and the
// live preview asks the server about it); an error shows beside a required
// field once the fan typed in it, emptied it and left it, and beside every
// empty required field once the fan presses the order button.
func TestErrorsOnlyAfterTouch(t *testing.T) {
	base := newShop(t, builtin(t))
	b := newTab(t)
	var errs []string

	t.Run("product page", func(t *testing.T) {
		b.t = t
		for _, id := range []string{"card-letter-tate", "photo-2shot-l", "voice-alarm-morning"} {
			b.open(base+"/goods/"+id, 375)
			if b.evalJSON(shownErrors, &errs); len(errs) > 0 {
				t.Fatalf("%s on first load shows errors %q", id, errs)
			}
			if text := b.eval(`document.body.innerText`); strings.Contains(text, "入力してください") {
				t.Fatalf("%s on first load says 入力してください:\n%s", id, text)
			}
		}
		b.open(base+"/goods/card-letter-tate", 375)
		if got := b.eval(`document.getElementById('preview-status').textContent`); got != "お名前を入れると、ここに仕上がりが表示されます。" {
			t.Fatalf("preview status %q, want it to ask for the name", got)
		}
		// Typing and emptying the field shows nothing until the fan leaves it.
		b.do("type and erase the name", chromedp.Click(chromedp.CSS("#f-to")), chromedp.SendKeys(chromedp.CSS("#f-to"), "さ"), chromedp.KeyEvent("\b"))
		b.waitFor("the preview of the empty name", `document.getElementById('order-form').dataset.preview === 'idle'`)
		if b.evalJSON(shownErrors, &errs); len(errs) > 0 {
			t.Fatalf("errors %q while the fan is still in the field", errs)
		}
		b.do("leave the field", chromedp.Focus(chromedp.CSS("#f-message")))
		b.waitFor("the name's error", `!document.getElementById('err-to').hidden`)
		if got := b.eval(`document.getElementById('err-to').textContent + '|' + document.getElementById('f-to').getAttribute('aria-invalid')`); got != "入力してください。|true" {
			t.Fatalf("after leaving the name empty: %q", got)
		}
		// A photo too small to print sharp is said so at once, in a fan's
		// words.
		b.open(base+"/goods/photo-2shot-l", 375)
		small := filepath.Join(t.TempDir(), "small.jpg")
		writeJPEG(t, small, 300, 400)
		b.do("choose a small photo", chromedp.SetUploadFiles(chromedp.CSS("#f-photo"), []string{small}))
		b.waitFor("the photo's rating", `!!document.querySelector('#info-photo [data-quality=bad]') && document.getElementById('order-form').dataset.preview === 'idle'`)
		if got := b.eval(`document.getElementById('info-photo').textContent + '|' + document.getElementById('preview-warnings').textContent`); !strings.Contains(got, "この写真は小さすぎて、きれいに印刷できません。") || strings.Contains(got, "dpi") || strings.Contains(got, "ピクセル") {
			t.Fatalf("small photo: %q, want it called too small, without dpi or pixels", got)
		}
		// On a fresh page, the order button shows it at once.
		b.open(base+"/goods/card-letter-tate", 375)
		b.do("add to the cart with no name", chromedp.Click(chromedp.CSS("#submit")))
		b.waitFor("the name's error", `!document.getElementById('err-to').hidden && document.getElementById('submit').disabled === false`)
		if got := b.eval(`document.getElementById('err-to').textContent + '|' + document.activeElement.id + '|' + document.getElementById('added').hidden`); got != "入力してください。|f-to|true" {
			t.Fatalf("after pressing カートに入れる: %q", got)
		}
	})

	t.Run("checkout form", func(t *testing.T) {
		b.t = t
		b.open(base+"/", 375)
		b.eval(putInCart + ` && ''`)
		b.open(base+"/cart", 375)
		b.waitFor("the form", `!document.getElementById('checkout').hidden && !document.getElementById('shipping').hidden`)
		if b.evalJSON(shownErrors, &errs); len(errs) > 0 {
			t.Fatalf("checkout on first load shows errors %q", errs)
		}
		b.do("type and erase the name, then leave", chromedp.Click(chromedp.CSS("#c-name")), chromedp.SendKeys(chromedp.CSS("#c-name"), "山"), chromedp.KeyEvent("\b"))
		if b.evalJSON(shownErrors, &errs); len(errs) > 0 {
			t.Fatalf("errors %q while the fan is still in the field", errs)
		}
		b.do("leave the name", chromedp.Focus(chromedp.CSS("#c-email")))
		b.waitFor("the name's error", `!document.getElementById('err-customer.name').hidden`)
		if b.evalJSON(shownErrors, &errs); len(errs) != 1 || errs[0] != "err-customer.name: 入力してください。" {
			t.Fatalf("after leaving the name empty: %q, want its error alone", errs)
		}
		b.open(base+"/cart", 375)
		if b.evalJSON(shownErrors, &errs); len(errs) > 0 {
			t.Fatalf("checkout reloaded shows errors %q", errs)
		}
		b.do("order with nothing filled in", chromedp.Click(chromedp.CSS("#submit")))
		b.waitFor("the errors", `['customer.name', 'customer.email', 'shipping_address.postal_code', 'shipping_address.prefecture', 'shipping_address.city', 'shipping_address.line1', 'shipping_address.phone', 'terms_accepted'].every(n => !document.getElementById('err-' + n).hidden)`)
		if got := b.eval(`document.activeElement.id`); got != "c-name" {
			t.Fatalf("focus on %q, want the first field with an error", got)
		}
	})
	b.checkPageErrors()
}

// lineBreaks measures where lines break in the page's visible text: for
// every block of text (the text nodes whose nearest non-inline ancestor is
// the same element) whose lines wrap, its text and the code point offsets
// where a new line starts, from each character's Range.getClientRects.
const lineBreaks = `(() => {
  const container = n => { let e = n.parentElement; while (e && getComputedStyle(e).display === 'inline') e = e.parentElement; return e; };
  const blocks = new Map();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const n = walker.currentNode;
    if (!n.parentElement || n.parentElement.closest('script, style, option, textarea, select, .sr-only, [hidden]')) continue;
    const c = container(n);
    if (!c || c.offsetParent === null && getComputedStyle(c).position !== 'fixed') continue;
    if (!blocks.has(c)) blocks.set(c, []);
    blocks.get(c).push(n);
  }
  const out = [];
  for (const [c, nodes] of blocks) {
    let text = '', at = 0, lastTop = null;
    const breaks = [];
    for (const n of nodes) {
      const s = n.data;
      for (let i = 0; i < s.length; ) {
        const cp = s.codePointAt(i), len = cp > 0xffff ? 2 : 1;
        const ch = s.slice(i, i + len);
        if (!/\s/.test(ch)) {
          const r = document.createRange();
          r.setStart(n, i); r.setEnd(n, i + len);
          const rect = Array.from(r.getClientRects()).find(x => x.width > 0);
          if (rect) {
            if (lastTop !== null && rect.top > lastTop + rect.height / 2) breaks.push(at);
            lastTop = rect.top;
          }
        }
        text += ch; at++; i += len;
      }
    }
    if (breaks.length) out.push({where: c.tagName.toLowerCase() + (c.id ? '#' + c.id : '') + (c.className ? '.' + String(c.className).split(' ').join('.') : ''), text, breaks});
  }
  return JSON.stringify(out);
})()`

type wrapped struct {
	Where  string
	Text   string
	Breaks []int
}

// checkBreaks fails the test for every line break not between two phrases
// of the text (phrase.Phrases: a ♡ stays with its word), nor after a space,
// nor beside a punctuation mark or a symbol: it fails a break between two
// letters inside a phrase (お届けしま/す, （L/判）) and a ♡ starting a line.
// It returns how many breaks it checked.
func checkBreaks(t *testing.T, page string, blocks []wrapped) int {
	t.Helper()
	n := 0
	for _, w := range blocks {
		allowed := map[int]bool{}
		at := 0
		for _, p := range phrase.Phrases(w.Text) {
			at += len([]rune(p))
			allowed[at] = true
		}
		r := []rune(w.Text)
		for i := 1; i < len(r); i++ {
			// After a space; beside a punctuation mark or a symbol
			// (」, ＆, ○), where a browser may break splitting no word,
			// unless a ♡ would start the line.
			mark := func(c rune) bool { return unicode.IsPunct(c) || unicode.IsSymbol(c) }
			if unicode.IsSpace(r[i-1]) || (mark(r[i-1]) || mark(r[i])) && !strings.ContainsRune("♡♥♪", r[i]) {
				allowed[i] = true
			}
		}
		for _, b := range w.Breaks {
			n++
			if !allowed[b] {
				t.Errorf("%s: %s breaks inside a phrase: %s / %s (phrases %q)", page, w.Where, string(r[max(0, b-12):b]), string(r[b:min(len(r), b+12)]), phrase.Phrases(w.Text))
			}
		}
	}
	return n
}

// probe writes HTML into a box of each width from minEm to maxEm in
// quarter-em steps on the current page (so its style sheet applies) and
// returns the breaks of each: the copy as the server sends it, wrapped
// everywhere it may wrap.
func probe(b *tab, html string, minEm, maxEm float64) []wrapped {
	b.t.Helper()
	src, _ := json.Marshal(html)
	var out []wrapped
	b.evalJSON(fmt.Sprintf(`(() => {
  const box = document.createElement('div');
  document.querySelector('main').prepend(box);
  const results = [];
  for (let em = %[1]g; em <= %[3]g; em += 0.25) {
    box.innerHTML = %[2]s;
    const p = box.firstElementChild;
    if (getComputedStyle(p).display === 'inline') p.style.display = 'inline-block';
    p.style.width = em + 'em'; // in the copy's own font size
    p.style.boxSizing = 'content-box';
    p.style.paddingLeft = p.style.paddingRight = '0';
    const chars = [];
    let text = '', at = 0, lastTop = null;
    const breaks = [];
    const walker = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const n = walker.currentNode, s = n.data;
      for (let i = 0; i < s.length; ) {
        const len = s.codePointAt(i) > 0xffff ? 2 : 1;
        const ch = s.slice(i, i + len);
        if (!/\s/.test(ch)) {
          const r = document.createRange();
          r.setStart(n, i); r.setEnd(n, i + len);
          const rect = Array.from(r.getClientRects()).find(x => x.width > 0);
          if (rect) {
            if (lastTop !== null && rect.top > lastTop + rect.height / 2) breaks.push(at);
            lastTop = rect.top;
          }
        }
        text += ch; at++; i += len;
      }
    }
    results.push({where: 'width ' + em + 'em', text, breaks});
  }
  box.remove();
  return JSON.stringify(results);
})()`, minEm, src, maxEm), &out)
	return out
}

// TestPhraseBreaks: at 375 px, every line of the home, product and checkout
// pages (server-sent copy and the scripts' messages alike) breaks between
// phrases; the copy a new fan found split — 「お届けしま/す」, 「（L/判）」,
// 「カタチに/しよう」 and a ♡ alone on a line — wraps only between phrases
// in boxes of every width; and the browser splits text exactly as the
// server does.
func TestPhraseBreaks(t *testing.T) {
	base := newShop(t, builtin(t))
	b := newTab(t)

	checked := 0
	for _, page := range []string{"/", "/goods/photo-2shot-l", "/goods/card-letter-tate", "/goods/voice-alarm-morning", "/legal/tokushoho", "/privacy"} {
		b.open(base+page, 375)
		var blocks []wrapped
		b.evalJSON(lineBreaks, &blocks)
		checked += checkBreaks(t, page, blocks)
	}
	// The checkout, with its errors (the scripts' messages) shown.
	b.eval(putInCart + ` && ''`)
	b.open(base+"/cart", 375)
	b.do("order with nothing filled in", chromedp.Click(chromedp.CSS("#submit")))
	b.waitFor("the errors", `!document.getElementById('err-terms_accepted').hidden`)
	var blocks []wrapped
	b.evalJSON(lineBreaks, &blocks)
	checked += checkBreaks(t, "/cart with errors", blocks)
	if checked < 20 {
		t.Fatalf("only %d line breaks on the pages at 375 px: the test measures nothing", checked)
	}

	// The copy that was split, as the server writes it, in every width.
	for _, tc := range []struct {
		scenario string
		html     string
		text     string // what must read whole somewhere
	}{
		{"お届けします", `<p class="meta">` + phrase.HTML("89 × 127 mm・プリントしてお届けします") + `</p>`, "お届けします"},
		{"（L判）", `<strong class="name">` + phrase.HTML("推しと2ショット写真（L判）") + `</strong>`, "（L判）"},
		{"カタチにしよう♡", `<h1>` + phrase.HTML("推しとの思い出、カタチに") + `<span class="nobr">しよう<span class="heart" aria-hidden="true">♡</span></span></h1>`, "しよう♡"},
		{"the order button's ♡", phrase.Document(`<button class="primary"><span>注文を確定する<span class="nobr">（銀行振込） <span aria-hidden="true">♡</span></span></span></button>`), "（銀行振込） ♡"},
		{"a ♡ in a sentence", `<p>` + phrase.HTML("ご注文ありがとうございます ♡ このページは自動で更新されます。") + `</p>`, "ございます ♡"},
		{"a description", `<p>` + phrase.HTML("あなたの写真に、オリジナルアイドル「ゆめかわちゃん」が並んで2ショットに。パステルのハート＆レースフレームで、お名前も入れられます。") + `</p>`, "ゆめかわちゃん"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			b.t = t
			// From the width of the longest phrase (a box narrower than
			// a phrase breaks it anywhere, as overflow-wrap asks) to one
			// line.
			longest := 0
			for _, p := range phrase.Phrases(tagRE.ReplaceAllString(tc.html, "")) {
				longest = max(longest, len([]rune(p)))
			}
			results := probe(b, tc.html, float64(longest)+1, float64(len([]rune(tagRE.ReplaceAllString(tc.html, ""))))+2)
			n := checkBreaks(t, tc.scenario, results)
			if n == 0 {
				t.Fatal("no width made the text wrap")
			}
			whole := []rune(tc.text)
			for _, r := range results {
				rs := []rune(r.Text)
				start := strings.Index(r.Text, tc.text)
				if start < 0 {
					t.Fatalf("the box reads %q, without %q", r.Text, tc.text)
				}
				from := len([]rune(r.Text[:start]))
				for _, br := range r.Breaks {
					if br > from && br < from+len(whole) && len(rs) > 0 {
						t.Errorf("%s: %q is split at %d", r.Where, tc.text, br-from)
					}
				}
			}
		})
	}
	b.t = t

	// The browser's phrases are the server's.
	corpus := []string{"推しとの思い出、カタチにしよう♡", "89 × 127 mm・プリントしてお届けします", "推しと2ショット写真（L判）",
		"ご注文には、内容をご確認のうえ同意のチェックが必要です。", "郵便番号は7桁の数字で入れてください（例：100-0001）。",
		"お支払いをお待ちしています。お支払いの確認後に制作を始めます。", "おまたせしました！ グッズが完成しました ♡",
		"写真が少し小さめなので、印刷すると少しぼやけるかもしれません。もう少し大きい写真だとよりきれいです。",
		"Stripe のお支払いページでお支払い", "「ゆめかわちゃん」が並んで2ショットに。", "推しのInstagramとTikTokで2024年12月", "ABC", "",
		"はなこちゃん", "推しからの手紙（縦書き便箋）", "はがきサイズ。推しと並んだ仕上がりになります。", "グッズ一覧にもどる", "名称・住所・お問い合わせ窓口"}
	src, _ := json.Marshal(corpus)
	var got [][]string
	b.evalJSON(`JSON.stringify(`+string(src)+`.map(s => window.oshi.phrases(s)))`, &got)
	for i, s := range corpus {
		want := phrase.Phrases(s)
		if strings.Join(want, "|") != strings.Join(got[i], "|") {
			t.Errorf("%q: the browser splits %q, the server %q", s, got[i], want)
		}
	}
	b.checkPageErrors()
}

// manyNames is a voice template whose name call is a choice of 30, as the
// morning alarm's will be: kana names in hiragana and katakana, the same
// recorded call for each (the test is about the list, not the sound).
var manyNames = []string{"結衣ちゃん", "ユウキくん", "ゆかりちゃん", "まゆちゃん", "あゆみちゃん", "ユウタくん", "さくらちゃん", "たろうくん",
	"はなこちゃん", "けんたくん", "まいちゃん", "ひかりちゃん", "そうたくん", "りんちゃん", "ハルトくん", "めいちゃん", "こはるちゃん", "リクくん",
	"あおいちゃん", "しょうくん", "みおちゃん", "レンくん", "ひなたちゃん", "かいとくん", "つむぎちゃん", "だいちくん", "のぞみちゃん", "ミユちゃん",
	"えまちゃん", "しゅんくん"}

// manyReadings are the readings the template gives (a name in kanji is
// found by its kana).
var manyReadings = map[string]string{"結衣ちゃん": "ゆいちゃん"}

// searchKeys are what the list's search matches: the label and its
// reading, folded.
func searchKeys(n string) []string {
	keys := []string{kanaFold(n)}
	if r := manyReadings[n]; r != "" {
		keys = append(keys, kanaFold(r))
	}
	return keys
}

func anyKey(n string, f func(string) bool) bool { return slices.ContainsFunc(searchKeys(n), f) }

// clearFilter empties the name search box, as a fan selecting its text and
// deleting it.
var clearFilter = chromedp.Evaluate[chromedp.Void](`document.getElementById('f-name-filter').value = ''`)

func manyNamesCatalog(t *testing.T) *templates.Catalog {
	t.Helper()
	var names []string
	for i, label := range manyNames {
		names = append(names, fmt.Sprintf(`{"id": "n%02d", "label": %q, "reading": %q, "file": "voice-alarm-morning/name-yui.wav"}`, i, label, manyReadings[label]))
	}
	spec := `{"id": "voice-many-names", "kind": "voice", "title": "推しの目覚まし（名前いろいろ）", "price": 660,
  "description": "呼び名を30種類からえらべる目覚ましボイス。",
  "voice": {"max_lines": 3, "gap_ms": 350, "repeat_gap_ms": 1200, "default_repeat": 1,
    "names": [` + strings.Join(names, ",\n") + `],
    "lines": [{"id": "ohayou", "text": "おはよう！", "file": "voice-alarm-morning/line-ohayou.wav"}]}}`
	c, err := templates.Load(templates.Overlay(fstest.MapFS{"voice-many-names/template.json": {Data: []byte(spec)}}, templates.FS()), templates.Compilers())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// kanaFold is the comparison the list's search makes: katakana as
// hiragana, full-width as half-width, in lower case.
func kanaFold(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'ァ' && r <= 'ヶ' {
			return r - 0x60
		}
		return unicode.ToLower(r)
	}, s)
}

// TestChoiceFilter: a choice of more than storefront.FilterAbove options
// is a list the fan narrows by typing — 「ゆ」 keeps the names with ゆ or ユ,
// those starting with it first, 「ユ」 the same, an unknown kana says so,
// Enter picks the first — labelled for screen readers; without the
// script it is the full list of radio buttons, the search box hidden. A
// short choice has no search box.
func TestChoiceFilter(t *testing.T) {
	base := newShop(t, manyNamesCatalog(t))
	_, body := get(t, base+"/goods/voice-many-names", "")
	for _, s := range []string{`<fieldset class="field filterable" data-field="name"`, `<div class="filter" id="filter-name" hidden>`,
		`<label for="f-name-filter">呼び名をさがす</label>`, `<input type="search" class="filter-input" id="f-name-filter"`, `aria-controls="f-name-chips"`,
		`aria-describedby="f-name-count"`, `<p class="hint filter-count" id="f-name-count" aria-live="polite">`, "30種類から1つえらべます。"} {
		if !strings.Contains(body, s) {
			t.Errorf("page lacks %q", s)
		}
	}
	if n := strings.Count(body, `type="radio" name="name"`); n != len(manyNames) {
		t.Fatalf("%d name radios without the script, want all %d", n, len(manyNames))
	}
	if _, body := get(t, base+"/goods/card-letter-tate", ""); strings.Contains(body, "filter-input") || !strings.Contains(body, `type="radio" name="honorific"`) {
		t.Fatal("the five honorifics of a card: want plain choices, no search box")
	}

	b := newTab(t)
	b.open(base+"/goods/voice-many-names", 375)
	visible := `JSON.stringify(Array.from(document.querySelectorAll('#f-name-chips label.chip')).filter(c => !c.hidden).sort((a, b) => (+a.style.order || 0) - (+b.style.order || 0)).map(c => c.textContent.trim()))`
	var shown []string
	if b.evalJSON(visible, &shown); len(shown) != len(manyNames) || b.eval(`String(document.getElementById('filter-name').hidden)`) != "false" {
		t.Fatalf("before typing: %d names shown, search box hidden %s", len(shown), b.eval(`String(document.getElementById('filter-name').hidden)`))
	}
	var want, prefixed []string
	for _, n := range manyNames {
		if anyKey(n, func(k string) bool { return strings.Contains(k, "ゆ") }) {
			want = append(want, n)
			if anyKey(n, func(k string) bool { return strings.HasPrefix(k, "ゆ") }) {
				prefixed = append(prefixed, n)
			}
		}
	}
	for _, q := range []string{"ゆ", "ユ"} {
		b.do("type "+q, clearFilter, chromedp.SendKeys(chromedp.CSS("#f-name-filter"), q))
		b.evalJSON(visible, &shown)
		if len(shown) != len(want) || len(want) >= len(manyNames) {
			t.Fatalf("%s: shown %q, want the %d names with ゆ/ユ %q", q, shown, len(want), want)
		}
		for i, n := range shown {
			if !anyKey(n, func(k string) bool { return strings.Contains(k, "ゆ") }) {
				t.Fatalf("%s: %q shown", q, n)
			}
			if (i < len(prefixed)) != anyKey(n, func(k string) bool { return strings.HasPrefix(k, "ゆ") }) {
				t.Fatalf("%s: shown %q, want the names starting with ゆ first", q, shown)
			}
		}
		if got := b.eval(`document.getElementById('f-name-count').textContent`); got != fmt.Sprintf("%d件あります。", len(want)) {
			t.Fatalf("%s: count %q", q, got)
		}
	}
	b.do("type an unknown kana", clearFilter, chromedp.SendKeys(chromedp.CSS("#f-name-filter"), "ぬ"))
	if b.evalJSON(visible, &shown); len(shown) != 0 || b.eval(`String(document.getElementById('f-name-none').hidden)`) != "false" {
		t.Fatalf("ぬ: shown %q, the nothing-found note hidden %s", shown, b.eval(`String(document.getElementById('f-name-none').hidden)`))
	}
	b.do("pick さくら by Enter", clearFilter, chromedp.SendKeys(chromedp.CSS("#f-name-filter"), "さく\r"))
	if got := b.eval(`document.querySelector('input[name=name]:checked').closest('label').textContent.trim() + '|' + document.getElementById('f-name-current').textContent + '|' + String(document.getElementById('added').hidden)`); got != "さくらちゃん|えらんでいる呼び名：さくらちゃん|true" {
		t.Fatalf("after Enter: %q, want さくらちゃん picked and nothing added to the cart", got)
	}
	b.waitFor("the preview", `document.getElementById('order-form').dataset.preview === 'idle'`)
	dir := screenshotDir(t)
	b.do("clear the search", clearFilter, chromedp.SendKeys(chromedp.CSS("#f-name-filter"), "ゆ"))
	b.shoot(dir, "choice-filter-375px")
	b.checkPageErrors()
}

// screenshotDir is where the tests save screenshots for a person to look
// at: OSHIGOODS_TEST_SCREENSHOTS, or a new temporary folder named in the
// log.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("OSHIGOODS_TEST_SCREENSHOTS")
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "oshigoods-storefront-"); err != nil {
			t.Fatal(err)
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", dir)
	return dir
}

// TestScreenshots saves the home, a product and the checkout page at 375
// and 1280 px, with the cart filled, for a person to look at.
func TestScreenshots(t *testing.T) {
	base := newShop(t, builtin(t))
	b := newTab(t)
	dir := screenshotDir(t)
	b.open(base+"/", 375)
	b.eval(putInCart + ` && ''`)
	for _, w := range []int64{375, 1280} {
		for _, p := range []struct{ name, path string }{{"home", "/"}, {"product-photo", "/goods/photo-2shot-l"}, {"product-card", "/goods/card-letter-tate"}, {"product-voice", "/goods/voice-alarm-morning"}, {"checkout", "/cart"}} {
			b.open(base+p.path, w)
			b.shoot(dir, fmt.Sprintf("%s-%dpx", p.name, w))
		}
	}
	b.checkPageErrors()
}

// writeJPEG writes a w×h JPEG of a gradient to path.
func writeJPEG(t *testing.T, path string, w, h int) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 160, 255})
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := jpeg.Encode(f, img, nil); err != nil {
		t.Fatal(err)
	}
}
