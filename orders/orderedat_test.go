package orders_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"oshigoods/internal/testenv"
	"oshigoods/orders"
	"oshigoods/render"
	"oshigoods/templates"
)

// datedRenderer is a card that records the OrderedAt of every input it is
// given, by use.
type datedRenderer struct {
	warnRenderer
	mu   sync.Mutex
	seen map[string][]time.Time
}

func (d *datedRenderer) record(use string, in render.Inputs) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.seen[use] = append(d.seen[use], in.OrderedAt)
}

func (d *datedRenderer) last(use string) time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	if s := d.seen[use]; len(s) > 0 {
		return s[len(s)-1]
	}
	return time.Time{}
}

func (d *datedRenderer) Check(ctx context.Context, in render.Inputs) ([]string, error) {
	d.record("check", in)
	return nil, nil
}

func (d *datedRenderer) Render(ctx context.Context, in render.Inputs) (*render.Result, error) {
	d.record("render", in)
	return &render.Result{Files: []render.File{
		{Name: "card.pdf", Role: render.RoleOutput, ContentType: "application/pdf", Data: []byte("%PDF-")},
		{Name: "preview.png", Role: render.RolePreview, ContentType: "image/png", Data: []byte("png")},
	}}, nil
}

// TestOrderedAt: the service dates an order's validation by its clock, the
// item's render by when it was ordered (not when the render runs, days
// later), and a preview by its clock.
func TestOrderedAt(t *testing.T) {
	ctx := t.Context()
	d := &datedRenderer{seen: map[string][]time.Time{}}
	svc, _, _ := warnService(t, acceptQueue{}, map[string]render.Renderer{"dated-card": d})
	orderedAt := time.Date(2026, 12, 31, 15, 30, 0, 0, time.UTC)
	clock := orderedAt
	svc.Now = func() time.Time { return clock }

	item := orderCard(t, svc, "dated-card")
	if got := d.last("check"); !got.Equal(orderedAt) {
		t.Errorf("the order was validated as of %v, want %v", got, orderedAt)
	}
	clock = orderedAt.Add(40 * 24 * time.Hour) // rendered after a retry, weeks later
	if err := svc.RenderItem(ctx, item.ID); err != nil {
		t.Fatal(err)
	}
	if got := d.last("render"); !got.Equal(orderedAt) {
		t.Errorf("the item was rendered as of %v, want when it was ordered, %v", got, orderedAt)
	}
	if _, _, err := svc.Preview(ctx, orders.PreviewRequest{Template: "dated-card", Fields: map[string]string{"to": "さくら"}}); err != nil {
		t.Fatal(err)
	}
	if got := d.last("render"); !got.Equal(clock) {
		t.Errorf("the preview was made as of %v, want the service's clock, %v", got, clock)
	}
}

// TestCardDatedByOrder orders the shipped vertical letter and reads its
// rendered print file with pdftotext: the card is dated the month it was
// ordered in Japan, whenever it is rendered, calls the fan by the name
// they wrote, and a card ordered today shows this year.
func TestCardDatedByOrder(t *testing.T) {
	testenv.Tool(t, "pdftotext")
	tpl, err := templates.BuiltinOne("card-letter-tate")
	if err != nil {
		t.Fatal(err)
	}
	svc, store, files := warnService(t, acceptQueue{}, map[string]render.Renderer{"card-letter-tate": tpl.Renderer})
	text := func(item *orders.Item) string {
		t.Helper()
		if err := svc.RenderItem(t.Context(), item.ID); err != nil {
			t.Fatal(err)
		}
		data, ok := files.Object(orders.FileKey(item, "card.pdf"))
		if !ok {
			t.Fatal("no card.pdf stored")
		}
		file := filepath.Join(t.TempDir(), "card.pdf")
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("pdftotext", "-enc", "UTF-8", file, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(strings.Fields(string(out)), "")
	}
	order := func(to string) *orders.Item {
		t.Helper()
		o, _, _, err := svc.CreateOrder(t.Context(), orders.NewOrder{TermsAccepted: true, ShippingAddress: testAddress(),
			Customer: orders.Customer{Name: "山田 花子", Email: "hanako@example.com"},
			Items:    []orders.NewItem{{Template: "card-letter-tate", Fields: map[string]string{"to": to}}},
		}, orders.Idempotency{})
		if err != nil {
			t.Fatal(err)
		}
		return o.Items[0]
	}

	t.Run("ordered on New Year's Day in Japan, rendered weeks later", func(t *testing.T) {
		clock := time.Date(2026, 12, 31, 15, 30, 0, 0, time.UTC)
		svc.Now = func() time.Time { return clock }
		item := order("ゆいちゃん")
		clock = clock.Add(40 * 24 * time.Hour)
		got := text(item)
		for _, want := range []string{"ゆいちゃんへ", "二〇二七年一月"} {
			if !strings.Contains(got, want) {
				t.Errorf("the card does not say %s:\n%s", want, got)
			}
		}
		if strings.Contains(got, "ちゃんさん") || strings.Contains(got, "二月") {
			t.Errorf("the card reads:\n%s", got)
		}
	})
	t.Run("ordered today", func(t *testing.T) {
		svc.Now = nil
		item := order("たろう")
		stored, err := store.Item(t.Context(), item.ID)
		if err != nil {
			t.Fatal(err)
		}
		year := kanjiYear(stored.CreatedAt.In(time.FixedZone("JST", 9*3600)).Year())
		got := text(item)
		if !strings.Contains(got, year+"年") || !strings.Contains(got, "たろうさんへ") {
			t.Errorf("ordered today, the card does not say たろうさんへ and %s年:\n%s", year, got)
		}
	})
}

// kanjiYear writes a year digit by digit in kanji, as a vertical letter
// does: 二〇二六.
func kanjiYear(y int) string {
	digits := []rune("〇一二三四五六七八九")
	var b strings.Builder
	for _, c := range strconv.Itoa(y) {
		b.WriteRune(digits[c-'0'])
	}
	return b.String()
}
