package main

import (
	"bytes"
	"encoding/csv"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/transform"

	"oshigoods/internal/testenv"
)

// shopFetch sends a request with the shop's key and returns the status and body.
func shopFetch(t *testing.T, method, url, key string, body []byte) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// TestFulfilment: on the embedded default (payment none), printed goods
// go from a claim to the fan's door — the manifest has the ship-to, the
// packing slips one page per order, the B2クラウド file one row per order,
// the shop reports the shipments one by one or as the carrier's export,
// and the fan's view shows the carrier and number — while a voice-only
// order is delivered by its link and never reaches a shop.
func TestFulfilment(t *testing.T) {
	pdftotext, qpdf, pdfinfo := testenv.Tool(t, "pdftotext"), testenv.Tool(t, "qpdf"), testenv.Tool(t, "pdfinfo")
	env := map[string]string{
		"OSHIGOODS_DATA_DIR":             t.TempDir(),
		"OSHIGOODS_SHOP_NAME":            "推しグッズ工房",
		"OSHIGOODS_SHOP_POSTAL_CODE":     "150-0001",
		"OSHIGOODS_SHOP_ADDRESS":         "東京都渋谷区神宮前1-2-3 推しビル4階",
		"OSHIGOODS_SHOP_PHONE":           "03-1234-5678",
		"OSHIGOODS_YAMATO_CUSTOMER_CODE": "031234567801",
	}
	srv := startServe(t, env)
	key := createShopKey(t, env)

	var cards []orderResp
	for _, to := range []string{"さくら", "みゆ"} {
		var o orderResp
		if code := call(t, "POST", srv.base+"/v1/orders", "", nil, cardOrder(to), &o); code != 201 {
			t.Fatalf("order: %d %+v", code, o)
		}
		cards = append(cards, o)
	}
	var voice orderResp
	voiceBody := map[string]any{"customer": map[string]string{"name": "推し活 花子", "email": "hanako@example.com"}, "terms_accepted": true,
		"items": []map[string]any{{"template": "voice-alarm-morning", "fields": map[string]string{"name": "sakura", "lines": "ohayou", "repeat": "1", "preset": "phone"}}}}
	if code := call(t, "POST", srv.base+"/v1/orders", "", nil, voiceBody, &voice); code != 201 {
		t.Fatalf("voice order: %d", code)
	}
	for _, o := range cards {
		waitStatus(t, srv.base, o.ID, o.Token, "ready")
	}
	// The fan's page issues the clip's link: the order is delivered.
	waitStatus(t, srv.base, voice.ID, voice.Token, "delivered")

	// The claim: both card orders with their ship-to, never the clip.
	var m struct {
		ClaimID string `json:"claim_id"`
		Orders  []struct {
			ID     string
			ShipTo map[string]string `json:"ship_to"`
		}
	}
	if code := call(t, "POST", srv.base+"/v1/shop/claims", key, nil, map[string]any{"max": 10}, &m); code != 201 || len(m.Orders) != 2 {
		t.Fatalf("claim: %d %+v", code, m)
	}
	for _, o := range m.Orders {
		if o.ID == voice.ID {
			t.Fatal("a voice-only order reached a shop's claim")
		}
		if o.ShipTo["name"] != "山田 花子" || o.ShipTo["postal_code"] != "100-0001" || o.ShipTo["prefecture"] != "東京都" || o.ShipTo["phone"] != "09012345678" {
			t.Fatalf("ship-to %v", o.ShipTo)
		}
	}
	claim := srv.base + "/v1/shop/claims/" + m.ClaimID

	// Packing slips: one page per order, the recipient and postal code on
	// each, and a PDF qpdf finds nothing wrong with.
	code, _, pdf := shopFetch(t, "GET", claim+"/packing-slips.pdf", key, nil)
	if code != 200 || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("packing slips: %d %.200s", code, pdf)
	}
	dir := t.TempDir()
	slips := filepath.Join(dir, "slips.pdf")
	writeFile(t, slips, pdf)
	if out, err := exec.Command(qpdf, "--check", slips).CombinedOutput(); err != nil || strings.Contains(strings.ToLower(string(out)), "warning") {
		t.Fatalf("qpdf --check: %v\n%s", err, out)
	}
	info, _ := exec.Command(pdfinfo, slips).Output()
	if !strings.Contains(string(info), "Pages:           2") {
		t.Fatalf("pdfinfo:\n%s", info)
	}
	for page := 1; page <= 2; page++ {
		out, err := exec.Command(pdftotext, "-f", strconv.Itoa(page), "-l", strconv.Itoa(page), slips, "-").Output()
		text := strings.ReplaceAll(string(out), " ", "")
		if err != nil || !strings.Contains(text, "山田花子") || !strings.Contains(text, "100-0001") || !strings.Contains(text, "納品書") {
			t.Fatalf("page %d: %v\n%s", page, err, out)
		}
	}

	// The B2クラウド file: Shift_JIS, one row per order (after its header).
	code, hdr, data := shopFetch(t, "GET", claim+"/shipping.csv?carrier=yamato-b2", key, nil)
	if code != 200 || !strings.Contains(hdr.Get("Content-Type"), "Shift_JIS") {
		t.Fatalf("shipping.csv: %d %s %.200s", code, hdr.Get("Content-Type"), data)
	}
	rows := readSJIS(t, data)
	if len(rows) != 3 || rows[0][0] != "お客様管理番号" {
		t.Fatalf("shipping.csv has %d rows, want a header and 2:\n%v", len(rows), rows)
	}
	for _, row := range rows[1:] {
		if row[0] != cards[0].ID && row[0] != cards[1].ID {
			t.Fatalf("row for %q, not a claimed order", row[0])
		}
	}
	if code, _, body := shopFetch(t, "GET", claim+"/shipping.csv?carrier=pigeon", key, nil); code != 422 {
		t.Fatalf("unknown layout: %d %s", code, body)
	}

	// The shop prints both; ships the first with its number, then imports
	// the carrier's export for the second (B2's layout with 伝票番号 filled).
	for _, o := range cards {
		if code := call(t, "POST", claim+"/ack", key, nil, map[string]string{"order_id": o.ID, "outcome": "printed"}, nil); code != 200 {
			t.Fatalf("ack: %d", code)
		}
	}
	var e apiError
	if code := call(t, "POST", srv.base+"/v1/shop/orders/"+cards[0].ID+"/shipped", key, nil, map[string]string{"carrier": "yamato", "tracking_number": "1234-5678-9012"}, &e); code != 422 || e.Error.Field != "tracking_number" {
		t.Fatalf("a number failing the check digit: %d %+v", code, e)
	}
	if code := call(t, "POST", srv.base+"/v1/shop/orders/"+cards[0].ID+"/shipped", key, nil, map[string]string{"carrier": "yamato", "tracking_number": "1234-5678-9013"}, &e); code != 200 {
		t.Fatalf("shipped: %d %+v", code, e)
	}
	rows[2][3] = "999999999994"
	export := writeSJIS(t, rows[:1], rows[2:])
	code, _, body := shopFetch(t, "POST", claim+"/tracking?carrier=yamato-b2", key, export)
	if code != 200 || !strings.Contains(string(body), `"status":"shipped"`) {
		t.Fatalf("tracking import: %d %s", code, body)
	}
	var view struct {
		Status   string
		Shipment struct {
			Carrier        string
			CarrierName    string `json:"carrier_name"`
			TrackingNumber string `json:"tracking_number"`
			TrackingURL    string `json:"tracking_url"`
		}
		Timeline []struct{ Step string }
	}
	want := map[string]string{cards[0].ID: "123456789013", cards[1].ID: "999999999994"}
	for _, o := range cards {
		call(t, "GET", srv.base+"/v1/orders/"+o.ID, o.Token, nil, nil, &view)
		if view.Status != "shipped" || view.Shipment.CarrierName != "ヤマト運輸" || view.Shipment.TrackingNumber != want[o.ID] ||
			!strings.HasPrefix(view.Shipment.TrackingURL, "https://") || !strings.Contains(view.Shipment.TrackingURL, want[o.ID]) {
			t.Fatalf("fan's view of %s: %+v", o.ID, view)
		}
		var steps []string
		for _, s := range view.Timeline {
			steps = append(steps, s.Step)
		}
		if got := strings.Join(steps, ","); got != "received,ready,printed,shipped" {
			t.Fatalf("timeline %s", got)
		}
	}
	// Nothing left to ship: the slips say so.
	if code, _, body := shopFetch(t, "GET", claim+"/packing-slips.pdf", key, nil); code != 409 {
		t.Fatalf("slips of a shipped claim: %d %s", code, body)
	}
	// Another shop sees none of it.
	var out, errb bytes.Buffer
	if err := run(t.Context(), []string{"shop-keys", "create", "--name", "B印刷", "--kinds", "card"}, getenvFrom(env), &out, &errb); err != nil {
		t.Fatal(err)
	}
	other := strings.TrimSpace(out.String())
	for _, path := range []string{"/packing-slips.pdf", "/shipping.csv"} {
		if code, _, _ := shopFetch(t, "GET", claim+path, other, nil); code != 404 {
			t.Fatalf("another shop's %s: %d, want 404", path, code)
		}
	}
	if code := call(t, "POST", srv.base+"/v1/shop/orders/"+cards[0].ID+"/shipped", other, nil, map[string]string{"carrier": "yamato", "tracking_number": "123456789013"}, nil); code != 404 {
		t.Fatalf("another shop ships the order: %d, want 404", code)
	}
}

// readSJIS reads a Shift_JIS CSV.
func readSJIS(t *testing.T, data []byte) [][]string {
	t.Helper()
	r := csv.NewReader(transform.NewReader(bytes.NewReader(data), japanese.ShiftJIS.NewDecoder()))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("read Shift_JIS CSV: %v", err)
	}
	return rows
}

// writeSJIS writes rows as a Shift_JIS CSV with CRLF, as B2クラウド exports.
func writeSJIS(t *testing.T, parts ...[][]string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(transform.NewWriter(&b, japanese.ShiftJIS.NewEncoder()))
	w.UseCRLF = true
	for _, rows := range parts {
		w.WriteAll(rows)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
