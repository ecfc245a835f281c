// Command cardbench times the letter card both ways bench/card.sh compares:
// oshigoods (the template and its fonts compiled once, then N print files)
// and headless Chromium kept running (one browser printing N pages over the
// DevTools protocol), and writes the HTML letter Chromium is given.
//
//	cardbench html      -out letter.html     the template's letter as HTML
//	cardbench oshigoods -n 50 -out card.pdf   warm oshigoods renders
//	cardbench chromium  -n 20 -html letter.html -out chromium.pdf
//
// Each prints key=value lines for the script to read.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"html"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"oshigoods/render"
	"oshigoods/render/card"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("cardbench: ")
	if len(os.Args) < 2 {
		log.Fatal("usage: cardbench html|oshigoods|chromium [flags]")
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	root := fs.String("templates", "templates", "the catalogue root")
	id := fs.String("template", "card-letter-tate", "the card template")
	to := fs.String("to", "さくら", "the fan's name")
	n := fs.Int("n", 20, "cards to render")
	out := fs.String("out", "", "file to write (the HTML, or the last PDF)")
	page := fs.String("html", "", "the HTML letter (chromium)")
	bin := fs.String("chromium", "/usr/bin/chromium", "the Chromium binary (chromium)")
	fs.Parse(os.Args[2:])

	var err error
	switch os.Args[1] {
	case "html":
		err = writeHTML(*root, *id, *to, *out)
	case "oshigoods":
		err = benchOshigoods(*root, *id, *to, *n, *out)
	case "chromium":
		err = benchChromium(*bin, *page, *n, *out)
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		log.Fatal(err)
	}
}

// readSpec returns the card part of a template manifest.
func readSpec(root, id string) (json.RawMessage, card.Spec, error) {
	var m struct {
		Card json.RawMessage `json:"card"`
	}
	var s card.Spec
	data, err := os.ReadFile(filepath.Join(root, id, "template.json"))
	if err != nil {
		return nil, s, err
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, s, fmt.Errorf("decode %s: %w", id, err)
	}
	if err := json.Unmarshal(m.Card, &s); err != nil {
		return nil, s, fmt.Errorf("decode %s card: %w", id, err)
	}
	return m.Card, s, nil
}

// benchOshigoods compiles the template once (the fonts are parsed then) and
// renders n print files, then n full renders (print file and preview).
func benchOshigoods(root, id, to string, n int, out string) error {
	raw, _, err := readSpec(root, id)
	if err != nil {
		return err
	}
	start := time.Now()
	r, err := card.Compile(raw, os.DirFS(root))
	if err != nil {
		return err
	}
	compile := time.Since(start)
	tpl := r.(*card.Template)
	prof, err := render.LookupProfile("jp-standard")
	if err != nil {
		return err
	}
	in := render.Inputs{Fields: map[string]string{"to": to}, Profile: prof, OrderedAt: time.Now()}
	ctx := context.Background()
	var pdf []byte
	if pdf, err = tpl.RenderPDF(ctx, in); err != nil { // warm up
		return err
	}
	start = time.Now()
	for range n {
		if pdf, err = tpl.RenderPDF(ctx, in); err != nil {
			return err
		}
	}
	perPDF := time.Since(start) / time.Duration(n)
	start = time.Now()
	for range n {
		if _, err = tpl.Render(ctx, in); err != nil {
			return err
		}
	}
	perRender := time.Since(start) / time.Duration(n)
	if out != "" {
		if err := os.WriteFile(out, pdf, 0o644); err != nil {
			return err
		}
	}
	fmt.Printf("compile_ms=%.1f\n", ms(compile))
	fmt.Printf("pdf_ms=%.2f\n", ms(perPDF))
	fmt.Printf("render_ms=%.2f\n", ms(perRender))
	fmt.Printf("pdf_bytes=%d\n", len(pdf))
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// tcy matches the one- and two-digit numbers oshigoods sets upright side by
// side (縦中横); HTML must ask for that per span.
var tcy = regexp.MustCompile(`(^|[^0-9])([0-9]{1,2})($|[^0-9])`)

// writeHTML writes the template's own letter as the page an HTML-to-PDF
// service would be given: the same trim, paper, rules, font (Klee One, from
// the catalogue), size, line pitch, characters per line and lines, set
// vertical-rl with strict line breaking, paragraph indents, 縦中横 numbers
// and the signature (name and image) at the foot of its column.
func writeHTML(root, id, to, out string) error {
	raw, s, err := readSpec(root, id)
	if err != nil {
		return err
	}
	// The letter's text as oshigoods sets it: the name with its
	// honorific, the date of an order placed now.
	r, err := card.Compile(raw, os.DirFS(root))
	if err != nil {
		return err
	}
	letter := r.(*card.Template).Letter(render.Inputs{Fields: map[string]string{"to": to}, OrderedAt: time.Now()})
	font, err := filepath.Abs(filepath.Join(root, s.Font))
	if err != nil {
		return err
	}
	esc := func(t string) string {
		t = html.EscapeString(t)
		return tcy.ReplaceAllString(t, `$1<span class="tcy">$2</span>$3`)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>letter</title><style>
@font-face { font-family: "Klee One"; src: url("file://%s") format("truetype"); }
@page { size: %gmm %gmm; margin: 0; }
html, body { margin: 0; padding: 0; background: %s; }
body { width: 100vw; height: 100vh; display: flex; align-items: center; justify-content: center; }
.letter {
  writing-mode: vertical-rl; text-orientation: mixed; line-break: strict;
  font-family: "Klee One"; font-size: %gpt; line-height: %g; color: %s;
  block-size: %gem; inline-size: %gem; /* columns across, characters per column */
  background: repeating-linear-gradient(to left, %s 0 0.2mm, transparent 0.2mm %gem);
}
p { margin: 0; text-indent: 1em; }
p.to { text-indent: 0; }
p.date { text-indent: 2em; }
p.sign { text-indent: 0; text-align: end; }
.tcy { text-combine-upright: all; }
</style></head><body><div class="letter">
`, font, s.WidthMM, s.HeightMM, s.Paper.Color,
		s.FontSizePt, s.LinePitch, s.TextColor,
		float64(s.Lines)*s.LinePitch, float64(s.CharsPerLine),
		s.Paper.RuleColor, s.LinePitch)
	fmt.Fprintf(&b, "<p class=\"to\">%s</p>\n", esc(letter.Recipient))
	for _, p := range letter.Body {
		fmt.Fprintf(&b, "<p>%s</p>\n", esc(p))
	}
	if letter.Date != "" {
		fmt.Fprintf(&b, "<p class=\"date\">%s</p>\n", esc(letter.Date))
	}
	sign := esc(letter.Signature)
	if s.SignatureImage != "" {
		img, err := filepath.Abs(filepath.Join(root, s.SignatureImage))
		if err != nil {
			return err
		}
		length := s.SignatureLengthMM
		if length == 0 {
			length = 25
		}
		side := "height" // along the line
		if s.Direction == "horizontal" {
			side = "width"
		}
		sign += fmt.Sprintf(`　<img src="file://%s" style="%s: %gmm; vertical-align: middle">`, html.EscapeString(img), side, length)
	}
	fmt.Fprintf(&b, "<p class=\"sign\">%s</p>\n</div></body></html>\n", sign)
	return os.WriteFile(out, []byte(b.String()), 0o644)
}
