package fulfil_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"oshigoods"
	"oshigoods/fulfil"
	"oshigoods/internal/testenv"
	"oshigoods/render/pdfx/pdfxtest"
)

var update = flag.Bool("update", false, "rewrite the golden slip pages in testdata/")

// writePDF writes pdf to the test's temporary folder and returns its path.
func writePDF(t *testing.T, pdf []byte) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "slips.pdf")
	if err := os.WriteFile(file, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

func run(t *testing.T, tool string, args ...string) string {
	t.Helper()
	out, err := exec.Command(testenv.Tool(t, tool), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", tool, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// pageText is what pdftotext reads on page n.
func pageText(t *testing.T, file string, n int) string {
	p := strconv.Itoa(n)
	return run(t, "pdftotext", "-f", p, "-l", p, "-enc", "UTF-8", file, "-")
}

// scanQR renders page n at 200 dpi and returns what zbarimg reads on it.
func scanQR(t *testing.T, file string, n int) string {
	t.Helper()
	prefix := filepath.Join(t.TempDir(), fmt.Sprintf("page%d", n))
	p := strconv.Itoa(n)
	run(t, "pdftoppm", "-r", "200", "-f", p, "-l", p, "-png", "-singlefile", file, prefix)
	// stdout only: zbarimg may say on stderr that it found no D-Bus.
	out, err := exec.Command(testenv.Tool(t, "zbarimg"), "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", prefix+".png").Output()
	if err != nil {
		t.Fatalf("zbarimg read no QR code on page %d: %v", n, err)
	}
	return strings.TrimSpace(string(out))
}

// TestPackingSlips checks what a packer and a fan see: one page per
// parcel of the asked size, each with its recipient, postal code, order
// id and date, a QR code that reads as the order id, prices only when
// asked, and a PDF that passes the PDF/X-4 checks with its font embedded
// and subset.
func TestPackingSlips(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		size     fulfil.PageSize
		opts     []fulfil.SlipOption
		wMM, hMM float64
		golden   string
	}{
		{"A4 without prices", fulfil.A4, nil, 210, 297, "slip-A4.png"},
		{"A5 with prices", fulfil.A5, []fulfil.SlipOption{fulfil.WithPrices()}, 148, 210, "slip-A5-prices.png"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			parcels := testParcels(t)
			pdf, err := fulfil.PackingSlips(context.Background(), testShop(), parcels, tc.size, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			file := writePDF(t, pdf)
			pdfxtest.Check(t, file)

			info := run(t, "pdfinfo", file)
			if m := regexp.MustCompile(`Page size:\s+([0-9.]+) x ([0-9.]+) pts`).FindStringSubmatch(info); m == nil {
				t.Errorf("pdfinfo shows no page size:\n%s", info)
			} else {
				w, _ := strconv.ParseFloat(m[1], 64)
				h, _ := strconv.ParseFloat(m[2], 64)
				if pt := 72 / 25.4; math.Abs(w-tc.wMM*pt) > 0.5 || math.Abs(h-tc.hMM*pt) > 0.5 {
					t.Errorf("pdfinfo: page is %s × %s pt, want %s: %.0f × %.0f mm", m[1], m[2], tc.size, tc.wMM, tc.hMM)
				}
			}
			if !regexp.MustCompile(`(?m)^Pages:\s+` + strconv.Itoa(len(parcels)) + `$`).MatchString(info) {
				t.Errorf("pdfinfo: want %d pages, one per parcel:\n%s", len(parcels), info)
			}
			fonts := run(t, "pdffonts", file)
			if !regexp.MustCompile(`[A-Z]{6}\+BIZUDPGothic-Regular +CID TrueType +Identity-H +yes +yes +yes`).MatchString(fonts) {
				t.Errorf("pdffonts: want BIZ UDPGothic embedded, subset, with a ToUnicode map:\n%s", fonts)
			}

			for i, p := range parcels {
				text := pageText(t, file, i+1)
				flat := strings.Join(strings.Fields(text), "")
				to := p.Recipient.Normalize()
				for _, want := range []string{"納品書", "〒" + to.PostalCode, p.OrderID, "様", "推しグッズ工房", "ありがとうございました"} {
					if !strings.Contains(flat, strings.ReplaceAll(want, " ", "")) {
						t.Errorf("page %d lacks %q:\n%s", i+1, want, text)
					}
				}
				// The recipient's name and address, in full: they wrap,
				// but nothing is dropped.
				for _, want := range []string{to.Name, to.Prefecture + to.City + to.Line1, to.Line2} {
					if !strings.Contains(flat, strings.ReplaceAll(want, " ", "")) {
						t.Errorf("page %d lacks the recipient's %q:\n%s", i+1, want, text)
					}
				}
				if date := "2026年12月6日"; p.OrderedAt.Equal(ordered) && !strings.Contains(flat, date) {
					t.Errorf("page %d lacks the order date %s in Japan time:\n%s", i+1, date, text)
				}
				if hasPrices := strings.Contains(flat, "円"); hasPrices != (len(tc.opts) > 0) {
					t.Errorf("page %d shows prices: %v, want %v", i+1, hasPrices, len(tc.opts) > 0)
				}
				if got := scanQR(t, file, i+1); got != p.OrderID {
					t.Errorf("page %d: QR code reads %q, want the order id %q", i+1, got, p.OrderID)
				}
			}
			pdfxtest.GoldenPage(t, file, 1, 50, filepath.Join("testdata", tc.golden), *update)
		})
	}
}

// TestPackingSlipsStayInside: no word runs past the page's margins, even
// for the longest address checkout takes, a long name, a title of 72
// characters and a Latin title with no place to break.
func TestPackingSlipsStayInside(t *testing.T) {
	for _, size := range []fulfil.PageSize{fulfil.A4, fulfil.A5} {
		t.Run(string(size), func(t *testing.T) {
			pdf, err := fulfil.PackingSlips(context.Background(), testShop(), testParcels(t)[1:2], size, fulfil.WithPrices())
			if err != nil {
				t.Fatal(err)
			}
			file := writePDF(t, pdf)
			out := run(t, "pdftotext", "-bbox", file, "-")
			page := regexp.MustCompile(`<page width="([0-9.]+)" height="([0-9.]+)"`).FindStringSubmatch(out)
			if page == nil {
				t.Fatalf("pdftotext -bbox: no page:\n%s", out)
			}
			pw, _ := strconv.ParseFloat(page[1], 64)
			ph, _ := strconv.ParseFloat(page[2], 64)
			// The slip's 14 mm margin on A4, scaled with the page.
			margin := 14 * (pw / 595.276) * 72 / 25.4 * 0.99
			words := regexp.MustCompile(`<word xMin="([0-9.]+)" yMin="([0-9.]+)" xMax="([0-9.]+)" yMax="([0-9.]+)">([^<]*)</word>`).FindAllStringSubmatch(out, -1)
			if len(words) < 20 {
				t.Fatalf("pdftotext -bbox found %d words", len(words))
			}
			for _, w := range words {
				x0, _ := strconv.ParseFloat(w[1], 64)
				y0, _ := strconv.ParseFloat(w[2], 64)
				x1, _ := strconv.ParseFloat(w[3], 64)
				y1, _ := strconv.ParseFloat(w[4], 64)
				if x0 < margin || x1 > pw-margin || y0 < margin*0.9 || y1 > ph-margin*0.5 {
					t.Errorf("%q at x %.1f–%.1f, y %.1f–%.1f leaves the %.0f×%.0f pt page's margins", w[5], x0, x1, y0, y1, pw, ph)
				}
			}
		})
	}
}

// TestPackingSlipsManyItems: a parcel with more items than a page holds
// goes on as many pages as it needs, each numbered and each with the order
// id's QR code.
func TestPackingSlipsManyItems(t *testing.T) {
	p := testParcels(t)[0]
	for i := range 30 {
		p.Items = append(p.Items, fulfil.ParcelItem{ItemID: fmt.Sprintf("itm_%d", i), Title: fmt.Sprintf("ブロマイド No.%d", i+1), Quantity: 1})
	}
	pdf, err := fulfil.PackingSlips(context.Background(), testShop(), []fulfil.Parcel{p}, fulfil.A5)
	if err != nil {
		t.Fatal(err)
	}
	file := writePDF(t, pdf)
	pages, _ := strconv.Atoi(regexp.MustCompile(`(?m)^Pages:\s+(\d+)$`).FindStringSubmatch(run(t, "pdfinfo", file))[1])
	if pages < 2 {
		t.Fatalf("32 items on A5 took %d page; want more than one", pages)
	}
	seen := 0
	for n := 1; n <= pages; n++ {
		text := pageText(t, file, n)
		if want := fmt.Sprintf("納品書（%d/%d）", n, pages); !strings.Contains(text, want) {
			t.Errorf("page %d lacks %q", n, want)
		}
		seen += strings.Count(text, "ブロマイド No.")
		if got := scanQR(t, file, n); got != p.OrderID {
			t.Errorf("page %d: QR code reads %q, want %q", n, got, p.OrderID)
		}
	}
	if seen != 30 {
		t.Errorf("the pages list %d of the 30 added items", seen)
	}
}

// TestPackingSlipsDeterministic: the same input gives the same bytes.
func TestPackingSlipsDeterministic(t *testing.T) {
	a, err := fulfil.PackingSlips(context.Background(), testShop(), testParcels(t), fulfil.A4, fulfil.WithPrices())
	if err != nil {
		t.Fatal(err)
	}
	b, err := fulfil.PackingSlips(context.Background(), testShop(), testParcels(t), fulfil.A4, fulfil.WithPrices())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("two runs on the same input gave different PDFs")
	}
}

// TestPackingSlipsRefuses names what is wrong.
func TestPackingSlipsRefuses(t *testing.T) {
	for _, tc := range []struct {
		scenario  string
		shop      func(*fulfil.Shop)
		parcels   func([]fulfil.Parcel) []fulfil.Parcel
		size      fulfil.PageSize
		code      string
		field     string
		inMessage string
	}{
		{scenario: "an unknown size", size: "B5", code: oshigoods.EINVALID, field: "size"},
		{scenario: "no parcels", parcels: func([]fulfil.Parcel) []fulfil.Parcel { return nil }, code: oshigoods.EUNPROCESSABLE, field: "parcels"},
		{scenario: "no order date", parcels: func(ps []fulfil.Parcel) []fulfil.Parcel { ps[1].OrderedAt = time.Time{}; return ps },
			code: oshigoods.EUNPROCESSABLE, field: "parcels[1].ordered_at"},
		{scenario: "a bad postal code", parcels: func(ps []fulfil.Parcel) []fulfil.Parcel { ps[0].Recipient.PostalCode = "12-345"; return ps },
			code: oshigoods.EUNPROCESSABLE, field: "parcels[0].recipient.postal_code"},
		{scenario: "an item without a title", parcels: func(ps []fulfil.Parcel) []fulfil.Parcel { ps[2].Items[0].Title = " "; return ps },
			code: oshigoods.EUNPROCESSABLE, field: "parcels[2].items[0].title"},
		{scenario: "a thumbnail that is not an image", parcels: func(ps []fulfil.Parcel) []fulfil.Parcel {
			ps[0].Items[1].Thumbnail = []byte("GIF89a not really")
			return ps
		}, code: oshigoods.EUNPROCESSABLE, inMessage: "itm_card00000000002"},
		{scenario: "a shop without a phone", shop: func(s *fulfil.Shop) { s.Phone = "" }, code: oshigoods.EUNPROCESSABLE, inMessage: "Shop.Phone"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			shop := testShop()
			if tc.shop != nil {
				tc.shop(&shop)
			}
			ps := testParcels(t)
			if tc.parcels != nil {
				ps = tc.parcels(ps)
			}
			size := tc.size
			if size == "" {
				size = fulfil.A4
			}
			_, err := fulfil.PackingSlips(context.Background(), shop, ps, size)
			if oshigoods.ErrorCode(err) != tc.code || oshigoods.ErrorField(err) != tc.field || !strings.Contains(err.Error(), tc.inMessage) {
				t.Errorf("got %v (code %s, field %q); want code %s, field %q, mentioning %q", err, oshigoods.ErrorCode(err), oshigoods.ErrorField(err), tc.code, tc.field, tc.inMessage)
			}
		})
	}
}

// TestPackingSlipsConcurrently: slips made at once (two shops pulling)
// share the embedded font; run with -race, this found gofpdf padding the
// font's tables in the shared bytes.
func TestPackingSlipsConcurrently(t *testing.T) {
	shop, parcels := testShop(), testParcels(t)
	var wg sync.WaitGroup
	out := make([][]byte, 4)
	for i := range out {
		wg.Go(func() {
			b, err := fulfil.PackingSlips(t.Context(), shop, parcels, fulfil.A4)
			if err != nil {
				t.Error(err)
			}
			out[i] = b
		})
	}
	wg.Wait()
	for i := range out {
		if !bytes.Equal(out[i], out[0]) {
			t.Fatalf("slips %d differ from slips 0", i)
		}
	}
}
