package storefront

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/util"

	"oshigoods/orders"
)

// The legal pages — 特定商取引法に基づく表記, 利用規約 and the privacy
// policy — are the operator's text, written in Markdown. Markdown, not
// HTML: one renderer (goldmark, CommonMark with tables) whose output is
// safe by construction — raw HTML in the source is dropped, links to
// javascript: and the like lose their target — so the storefront needs no
// HTML sanitiser to keep in step with browsers, and an operator who pastes
// a snippet with a <script> cannot break the pages' Content-Security-Policy
// promises. Tables, lists, links, emphasis and line breaks are all a legal
// page needs; the one tag kept is <br>, for a line break in a table cell.

//go:embed legal/*.md
var legalDefaults embed.FS

// MaxLegalBytes is the largest legal page file read: 256 KiB, many times
// a long terms of service.
const MaxLegalBytes = 256 << 10

// legalDoc is one legal page: its file in Config.LegalDir and its title.
type legalDoc struct {
	Name  string // "tokushoho", "terms", "privacy"
	Title string
}

var legalDocs = []legalDoc{
	{"tokushoho", "特定商取引法に基づく表記"},
	{"terms", "利用規約"},
	{"privacy", "個人情報の取り扱い"},
}

// Legal is the operator's legal pages, rendered to HTML.
type Legal struct {
	pages map[string]template.HTML
	// Placeholders names the pages shown with the built-in placeholder
	// text because the folder has no file for them.
	Placeholders []string
}

var markdown = goldmark.New(
	goldmark.WithExtensions(extension.Table, extension.Strikethrough),
	// A line break in the source is a line break on the page, as an
	// address is written. Raw HTML stays off (the default): it is
	// replaced by a comment, except a bare <br> (lineBreaks).
	goldmark.WithRendererOptions(html.WithHardWraps(),
		renderer.WithNodeRenderers(util.Prioritized(lineBreaks{}, 100))),
)

// lineBreaks renders inline raw HTML: a bare <br> (or <br/>) as a line
// break, since a table row is one line of Markdown and an address in a
// 特商法 table needs two; anything else is dropped as goldmark drops raw
// HTML.
type lineBreaks struct{}

var brRE = regexp.MustCompile(`(?i)^<br\s*/?>$`)

func (lineBreaks) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindRawHTML, func(w util.BufWriter, source []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkSkipChildren, nil
		}
		var raw []byte
		segs := n.(*ast.RawHTML).Segments
		for i := 0; i < segs.Len(); i++ {
			seg := segs.At(i)
			raw = append(raw, seg.Value(source)...)
		}
		if brRE.Match(raw) {
			_, _ = w.WriteString("<br>")
		} else {
			_, _ = w.WriteString("<!-- raw HTML omitted -->")
		}
		return ast.WalkSkipChildren, nil
	})
}

// LoadLegal reads the legal pages from dir: tokushoho.md, terms.md and
// privacy.md, Markdown in UTF-8, each at most MaxLegalBytes. A page whose
// file is missing shows the built-in placeholder, which says
// 「【要記入】この内容は運営者が設定してください」; so does every page when dir
// is "". It returns an error when dir is not a readable folder, holds
// none of the three files, holds one as .html or .htm (not rendered: see
// above), or a file is unreadable, too large or not UTF-8.
func LoadLegal(dir string) (*Legal, error) {
	l := &Legal{pages: map[string]template.HTML{}}
	if dir != "" {
		st, err := os.Stat(dir)
		if err != nil {
			return nil, fmt.Errorf("legal pages folder: %w", err)
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("legal pages folder: %s is not a folder", dir)
		}
	}
	found := 0
	for _, d := range legalDocs {
		src, err := readLegal(dir, d.Name)
		if err != nil {
			return nil, err
		}
		if src == nil {
			l.Placeholders = append(l.Placeholders, d.Name)
			if src, err = fs.ReadFile(legalDefaults, "legal/"+d.Name+".md"); err != nil {
				return nil, err
			}
		} else {
			found++
		}
		var b bytes.Buffer
		if err := markdown.Convert(src, &b); err != nil {
			return nil, fmt.Errorf("render %s.md: %w", d.Name, err)
		}
		l.pages[d.Name] = template.HTML(b.String())
	}
	if dir != "" && found == 0 {
		return nil, fmt.Errorf("legal pages folder %s has none of tokushoho.md, terms.md and privacy.md", dir)
	}
	return l, nil
}

// readLegal returns dir/name.md, or nil when dir is "" or has no such
// file.
func readLegal(dir, name string) ([]byte, error) {
	if dir == "" {
		return nil, nil
	}
	for _, ext := range []string{".html", ".htm"} {
		if _, err := os.Stat(filepath.Join(dir, name+ext)); err == nil {
			return nil, fmt.Errorf("legal page %s%s: write it in Markdown as %s.md; HTML files are not rendered", name, ext, name)
		}
	}
	path := filepath.Join(dir, name+".md")
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("legal page: %w", err)
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, MaxLegalBytes+1))
	if err != nil {
		return nil, fmt.Errorf("legal page %s: %w", path, err)
	}
	if len(src) > MaxLegalBytes {
		return nil, fmt.Errorf("legal page %s is larger than %d KiB", path, MaxLegalBytes>>10)
	}
	if !utf8.Valid(src) {
		return nil, fmt.Errorf("legal page %s is not UTF-8 text", path)
	}
	if len(bytes.TrimSpace(src)) == 0 {
		return nil, fmt.Errorf("legal page %s is empty", path)
	}
	return src, nil
}

// LegalPlaceholders names the legal pages that show the built-in
// placeholder: the operator has not written them yet.
func (s *Server) LegalPlaceholders() []string { return slices.Clone(s.legal.Placeholders) }

// Page returns a legal page's HTML ("tokushoho", "terms", "privacy").
func (l *Legal) Page(name string) template.HTML { return l.pages[name] }

// legalView is what the legal and privacy pages show besides the
// operator's text: whether it is the placeholder, and the shop's own
// settings that the text must agree with.
type legalView struct {
	Title       string
	Name        string
	Body        template.HTML
	Placeholder bool
	Shipping    []shippingView
	Payment     string
}

func (s *Server) legalPage(name string) legalView {
	v := legalView{Name: name, Body: s.legal.Page(name), Placeholder: slices.Contains(s.legal.Placeholders, name)}
	for _, d := range legalDocs {
		if d.Name == name {
			v.Title = d.Title
		}
	}
	return v
}

// tokushoho is 特定商取引法に基づく表記: the operator's text, then the
// shipping fees and the payment terms as the shop is configured, so the
// page never disagrees with what checkout charges.
func (s *Server) tokushoho(w http.ResponseWriter, r *http.Request) {
	v := s.legalPage("tokushoho")
	opts := s.svc.CheckoutOptions()
	for _, m := range opts.ShippingMethods {
		v.Shipping = append(v.Shipping, viewShipping(m))
	}
	v.Payment = paymentTerms(opts, s.svc.Payments.WithDefaults().CheckoutTTL)
	s.render(w, r, http.StatusOK, "legal", v)
}

func (s *Server) terms(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "legal", s.legalPage("terms"))
}

// paymentTerms says in Japanese how and by when a fan pays.
func paymentTerms(o orders.CheckoutOptions, checkoutTTL time.Duration) string {
	switch o.Payment {
	case orders.PaymentBankTransfer:
		return fmt.Sprintf("銀行振込（前払い）。ご注文日から%d日後の23:59（日本時間）までにお振り込みください。期限までにご入金が確認できないご注文はキャンセルになります。ご入金の確認後に制作を開始します。", o.TransferDays)
	case orders.PaymentStripe:
		return fmt.Sprintf("クレジットカードなど（Stripe のお支払いページでお支払い）。ご注文から%s以内にお支払いがないご注文はキャンセルになります。お支払いの確認後に制作を開始します。", jaDuration(checkoutTTL))
	}
	return "お支払い方法は、ご注文のあとにショップからご案内します。"
}
