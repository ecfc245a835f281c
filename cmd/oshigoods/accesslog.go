package main

import (
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"oshigoods/httperr"
	"regexp"
	"slices"
	"strings"
	"time"
)

// accessLog logs one line per request, after it is answered: the method,
// the path, the query, the status, the bytes of the body sent, the time it
// took and the client's address as the guard sees it (with TrustProxy,
// the forwarded one: the guard rewrites the request's RemoteAddr, which
// this reads once the request is served). It never logs a header (no
// Authorization, no cookie), a body, or a value that could be a key or
// personal data: query values other than loggedParams' are "…", and so
// is a path segment with an @ (an e-mail) and the postal code a
// /v1/postal-codes/ path looks up. Order and item ids are logged.
func accessLog(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		path, query := loggedPath(r.URL.Path), loggedQuery(r.URL.RawQuery)
		lw := &httperr.StatusRecorder{ResponseWriter: w}
		defer func() {
			status := lw.Status
			if status == 0 {
				status = http.StatusOK
			}
			client, _, err := net.SplitHostPort(r.RemoteAddr)
			if err != nil {
				client = r.RemoteAddr
			}
			logger.LogAttrs(r.Context(), slog.LevelInfo, "request",
				slog.String("method", r.Method), slog.String("path", path), slog.String("query", query),
				slog.Int("status", status), slog.Int64("bytes", lw.Bytes),
				slog.Duration("duration", time.Since(start).Round(time.Microsecond)), slog.String("client", client))
		}()
		next.ServeHTTP(lw, r)
	})
}

// loggedParams are the query parameters whose values are logged: ids,
// statuses and formats, never a key, a cursor or an e-mail.
var loggedParams = []string{"status", "limit", "format", "sheet", "paid", "v", "id"}

// paramName is a query parameter name that is logged as it is.
var paramName = regexp.MustCompile(`^[A-Za-z_]{1,32}$`)

// loggedQuery is the query with every value but loggedParams' as "…"
// (and any name that is not a plain word too), parameters sorted.
func loggedQuery(raw string) string {
	if raw == "" {
		return ""
	}
	q, _ := url.ParseQuery(raw)
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	slices.Sort(names)
	var parts []string
	for _, name := range names {
		for _, v := range q[name] {
			switch {
			case !paramName.MatchString(name):
				parts = append(parts, "…")
			case slices.Contains(loggedParams, name) && !strings.Contains(v, "@") && len(v) <= 100:
				parts = append(parts, name+"="+url.QueryEscape(v))
			default:
				parts = append(parts, name+"=…")
			}
		}
		if len(parts) > 20 {
			parts = append(parts[:20], "…")
			break
		}
	}
	return strings.Join(parts, "&")
}

// loggedPath is the path with a segment holding an @ as "…", the postal
// code of /v1/postal-codes/ as "…", at most 200 bytes.
func loggedPath(p string) string {
	if rest, ok := strings.CutPrefix(p, "/v1/postal-codes/"); ok && rest != "" {
		return "/v1/postal-codes/…"
	}
	if strings.Contains(p, "@") {
		segs := strings.Split(p, "/")
		for i, s := range segs {
			if strings.Contains(s, "@") {
				segs[i] = "…"
			}
		}
		p = strings.Join(segs, "/")
	}
	if len(p) > 200 {
		p = p[:200] + "…"
	}
	return p
}
