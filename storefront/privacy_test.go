package storefront_test

import (
	"strings"
	"testing"
	"time"

	"oshigoods/orders"
)

// TestPrivacyPage: /privacy, linked from every page's footer, states the
// retention periods of the configuration: the defaults (24 時間, 90 日),
// and others when configured.
func TestPrivacyPage(t *testing.T) {
	for _, tc := range []struct {
		scenario  string
		retention orders.Retention
		want      []string
	}{
		{"defaults", orders.Retention{}, []string{"<strong>24 時間</strong>", "<strong>90 日</strong>", "個人情報を削除する"}},
		{"configured", orders.Retention{UploadTTL: 2 * time.Hour, OrderRetention: 30 * 24 * time.Hour}, []string{"<strong>2 時間</strong>", "<strong>30 日</strong>"}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			srv, svc := newServer(t)
			svc.Retention = tc.retention
			resp, body := get(t, srv.URL+"/privacy", "")
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			for _, s := range append(tc.want, "お名前・メールアドレス", "アップロードした写真", "注文番号・商品の種類・数量・金額・状況・日時") {
				if !strings.Contains(body, s) {
					t.Errorf("privacy page lacks %q", s)
				}
			}
		})
	}
	srv, _ := newServer(t)
	if _, body := get(t, srv.URL+"/", ""); !strings.Contains(body, `href="/privacy"`) {
		t.Error("the footer does not link the privacy page")
	}
	// The order page offers the erasure, saying what goes and what stays.
	_, body := get(t, srv.URL+"/orders/ord_abc", "")
	for _, s := range []string{`id="erase-button"`, "個人情報を削除する", "お名前・メールアドレス・お届け先・入力した文字・写真・できあがったファイルを削除します", "注文番号・商品・数量・金額・状況・日時は"} {
		if !strings.Contains(body, s) {
			t.Errorf("order page lacks %q", s)
		}
	}
}
