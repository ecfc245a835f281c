package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"testing"

	"oshigoods/internal/testenv"
	"oshigoods/orders"
)

// nopQueue accepts every item; no worker runs here. Methods it does not
// define panic.
type nopQueue struct{ orders.Queue }

func (nopQueue) EnqueueRender(context.Context, *orders.Item) error { return nil }

// newAPI serves the API over a SQLite store in a temporary folder and the
// shipped catalogue.
func newAPI(t *testing.T) string {
	t.Helper()
	return startAPI(t).base
}

func photoJPEG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 160, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

type uploadResp struct {
	ID    string `json:"id"`
	Slots []struct {
		Template     string `json:"template"`
		Field        string `json:"field"`
		EffectiveDPI int    `json:"effective_dpi"`
		Verdict      string `json:"verdict"`
		Message      string `json:"message"`
	} `json:"slots"`
}

func postUpload(t *testing.T, base string, data []byte) uploadResp {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "me.jpg")
	fw.Write(data)
	mw.Close()
	res, err := http.Post(base+"/v1/uploads", mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var up uploadResp
	if res.StatusCode != http.StatusCreated || json.Unmarshal(b, &up) != nil {
		t.Fatalf("upload: %d %s", res.StatusCode, b)
	}
	return up
}

func postJSON(t *testing.T, url string, body any) (*http.Response, []byte) {
	t.Helper()
	b, _ := json.Marshal(body)
	res, err := http.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res, out
}

// TestUploadRatesSlots: POST /v1/uploads reports the photo's effective
// resolution in each template slot it could fill, and an order refuses a
// photo under the slot's minimum with a 422 naming the field, or takes a
// soft one with a warning; a preview reports the same warning.
func TestUploadRatesSlots(t *testing.T) {
	base := newAPI(t)
	tests := []struct {
		scenario    string
		w, h        int
		wantDPI     int
		wantVerdict string
		wantStatus  int // of the order
	}{
		{"sharp phone photo", 1500, 2000, 482, "ok", http.StatusCreated},
		{"soft, ordered with a warning", 1000, 900, 233, "warning", http.StatusCreated},
		{"400×300 refused", 400, 300, 77, "refused", http.StatusUnprocessableEntity},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			up := postUpload(t, base, photoJPEG(t, tc.w, tc.h))
			if len(up.Slots) != 1 {
				t.Fatalf("slots = %+v, want the one photo slot of the catalogue", up.Slots)
			}
			s := up.Slots[0]
			if s.Template != "photo-2shot-l" || s.Field != "photo" || s.EffectiveDPI != tc.wantDPI || s.Verdict != tc.wantVerdict {
				t.Errorf("slot = %+v, want photo-2shot-l photo %d dpi %s", s, tc.wantDPI, tc.wantVerdict)
			}
			if (s.Message == "") != (tc.wantVerdict == "ok") {
				t.Errorf("message %q for verdict %s", s.Message, s.Verdict)
			}

			order := testenv.Checkout(map[string]any{
				"customer": map[string]string{"name": "山田 花子", "email": "hanako@example.com"},
				"items":    []map[string]any{{"template": "photo-2shot-l", "fields": map[string]string{"photo": up.ID}}},
			})
			res, body := postJSON(t, base+"/v1/orders", order)
			if res.StatusCode != tc.wantStatus {
				t.Fatalf("order: %d %s, want %d", res.StatusCode, body, tc.wantStatus)
			}
			switch tc.wantVerdict {
			case "refused":
				var e struct {
					Error struct{ Code, Message, Field string }
				}
				json.Unmarshal(body, &e)
				if e.Error.Field != "items[0].fields.photo" || !bytes.Contains([]byte(e.Error.Message), []byte("77 dpi")) {
					t.Errorf("error = %+v, want items[0].fields.photo naming 77 dpi", e.Error)
				}
			case "warning":
				var o struct{ Items []struct{ Warnings []string } }
				json.Unmarshal(body, &o)
				if len(o.Items) != 1 || len(o.Items[0].Warnings) != 1 || !bytes.Contains([]byte(o.Items[0].Warnings[0]), []byte("233 dpi")) {
					t.Errorf("order items = %+v, want one warning naming 233 dpi", o.Items)
				}
			}

			res, body = postJSON(t, base+"/v1/previews", map[string]any{"template": "photo-2shot-l", "fields": map[string]string{"photo": up.ID, "name": "みゆ"}})
			if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/jpeg" {
				t.Fatalf("preview: %d %s", res.StatusCode, body)
			}
			if got := len(res.Header.Values("X-Oshigoods-Warning")) > 0; got != (tc.wantVerdict != "ok") {
				t.Errorf("preview warnings %q for a %s photo", res.Header.Values("X-Oshigoods-Warning"), tc.wantVerdict)
			}
		})
	}
}
