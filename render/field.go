package render

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"oshigoods"
	"oshigoods/orders"
)

// The field types are the domain's (orders); these aliases keep the
// renderers' names.
type (
	FieldType = orders.FieldType
	Choice    = orders.Choice
	Field     = orders.Field
)

const (
	FieldImage  = orders.FieldImage
	FieldText   = orders.FieldText
	FieldChoice = orders.FieldChoice
	FieldList   = orders.FieldList
	FieldNumber = orders.FieldNumber
)

// ValidateFields checks in against fields: required fields are present,
// text within MaxLength and free of control characters (CheckText), choices known,
// numbers in range, no unknown fields. Image fields must be present in
// in.Images when required. It returns the first violation as an
// EUNPROCESSABLE *oshigoods.Error naming the field and the limit.
func ValidateFields(fields []Field, in Inputs) error {
	known := make(map[string]bool, len(fields))
	for _, f := range fields {
		known[f.Name] = true
		v := in.Fields[f.Name]
		if f.Type == FieldImage {
			if f.Required && v == "" {
				return oshigoods.FieldErrorf(f.Name, "%s is required: give the id of an upload.", f.Name)
			}
			continue
		}
		if v == "" {
			if f.Required && f.Default == "" {
				return oshigoods.FieldErrorf(f.Name, "%s is required.", f.Name)
			}
			continue
		}
		if err := validateValue(f, v); err != nil {
			return err
		}
	}
	for name := range in.Fields {
		if !known[name] {
			return oshigoods.FieldErrorf(name, "unknown field %q for this template.", name)
		}
	}
	return nil
}

func validateValue(f Field, v string) error {
	if !utf8.ValidString(v) {
		return oshigoods.FieldErrorf(f.Name, "%s is not valid UTF-8.", f.Name)
	}
	switch f.Type {
	case FieldText:
		n := utf8.RuneCountInString(v)
		if f.MaxLength > 0 && n > f.MaxLength {
			return oshigoods.FieldErrorf(f.Name, "%s is %d characters; the limit is %d (%d too many).", f.Name, n, f.MaxLength, n-f.MaxLength)
		}
		if err := CheckText(f.Name, v, f.Multiline); err != nil {
			return err
		}
	case FieldChoice:
		if !hasChoice(f.Choices, v) {
			return oshigoods.FieldErrorf(f.Name, "%s must be one of %s.", f.Name, choiceValues(f.Choices))
		}
	case FieldList:
		vals := SplitList(v)
		if f.MinItems > 0 && len(vals) < f.MinItems || f.MaxItems > 0 && len(vals) > f.MaxItems {
			return oshigoods.FieldErrorf(f.Name, "%s takes %d to %d values; got %d.", f.Name, f.MinItems, f.MaxItems, len(vals))
		}
		for _, s := range vals {
			if !hasChoice(f.Choices, s) {
				return oshigoods.FieldErrorf(f.Name, "%s: unknown value %q; values are %s.", f.Name, s, choiceValues(f.Choices))
			}
		}
	case FieldNumber:
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return oshigoods.FieldErrorf(f.Name, "%s must be a whole number.", f.Name)
		}
		if n < f.Min || n > f.Max {
			return oshigoods.FieldErrorf(f.Name, "%s must be between %d and %d; got %d.", f.Name, f.Min, f.Max, n)
		}
	default:
		return fmt.Errorf("field %s: unknown type %q", f.Name, f.Type)
	}
	return nil
}

// CheckText refuses control and bidi characters in text a fan types; see
// orders.CheckText, which it is.
func CheckText(field, v string, newlines bool) error { return orders.CheckText(field, v, newlines) }

// Value returns the value of the named field, or its default when empty.
func Value(fields []Field, in Inputs, name string) string {
	if v := in.Fields[name]; v != "" {
		return v
	}
	for _, f := range fields {
		if f.Name == name {
			return f.Default
		}
	}
	return ""
}

// SplitList splits a list field's value on commas, trimming spaces and
// dropping empty parts.
func SplitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func hasChoice(cs []Choice, v string) bool {
	for _, c := range cs {
		if c.Value == v {
			return true
		}
	}
	return false
}

func choiceValues(cs []Choice) string {
	vals := make([]string, len(cs))
	for i, c := range cs {
		vals[i] = c.Value
	}
	return strings.Join(vals, ", ")
}
