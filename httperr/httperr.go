package httperr

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"oshigoods"
)

// RetryAfter is what an EUNAVAILABLE answer's Retry-After header asks a
// client to wait.
const RetryAfter = 5 * time.Second

// Status returns the HTTP status of an error code: 500 for EINTERNAL and any
// code it does not know.
func Status(code string) int {
	switch code {
	case oshigoods.EINVALID:
		return http.StatusBadRequest
	case oshigoods.EUNPROCESSABLE:
		return http.StatusUnprocessableEntity
	case oshigoods.ENOTFOUND:
		return http.StatusNotFound
	case oshigoods.ECONFLICT:
		return http.StatusConflict
	case oshigoods.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case oshigoods.EFORBIDDEN:
		return http.StatusForbidden
	case oshigoods.EMETHOD:
		return http.StatusMethodNotAllowed
	case oshigoods.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case oshigoods.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	case oshigoods.ETOOMANY:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// Body is the JSON of every error answer.
type Body struct {
	Error Detail `json:"error"`
}

// Detail is an error's code, public message and the request field it
// concerns, if any.
type Detail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// Write answers with err: the status of its code and its public message as
// JSON. An EUNAVAILABLE answer carries Retry-After. An internal error is
// logged and reaches the client only as a generic message; an *Error with an
// internal cause (oshigoods.Error.Err) is logged as a warning with that
// cause, which the client never sees. Cache-Control is no-store unless the
// handler set it.
func Write(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error) {
	write(w, r, logger, err, Status(oshigoods.ErrorCode(err)))
}

func write(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error, status int) {
	code := oshigoods.ErrorCode(err)
	var e *oshigoods.Error
	switch {
	case code == oshigoods.EINTERNAL:
		logger.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	case errors.As(err, &e) && e.Err != nil:
		logger.Warn("request refused", "method", r.Method, "path", r.URL.Path, "code", code, "err", err)
	}
	h := w.Header()
	if code == oshigoods.EUNAVAILABLE {
		h.Set("Retry-After", strconv.Itoa(int(RetryAfter/time.Second)))
	}
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-store")
	}
	h.Del("Content-Length")
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(Body{Detail{code, oshigoods.ErrorMessage(err), oshigoods.ErrorField(err)}})
}

// Handler answers every request with err, as Write does. It is, for one,
// the deny handler of http.CrossOriginProtection.
func Handler(logger *slog.Logger, err error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { Write(w, r, logger, err) })
}

// CrossOrigin is the EFORBIDDEN error a cross-site browser request is
// refused with.
var CrossOrigin = oshigoods.Errorf(oshigoods.EFORBIDDEN, "cross-origin requests are refused; send the request from this site's own pages or without a browser.")

// Routes serves mux, answering a request no route serves with the JSON of
// ENOTFOUND, and one for a route that does not take its method with the JSON
// of EMETHOD and the mux's Allow header, where the mux would answer in plain
// text. Redirects (a path to clean, a missing trailing slash) pass as the
// mux makes them.
func Routes(mux *http.ServeMux, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		Plain(h, logger).ServeHTTP(w, r)
	})
}

// Plain serves h, a standard-library handler (a ServeMux's answer for no
// route, an http.FileServer), turning the plain-text errors it writes with
// http.Error into JSON with the code of their status. Answers that are not
// errors, or not plain text, pass unchanged.
func Plain(h http.Handler, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(&plainWriter{ResponseWriter: w, r: r, logger: logger}, r)
	})
}

// plainWriter replaces a plain-text error answer by its JSON.
type plainWriter struct {
	http.ResponseWriter
	r        *http.Request
	logger   *slog.Logger
	replaced bool // the JSON is written; the plain text is dropped
}

func (p *plainWriter) WriteHeader(status int) {
	if status < 400 || !strings.HasPrefix(p.Header().Get("Content-Type"), "text/plain") {
		p.ResponseWriter.WriteHeader(status)
		return
	}
	p.replaced = true
	// The status stays the handler's, also one no code has (416, 412…).
	write(p.ResponseWriter, p.r, p.logger, statusError(p.r, p.Header(), status), status)
}

func (p *plainWriter) Write(b []byte) (int, error) {
	if p.replaced {
		return len(b), nil
	}
	return p.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (p *plainWriter) Unwrap() http.ResponseWriter { return p.ResponseWriter }

// statusError is the error a standard-library handler meant by status.
func statusError(r *http.Request, h http.Header, status int) *oshigoods.Error {
	switch status {
	case http.StatusNotFound:
		return oshigoods.Errorf(oshigoods.ENOTFOUND, "nothing is at %s.", r.URL.Path)
	case http.StatusMethodNotAllowed:
		return oshigoods.Errorf(oshigoods.EMETHOD, "%s is not allowed here; the methods are %s.", r.Method, h.Get("Allow"))
	case http.StatusForbidden:
		return oshigoods.Errorf(oshigoods.EFORBIDDEN, "forbidden.")
	case http.StatusBadRequest:
		return oshigoods.Errorf(oshigoods.EINVALID, "bad request.")
	case http.StatusRequestEntityTooLarge:
		return oshigoods.Errorf(oshigoods.ETOOLARGE, "the request is too large.")
	case http.StatusServiceUnavailable:
		return oshigoods.Errorf(oshigoods.EUNAVAILABLE, "the service is briefly unavailable; try again in a few seconds.")
	}
	if status < 500 {
		return oshigoods.Errorf(oshigoods.EINVALID, "%s.", strings.ToLower(http.StatusText(status)))
	}
	// A plain-text 500 from the standard library says nothing worth
	// showing; EINTERNAL's generic message stands.
	return &oshigoods.Error{Code: oshigoods.EINTERNAL, Message: "Internal error."}
}
