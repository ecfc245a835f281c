package main

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"oshigoods/internal/testenv"
	"oshigoods/orders"
	"oshigoods/orders/sqlstore"
	"oshigoods/templates"
)

// shopTemplates is a shop's template folder: a card of its own,
// card-shop-thanks (the built-in horizontal letter under another id, on
// the built-in fonts), and the built-in photo replaced at another price.
type shopTemplates struct {
	dir  string
	card []byte
}

func newShopTemplates(t *testing.T) *shopTemplates {
	t.Helper()
	read := func(name string) []byte {
		b, err := fs.ReadFile(templates.FS(), name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	s := &shopTemplates{dir: t.TempDir()}
	s.card = bytes.Replace(read("card-letter-yoko/template.json"), []byte(`"card-letter-yoko"`), []byte(`"card-shop-thanks"`), 1)
	s.card = bytes.Replace(s.card, []byte("推しからの手紙（横書き便箋）"), []byte("ショップ限定 お礼状"), 1)
	s.write(t, "card-shop-thanks/template.json", s.card)
	photo := bytes.Replace(read("photo-2shot-l/template.json"), []byte(`"price": 1200`), []byte(`"price": 1500`), 1)
	s.write(t, "photo-2shot-l/template.json", photo)
	return s
}

func (s *shopTemplates) write(t *testing.T, name string, data []byte) {
	t.Helper()
	p := filepath.Join(s.dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, p, data)
}

// repaint gives the shop's card another paper colour.
func (s *shopTemplates) repaint(t *testing.T, color string) {
	t.Helper()
	s.write(t, "card-shop-thanks/template.json", bytes.Replace(s.card, []byte(`"color": "#fff8ef"`), []byte(`"color": "`+color+`"`), 1))
}

type templateList struct {
	Templates []struct {
		ID, Kind, Version string
		Price             struct{ Amount int }
	}
}

// listedVersions returns /v1/templates' versions and prices by id.
func listedVersions(t *testing.T, base string) (versions map[string]string, prices map[string]int) {
	t.Helper()
	var list templateList
	if code := call(t, "GET", base+"/v1/templates", "", nil, nil, &list); code != 200 {
		t.Fatalf("GET /v1/templates: %d", code)
	}
	versions, prices = map[string]string{}, map[string]int{}
	for _, tp := range list.Templates {
		versions[tp.ID], prices[tp.ID] = tp.Version, tp.Price.Amount
	}
	return versions, prices
}

// versionedOrder is an order as the fan's view gives it, with its items'
// template versions and files' hashes.
type versionedOrder struct {
	ID, Token, Status string
	Items             []struct {
		ID, Template, Status string
		TemplateVersion      string               `json:"template_version"`
		UnitPrice            struct{ Amount int } `json:"unit_price"`
		Files                []struct {
			Name   string
			SHA256 string `json:"sha256"`
		}
	}
}

func thanksOrder() map[string]any {
	return testenv.Checkout(map[string]any{
		"customer": map[string]string{"name": "山田 花子", "email": "hanako@example.com"},
		"items":    []map[string]any{{"template": "card-shop-thanks", "fields": map[string]string{"to": "さくら", "message": "いつも応援しています！"}}},
	})
}

// placeReady places an order and waits until it is ready.
func placeReady(t *testing.T, base string, order map[string]any) versionedOrder {
	t.Helper()
	var o versionedOrder
	if code := call(t, "POST", base+"/v1/orders", "", nil, order, &o); code != 201 {
		t.Fatalf("order: %d %+v", code, o)
	}
	waitStatus(t, base, o.ID, o.Token, "ready")
	return fanView(t, base, o.ID, o.Token)
}

func fanView(t *testing.T, base, id, token string) versionedOrder {
	t.Helper()
	var o versionedOrder
	if code := call(t, "GET", base+"/v1/orders/"+id, token, nil, nil, &o); code != 200 {
		t.Fatalf("GET order: %d", code)
	}
	o.Token = token
	return o
}

// hashes lists an item's files as name=sha256.
func hashes(o versionedOrder) string {
	var out []string
	for _, f := range o.Items[0].Files {
		out = append(out, f.Name+"="+f.SHA256)
	}
	return strings.Join(out, " ")
}

var versionPattern = regexp.MustCompile(`^[0-9a-f]{20}$`)

// TestShopTemplates: a shop's template folder is the catalogue from the
// start — an added card and a replaced photo, listed with their versions
// and made; a changed card reloaded by the admin call or SIGHUP gives new
// orders the new version while an old order made again (the operator's
// retry) gives byte-identical files; the claim manifest says which version
// each item was made with. On the shared services the API process takes
// the orders and a separate worker, never reloaded, makes them from the
// manifests and files the API process kept in S3.
func TestShopTemplates(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			t.Parallel()
			shop := newShopTemplates(t)
			env := be.env(t)
			env["OSHIGOODS_TEMPLATES_DIR"] = shop.dir
			env["OSHIGOODS_ADMIN_TOKEN"] = adminToken
			env["OSHIGOODS_AUTH_FAILURES"] = "1000"
			separateWorker := be.name != "embedded"
			var srv *process
			if separateWorker {
				srv = startServe(t, env, "--worker=false")
				startWorker(t, env)
			} else {
				srv = startServe(t, env)
			}
			base := srv.base
			shopKey := createShopKey(t, env)

			// Loaded at the start: listed with the versions an
			// independent load of the folder gives.
			versions, prices := listedVersions(t, base)
			want, err := templates.LoadFolder(shop.dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, tmpl := range want.List() {
				if versions[tmpl.ID] != tmpl.Version || !versionPattern.MatchString(versions[tmpl.ID]) {
					t.Fatalf("%s listed at version %q, want %q", tmpl.ID, versions[tmpl.ID], tmpl.Version)
				}
			}
			if prices["photo-2shot-l"] != 1500 || versions["card-shop-thanks"] == "" {
				t.Fatalf("listed %v at %v; want the shop's card and its photo at 1500 yen", versions, prices)
			}

			// The replaced photo is made at its price, and the card.
			var up struct{ ID string }
			if code := upload(t, base, "me.jpg", testPhoto(t), &up); code != 201 {
				t.Fatalf("upload: %d", code)
			}
			photo := placeReady(t, base, photoOrder(up.ID, "はなこ"))
			if it := photo.Items[0]; it.UnitPrice.Amount != 1500 || it.TemplateVersion != versions["photo-2shot-l"] || len(it.Files) == 0 {
				t.Fatalf("photo item %+v; want 1500 yen, version %s, files", it, versions["photo-2shot-l"])
			}
			old := placeReady(t, base, thanksOrder())
			v1 := versions["card-shop-thanks"]
			if old.Items[0].TemplateVersion != v1 {
				t.Fatalf("card made at version %q, want %q", old.Items[0].TemplateVersion, v1)
			}

			// The card changes; the operator reloads.
			shop.repaint(t, "#e8f4ff")
			var reload struct {
				Templates []struct{ ID, Version string }
				Changes   []orders.TemplateChange
			}
			if code := call(t, "POST", base+"/v1/admin/templates/reload", adminToken, nil, nil, &reload); code != 200 ||
				len(reload.Changes) != 1 || reload.Changes[0].ID != "card-shop-thanks" || reload.Changes[0].From != v1 {
				t.Fatalf("reload: %d %+v", code, reload)
			}
			v2 := reload.Changes[0].To
			if versions, _ := listedVersions(t, base); versions["card-shop-thanks"] != v2 || v2 == v1 {
				t.Fatalf("after the reload the card is listed at %s, want %s", versions["card-shop-thanks"], v2)
			}
			fresh := placeReady(t, base, thanksOrder())
			if fresh.Items[0].TemplateVersion != v2 || hashes(fresh) == hashes(old) {
				t.Fatalf("new order made at %s with files %s; want %s and other files than the old order's", fresh.Items[0].TemplateVersion, hashes(fresh), v2)
			}

			// The old order made again: the operator retries it after it
			// failed (set here in the database).
			db := env["OSHIGOODS_DATABASE_URL"]
			if db == "" {
				db = filepath.Join(env["OSHIGOODS_DATA_DIR"], "oshigoods.db")
			}
			store, err := sqlstore.Open(context.Background(), db)
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			if changed, err := store.TransitionItem(context.Background(), old.Items[0].ID, []orders.Status{orders.StatusReady}, orders.StatusFailed, "test"); err != nil || !changed {
				t.Fatalf("fail the old item: %v %v", changed, err)
			}
			if code := call(t, "POST", base+"/v1/admin/items/"+old.Items[0].ID+"/retry", adminToken, nil, nil, nil); code != 200 {
				t.Fatalf("retry: %d", code)
			}
			waitStatus(t, base, old.ID, old.Token, "ready")
			again := fanView(t, base, old.ID, old.Token)
			if again.Items[0].TemplateVersion != v1 || hashes(again) != hashes(old) {
				t.Fatalf("old order made again at %s: %s\nwant %s: %s", again.Items[0].TemplateVersion, hashes(again), v1, hashes(old))
			}

			// The operator's view and the print shop's manifest say which
			// version each item was made with.
			var admin struct {
				Items []struct {
					TemplateVersion string `json:"template_version"`
				}
				Details []struct {
					TemplateVersion string `json:"template_version"`
				} `json:"item_details"`
			}
			if code := call(t, "GET", base+"/v1/admin/orders/"+old.ID, adminToken, nil, nil, &admin); code != 200 ||
				admin.Items[0].TemplateVersion != v1 || admin.Details[0].TemplateVersion != v1 {
				t.Fatalf("admin view: %d %+v", code, admin)
			}
			var claim struct {
				Orders []struct {
					ID    string
					Items []struct {
						Template        string
						TemplateVersion string     `json:"template_version"`
						TrimMM          [2]float64 `json:"trim_mm"`
					}
				}
			}
			if code := call(t, "POST", base+"/v1/shop/claims", shopKey, nil, map[string]any{"max": 10, "kinds": []string{"card"}}, &claim); code != 201 || len(claim.Orders) != 2 {
				t.Fatalf("claim: %d %+v", code, claim)
			}
			for _, o := range claim.Orders {
				want := map[string]string{old.ID: v1, fresh.ID: v2}[o.ID]
				if it := o.Items[0]; it.TemplateVersion != want || it.TrimMM != [2]float64{100, 148} {
					t.Fatalf("manifest of %s: %+v, want version %s and 100×148 mm", o.ID, it, want)
				}
			}
		})
	}
}

// TestShopTemplatesReloadRefused: a bad template in a reload keeps the
// templates in use, and the admin call says which template and why; a
// SIGHUP swaps in a good change.
func TestShopTemplatesReloadRefused(t *testing.T) {
	shop := newShopTemplates(t)
	env := map[string]string{"OSHIGOODS_DATA_DIR": t.TempDir(), "OSHIGOODS_TEMPLATES_DIR": shop.dir,
		"OSHIGOODS_ADMIN_TOKEN": adminToken, "OSHIGOODS_AUTH_FAILURES": "1000"}
	srv := startServe(t, env)
	base := srv.base
	before, _ := listedVersions(t, base)

	for _, tc := range []struct {
		scenario string
		run      func(t *testing.T)
	}{
		{"a reload without a key is refused", func(t *testing.T) {
			if code := call(t, "POST", base+"/v1/admin/templates/reload", "", nil, nil, nil); code != 401 {
				t.Fatalf("reload without a key: %d, want 401", code)
			}
		}},
		{"a bad template keeps the templates in use", func(t *testing.T) {
			shop.write(t, "card-broken/template.json", []byte(`{"id": "card-broken", "kind": "card", "title": "壊れたカード", "price": 0, "card": {}}`))
			defer os.RemoveAll(filepath.Join(shop.dir, "card-broken"))
			shop.repaint(t, "#ffe0e0")
			var e apiError
			if code := call(t, "POST", base+"/v1/admin/templates/reload", adminToken, nil, nil, &e); code != 422 || e.Error.Field != "templates" ||
				!strings.Contains(e.Error.Message, "card-broken/template.json") || !strings.Contains(e.Error.Message, "price 0") {
				t.Fatalf("reload: %d %+v; want 422 naming card-broken/template.json and its price", code, e)
			}
			if now, _ := listedVersions(t, base); now["card-shop-thanks"] != before["card-shop-thanks"] || now["card-broken"] != "" {
				t.Fatalf("after a refused reload: %v, want %v", now, before)
			}
		}},
		{"SIGHUP swaps the catalogue in", func(t *testing.T) {
			shop.repaint(t, "#e0ffe0")
			if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(20 * time.Second)
			for {
				now, _ := listedVersions(t, base)
				if v := now["card-shop-thanks"]; v != before["card-shop-thanks"] && versionPattern.MatchString(v) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("SIGHUP did not reload the templates:\n%s", srv.logs)
				}
				time.Sleep(50 * time.Millisecond)
			}
			if !strings.Contains(srv.logs.String(), "SIGHUP: template reloaded") {
				t.Fatalf("the reload is not logged:\n%s", srv.logs)
			}
		}},
	} {
		t.Run(tc.scenario, tc.run)
	}
}

// TestShopTemplatesRefusedAtStart: a folder with a bad template stops the
// start, naming the template and what is wrong.
func TestShopTemplatesRefusedAtStart(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		files    map[string]string
		want     []string
	}{
		{"a price of zero", map[string]string{"card-broken/template.json": `{"id": "card-broken", "kind": "card", "title": "壊れたカード", "price": 0, "card": {}}`},
			[]string{"OSHIGOODS_TEMPLATES_DIR", "card-broken/template.json", "price 0"}},
		{"an asset that is not there", map[string]string{"card-nosig/template.json": strings.Replace(
			string(mustReadBuiltin(t, "card-letter-tate/template.json")), "card-letter-tate", "card-nosig", -1)},
			[]string{"card-nosig/template.json", "card-nosig/signature.png"}},
		{"a folder that does not match its id", map[string]string{"misnamed/template.json": strings.Replace(
			string(mustReadBuiltin(t, "card-letter-yoko/template.json")), `"card-letter-yoko"`, `"card-other"`, 1)},
			[]string{"misnamed/template.json", `does not match its folder`}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			dir := t.TempDir()
			for name, data := range tc.files {
				p := filepath.Join(dir, filepath.FromSlash(name))
				os.MkdirAll(filepath.Dir(p), 0o755)
				writeFile(t, p, []byte(data))
			}
			var logs syncBuffer
			env := map[string]string{"OSHIGOODS_DATA_DIR": t.TempDir(), "OSHIGOODS_TEMPLATES_DIR": dir}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			err := cmdServe(ctx, []string{"--addr", "127.0.0.1:0"}, getenvFrom(env), &logs,
				func(c *config) { c.onListen = func(string) { cancel() } })
			if err == nil {
				t.Fatal("serve started with a bad template")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error %q does not name %q", err, w)
				}
			}
		})
	}
}

func mustReadBuiltin(t *testing.T, name string) []byte {
	t.Helper()
	b, err := fs.ReadFile(templates.FS(), name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
