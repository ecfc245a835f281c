package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"oshigoods/internal/testenv"
)

// chromiumPath returns Debian's Chromium (or OSHIGOODS_TEST_CHROMIUM). When
// there is none the test is skipped, except under CI or
// OSHIGOODS_TEST_REQUIRE_SERVICES, where it fails, as internal/testenv does
// for services.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("OSHIGOODS_TEST_CHROMIUM"); p != "" {
		return p
	}
	return testenv.Tool(t, "chromium", "chromium-browser")
}

// screenshotDir is where the storefront test saves its screenshots:
// OSHIGOODS_TEST_SCREENSHOTS, or a new folder in the temporary directory that
// the test names in its log and leaves for a person to look at.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("OSHIGOODS_TEST_SCREENSHOTS")
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "oshigoods-screenshots-"); err != nil {
			t.Fatal(err)
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", dir)
	return dir
}

// browser starts a headless Chromium with a fresh profile and nothing that
// reaches the network by itself, and returns a tab's context. Messages the
// pages write to the console are collected; failed reports exceptions and
// Content-Security-Policy refusals among them.
func browser(t *testing.T, path string) (ctx context.Context, failed func() []string) {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("lang", "ja-JP"), // a Japanese fan's browser
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelTab(); cancelAlloc() })
	if _, err := chromedp.Run(ctx, chromedp.Title()); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	var mu sync.Mutex
	var bad []string
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || m.Type == "error" && (m.Source == "security" || strings.Contains(m.Text, "Content Security Policy")) {
				mu.Lock()
				bad = append(bad, m.String())
				mu.Unlock()
			}
		}
	}()
	return ctx, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), bad...)
	}
}

// TestStorefront orders one photo, one card and one voice clip through the
// fans' pages in Chromium, follows each to ready, and checks that a too-long
// message is shown beside its field in Japanese. It saves screenshots of the
// pages at 375 and 1280 px.
func TestStorefront(t *testing.T) {
	chromium := chromiumPath(t)
	env := backends[0].env(t)
	srv := startServe(t, env)
	base := srv.base
	shots := screenshotDir(t)
	tab, consoleErrors := browser(t, chromium)
	photoPath := filepath.Join(t.TempDir(), "me.jpg")
	// 1600×900: about 233 dpi in photo-2shot-l's window, so the fan is
	// warned it may print soft, and the order page says so when ready.
	writeFile(t, photoPath, softPhoto(t, 1600, 900))

	// do runs actions with a deadline, failing the test with what it was doing.
	do := func(what string, timeout time.Duration, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		ctx, cancel := context.WithTimeout(tab, timeout)
		defer cancel()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v\nconsole: %q", what, err, consoleErrors())
		}
	}
	eval := func(expr string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(tab, 10*time.Second)
		defer cancel()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
		if err != nil {
			t.Fatalf("evaluate %s: %v", expr, err)
		}
		return v
	}
	// waitFor evaluates a JavaScript predicate until it is true. It polls
	// from Go, so that it outlives the navigations a predicate waits for.
	waitFor := func(what, predicate string, timeout time.Duration) {
		t.Helper()
		deadline := time.Now().Add(timeout)
		var last error
		for time.Now().Before(deadline) {
			ctx, cancel := context.WithTimeout(tab, 5*time.Second)
			ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](predicate))
			cancel()
			if err == nil && ok {
				return
			}
			last = err
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("wait for %s: timed out (last error %v)\nconsole: %q\npage text: %s", what, last, consoleErrors(), eval(`document.body ? document.body.innerText : ''`))
	}
	viewport := func(width int64) chromedp.Action[chromedp.Void] {
		return chromedp.EmulateViewport(width, 800)
	}
	// shoot saves a full-page screenshot at both widths, ending at 375 px.
	shoot := func(name string) {
		t.Helper()
		for _, w := range []int64{1280, 375} {
			ctx, cancel := context.WithTimeout(tab, 30*time.Second)
			err := chromedp.Do(ctx, viewport(w), chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
			var png []byte
			if err == nil {
				time.Sleep(200 * time.Millisecond) // let the layout settle
				png, err = chromedp.Run(ctx, chromedp.FullScreenshot(100))
			}
			cancel()
			if err != nil {
				t.Fatalf("screenshot %s at %d px: %v", name, w, err)
			}
			writeFile(t, filepath.Join(shots, fmt.Sprintf("%s-%dpx.png", name, w)), png)
		}
	}
	// order fills the customer form, submits it and follows the order page
	// until the item is ready.
	order := func(product string) {
		t.Helper()
		do(product+": fill the order form", 10*time.Second,
			chromedp.SendKeys(chromedp.CSS("#c-name"), "山田 花子"),
			chromedp.SendKeys(chromedp.CSS("#c-email"), "hanako@example.com"),
			chromedp.Click(chromedp.CSS("#submit")),
		)
		waitFor(product+": the order page", `location.pathname.startsWith('/orders/ord_') && location.hash.startsWith('#t=otk_')`, 15*time.Second)
		waitFor(product+": ready", `document.getElementById('order').dataset.status === 'ready'`, 120*time.Second)
	}

	// previewShown is true when the preview image is up to date.
	const previewShown = `(() => { const i = document.getElementById('preview-img'); return document.getElementById('order-form').dataset.preview === 'idle' && !i.hidden && i.complete && i.naturalWidth > 0 && document.getElementById('preview-status').hidden; })()`

	do("open the catalogue", 20*time.Second, viewport(375), chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(".catalog")))
	if n := eval(`String(document.querySelectorAll('.product-card').length)`); n != "4" {
		t.Fatalf("catalogue lists %s products, want the 4 templates", n)
	}
	if lang := eval(`document.documentElement.lang`); lang != "ja" {
		t.Fatalf("lang %q", lang)
	}
	shoot("1-catalogue")

	// The card.
	{
		do("open the card", 20*time.Second,
			chromedp.Click(chromedp.CSS(`a[href="/goods/card-letter-tate"]`)),
			chromedp.WaitVisible(chromedp.CSS("#f-to")),
			chromedp.SendKeys(chromedp.CSS("#f-to"), "さくら"),
		)
		waitFor("the card preview", previewShown, 30*time.Second)

		// A message longer than the field takes: the live preview says so
		// beside the field, in Japanese, and so does the order.
		long := strings.Repeat("いつもありがとう。", 50) // 450 characters; the limit is 400
		do("type a too-long message", 10*time.Second,
			chromedp.SetValue(chromedp.CSS("#f-message"), long),
			chromedp.Evaluate[chromedp.Void](`document.getElementById('f-message').dispatchEvent(new Event('input', {bubbles: true}))`),
		)
		waitFor("the too-long error beside the message", `(() => { const e = document.getElementById('err-message'); return !e.hidden && e.textContent.includes('400文字までです'); })()`, 20*time.Second)
		if got := eval(`document.getElementById('err-message').textContent`); !strings.Contains(got, "50文字オーバー") {
			t.Fatalf("message error %q, want the count over the limit", got)
		}
		if got := eval(`document.getElementById('f-message').getAttribute('aria-invalid') + ' ' + document.getElementById('count-message').className`); got != "true hint count over" {
			t.Fatalf("message field not marked invalid: %q", got)
		}
		shoot("3-card-too-long")
		do("order with the too-long message", 10*time.Second,
			chromedp.SendKeys(chromedp.CSS("#c-name"), "山田 花子"),
			chromedp.SendKeys(chromedp.CSS("#c-email"), "hanako@example.com"),
			chromedp.Evaluate[chromedp.Void](`document.getElementById('err-message').hidden = true`),
			chromedp.Click(chromedp.CSS("#submit")),
		)
		waitFor("the order's error beside the message", `(() => { const e = document.getElementById('err-message'); return !e.hidden && e.textContent.includes('400文字までです') && location.pathname.startsWith('/goods/'); })()`, 20*time.Second)
		if got := eval(`document.activeElement.id`); got != "f-message" {
			t.Fatalf("focus on %q after the refused order, want the message field", got)
		}

		// A message that fits.
		do("shorten the message", 10*time.Second,
			chromedp.Evaluate[chromedp.Void](`for (const id of ['f-message', 'c-name', 'c-email']) document.getElementById(id).value = ''`),
			chromedp.SendKeys(chromedp.CSS("#f-message"), "いつも応援してくれてありがとう！\nまたライブで会おうね。"),
		)
		waitFor("the error to clear", `document.getElementById('err-message').hidden && `+previewShown, 30*time.Second)
		shoot("2-card")
		order("card")
		waitFor("the card shown", `(() => { const i = document.querySelector('.goods img'); return i && i.complete && i.naturalWidth > 0; })()`, 30*time.Second)
		shoot("6-order-card")
	}

	// The photo.
	{
		do("open the photo", 20*time.Second,
			chromedp.Navigate(base+"/goods/photo-2shot-l"),
			chromedp.WaitVisible(chromedp.CSS("#f-photo")),
			chromedp.SetUploadFiles(chromedp.CSS("#f-photo"), []string{photoPath}),
		)
		waitFor("the upload", `document.querySelector('input[name=photo]').value.startsWith('upl_')`, 30*time.Second)
		if got := eval(`document.getElementById('info-photo').textContent`); !strings.Contains(got, "1600×900") {
			t.Fatalf("upload info %q", got)
		}
		do("name the photo", 10*time.Second, chromedp.SendKeys(chromedp.CSS("#f-name"), "はなこ♡"))
		waitFor("the photo preview", previewShown, 30*time.Second)
		shoot("2-photo")
		order("photo")
		waitFor("the photo shown as printed", `(() => { const i = document.querySelector('.goods img'); return i && i.complete && i.naturalWidth > 0; })()`, 30*time.Second)
		if got := eval(`String(document.querySelector('.goods img').naturalWidth)`); got == "0" {
			t.Fatalf("photo not shown")
		}
		// The warning given at order time, beside the finished item.
		if got := eval(`(document.querySelector('.item-warnings') || {}).textContent || ''`); !strings.Contains(got, "ご注意") || !strings.Contains(got, "解像度") || !strings.Contains(got, "233 dpi") {
			t.Fatalf("order page warnings %q, want ご注意 with the 233 dpi warning", got)
		}
		shoot("5-order-photo")
	}

	// The voice.
	{
		do("open the voice", 20*time.Second,
			chromedp.Navigate(base+"/goods/voice-alarm-morning"),
			chromedp.WaitVisible(chromedp.CSS(".pool")),
			chromedp.Click(chromedp.CSS(`label.chip input[value="sakura"]`)),
		)
		// The line picker by keyboard: add 大好き！, then move it first.
		do("pick lines by keyboard", 10*time.Second,
			chromedp.Focus(chromedp.CSS(`button.add[data-value="daisuki"]`)),
			chromedp.KeyEvent("\r"),
		)
		if got := eval(`document.querySelector('input[name=lines]').value`); got != "ohayou,daisuki" {
			t.Fatalf("lines %q after adding, want ohayou,daisuki", got)
		}
		do("move a line up", 10*time.Second,
			chromedp.Focus(chromedp.CSS(`#picked-lines li:nth-child(2) button[data-action=up]`)),
			chromedp.KeyEvent(" "),
		)
		if got := eval(`document.querySelector('input[name=lines]').value + ' ' + document.activeElement.getAttribute('aria-label')`); got != "daisuki,ohayou 「大好き！」を後ろへ" && got != "daisuki,ohayou 「大好き！」を前へ" {
			t.Fatalf("after moving: %q", got)
		}
		waitFor("the voice preview", `(() => { const a = document.getElementById('preview-audio'); return document.getElementById('order-form').dataset.preview === 'idle' && !a.hidden && a.src.startsWith('blob:') && a.readyState >= 1 && a.duration > 0 && document.getElementById('preview-status').hidden; })()`, 30*time.Second)
		shoot("2-voice")
		order("voice")
		waitFor("the clip to play and download", `(() => { const a = document.querySelector('.goods audio'); const d = document.querySelector('.goods a[download]'); return a && a.readyState >= 1 && a.duration > 0 && d && d.href.startsWith('blob:'); })()`, 30*time.Second)
		if got := eval(`document.querySelector('.goods a[download]').getAttribute('download')`); got != "alarm.wav" {
			t.Fatalf("download named %q", got)
		}
		shoot("4-order-voice")
	}

	// The fan erases the voice order's personal data (a clip delivered by
	// download: the order is finished), confirming the dialog; then the
	// privacy page states the periods.
	{
		do("erase the voice order", 10*time.Second,
			chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`),
			chromedp.Click(chromedp.CSS("#erase-button")),
		)
		waitFor("the order shown erased", `!document.getElementById('erased').hidden && document.getElementById('erase').hidden && document.getElementById('order-customer').textContent === '（削除済み）' && !document.querySelector('.goods audio')`, 15*time.Second)
		shoot("7-order-erased")
		do("open the privacy page", 20*time.Second, chromedp.Click(chromedp.CSS(`footer a[href="/privacy"]`)), chromedp.WaitVisible(chromedp.CSS(".privacy")))
		if got := eval(`document.querySelector('.privacy').innerText`); !strings.Contains(got, "24 時間") || !strings.Contains(got, "90 日") {
			t.Fatalf("privacy page %q, want the periods", got)
		}
		shoot("8-privacy")
	}

	if errs := consoleErrors(); len(errs) > 0 {
		t.Fatalf("the pages reported errors:\n%s", strings.Join(errs, "\n"))
	}
	if strings.Contains(srv.logs.String(), "otk_") {
		t.Fatalf("an order token reached the server's log:\n%s", srv.logs)
	}
}

// TestCrossOriginPosts: a browser's cross-site POST (a forged form) to the
// API is turned away; the same page's requests and non-browser clients
// (no Sec-Fetch-Site or Origin header) are not.
func TestCrossOriginPosts(t *testing.T) {
	srv := startServe(t, backends[0].env(t), "--worker=false")
	cases := []struct {
		scenario string
		headers  map[string]string
		want     int
		wantCode string // the JSON error's code
	}{
		{"cross-site form", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "http://evil.example"}, 403, "forbidden"},
		{"other origin, old browser", map[string]string{"Origin": "http://evil.example"}, 403, "forbidden"},
		{"the storefront's own fetch", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": srv.base}, 422, "unprocessable"},
		{"curl", nil, 422, "unprocessable"},
	}
	for _, tc := range cases {
		t.Run(tc.scenario, func(t *testing.T) {
			var e apiError
			if code := call(t, "POST", srv.base+"/v1/orders", "", tc.headers, map[string]any{}, &e); code != tc.want {
				t.Fatalf("POST /v1/orders: %d, want %d", code, tc.want)
			}
			if e.Error.Code != tc.wantCode || e.Error.Message == "" {
				t.Fatalf("POST /v1/orders: error %+v, want code %s with a message", e.Error, tc.wantCode)
			}
		})
	}
}
