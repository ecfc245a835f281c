package api

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"oshigoods"
	"oshigoods/orders"
)

// maxTrackingBody caps a carrier's export of issued labels: a few hundred
// bytes a row.
const maxTrackingBody = 8 << 20

// getPackingSlips answers the claim's packing slips: one page per order
// left to ship.
func (s *Server) getPackingSlips(w http.ResponseWriter, r *http.Request, k *orders.ShopKey) {
	pdf, err := s.svc.PackingSlips(r.Context(), k, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Length", strconv.Itoa(len(pdf)))
	w.Header().Set("Content-Disposition", `attachment; filename="`+r.PathValue("id")+`-packing-slips.pdf"`)
	w.Header().Set("Cache-Control", "no-store") // recipients' addresses
	w.WriteHeader(http.StatusOK)
	w.Write(pdf)
}

// getShippingCSV answers the carrier's label-import file for the claim
// (?carrier=yamato-b2, the default, or japanpost-clickpost); what had to
// change to fit the layout comes percent-encoded in X-Oshigoods-Warning
// headers.
func (s *Server) getShippingCSV(w http.ResponseWriter, r *http.Request, k *orders.ShopKey) {
	layout := r.URL.Query().Get("carrier")
	if layout == "" {
		layout = "yamato-b2"
	}
	data, ct, name, warnings, err := s.svc.ShippingCSV(r.Context(), k, r.PathValue("id"), layout)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	for _, warn := range warnings {
		w.Header().Add("X-Oshigoods-Warning", url.QueryEscape(warn))
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Header().Set("Content-Disposition", `attachment; filename="`+url.PathEscape(name)+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write(data)
}

// importTracking takes the carrier's export of issued labels as the body
// (?carrier=yamato-b2) and marks the claim's orders it names shipped,
// answering {"results":[{"order_id","tracking_number","status","error"}]}.
func (s *Server) importTracking(w http.ResponseWriter, r *http.Request, k *orders.ShopKey) {
	layout := r.URL.Query().Get("carrier")
	if layout == "" {
		layout = "yamato-b2"
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxTrackingBody))
	if err != nil {
		s.writeError(w, r, &oshigoods.Error{Code: oshigoods.ETOOLARGE, Message: "the file is unreadable or larger than 8 MiB."})
		return
	}
	res, err := s.svc.ImportTracking(r.Context(), k, r.PathValue("id"), layout, bytes.NewReader(body))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": res})
}
