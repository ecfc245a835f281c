package oshigoods

import (
	"errors"
	"fmt"
)

// Error codes. Each maps to one HTTP status in package httperr; anything
// that is not an *Error is EINTERNAL and its detail never reaches a fan or a
// shop.
const (
	EINVALID       = "invalid"            // malformed request (bad JSON, bad form)
	EUNPROCESSABLE = "unprocessable"      // well-formed but refused by a rule: a field over its limit, text that does not fit
	ENOTFOUND      = "not_found"          // no such thing, or the caller may not see it; also a path no route serves
	ECONFLICT      = "conflict"           // the request clashes with the current state
	EUNAUTHORIZED  = "unauthorized"       // missing or wrong credentials
	EFORBIDDEN     = "forbidden"          // refused whoever asks, for where it comes from: a browser's cross-site request
	EMETHOD        = "method_not_allowed" // the path exists but not for this method; the answer's Allow header lists those it takes
	ETOOLARGE      = "too_large"          // the request body exceeds a byte limit
	EUNAVAILABLE   = "unavailable"        // a backing service (database, file store) cannot be reached; try again
	ETOOMANY       = "rate_limited"       // one client sent too many requests, or failed to authenticate too often; the answer's Retry-After says when to try again
	EINTERNAL      = "internal"           // anything else
)

// Error is the domain error: a code, a message safe to show a fan or a
// print shop, and optionally the request field it concerns and the internal
// cause.
type Error struct {
	Code    string
	Message string
	Field   string
	// Err is the internal cause, for the log: it is in Error() and
	// errors.Is/As see it, but it never reaches a public message.
	Err error
}

func (e *Error) Error() string {
	s := fmt.Sprintf("oshigoods: %s: %s", e.Code, e.Message)
	if e.Field != "" {
		s = fmt.Sprintf("oshigoods: %s: %s: %s", e.Code, e.Field, e.Message)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the internal cause, if any.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted public message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrapf returns an *Error with the given code and public message that keeps
// err as its internal cause: the log sees err, a fan or a shop only the
// message.
func Wrapf(err error, code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

// Unavailable returns the EUNAVAILABLE *Error for a backing service that
// cannot be reached, keeping err as its internal cause. The public message
// says only to try again.
func Unavailable(err error) *Error {
	return Wrapf(err, EUNAVAILABLE, "The service is briefly unavailable; try again in a few seconds.")
}

// FieldErrorf returns an EUNPROCESSABLE *Error naming the field it concerns.
func FieldErrorf(field, format string, args ...any) *Error {
	return &Error{Code: EUNPROCESSABLE, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, "" for a
// nil error and EINTERNAL for any other error.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the public message of the first *Error in err's
// chain, or a generic one for any other error.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// ErrorField returns the field named by the first *Error in err's chain.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}
