package httperr

import "net/http"

// StatusRecorder is an http.ResponseWriter that remembers the status of the
// answer: the first final status written (a 1xx is passed on, not kept),
// or 200 once the body begins. Status is 0 until then; Bytes counts the
// body written. The guard counts failed authentications by it, the metrics
// label requests with it, the access log writes both.
type StatusRecorder struct {
	http.ResponseWriter
	Status int
	Bytes  int64
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
	n, err := s.ResponseWriter.Write(b)
	s.Bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection (deadlines,
// flushing).
func (s *StatusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
