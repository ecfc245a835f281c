package orders_test

import (
	"bytes"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"oshigoods"
	"oshigoods/orders"
	"oshigoods/templates"
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "render", "photo", "testdata", "formats", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestCheckImage(t *testing.T) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 400, 300)), nil); err != nil {
		t.Fatal(err)
	}
	phone := buf.Bytes()
	huge := bytes.Clone(phone)
	i := bytes.Index(huge, []byte{0xff, 0xc0})
	huge[i+5], huge[i+6], huge[i+7], huge[i+8] = 0x7f, 0xff, 0x7f, 0xff // 32767×32767

	tests := []struct {
		scenario   string
		data       []byte
		lim        orders.Limits
		wantFormat string
		wantW      int
		wantH      int
		wantErr    string // substring of the public message; "" means accepted
	}{
		{scenario: "jpeg", data: phone, wantFormat: "jpeg", wantW: 400, wantH: 300},
		{scenario: "heic from an iPhone", data: fixture(t, "quad.heic"), wantFormat: "heic", wantW: 128, wantH: 64},
		{scenario: "webp", data: fixture(t, "quad-lossy.webp"), wantFormat: "webp", wantW: 128, wantH: 64},
		{scenario: "16-bit png", data: fixture(t, "quad-16.png"), wantFormat: "png", wantW: 128, wantH: 64},
		{scenario: "cmyk jpeg", data: fixture(t, "quad-cmyk.jpg"), wantFormat: "jpeg", wantW: 128, wantH: 64},
		{scenario: "bomb", data: huge, wantErr: "megapixels"},
		{scenario: "over the side limit", data: phone, lim: orders.Limits{MaxUploadSide: 399}, wantErr: "399 pixels a side"},
		{scenario: "cut-off jpeg", data: phone[:len(phone)/2], wantErr: "cut off"},
		{scenario: "cut-off heic", data: fixture(t, "quad.heic")[:400], wantErr: "cut off"},
		{scenario: "gif", data: []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), wantErr: "not a JPEG, PNG, WebP or HEIC"},
		{scenario: "empty", data: nil, wantErr: "empty"},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			format, w, h, err := orders.CheckImage(tc.data, tc.lim, templates.ProbeImage)
			if tc.wantErr != "" {
				if oshigoods.ErrorCode(err) != oshigoods.EUNPROCESSABLE || oshigoods.ErrorField(err) != "file" || !strings.Contains(oshigoods.ErrorMessage(err), tc.wantErr) {
					t.Fatalf("err = %v, want EUNPROCESSABLE on file containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if format != tc.wantFormat || w != tc.wantW || h != tc.wantH {
				t.Errorf("got %s %d×%d, want %s %d×%d", format, w, h, tc.wantFormat, tc.wantW, tc.wantH)
			}
		})
	}
}
