package storefront

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"oshigoods/httperr"
	"oshigoods/internal/phrase"
	"oshigoods/internal/webkit"
	"oshigoods/orders"
	"oshigoods/render"
)

//go:embed web/templates/*.html
var pageFiles embed.FS

//go:embed web/static
var staticFiles embed.FS

// ContentSecurityPolicy is sent with every page: scripts, styles and fonts
// only from files this server serves (no inline script or style), pictures
// and clips also from blob: URLs the page makes of previews and downloads,
// requests only to this origin, and no framing.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; " +
	"media-src 'self' blob:; connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// Config configures the storefront.
type Config struct {
	// Service takes the uploads, previews and orders, lists the products
	// (its Catalog) and serves the finished goods (OrderFile). Required.
	Service *orders.Service
	// Logger logs failures the fan only sees as a generic message. Default
	// slog.Default().
	Logger *slog.Logger
	// PollInterval is how often the order page asks for the order's status
	// until its goods are ready. Default 2 seconds.
	PollInterval time.Duration
	// LegalDir is the folder of the operator's legal pages, Markdown files
	// named tokushoho.md (特定商取引法に基づく表記), terms.md (利用規約) and
	// privacy.md (個人情報の取り扱い); see LoadLegal. A page whose file is
	// missing, and every page when LegalDir is "", shows a placeholder
	// that asks the operator to fill it in.
	LegalDir string
}

// Validate reports a missing dependency or a bad value.
func (c Config) Validate() error {
	if c.Service == nil || c.Service.Catalog == nil || c.Service.Files == nil {
		return errors.New("storefront: Config.Service with a Catalog and Files is required")
	}
	if c.PollInterval < 0 {
		return errors.New("storefront: PollInterval is negative")
	}
	return nil
}

// Server serves the storefront's pages, its static files and the finished
// goods of an order to the holder of its token.
type Server struct {
	cfg     Config
	svc     *orders.Service
	catalog orders.Catalog
	logger  *slog.Logger
	pages   map[string]*template.Template
	legal   *Legal
	version string // of the static files, for their URLs
	mux     *http.ServeMux
}

// New returns the storefront. It parses its page templates once.
func New(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.PollInterval == 0 {
		cfg.PollInterval = 2 * time.Second
	}
	legal, err := LoadLegal(cfg.LegalDir)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, svc: cfg.Service, catalog: cfg.Service.Catalog, logger: cfg.Logger, pages: map[string]*template.Template{}, legal: legal, mux: http.NewServeMux()}
	static, _ := fs.Sub(staticFiles, "web/static")
	version, err := webkit.ContentVersion(static)
	if err != nil {
		return nil, err
	}
	// The phrase model is served beside the static files (phraseModel):
	// a new model is a new version too.
	sum := sha256.Sum256(append([]byte(version+"\x00"), phrase.ModelJSON()...))
	s.version = hex.EncodeToString(sum[:])[:12]
	fm := template.FuncMap{"static": s.static}
	for k, v := range funcs {
		fm[k] = v
	}
	for _, name := range []string{"index", "product", "cart", "order", "privacy", "legal", "notfound"} {
		t, err := template.New("layout.html").Funcs(fm).ParseFS(pageFiles, "web/templates/layout.html", "web/templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("parse page %s: %w", name, err)
		}
		s.pages[name] = t
	}
	s.mux.HandleFunc("GET /static/phrase-model.js", s.phraseModel)
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", cacheFor(24*time.Hour, httperr.Plain(http.FileServerFS(static), cfg.Logger))))
	s.mux.HandleFunc("GET /{$}", s.index)
	s.mux.HandleFunc("GET /goods/{id}", s.product)
	s.mux.HandleFunc("GET /orders/{id}", s.order)
	s.mux.HandleFunc("GET /cart", s.cart)
	s.mux.HandleFunc("GET /privacy", s.privacy)
	s.mux.HandleFunc("GET /legal/tokushoho", s.tokushoho)
	s.mux.HandleFunc("GET /legal/terms", s.terms)
	s.mux.HandleFunc("GET /files/{order}/{item}/{name}", s.file)
	s.mux.HandleFunc("/", s.notFound)
	return s, nil
}

// ServeHTTP serves a request with the security headers every response
// carries.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	s.mux.ServeHTTP(w, r)
}

// static names a static file with the version of the set, so a browser
// may keep it a day and still never mixes old and new.
func (s *Server) static(name string) string { return "/static/" + name + "?v=" + s.version }

func cacheFor(d time.Duration, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(d.Seconds())))
		h.ServeHTTP(w, r)
	})
}

// kindInfo is how a product kind is named and drawn on the pages.
type kindInfo struct {
	Label string // 写真, カード, ボイス
	Icon  string // static file name
	Note  string // what the fan receives
}

var kinds = map[render.Kind]kindInfo{
	render.KindPhoto: {"写真プリント", "photo.svg", "プリントしてお届けします"},
	render.KindCard:  {"メッセージカード", "card.svg", "印刷してお届けします"},
	render.KindVoice: {"ボイス", "voice.svg", "完成したらすぐダウンロード"},
}

var funcs = template.FuncMap{
	"kind": func(k render.Kind) kindInfo { return kinds[k] },
	"yen":  yen,
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	var b strings.Builder
	if err := s.pages[page].Execute(&b, data); err != nil {
		s.logger.Error("render page", "page", page, "path", r.URL.Path, "err", err)
		http.Error(w, "ページを表示できませんでした。時間をおいてもう一度お試しください。", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(status)
	// Every text node with Japanese gets a <wbr> between its phrases:
	// the static copy, the templates' titles, descriptions and labels,
	// the operator's legal text alike (see phrase.Document and the
	// body's word-break in style.css).
	io.WriteString(w, phrase.Document(b.String()))
}

// phraseModel serves the phrase model package phrase splits by, and the
// words it keeps whole, as a script that sets window.oshiPhraseModel and
// window.oshiPhraseWords, so common.js splits the text the page's scripts
// add exactly as the server splits the page.
func (s *Server) phraseModel(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int((24*time.Hour).Seconds())))
	io.WriteString(w, "'use strict';\n// The phrase model ("+phrase.ModelVersion()+", Apache-2.0, Google LLC) for common.js.\nwindow.oshiPhraseModel = ")
	w.Write(phrase.ModelJSON())
	words, _ := json.Marshal(phrase.Words())
	io.WriteString(w, ";\nwindow.oshiPhraseWords = "+string(words)+";\n")
}

func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	var list []productView
	for _, t := range s.catalog.Templates() {
		list = append(list, viewProduct(t, s.svc.Limits.WithDefaults()))
	}
	s.render(w, r, http.StatusOK, "index", map[string]any{"Title": "推し活グッズをつくる", "Products": list})
}

func (s *Server) product(w http.ResponseWriter, r *http.Request) {
	t, err := s.catalog.Template(r.PathValue("id"))
	if err != nil {
		s.notFound(w, r)
		return
	}
	p := viewProduct(t, s.svc.Limits.WithDefaults())
	s.render(w, r, http.StatusOK, "product", map[string]any{"Title": p.Title, "Product": p})
}

func (s *Server) order(w http.ResponseWriter, r *http.Request) {
	titles := map[string]string{}
	kindsByID := map[string]string{}
	for _, t := range s.catalog.Templates() {
		info := t.Info()
		titles[info.ID] = info.Title
		kindsByID[info.ID] = string(info.Kind)
	}
	methods := map[string]string{}
	for _, m := range s.svc.CheckoutOptions().ShippingMethods {
		methods[m.ID] = m.Name
	}
	s.render(w, r, http.StatusOK, "order", map[string]any{
		"Title":   "ご注文の状況",
		"OrderID": r.PathValue("id"),
		"Poll":    s.cfg.PollInterval.Milliseconds(),
		"Titles":  titles,
		"Kinds":   kindsByID,
		"Methods": methods,
		"TaxRate": orders.TaxRatePercent,
	})
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusNotFound, "notfound", map[string]any{"Title": "ページが見つかりません"})
}

// file sends one finished file of an order to the holder of the order's
// token, given as "Authorization: Bearer …" (never in the URL, so it stays
// out of logs and history). The page turns it into a blob: URL to show,
// play or download; the fan's browser never needs to reach the file store.
func (s *Server) file(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "private, no-store")
	file, data, err := s.svc.OrderFile(r.Context(), r.PathValue("order"), webkit.Bearer(r), r.PathValue("item"), r.PathValue("name"))
	if err != nil {
		s.fileError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", file.ContentType)
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", file.Name))
	w.Header().Set("Content-Length", fmt.Sprint(len(data)))
	w.Write(data)
}

// fileError answers a file request the page made with fetch: the API's
// JSON error, with the status of its code (httperr, the one mapping).
func (s *Server) fileError(w http.ResponseWriter, r *http.Request, err error) {
	httperr.Write(w, r, s.logger, err)
}
