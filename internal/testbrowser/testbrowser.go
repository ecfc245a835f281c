// Package testbrowser starts headless Chromium for the tests that drive
// the storefront and the console as a person would.
package testbrowser

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"oshigoods/internal/testenv"
)

// Path returns Debian's Chromium, or OSHIGOODS_TEST_CHROMIUM when set.
// When there is none the test is skipped, except under CI or
// OSHIGOODS_TEST_REQUIRE_SERVICES, where it fails (testenv.Tool).
func Path(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("OSHIGOODS_TEST_CHROMIUM"); p != "" {
		return p
	}
	return testenv.Tool(t, "chromium", "chromium-browser")
}

// BrowserTZ is the browser's time zone: a fan abroad, 17 hours behind
// Japan, so that a date shown in the browser's zone is on another day.
const BrowserTZ = "America/Los_Angeles"

// Tab is a tab of a headless Chromium with a fresh profile, a Japanese
// fan's language, a clock in another time zone (TZ, as BrowserTZ: pages
// must show Japan time wherever the fan is) and a 1280×900 window, that
// reaches nothing by itself
// and resolves no name but this machine's: a page that reaches for
// anything else finds nothing, before a packet leaves.
type Tab struct {
	// Ctx is the tab's context, for chromedp.Run and chromedp.Do.
	Ctx context.Context

	mu     sync.Mutex
	errors []string
}

// Start starts Chromium at path (Path when "") and returns its first tab.
// The browser ends with the test. It fails the test if Chromium does not
// start.
func Start(t testing.TB, path string) *Tab {
	t.Helper()
	if path == "" {
		path = Path(t)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("lang", "ja-JP"),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		chromedp.Env("TZ="+BrowserTZ),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelTab(); cancelAlloc() })
	if _, err := chromedp.Run(ctx, chromedp.Title()); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	b := &Tab{Ctx: ctx}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || m.Type == "error" && (m.Source == "security" || strings.Contains(m.Text, "Content Security Policy")) {
				b.mu.Lock()
				b.errors = append(b.errors, m.String())
				b.mu.Unlock()
			}
		}
	}()
	return b
}

// Errors returns the exceptions and Content-Security-Policy refusals the
// tab's pages reported so far.
func (b *Tab) Errors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.errors...)
}
