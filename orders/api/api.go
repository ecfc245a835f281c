// Package api is the JSON HTTP API: templates, uploads and orders for fans,
// the order list for print shops, the operator's admin API, and health
// checks.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"oshigoods"
	"oshigoods/httperr"
	"oshigoods/internal/webkit"
	"oshigoods/orders"
	"oshigoods/render"
)

// Pinger is a dependency /readyz checks.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Server serves the API.
type Server struct {
	svc    *orders.Service
	logger *slog.Logger
	ready  map[string]Pinger
	mux    *http.ServeMux
}

// New returns the API over svc. ready names what /readyz checks.
func New(svc *orders.Service, logger *slog.Logger, ready map[string]Pinger) *Server {
	s := &Server{svc: svc, logger: logger, ready: ready, mux: http.NewServeMux()}
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.HandleFunc("GET /v1/templates", s.listTemplates)
	s.mux.HandleFunc("GET /v1/templates/{id}", s.getTemplate)
	s.mux.HandleFunc("POST /v1/uploads", s.createUpload)
	s.mux.HandleFunc("POST /v1/previews", s.createPreview)
	s.mux.HandleFunc("POST /v1/orders", s.createOrder)
	s.mux.HandleFunc("GET /v1/orders/{id}", s.getOrder)
	s.mux.HandleFunc("GET /v1/checkout-options", s.checkoutOptions)
	s.mux.HandleFunc("GET /v1/postal-codes/{code}", s.postalCode)
	s.mux.HandleFunc("POST /v1/quotes", s.createQuote)
	s.mux.HandleFunc("POST /v1/orders/{id}/checkout", s.orderCheckout)
	s.mux.HandleFunc("POST /v1/payments/stripe/webhook", s.stripeWebhook)
	s.mux.HandleFunc("GET /v1/admin/me", s.admin(s.adminMe))
	s.mux.HandleFunc("GET /v1/admin/orders", s.admin(s.adminOrders))
	s.mux.HandleFunc("GET /v1/admin/orders/{id}", s.admin(s.adminOrder))
	s.mux.HandleFunc("POST /v1/admin/orders/{id}/cancel", s.admin(s.adminCancelOrder))
	s.mux.HandleFunc("POST /v1/admin/orders/{id}/mark-paid", s.admin(s.markPaid))
	s.mux.HandleFunc("GET /v1/admin/items", s.admin(s.adminItems))
	s.mux.HandleFunc("POST /v1/admin/items/{id}/retry", s.admin(s.adminRetryItem))
	s.mux.HandleFunc("POST /v1/admin/items/{id}/cancel", s.admin(s.adminCancelItem))
	s.mux.HandleFunc("POST /v1/admin/templates/reload", s.admin(s.adminReloadTemplates))
	s.mux.HandleFunc("GET /v1/shop/orders", s.shop(s.listShopOrders))
	s.mux.HandleFunc("POST /v1/shop/orders/{id}/printed", s.shop(s.markPrinted))
	s.mux.HandleFunc("POST /v1/shop/orders/{id}/shipped", s.shop(s.markShipped))
	s.mux.HandleFunc("POST /v1/orders/{id}/cancel", s.cancelOrder)
	s.mux.HandleFunc("POST /v1/orders/{id}/erase", s.eraseOrder)
	s.mux.HandleFunc("POST /v1/shop/claims", s.shop(s.createClaim))
	s.mux.HandleFunc("GET /v1/shop/claims/{id}", s.shop(s.getClaim))
	s.mux.HandleFunc("GET /v1/shop/claims/{id}/imposition.pdf", s.shop(s.getImposition))
	s.mux.HandleFunc("GET /v1/shop/claims/{id}/packing-slips.pdf", s.shop(s.getPackingSlips))
	s.mux.HandleFunc("GET /v1/shop/claims/{id}/shipping.csv", s.shop(s.getShippingCSV))
	s.mux.HandleFunc("POST /v1/shop/claims/{id}/tracking", s.shop(s.importTracking))
	s.mux.HandleFunc("POST /v1/shop/claims/{id}/ack", s.shop(s.ackClaim))
	s.mux.HandleFunc("POST /v1/shop/claims/{id}/release", s.shop(s.releaseClaim))
	s.mux.HandleFunc("POST /v1/shop/webhooks", s.shop(s.createWebhook))
	s.mux.HandleFunc("GET /v1/shop/webhooks", s.shop(s.listWebhooks))
	s.mux.HandleFunc("GET /v1/shop/webhooks/{id}/deliveries", s.shop(s.listDeliveries))
	s.mux.HandleFunc("DELETE /v1/shop/webhooks/{id}", s.shop(s.deleteWebhook))
	s.mux.HandleFunc("POST /v1/shop/webhooks/{id}/rotate", s.shop(s.rotateWebhook))
	return s
}

// ServeHTTP serves a request, turning a panic into a 500 rather than a
// dropped connection, and a path or method no route takes into the JSON of
// ENOTFOUND or EMETHOD.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil && v != http.ErrAbortHandler {
			s.writeError(w, r, fmt.Errorf("panic: %v", v))
		}
	}()
	httperr.Routes(s.mux, s.logger).ServeHTTP(w, r)
}

// writeError answers with err as httperr.Write does: {"error":{…}} with the
// status of its code; internal errors are logged and reach the client only
// as a generic message.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	httperr.Write(w, r, s.logger, err)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// clientAddr is the client's IP address, the scope of its idempotency keys
// (behind a trusted proxy, the guard has put the forwarded address in
// RemoteAddr).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// bearer returns the token of an "Authorization: Bearer …" header.
func bearer(r *http.Request) string { return webkit.Bearer(r) }

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	checks, status := map[string]string{}, http.StatusOK
	for name, p := range s.ready {
		if err := p.Ping(ctx); err != nil {
			s.logger.Warn("not ready", "dependency", name, "err", err)
			checks[name], status = "unreachable", http.StatusServiceUnavailable
		} else {
			checks[name] = "ok"
		}
	}
	writeJSON(w, status, map[string]any{"checks": checks})
}

type templateView struct {
	ID          string      `json:"id"`
	Kind        render.Kind `json:"kind"`
	Title       string      `json:"title"`
	Description string      `json:"description,omitempty"`
	// Price is one piece's price, tax included.
	Price    orders.Price        `json:"price"`
	Delivery orders.DeliveryMode `json:"delivery"`
	Fields   []render.Field      `json:"fields"`
	Output   render.Output       `json:"output"`
	// Version names the template's files (manifest and assets); an order
	// records the version it was taken with.
	Version string `json:"version"`
}

// viewTemplate describes t, with its output as the configured print
// profile finishes it (bleed, photo format).
func (s *Server) viewTemplate(t orders.Template) templateView {
	info := t.Info()
	return templateView{info.ID, info.Kind, info.Title, info.Description, orders.JPY(info.Price), info.Delivery, t.Fields(),
		s.svc.Profile.Finish(info.Kind, t.Output()), info.Version}
}

func (s *Server) listTemplates(w http.ResponseWriter, r *http.Request) {
	list := s.svc.Catalog.Templates()
	views := make([]templateView, 0, len(list))
	for _, t := range list {
		views = append(views, s.viewTemplate(t))
	}
	writeJSON(w, http.StatusOK, map[string]any{"templates": views})
}

func (s *Server) getTemplate(w http.ResponseWriter, r *http.Request) {
	t, err := s.svc.Catalog.Template(r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"templates": []templateView{s.viewTemplate(t)}})
}

func (s *Server) createUpload(w http.ResponseWriter, r *http.Request) {
	limit := s.svc.Limits.WithDefaults().MaxUploadBytes
	r.Body = http.MaxBytesReader(w, r.Body, limit+1<<20) // room for the multipart envelope
	file, _, err := r.FormFile("file")
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.writeError(w, r, &oshigoods.Error{Code: oshigoods.ETOOLARGE, Field: "file", Message: fmt.Sprintf("the file is larger than %d MiB.", limit>>20)})
			return
		}
		s.writeError(w, r, &oshigoods.Error{Code: oshigoods.EINVALID, Field: "file", Message: "send the image as multipart/form-data in the field \"file\"."})
		return
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, limit+1))
	if err != nil {
		s.writeError(w, r, &oshigoods.Error{Code: oshigoods.EINVALID, Field: "file", Message: "the upload was interrupted."})
		return
	}
	u, err := s.svc.Upload(r.Context(), data)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": u.ID, "format": u.Format, "width": u.Width, "height": u.Height, "size": u.Size, "sha256": u.SHA256,
		"slots": s.svc.UploadSlots(u)})
}

func (s *Server) createOrder(w http.ResponseWriter, r *http.Request) {
	var req orders.NewOrder
	if err := decodeJSON(w, r, &req, maxOrderBody, "order", false); err != nil {
		s.writeError(w, r, err)
		return
	}
	o, token, created, err := s.svc.CreateOrder(r.Context(), req, orders.Idempotency{Key: r.Header.Get("Idempotency-Key"), Client: clientAddr(r)})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	view, err := s.viewOrder(r.Context(), o)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	view.Token = token
	status := http.StatusCreated
	if !created {
		w.Header().Set("Idempotent-Replayed", "true")
		status = http.StatusOK
	}
	w.Header().Set("Location", "/v1/orders/"+o.ID)
	writeJSON(w, status, view)
}

// createPreview answers with the preview's bytes (image or audio), and its
// warnings in X-Oshigoods-Warning headers, percent-encoded.
func (s *Server) createPreview(w http.ResponseWriter, r *http.Request) {
	var req orders.PreviewRequest
	if err := decodeJSON(w, r, &req, maxSmallBody, "preview request", false); err != nil {
		s.writeError(w, r, err)
		return
	}
	f, warnings, err := s.svc.Preview(r.Context(), req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	for _, warn := range warnings {
		w.Header().Add("X-Oshigoods-Warning", url.QueryEscape(warn))
	}
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(f.Data)))
	w.WriteHeader(http.StatusOK)
	w.Write(f.Data)
}

// getOrder answers the fan (the order token is the bearer) with the order
// and its files' links; downloads whose links it issues are delivered.
func (s *Server) getOrder(w http.ResponseWriter, r *http.Request) {
	o, err := s.svc.Order(r.Context(), r.PathValue("id"), bearer(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if o, err = s.svc.IssueDownloads(r.Context(), o); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeOrder(w, r, o)
}

// writeOrder writes the order as JSON with presigned file URLs.
func (s *Server) writeOrder(w http.ResponseWriter, r *http.Request, o *orders.Order) {
	view, err := s.viewOrder(r.Context(), o)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, view)
}

// shop wraps a print-shop handler with key authentication.
func (s *Server) shop(h func(http.ResponseWriter, *http.Request, *orders.ShopKey)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		k, err := s.svc.ShopByKey(r.Context(), bearer(r))
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		h(w, r, k)
	}
}

func (s *Server) listShopOrders(w http.ResponseWriter, r *http.Request, k *orders.ShopKey) {
	list, err := s.svc.ShopOrders(r.Context(), k, orders.Status(r.URL.Query().Get("status")))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	views := make([]orderView, 0, len(list))
	for _, o := range list {
		v, err := s.viewOrder(r.Context(), o)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		views = append(views, v)
	}
	writeJSON(w, http.StatusOK, map[string]any{"orders": views})
}

// markShipped records the shop's shipment of a printed order:
// {"carrier":"yamato","tracking_number":"1234-5678-9012"}.
func (s *Server) markShipped(w http.ResponseWriter, r *http.Request, k *orders.ShopKey) {
	var req orders.NewShipment
	if err := decodeJSON(w, r, &req, maxSmallBody, "shipment", false); err != nil {
		s.writeError(w, r, err)
		return
	}
	o, err := s.svc.MarkShipped(r.Context(), k, r.PathValue("id"), req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeOrder(w, r, o)
}

// markPrinted marks an order printed outside a claim; an order a claim
// holds is a 409 (orders.Service.MarkPrinted).
func (s *Server) markPrinted(w http.ResponseWriter, r *http.Request, k *orders.ShopKey) {
	o, err := s.svc.MarkPrinted(r.Context(), k, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeOrder(w, r, o)
}
