package api

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"

	"oshigoods/impose"
	"oshigoods/orders"
	"oshigoods/render"
)

// claimRequest is the body of POST /v1/shop/claims; every field is optional.
type claimRequest struct {
	Max          int           `json:"max"`
	Kinds        []render.Kind `json:"kinds"`
	Templates    []string      `json:"templates"`
	LeaseSeconds int           `json:"lease_seconds"`
}

// createClaim leases ready orders to the shop: 201 with the claim's
// manifest (files with presigned URLs), or 200 with no claim_id and no
// orders when none is ready.
func (s *Server) createClaim(w http.ResponseWriter, r *http.Request, k *orders.ShopKey) {
	var req claimRequest
	if err := decodeBody(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	lease, err := orders.LeaseSeconds(req.LeaseSeconds)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.svc.ClaimOrders(r.Context(), k, orders.ClaimRequest{Max: req.Max, Kinds: req.Kinds, Templates: req.Templates, Lease: lease})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if c == nil {
		writeJSON(w, http.StatusOK, map[string]any{"claim_id": "", "orders": []any{}})
		return
	}
	s.logger.Info("orders claimed", "claim", c.ID, "shop", k.Name, "orders", len(c.Orders))
	m, err := s.manifest(r.Context(), c, "")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/v1/shop/claims/"+c.ID)
	writeJSON(w, http.StatusCreated, m)
}

// manifest describes the claim with presigned file URLs and, when sheet is
// set, the imposition's sheet map.
func (s *Server) manifest(ctx context.Context, c *orders.Claim, sheet string) (*orders.Manifest, error) {
	m, err := s.svc.ClaimManifest(ctx, c)
	if err != nil {
		return nil, err
	}
	if sheet != "" {
		_, sm, err := s.imposition(ctx, c, sheet)
		if err != nil {
			return nil, err
		}
		m.Sheets = sm
	}
	return m, nil
}

// imposition imposes the claim's photo and card print files of orders not
// yet acked (orders.Service.PrintFiles) on sheets of the named size.
func (s *Server) imposition(ctx context.Context, c *orders.Claim, sheetName string) ([]byte, *impose.Map, error) {
	sheet, err := impose.LookupSheet(sheetName)
	if err != nil {
		return nil, nil, err
	}
	files, err := s.svc.PrintFiles(ctx, c)
	if err != nil {
		return nil, nil, err
	}
	var pieces []impose.Piece
	for _, f := range files {
		pieces = append(pieces, impose.Piece{OrderID: f.OrderID, ItemID: f.Item.ID, File: f.File.Name, Copies: f.Item.Quantity,
			TrimWMM: f.Item.TrimMM[0], TrimHMM: f.Item.TrimMM[1], ContentType: f.File.ContentType, Data: f.Data, DPI: f.Item.DPI})
	}
	return impose.Impose(sheet, pieces, impose.Options{Title: "oshigoods claim " + c.ID,
		OutputICC: s.svc.Profile.OutputICC, OutputICCName: s.svc.Profile.OutputICCName})
}

// getClaim answers the claim's manifest: JSON with fresh URLs (and a sheet
// map with ?sheet=A4|A3|SRA3), or CSV with ?format=csv (orders.WriteCSV:
// UTF-8 with a BOM, CRLF, formulas neutralised) as a download.
func (s *Server) getClaim(w http.ResponseWriter, r *http.Request, k *orders.ShopKey) {
	c, err := s.svc.ShopClaim(r.Context(), k, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if r.URL.Query().Get("format") == "csv" {
		// Written whole before the header goes out, so a failure is a 500.
		var csv bytes.Buffer
		if err := orders.NewManifest(c, s.svc.Catalog).WriteCSV(&csv); err != nil {
			s.writeError(w, r, fmt.Errorf("write claim %s as CSV: %w", c.ID, err))
			return
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+c.ID+`.csv"`) // ids are [a-z0-9_]
		w.Header().Set("Cache-Control", "no-store")                                  // customers' names and e-mails
		w.Write(csv.Bytes())
		return
	}
	m, err := s.manifest(r.Context(), c, r.URL.Query().Get("sheet"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, m)
}

// getImposition answers the claim's imposition PDF for ?sheet= (default A4).
func (s *Server) getImposition(w http.ResponseWriter, r *http.Request, k *orders.ShopKey) {
	c, err := s.svc.ShopClaim(r.Context(), k, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	sheet := r.URL.Query().Get("sheet")
	if sheet == "" {
		sheet = "A4"
	}
	pdf, _, err := s.imposition(r.Context(), c, sheet)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Length", strconv.Itoa(len(pdf)))
	w.Header().Set("Content-Disposition", `attachment; filename="`+c.ID+`-`+sheet+`.pdf"`)
	w.WriteHeader(http.StatusOK)
	w.Write(pdf)
}

// ackRequest is one ack ({"order_id","outcome","reason"}) or several
// ({"acks":[…]}).
type ackRequest struct {
	orders.Ack
	Acks []orders.Ack `json:"acks"`
}

func (s *Server) ackClaim(w http.ResponseWriter, r *http.Request, k *orders.ShopKey) {
	var req ackRequest
	if err := decodeBody(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	acks := req.Acks
	if req.OrderID != "" || req.Outcome != "" {
		acks = append([]orders.Ack{req.Ack}, acks...)
	}
	changed, err := s.svc.AckClaim(r.Context(), k, r.PathValue("id"), acks)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	type result struct {
		OrderID string         `json:"order_id"`
		Outcome orders.Outcome `json:"outcome"`
		Changed bool           `json:"changed"`
	}
	out := make([]result, len(acks))
	for i, a := range acks {
		out[i] = result{a.OrderID, a.Outcome, changed[i]}
	}
	writeJSON(w, http.StatusOK, map[string]any{"acks": out})
}

func (s *Server) releaseClaim(w http.ResponseWriter, r *http.Request, k *orders.ShopKey) {
	if err := s.svc.ReleaseClaim(r.Context(), k, r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"claim_id": r.PathValue("id"), "released": true})
}

// cancelOrder cancels the order for the fan holding its token.
func (s *Server) cancelOrder(w http.ResponseWriter, r *http.Request) {
	o, err := s.svc.CancelOrder(r.Context(), r.PathValue("id"), bearer(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeOrder(w, r, o)
}
