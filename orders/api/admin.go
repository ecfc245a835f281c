package api

import (
	"net/http"
	"strconv"
	"time"

	"oshigoods"
	"oshigoods/orders"
	"oshigoods/render"
)

// The operator's admin API under /v1/admin/: every route takes an operator
// key as "Authorization: Bearer …" (orders.Service.Operator) and answers
// 401 without a valid one.

// admin wraps an operator's handler with the operator's key.
func (s *Server) admin(h func(http.ResponseWriter, *http.Request, *orders.Operator)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		op, err := s.svc.Operator(r.Context(), bearer(r))
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		h(w, r, op)
	}
}

// adminMe answers who the key belongs to: {"id","name"}; the console
// signs in with it.
func (s *Server) adminMe(w http.ResponseWriter, r *http.Request, op *orders.Operator) {
	writeJSON(w, http.StatusOK, op)
}

// adminOrderSummary is one order in the operator's search results.
type adminOrderSummary struct {
	ID        string               `json:"id"`
	Status    orders.Status        `json:"status"`
	Customer  orders.Customer      `json:"customer"`
	ShopID    string               `json:"shop_id,omitempty"`
	Payment   orders.Payment       `json:"payment"`
	Total     orders.Yen           `json:"total"`
	Items     []adminItemView      `json:"items"`
	CreatedAt time.Time            `json:"created_at"`
	UpdatedAt time.Time            `json:"updated_at"`
	ErasedAt  time.Time            `json:"erased_at,omitzero"`
	Shipment  *orders.ShipmentView `json:"shipment,omitempty"`
}

// adminItemView is an item as the operator sees it: its status and
// reason, its times, and what the queue has of its render task. In the
// problem lists, Stuck and Reason say why it is listed.
type adminItemView struct {
	ID        string             `json:"id"`
	OrderID   string             `json:"order_id"`
	Template  string             `json:"template"`
	Kind      render.Kind        `json:"kind"`
	Quantity  int                `json:"quantity"`
	Status    orders.Status      `json:"status"`
	Error     string             `json:"error,omitempty"`
	Stuck     bool               `json:"stuck,omitempty"`
	Reason    string             `json:"reason,omitempty"`
	Task      *orders.RenderTask `json:"task,omitempty"`
	CreatedAt time.Time          `json:"created_at"`
	UpdatedAt time.Time          `json:"updated_at"`
	// TemplateVersion is the template version the item was taken and is
	// made with; absent for an item taken before versions were recorded.
	TemplateVersion string `json:"template_version,omitempty"`
}

func viewAdminItem(it *orders.Item, task *orders.RenderTask) adminItemView {
	return adminItemView{ID: it.ID, OrderID: it.OrderID, Template: it.Template, Kind: it.Kind, Quantity: it.Quantity,
		Status: it.Status, Error: it.Error, Task: task, CreatedAt: it.CreatedAt, UpdatedAt: it.UpdatedAt, TemplateVersion: it.TemplateVersion}
}

func (s *Server) viewAdminSummary(o *orders.Order) adminOrderSummary {
	v := adminOrderSummary{ID: o.ID, Status: o.Status, Customer: o.Customer, ShopID: o.ShopID, Payment: o.Payment,
		Total: o.Totals.Total, Items: []adminItemView{}, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt, ErasedAt: o.ErasedAt,
		Shipment: s.svc.ViewShipment(o)}
	for _, it := range o.Items {
		v.Items = append(v.Items, viewAdminItem(it, nil))
	}
	return v
}

// adminOrders finds orders: ?id=, ?email= (exact, ignoring case),
// ?status=, ?limit= (1–200, default 50) and ?cursor= (the next_cursor of
// the page before). Newest first.
func (s *Server) adminOrders(w http.ResponseWriter, r *http.Request, op *orders.Operator) {
	q := r.URL.Query()
	limit, err := queryInt(q.Get("limit"), "limit")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	page, err := s.svc.SearchOrders(r.Context(), op, orders.OrderSearch{ID: q.Get("id"), Email: q.Get("email"), Status: q.Get("status"),
		Cursor: q.Get("cursor"), Limit: limit})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	list := make([]adminOrderSummary, 0, len(page.Orders))
	for _, o := range page.Orders {
		list = append(list, s.viewAdminSummary(o))
	}
	writeJSON(w, http.StatusOK, map[string]any{"orders": list, "next_cursor": page.Next})
}

// queryInt parses an optional whole-number query parameter; "" is 0.
func queryInt(v, name string) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, oshigoods.FieldErrorf(name, "%s must be a whole number; got %q.", name, v)
	}
	return n, nil
}

// adminOrderView is the operator's full view of an order: the fan's view
// (items with files and links, timeline, payment) with the shop it is
// routed to, its payment records, and each item's times and render task.
type adminOrderView struct {
	orderView
	ShopID   string              `json:"shop_id,omitempty"`
	Payments []paymentRecordView `json:"payment_records"`
	Details  []adminItemView     `json:"item_details"`
}

type paymentRecordView struct {
	Type      orders.PaymentEventType `json:"type"`
	Provider  string                  `json:"provider"`
	Reference string                  `json:"reference,omitempty"`
	Amount    orders.Yen              `json:"amount"`
	By        string                  `json:"by"`
	At        time.Time               `json:"at"`
}

func (s *Server) adminOrder(w http.ResponseWriter, r *http.Request, op *orders.Operator) {
	d, err := s.svc.OrderDetail(r.Context(), op, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	view, err := s.viewOrder(r.Context(), d.Order)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	v := adminOrderView{orderView: view, ShopID: d.ShopID, Payments: []paymentRecordView{}, Details: []adminItemView{}}
	for _, p := range d.Payments {
		v.Payments = append(v.Payments, paymentRecordView{p.Type, p.Provider, p.Reference, p.Amount, p.By, p.At})
	}
	for _, it := range d.Items {
		var task *orders.RenderTask
		if t, ok := d.Tasks[it.ID]; ok {
			task = &t
		}
		v.Details = append(v.Details, viewAdminItem(it, task))
	}
	writeJSON(w, http.StatusOK, v)
}

// adminCancelOrder cancels an order for the operator; 409 once a shop
// has claimed or printed it.
func (s *Server) adminCancelOrder(w http.ResponseWriter, r *http.Request, op *orders.Operator) {
	o, err := s.svc.OperatorCancelOrder(r.Context(), op, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.viewAdminSummary(o))
}

// markPaid records the operator's confirmation of a bank transfer:
// {"reference": "12/06 ヤマダハナコ"} (optional).
func (s *Server) markPaid(w http.ResponseWriter, r *http.Request, op *orders.Operator) {
	var req struct {
		Reference string `json:"reference"`
	}
	if err := decodeBody(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	o, err := s.svc.MarkPaid(r.Context(), op.Actor(), r.PathValue("id"), req.Reference)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeOrder(w, r, o)
}

// adminItems lists the failed (?status=failed) or stuck (?status=stuck)
// items with their reasons and render tasks, least recently changed
// first, at most ?limit= (1–200, default 50).
func (s *Server) adminItems(w http.ResponseWriter, r *http.Request, op *orders.Operator) {
	limit, err := queryInt(r.URL.Query().Get("limit"), "limit")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	list, err := s.svc.ProblemItems(r.Context(), op, r.URL.Query().Get("status"), limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	views := make([]adminItemView, 0, len(list))
	for _, p := range list {
		v := viewAdminItem(p.Item, p.Task)
		v.Stuck, v.Reason = p.Stuck, p.Reason
		views = append(views, v)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": views})
}

// adminRetryItem sends a failed or stuck item back to the queue; a repeat
// is a no-op (200 with the item as it is).
func (s *Server) adminRetryItem(w http.ResponseWriter, r *http.Request, op *orders.Operator) {
	it, err := s.svc.RetryItem(r.Context(), op, r.PathValue("id"))
	s.adminItemAction(w, r, it, err)
}

// adminCancelItem cancels one item that is not yet ready, or failed.
func (s *Server) adminCancelItem(w http.ResponseWriter, r *http.Request, op *orders.Operator) {
	it, err := s.svc.CancelItem(r.Context(), op, r.PathValue("id"))
	s.adminItemAction(w, r, it, err)
}

// adminItemAction answers an item action with the item as it is now.
func (s *Server) adminItemAction(w http.ResponseWriter, r *http.Request, it *orders.Item, err error) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewAdminItem(it, nil))
}

// templateVersionView is a template as a reload reports it.
type templateVersionView struct {
	ID      string      `json:"id"`
	Kind    render.Kind `json:"kind"`
	Title   string      `json:"title"`
	Version string      `json:"version"`
}

// adminReloadTemplates loads the templates again from the shop's folder
// (OSHIGOODS_TEMPLATES_DIR) and swaps them in: 200 with
// {"templates":[{id,kind,title,version}], "changes":[{id,from,to}]}. A bad
// template is 422 naming it and what is wrong; the templates in use stay.
func (s *Server) adminReloadTemplates(w http.ResponseWriter, r *http.Request, op *orders.Operator) {
	res, err := s.svc.ReloadTemplates(r.Context(), op.Actor())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	list := make([]templateVersionView, 0, len(res.Templates))
	for _, t := range res.Templates {
		list = append(list, templateVersionView{t.ID, t.Kind, t.Title, t.Version})
	}
	writeJSON(w, http.StatusOK, map[string]any{"templates": list, "changes": res.Changes})
}
