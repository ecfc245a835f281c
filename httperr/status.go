package httperr

import "net/http"

// StatusRecorder is an http.ResponseWriter that remembers the status of the
// answer: the first final status written (a 1xx is passed on, not kept),
// or 200 once the body begins. Status is 0 until then. The guard counts
// failed authentications by it, the metrics label requests with it.
type StatusRecorder struct {
	http.ResponseWriter
	Status int
}

func (s *StatusRecorder) WriteHeader(code int) {
	if s.Status == 0 && code >= 200 {
		s.Status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *StatusRecorder) Write(b []byte) (int, error) {
	if s.Status == 0 {
		s.Status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (deadlines,
// flushing).
func (s *StatusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
