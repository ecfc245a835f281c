package httperr_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"oshigoods"
	"oshigoods/httperr"
)

// TestWrite: each kind of error answers with the status of its code, its
// public message and field as JSON; internal detail stays in the log.
func TestWrite(t *testing.T) {
	cause := errors.New("dial tcp 10.0.0.7:5432: connection refused")
	tests := []struct {
		scenario   string
		err        error
		status     int
		code, msg  string
		field      string
		retryAfter string
		logged     string // in the log; "" nothing is logged
	}{
		{"malformed", oshigoods.Errorf(oshigoods.EINVALID, "bad JSON."), 400, "invalid", "bad JSON.", "", "", ""},
		{"refused by a rule", oshigoods.FieldErrorf("to", "to is too long."), 422, "unprocessable", "to is too long.", "to", "", ""},
		{"not found, wrapped", fmt.Errorf("load: %w", oshigoods.Errorf(oshigoods.ENOTFOUND, "no order.")), 404, "not_found", "no order.", "", "", ""},
		{"conflict", oshigoods.Errorf(oshigoods.ECONFLICT, "already."), 409, "conflict", "already.", "", "", ""},
		{"unauthorized", oshigoods.Errorf(oshigoods.EUNAUTHORIZED, "key?"), 401, "unauthorized", "key?", "", "", ""},
		{"forbidden", httperr.CrossOrigin, 403, "forbidden", httperr.CrossOrigin.Message, "", "", ""},
		{"method", oshigoods.Errorf(oshigoods.EMETHOD, "no."), 405, "method_not_allowed", "no.", "", "", ""},
		{"too large", oshigoods.Errorf(oshigoods.ETOOLARGE, "big."), 413, "too_large", "big.", "", "", ""},
		{"rate limited", oshigoods.Errorf(oshigoods.ETOOMANY, "slow down."), 429, "rate_limited", "slow down.", "", "", ""},
		{"outage", fmt.Errorf("get x: %w", oshigoods.Unavailable(cause)), 503, "unavailable", oshigoods.Unavailable(nil).Message, "", "5", "connection refused"},
		{"refusal with an internal cause", oshigoods.Wrapf(cause, oshigoods.EUNPROCESSABLE, "cannot import."), 422, "unprocessable", "cannot import.", "", "", "connection refused"},
		{"internal", cause, 500, "internal", "Internal error.", "", "", "connection refused"},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			var logs bytes.Buffer
			rec := httptest.NewRecorder()
			httperr.Write(rec, httptest.NewRequest("GET", "/x", nil), slog.New(slog.NewTextHandler(&logs, nil)), tc.err)
			var b httperr.Body
			if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
				t.Fatalf("body %q: %v", rec.Body, err)
			}
			want := httperr.Detail{Code: tc.code, Message: tc.msg, Field: tc.field}
			if rec.Code != tc.status || b.Error != want {
				t.Fatalf("%d %+v, want %d %+v", rec.Code, b.Error, tc.status, want)
			}
			if got := rec.Header().Get("Retry-After"); got != tc.retryAfter {
				t.Errorf("Retry-After %q, want %q", got, tc.retryAfter)
			}
			if strings.Contains(rec.Body.String(), "10.0.0.7") {
				t.Errorf("body %s gives away the cause", rec.Body)
			}
			if (tc.logged == "") != (logs.Len() == 0) || !strings.Contains(logs.String(), tc.logged) {
				t.Errorf("log %q, want %q", logs.String(), tc.logged)
			}
			if rec.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control %q", rec.Header().Get("Cache-Control"))
			}
		})
	}
}

// TestRoutes: a ServeMux's own answers for no route and a wrong method are
// JSON with the Allow header kept; routed answers and redirects pass.
func TestRoutes(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/orders", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusCreated) })
	mux.HandleFunc("GET /v1/plain", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "teapot", http.StatusTeapot) })
	h := httperr.Routes(mux, slog.New(slog.DiscardHandler))
	tests := []struct {
		scenario, method, path string
		status                 int
		code                   string // "" not a JSON error
		allow                  string
	}{
		{"routed", "POST", "/v1/orders", 201, "", ""},
		{"a route's own plain text stays", "GET", "/v1/plain", 418, "", ""},
		{"no route", "GET", "/v1/nope", 404, "not_found", ""},
		{"wrong method", "GET", "/v1/orders", 405, "method_not_allowed", "POST"},
		{"path to clean", "GET", "/v1//orders", 307, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
			if rec.Code != tc.status || rec.Header().Get("Allow") != tc.allow {
				t.Fatalf("%d Allow %q, want %d Allow %q", rec.Code, rec.Header().Get("Allow"), tc.status, tc.allow)
			}
			var b httperr.Body
			isJSON := json.Unmarshal(rec.Body.Bytes(), &b) == nil
			if tc.code == "" && isJSON && b.Error.Code != "" || tc.code != "" && (!isJSON || b.Error.Code != tc.code) {
				t.Fatalf("body %q, want code %q", rec.Body, tc.code)
			}
		})
	}
}
