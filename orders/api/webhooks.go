package api

import (
	"net/http"
	"strconv"

	"oshigoods/orders"
)

// createWebhook registers {"url"} for the shop: 201 with the endpoint and
// its signing secret, shown this once.
func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request, k *orders.ShopKey) {
	var req struct {
		URL string `json:"url"`
	}
	if err := decodeBody(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	e, err := s.svc.CreateWebhook(r.Context(), k, req.URL)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": e.ID, "url": e.URL, "secret": e.Secret, "created_at": e.CreatedAt,
		"events": orders.EventTypes()})
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request, k *orders.ShopKey) {
	list, err := s.svc.ShopWebhooks(r.Context(), k)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"webhooks": list})
}

// listDeliveries answers an endpoint's delivery log, newest first
// (?limit=, default 100).
func (s *Server) listDeliveries(w http.ResponseWriter, r *http.Request, k *orders.ShopKey) {
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	log, err := s.svc.WebhookDeliveries(r.Context(), k, r.PathValue("id"), limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"deliveries": log})
}

// deleteWebhook deletes the shop's endpoint with its pending deliveries
// and log: 204; 404 for another shop's.
func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request, k *orders.ShopKey) {
	if err := s.svc.DeleteWebhook(r.Context(), k, r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// rotateWebhook gives the shop's endpoint a new secret: 200 with the
// endpoint and the secret, shown this once; 404 for another shop's.
func (s *Server) rotateWebhook(w http.ResponseWriter, r *http.Request, k *orders.ShopKey) {
	e, err := s.svc.RotateWebhookSecret(r.Context(), k, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": e.ID, "url": e.URL, "secret": e.Secret, "created_at": e.CreatedAt})
}
