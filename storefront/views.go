package storefront

import (
	"fmt"
	"strconv"
	"strings"

	"oshigoods/orders"
	"oshigoods/render"
)

// productView is a template as the pages show it.
type productView struct {
	ID          string
	Kind        render.Kind
	Title       string
	Description string
	// Spec is the printed size, or what the fan receives, in a fan's
	// words: "89×127 mm", "スマホ・目覚まし時計で使える音声". Never the
	// resolution or the file format: those are the print shop's.
	Spec   string
	Fields []fieldView
	// Physical is true for goods that are printed and sent; a voice clip is
	// downloaded, so it has no quantity.
	Physical    bool
	Price       orders.Yen
	MaxQuantity int
	// MaxItems is the most items (cart lines) one order takes.
	MaxItems    int
	MaxUploadMB int64
}

// FilterAbove is the number of choices above which a choice field is
// shown with a box to narrow its list by what the fan types (「ゆ」 shows
// ゆいちゃん, ユウキくん, …): a voice's name calls run to dozens.
const FilterAbove = 8

// fieldView is one input of a template as the product page shows it.
type fieldView struct {
	render.Field
	ID          string // the input's id, "f-<name>"
	Placeholder string
	Selected    []choiceView // a list field's initial values, in order
	Choices     []choiceView
	// Filterable is true for a choice field of more than FilterAbove
	// choices.
	Filterable bool
}

type choiceView struct {
	render.Choice
	Checked bool
}

func viewProduct(t orders.Template, lim orders.Limits) productView {
	info := t.Info()
	p := productView{
		ID: info.ID, Kind: info.Kind, Title: info.Title, Description: info.Description,
		Physical: orders.DeliveryOf(info.Kind) == orders.DeliveryPhysical, Price: info.Price, MaxQuantity: lim.MaxQuantity, MaxItems: lim.MaxItems,
		MaxUploadMB: lim.MaxUploadBytes >> 20,
	}
	out := t.Output()
	switch {
	case out.WidthMM > 0:
		p.Spec = fmt.Sprintf("%s×%s mm", mm(out.WidthMM), mm(out.HeightMM))
	case info.Kind == render.KindVoice:
		p.Spec = "スマホ・目覚まし時計で使える音声"
	}
	for _, f := range t.Fields() {
		p.Fields = append(p.Fields, viewField(f))
	}
	return p
}

func mm(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// viewField prepares a field's initial state: a choice starts at its
// default or, when it has none, its first choice, and a required list at
// its first choice, so the first preview can be made before the fan
// touches anything. A filterable choice (more than FilterAbove options,
// such as the name calls) without a default starts with none picked: a
// fan who did not look must not be sent the first name of a long list.
func viewField(f render.Field) fieldView {
	v := fieldView{Field: f, ID: "f-" + f.Name, Filterable: f.Type == render.FieldChoice && len(f.Choices) > FilterAbove}
	if f.Type == render.FieldText && f.Default != "" {
		v.Placeholder = "空欄なら「" + f.Default + "」"
	}
	initial := f.Default
	if initial == "" && len(f.Choices) > 0 && !v.Filterable && (f.Type == render.FieldChoice || f.Type == render.FieldList && f.MinItems > 0) {
		initial = f.Choices[0].Value
	}
	for _, c := range f.Choices {
		v.Choices = append(v.Choices, choiceView{Choice: c, Checked: f.Type == render.FieldChoice && c.Value == initial})
	}
	if f.Type == render.FieldList {
		for _, val := range render.SplitList(initial) {
			for _, c := range f.Choices {
				if c.Value == val {
					v.Selected = append(v.Selected, choiceView{Choice: c})
				}
			}
		}
	}
	return v
}

// Value is the field's initial value: a list's selected values joined by
// commas, a number's default; "" for text (its default is a placeholder).
func (v fieldView) Value() string {
	switch v.Type {
	case render.FieldList:
		vals := make([]string, len(v.Selected))
		for i, c := range v.Selected {
			vals[i] = c.Value
		}
		return strings.Join(vals, ",")
	case render.FieldNumber:
		return v.Default
	}
	return ""
}
