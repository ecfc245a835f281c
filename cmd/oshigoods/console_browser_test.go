package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestConsoleInBrowser: the operator opens /admin in Chromium, pastes the
// key, searches a customer's orders by e-mail, sees the failed item with
// its reason, presses 再実行 once its photo is back and the item reaches
// ready; the order's page shows it, and the queue dashboard opens with the
// session the sign-in made. No page reports an exception or a
// Content-Security-Policy refusal. Screenshots are left for a person.
func TestConsoleInBrowser(t *testing.T) {
	chromium := chromiumPath(t)
	env := adminEnv(t)
	srv := startServe(t, env)
	base := srv.base
	placeOrder(t, base, miyuOrder())
	hanako, restore := brokenPhotoOrder(t, base, env["OSHIGOODS_DATA_DIR"], "hanako@example.com")
	itemID := hanako.Items[0].ID
	waitItem(t, base, hanako.ID, itemID, "failed")

	op := newFan(t, chromium)
	op.do("open the console", 20*time.Second, viewport(1280), chromedp.Navigate(base+"/admin"), chromedp.WaitVisible(chromedp.CSS("#key")))
	op.shoot("console-signin")
	op.do("a wrong key", 10*time.Second, chromedp.SendKeys(chromedp.CSS("#key"), "not-the-operator-key-000"), chromedp.Click(chromedp.CSS(`#signin-form button`)))
	op.waitFor("the refusal", `!document.getElementById('signin-error').hidden && document.getElementById('app').hidden`, 10*time.Second)
	op.eval(`document.getElementById('key').value = ''`)
	op.do("sign in", 10*time.Second, chromedp.SendKeys(chromedp.CSS("#key"), adminToken),
		chromedp.Click(chromedp.CSS(`#signin-form button`)))
	op.waitFor("the console", `!document.getElementById('app').hidden && document.getElementById('signin').hidden`, 10*time.Second)
	if got := op.eval(`sessionStorage.getItem('oshigoods.adminKey') === '` + adminToken + `' && !document.cookie.includes('` + adminToken + `') ? 'ok' : 'no'`); got != "ok" {
		t.Fatalf("the key is not (only) in sessionStorage")
	}
	op.waitFor("the failed item", fmt.Sprintf(`!!document.querySelector('#failed tr[data-item="%s"]')`, itemID), 10*time.Second)

	op.do("search by e-mail", 10*time.Second, chromedp.SendKeys(chromedp.CSS(`#search-form input[name="email"]`), "Hanako@Example.com"),
		chromedp.Click(chromedp.CSS(`#search-form button`)))
	op.waitFor("hanako's order alone", fmt.Sprintf(`(() => { const rows = document.querySelectorAll('#orders tbody tr'); return rows.length === 1 && rows[0].dataset.order === '%s'; })()`, hanako.ID), 10*time.Second)
	op.do("open the order", 10*time.Second, chromedp.Click(chromedp.CSS(`#orders tbody tr button.link`)))
	op.waitFor("the order's items", fmt.Sprintf(`!document.getElementById('detail').hidden && !!document.querySelector('#detail tr[data-item="%s"]')`, itemID), 10*time.Second)
	op.shoot("console-failed")

	restore()
	op.do("retry", 10*time.Second, chromedp.Click(chromedp.CSS(fmt.Sprintf(`#failed tr[data-item="%s"] button.retry`, itemID))))
	op.waitFor("the retry's message", `!document.getElementById('message').hidden && document.getElementById('message').textContent.includes('もう一度制作')`, 10*time.Second)
	waitItem(t, base, hanako.ID, itemID, "ready")
	op.do("search again", 10*time.Second, chromedp.Click(chromedp.CSS(`#search-form button`)))
	op.waitFor("the order ready", `document.querySelector('#orders tbody tr .status').textContent === '完成'`, 10*time.Second)
	op.do("reload the lists", 10*time.Second, chromedp.Click(chromedp.CSS("#reload")))
	op.waitFor("no failed item", `document.getElementById('failed').hidden && !document.getElementById('failed-empty').hidden`, 10*time.Second)
	op.shoot("console-retried")
	op.checkConsole()

	op.do("open the queue dashboard", 30*time.Second, chromedp.Navigate(base+"/admin/queues/"))
	op.waitFor("the dashboard's queues", `document.body.innerText.includes('render')`, 30*time.Second)
	op.shoot("console-queues")
	op.checkConsole()
}
