package storefront

import (
	"fmt"
	"net/http"
	"time"
)

// privacy is the operator's privacy policy (privacy.md, see LoadLegal)
// followed by how long the storefront keeps what it collects: those
// periods are the service's (orders.Retention), so the page says what the
// sweeper does, whatever the operator's text says.
func (s *Server) privacy(w http.ResponseWriter, r *http.Request) {
	ret := s.svc.Retention.WithDefaults()
	s.render(w, r, http.StatusOK, "privacy", map[string]any{
		"Title":          "個人情報の取り扱い",
		"Legal":          s.legalPage("privacy"),
		"UploadTTL":      jaDuration(ret.UploadTTL),
		"OrderRetention": jaDuration(ret.OrderRetention),
	})
}

// jaDuration writes a period as a Japanese reader expects it: whole days
// from three days up ("90 日"), otherwise hours ("24 時間") or minutes.
func jaDuration(d time.Duration) string {
	const day = 24 * time.Hour
	switch {
	case d >= 3*day && d%day == 0:
		return fmt.Sprintf("%d 日", d/day)
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%d 時間", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%d 分", d/time.Minute)
	}
	return fmt.Sprintf("%d 秒", d/time.Second)
}
