package oshigoods

import (
	"errors"
	"fmt"
)

// Error codes. Each maps to one HTTP status in orders/api; anything that is
// not an *Error is EINTERNAL and its detail never reaches a fan or a shop.
const (
	EINVALID       = "invalid"       // malformed request (bad JSON, bad form)
	EUNPROCESSABLE = "unprocessable" // well-formed but refused by a rule: a field over its limit, text that does not fit
	ENOTFOUND      = "not_found"     // no such thing, or the caller may not see it
	ECONFLICT      = "conflict"      // the request clashes with the current state
	EUNAUTHORIZED  = "unauthorized"  // missing or wrong credentials
	ETOOLARGE      = "too_large"     // the request body exceeds a byte limit
	EUNAVAILABLE   = "unavailable"   // a backing service cannot be reached; try again
	EINTERNAL      = "internal"      // anything else
)

// Error is the domain error: a code, a message safe to show a fan or a
// print shop, and optionally the request field it concerns.
type Error struct {
	Code    string
	Message string
	Field   string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("oshigoods: %s: %s: %s", e.Code, e.Field, e.Message)
	}
	return fmt.Sprintf("oshigoods: %s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted public message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
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
