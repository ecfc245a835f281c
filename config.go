package oshigoods

import (
	"errors"
	"fmt"
)

// ConfigError is one setting a package's Config.Validate refuses: the
// field, the value given and what is wrong with it. Validate joins one per
// problem (errors.Join); cmd/oshigoods names the environment variable and
// flag each field comes from (ConfigErrors).
type ConfigError struct {
	// Field is the Config field, e.g. "Concurrency".
	Field string
	// Value is the value given; nil for one not to be shown (a secret).
	Value any
	// Problem follows the value and says what is allowed, e.g. "is out of
	// range; give 1–64".
	Problem string
}

func (e *ConfigError) Error() string {
	switch v := e.Value.(type) {
	case nil:
		return e.Field + " " + e.Problem
	case string:
		return fmt.Sprintf("%s %q %s", e.Field, v, e.Problem)
	default:
		return fmt.Sprintf("%s %v %s", e.Field, v, e.Problem)
	}
}

// ConfigErrors returns every *ConfigError in err's tree, in order, looking
// through errors.Join and %w wrapping.
func ConfigErrors(err error) []*ConfigError {
	var out []*ConfigError
	var walk func(error)
	walk = func(err error) {
		switch e := err.(type) {
		case nil:
		case *ConfigError:
			out = append(out, e)
		case interface{ Unwrap() []error }:
			for _, err := range e.Unwrap() {
				walk(err)
			}
		default:
			walk(errors.Unwrap(err))
		}
	}
	walk(err)
	return out
}
