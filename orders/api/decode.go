package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"

	"oshigoods"
)

// Body size caps of the JSON requests.
const (
	maxOrderBody = 1 << 20  // an order: up to MaxItems items with their fields
	maxSmallBody = 64 << 10 // previews, claims, acks, webhooks
)

// decodeJSON decodes r's body into v strictly: one JSON value of at most
// limit bytes, with no bytes after it but white space, and only the fields
// v has. Each problem is an EINVALID naming it (and the field, for an
// unknown one), without echoing the body, a body over limit too.
// what names the body in the message ("order", "preview request"). An empty
// body is an error unless optional is set, when it leaves v as it is.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any, limit int64, what string, optional bool) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		// One value only: what follows must be the end of the body.
		if _, err = dec.Token(); err == io.EOF {
			return nil
		} else if err == nil || !isMaxBytes(err) {
			return &oshigoods.Error{Code: oshigoods.EINVALID, Message: fmt.Sprintf("the body is not a valid %s: it has data after the JSON value; send one JSON value.", what)}
		}
	}
	if optional && errors.Is(err, io.EOF) {
		return nil
	}
	if isMaxBytes(err) {
		return &oshigoods.Error{Code: oshigoods.EINVALID, Message: fmt.Sprintf("the body is not a valid %s: it is larger than %s.", what, sizeText(limit))}
	}
	e := &oshigoods.Error{Code: oshigoods.EINVALID, Message: fmt.Sprintf("the body is not a valid %s: %s", what, jsonProblem(err))}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		e.Field = strings.Trim(name, `"`)
	}
	return e
}

// decodeBody decodes an optional JSON body into v, strictly (decodeJSON);
// an empty body is fine.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) error {
	return decodeJSON(w, r, v, maxSmallBody, "request", true)
}

func isMaxBytes(err error) bool {
	var tooBig *http.MaxBytesError
	return errors.As(err, &tooBig)
}

// sizeText is a byte count as a person reads it: "1 MiB", "64 KiB".
func sizeText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// jsonProblem describes a decoding error without echoing the body.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("JSON syntax error at byte %d.", syn.Offset)
	case errors.As(err, &typ):
		if k := typ.Type.Kind(); k >= reflect.Int && k <= reflect.Uint64 {
			return fmt.Sprintf("%s must be a whole number in range.", typ.Field)
		}
		want := typ.Type.String()
		switch typ.Type.Kind() {
		case reflect.Struct, reflect.Map:
			want = "JSON object"
		case reflect.Slice, reflect.Array:
			want = "JSON array"
		case reflect.String:
			want = "string"
		}
		if typ.Field == "" {
			return fmt.Sprintf("the body must be a %s.", want)
		}
		return fmt.Sprintf("%s must be a %s.", typ.Field, want)
	case errors.Is(err, io.EOF):
		return "the body is empty."
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the JSON ends early."
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return fmt.Sprintf("unknown field %s.", name)
	}
	return strings.TrimPrefix(err.Error(), "json: ") + "."
}
