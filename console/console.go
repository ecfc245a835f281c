package console

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"regexp"
	"strings"
	"time"

	"oshigoods"
	"oshigoods/httperr"
	"oshigoods/internal/webkit"
	"oshigoods/orders"
)

//go:embed web/templates/*.html
var pageFiles embed.FS

//go:embed web/static
var staticFiles embed.FS

// ContentSecurityPolicy is sent with the console's page and files:
// scripts and styles only from files this server serves (no inline script
// or style), requests only to this origin, no framing.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// Paths the console serves.
const (
	// QueuesPath is where the queue dashboard is mounted; the handler in
	// Config.Queues must be rooted there (asynqmon's RootPath).
	QueuesPath = "/admin/queues"
	// CookieName is the console session's cookie, sent to /admin only.
	CookieName = "oshigoods_console"
)

// Config configures the console.
type Config struct {
	// Service checks operator keys and signs console sessions. Required.
	Service *orders.Service
	// Logger logs what a request cannot answer. Default slog.Default().
	Logger *slog.Logger
	// Queues is the queue dashboard (asynqmon) rooted at QueuesPath,
	// served to a signed-in browser; nil answers 404 there.
	Queues http.Handler
}

// Validate reports a missing dependency.
func (c Config) Validate() error {
	if c.Service == nil {
		return errors.New("console: Config.Service is required")
	}
	return nil
}

// Server serves the console.
type Server struct {
	svc     *orders.Service
	logger  *slog.Logger
	page    *template.Template
	version string
	queues  http.Handler
	// queuesPage is the dashboard's page as it is served (queuesPage),
	// and queuesCSP its policy.
	queuesPage []byte
	queuesCSP  string
	mux        *http.ServeMux
}

// New returns the console. It parses its page once and, with a queue
// dashboard, reads the dashboard's page to allow its inline scripts (by
// their hashes) in the dashboard's own Content-Security-Policy.
func New(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	static, _ := fs.Sub(staticFiles, "web/static")
	version, err := webkit.ContentVersion(static)
	if err != nil {
		return nil, err
	}
	s := &Server{svc: cfg.Service, logger: cfg.Logger, version: version, queues: cfg.Queues, mux: http.NewServeMux()}
	s.page, err = template.New("console.html").Funcs(template.FuncMap{"static": s.static}).ParseFS(pageFiles, "web/templates/console.html")
	if err != nil {
		return nil, fmt.Errorf("parse console page: %w", err)
	}
	if s.queues != nil {
		if s.queuesPage, s.queuesCSP, err = queuesPage(s.queues); err != nil {
			return nil, err
		}
	}
	s.mux.Handle("GET /admin/static/", http.StripPrefix("/admin/static/", httperr.Plain(http.FileServerFS(static), cfg.Logger)))
	s.mux.HandleFunc("GET /admin", s.index)
	s.mux.HandleFunc("GET /admin/{$}", s.index)
	s.mux.HandleFunc("POST /admin/session", s.signIn)
	s.mux.HandleFunc("DELETE /admin/session", s.signOut)
	s.mux.Handle(QueuesPath, http.RedirectHandler(QueuesPath+"/", http.StatusFound))
	s.mux.HandleFunc(QueuesPath+"/", s.serveQueues)
	return s, nil
}

// ServeHTTP serves a request with the security headers every answer
// carries; the queue dashboard sets its own policy.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	if !strings.HasPrefix(r.URL.Path, QueuesPath+"/") {
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
	}
	httperr.Routes(s.mux, s.logger).ServeHTTP(w, r)
}

// static names a static file with the version of the set.
func (s *Server) static(name string) string { return "/admin/static/" + name + "?v=" + s.version }

func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	var b strings.Builder
	if err := s.page.Execute(&b, map[string]any{"Queues": s.queues != nil}); err != nil {
		httperr.Write(w, r, s.logger, fmt.Errorf("render console page: %w", err))
		return
	}
	w.Write([]byte(b.String()))
}

// signIn answers a request carrying an operator key (Bearer) with a
// console session cookie for the queue dashboard: {"id","name",
// "expires_at"}. A wrong key is 401, as on the admin API.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request) {
	op, err := s.svc.Operator(r.Context(), webkit.Bearer(r))
	if err != nil {
		httperr.Write(w, r, s.logger, err)
		return
	}
	value, expires, err := s.svc.OperatorSession(r.Context(), op)
	if err != nil {
		httperr.Write(w, r, s.logger, err)
		return
	}
	http.SetCookie(w, s.cookie(r, value, expires))
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	fmt.Fprintf(w, `{"id":%q,"name":%q,"expires_at":%q}`+"\n", op.ID, op.Name, expires.UTC().Format(time.RFC3339))
}

// signOut clears the session cookie.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request) {
	c := s.cookie(r, "", time.Unix(0, 0))
	c.MaxAge = -1
	http.SetCookie(w, c)
	w.WriteHeader(http.StatusNoContent)
}

// cookie is the session cookie: HttpOnly (no script reads it), SameSite
// Strict (no other site's page sends it), for /admin only, and Secure when
// the console is reached over https (directly, or by the public URL
// behind a proxy).
func (s *Server) cookie(r *http.Request, value string, expires time.Time) *http.Cookie {
	return &http.Cookie{Name: CookieName, Value: value, Path: "/admin", Expires: expires, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil || strings.HasPrefix(s.svc.PublicURL, "https://")}
}

// serveQueues serves the queue dashboard to a browser with a valid
// session. Its changes (anything but GET and HEAD) are recorded in the
// audit log with the operator's key id.
func (s *Server) serveQueues(w http.ResponseWriter, r *http.Request) {
	if s.queues == nil {
		httperr.Write(w, r, s.logger, oshigoods.Errorf(oshigoods.ENOTFOUND, "No queue dashboard is served here."))
		return
	}
	value := ""
	if c, err := r.Cookie(CookieName); err == nil {
		value = c.Value
	}
	op, err := s.svc.OperatorBySession(r.Context(), value)
	if err != nil {
		if oshigoods.ErrorCode(err) != oshigoods.EUNAUTHORIZED {
			httperr.Write(w, r, s.logger, err)
			return
		}
		s.signInFirst(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		s.svc.RecordQueueChange(r.Context(), op, r.Method, strings.TrimPrefix(r.URL.Path, QueuesPath))
	}
	w.Header().Set("Content-Security-Policy", s.queuesCSP)
	w.Header().Set("Cache-Control", "no-store")
	if rest := strings.TrimPrefix(r.URL.Path, QueuesPath+"/"); !strings.HasPrefix(rest, "api/") && !strings.Contains(path.Base("/"+rest), ".") {
		// The page, or one of the app's own routes, which is the page too.
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(s.queuesPage)
		return
	}
	s.queues.ServeHTTP(w, r)
}

// signInFirst answers 401: a page that links to the sign-in for a
// browser's navigation, the API's JSON for the dashboard's own requests.
func (s *Server) signInFirst(w http.ResponseWriter, r *http.Request) {
	err := oshigoods.Errorf(oshigoods.EUNAUTHORIZED, "sign in to the console (/admin) with an operator key first.")
	if r.Header.Get("Sec-Fetch-Mode") != "navigate" && !strings.Contains(r.Header.Get("Accept"), "text/html") {
		httperr.Write(w, r, s.logger, err)
		return
	}
	w.Header().Set("Content-Security-Policy", ContentSecurityPolicy)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusUnauthorized)
	fmt.Fprint(w, `<!doctype html><html lang="ja"><meta charset="utf-8"><title>ログインが必要です</title>`+
		`<p>キューの画面を見るには、<a href="/admin">管理画面</a>で管理キーを入れてログインしてください。</p></html>`)
}

// inlineScript matches the inline scripts of the dashboard's page, and
// webFont its links to web fonts on another site.
var (
	inlineScript = regexp.MustCompile(`(?s)<script>(.*?)</script>`)
	webFont      = regexp.MustCompile(`<link rel="stylesheet" href="https://[^"]*"/?>`)
)

// queuesPage reads the dashboard's page once, as its handler makes it,
// without its links to web fonts on another site (nothing the operator's
// browser loads leaves for another site; it shows the dashboard in its
// own fonts), and returns it with its Content-Security-Policy: scripts from
// this server and its two inline scripts (the settings and the loader) by
// their SHA-256, styles inline too (its components inject them at run
// time), requests to this origin only.
func queuesPage(h http.Handler) (page []byte, csp string, err error) {
	rec := &recorder{header: http.Header{}, code: http.StatusOK}
	req, err := http.NewRequest(http.MethodGet, QueuesPath+"/", nil)
	if err != nil {
		return nil, "", err
	}
	h.ServeHTTP(rec, req)
	if rec.code != http.StatusOK || !inlineScript.Match(rec.body.Bytes()) {
		return nil, "", fmt.Errorf("console: the queue dashboard's page answered %d without its scripts", rec.code)
	}
	page = webFont.ReplaceAll(rec.body.Bytes(), nil)
	hashes := ""
	for _, m := range inlineScript.FindAllSubmatch(page, -1) {
		sum := sha256.Sum256(m[1])
		hashes += " 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	}
	return page, "default-src 'none'; script-src 'self'" + hashes + "; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
		"font-src 'self'; connect-src 'self'; manifest-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'", nil
}

// recorder keeps an answer in memory.
type recorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(code int)        { r.code = code }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
