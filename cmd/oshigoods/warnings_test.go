package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"strings"
	"testing"
)

// softPhoto is a w×h JPEG, like a photo saved small from a chat app.
func softPhoto(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x / 5), uint8(y / 4), 128, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// warnedItem is what the order view and the claim manifest say of an item's
// warnings and preflight record.
type warnedItem struct {
	ID        string
	Status    string
	Warnings  []string
	Preflight *struct {
		File     string
		Warnings []string
	}
}

// TestSoftPhotoWarningSurvives: a fan orders a photo that prints soft and
// is warned; after the real render the order view and the print shop's
// claim manifest still carry that warning, word for word, first, and no
// other resolution verdict.
func TestSoftPhotoWarningSurvives(t *testing.T) {
	env := backends[0].env(t) // embedded: the rule is the service's, not a backend's
	srv := startServe(t, env)
	base := srv.base
	shopKey := createShopKey(t, env)

	// 1000×900 in photo-2shot-l's window: about 233 dpi, a warning.
	var up struct {
		ID    string
		Slots []struct{ Template, Field, Verdict, Message string }
	}
	if code := upload(t, base, "soft.jpg", softPhoto(t, 1000, 900), &up); code != 201 {
		t.Fatalf("upload: %d %+v", code, up)
	}
	var told string
	for _, s := range up.Slots {
		if s.Template == "photo-2shot-l" && s.Field == "photo" {
			if s.Verdict != "warning" || !strings.Contains(s.Message, "233 dpi") {
				t.Fatalf("upload slot %+v, want a warning naming 233 dpi", s)
			}
			told = s.Message
		}
	}
	if told == "" {
		t.Fatalf("upload rated no photo-2shot-l slot: %+v", up.Slots)
	}

	var created struct {
		ID, Token string
		Items     []warnedItem
	}
	if code := call(t, "POST", base+"/v1/orders", "", nil, photoOrder(up.ID, "はなこ"), &created); code != 201 {
		t.Fatalf("create order: %d %+v", code, created)
	}
	if len(created.Items) != 1 || len(created.Items[0].Warnings) == 0 || created.Items[0].Warnings[0] != told {
		t.Fatalf("order items %+v, want the upload's warning %q first", created.Items, told)
	}

	waitStatus(t, base, created.ID, created.Token, "ready")
	var view struct{ Items []warnedItem }
	if code := call(t, "GET", base+"/v1/orders/"+created.ID, created.Token, nil, nil, &view); code != 200 || len(view.Items) != 1 {
		t.Fatalf("GET order: %d %+v", code, view)
	}
	checkWarned(t, "order view", view.Items[0], told)

	var m struct {
		ClaimID string `json:"claim_id"`
		Orders  []struct {
			ID    string
			Items []warnedItem
		}
	}
	if code := call(t, "POST", base+"/v1/shop/claims", shopKey, nil, map[string]any{"max": 1}, &m); code != 201 || len(m.Orders) != 1 || len(m.Orders[0].Items) != 1 {
		t.Fatalf("claim: %d %+v", code, m)
	}
	checkWarned(t, "claim manifest", m.Orders[0].Items[0], told)
	if t.Failed() {
		b, _ := json.Marshal(m)
		t.Logf("manifest: %s", b)
	}
}

// checkWarned checks that a ready item's warnings start with the one the
// fan was told at order time and hold no other resolution verdict, and that
// its preflight record, when the renderer made one, carries the same.
func checkWarned(t *testing.T, where string, it warnedItem, told string) {
	t.Helper()
	if it.Status != "ready" || len(it.Warnings) == 0 || it.Warnings[0] != told {
		t.Errorf("%s: item %s %s with warnings %q, want ready with %q first", where, it.ID, it.Status, it.Warnings, told)
	}
	for _, w := range it.Warnings[min(1, len(it.Warnings)):] {
		if strings.Contains(w, "dpi") {
			t.Errorf("%s: a second resolution warning %q besides %q", where, w, told)
		}
	}
	if it.Preflight != nil && (len(it.Preflight.Warnings) != len(it.Warnings) || len(it.Warnings) > 0 && it.Preflight.Warnings[0] != told) {
		t.Errorf("%s: preflight warnings %q, want the item's %q", where, it.Preflight.Warnings, it.Warnings)
	}
}
