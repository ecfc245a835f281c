package storefront

import (
	"net/http"
	"strconv"

	"oshigoods/orders"
)

// yen writes an amount as a price tag: "￥1,980".
func yen(n orders.Yen) string {
	neg := n < 0
	if neg {
		n = -n
	}
	s := strconv.FormatInt(int64(n), 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return "￥" + s
}

// shippingView is a shipping method as checkout and the 特商法 page show it.
type shippingView struct {
	orders.ShippingMethod
	// Terms is its fee and limits in Japanese, e.g. "￥300（5,000円以上で
	// 送料無料・20点まで）".
	Terms string
}

func viewShipping(m orders.ShippingMethod) shippingView {
	v := shippingView{ShippingMethod: m, Terms: yen(m.Fee)}
	if m.Fee == 0 {
		v.Terms = "送料無料"
	}
	var notes []string
	if m.FreeFrom > 0 && m.Fee > 0 {
		notes = append(notes, yenPlain(m.FreeFrom)+"以上で送料無料")
	}
	if m.MaxItems > 0 {
		notes = append(notes, strconv.Itoa(m.MaxItems)+"点まで")
	}
	for i, n := range notes {
		if i == 0 {
			v.Terms += "（"
		} else {
			v.Terms += "・"
		}
		v.Terms += n
	}
	if len(notes) > 0 {
		v.Terms += "）"
	}
	return v
}

// yenPlain writes an amount in prose: "5,000円".
func yenPlain(n orders.Yen) string { return yen(n)[len("￥"):] + "円" }

// cartProduct is what the cart page's script knows of a template.
type cartProduct struct {
	Title    string              `json:"title"`
	Kind     string              `json:"kind"`
	Label    string              `json:"label"`
	Icon     string              `json:"icon"`
	Price    orders.Yen          `json:"price"`
	Delivery orders.DeliveryMode `json:"delivery"`
	Fields   []cartField         `json:"fields"`
}

// cartField is what the cart says of one input: its label, and the
// labels of its choices, so a line reads 「セリフ：おはよう、大好き！」.
type cartField struct {
	Name    string            `json:"name"`
	Label   string            `json:"label"`
	Type    string            `json:"type"`
	Choices map[string]string `json:"choices,omitempty"`
}

// cart is the cart and checkout page. The cart itself lives in the fan's
// browser (localStorage); the page carries what the script needs to show
// it — the templates' names and prices, the limits — and the checkout
// form: the 47 prefectures, the shipping methods and the payment mode.
// Totals come from POST /v1/quotes, never from the page.
func (s *Server) cart(w http.ResponseWriter, r *http.Request) {
	products := map[string]cartProduct{}
	for _, t := range s.catalog.Templates() {
		info := t.Info()
		k := kinds[info.Kind]
		p := cartProduct{Title: info.Title, Kind: string(info.Kind), Label: k.Label, Icon: s.static(k.Icon),
			Price: info.Price, Delivery: orders.DeliveryOf(info.Kind)}
		for _, f := range t.Fields() {
			cf := cartField{Name: f.Name, Label: f.Label, Type: string(f.Type)}
			for _, c := range f.Choices {
				if cf.Choices == nil {
					cf.Choices = map[string]string{}
				}
				cf.Choices[c.Value] = c.Label
			}
			p.Fields = append(p.Fields, cf)
		}
		products[info.ID] = p
	}
	opts := s.svc.CheckoutOptions()
	var methods []shippingView
	for _, m := range opts.ShippingMethods {
		methods = append(methods, viewShipping(m))
	}
	lim := s.svc.Limits.WithDefaults()
	s.render(w, r, http.StatusOK, "cart", map[string]any{
		"Title":       "カート",
		"Products":    products,
		"Options":     opts,
		"Shipping":    methods,
		"Prefectures": orders.Prefectures,
		"MaxItems":    lim.MaxItems,
		"MaxQuantity": lim.MaxQuantity,
		"PaymentNote": paymentTerms(opts, s.svc.Payments.WithDefaults().CheckoutTTL),
	})
}
