package api

import "net/http"

// eraseOrder erases the order's personal data for the fan holding its
// token (orders.Service.EraseOrder): 200 with the anonymised order, also
// when it was erased already; 409 while it is being made or a print shop
// holds it; 404 for a wrong token.
func (s *Server) eraseOrder(w http.ResponseWriter, r *http.Request) {
	o, err := s.svc.EraseOrder(r.Context(), r.PathValue("id"), bearer(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeOrder(w, r, o)
}
