package render

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"oshigoods"
)

// FieldType is the type of a template field.
type FieldType string

const (
	FieldImage  FieldType = "image"  // an upload id
	FieldText   FieldType = "text"   // free text, limited in characters
	FieldChoice FieldType = "choice" // one of Choices
	FieldList   FieldType = "list"   // comma-separated values from Choices, in order
	FieldNumber FieldType = "number" // a whole number between Min and Max
)

// Choice is one allowed value of a choice or list field.
type Choice struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

// Field describes one input of a template, as the API lists it.
type Field struct {
	Name     string    `json:"name"`
	Type     FieldType `json:"type"`
	Label    string    `json:"label"`
	Required bool      `json:"required"`
	// MaxLength is the most characters (code points) a text field takes.
	// Zero means no limit beyond the kind's own check.
	MaxLength int `json:"max_length,omitempty"`
	// Multiline says a text field takes newlines (paragraphs).
	Multiline bool `json:"multiline,omitempty"`
	// Min and Max bound a number field, inclusive.
	Min int `json:"min,omitempty"`
	Max int `json:"max,omitempty"`
	// MinItems and MaxItems bound the number of values of a list field.
	MinItems int `json:"min_items,omitempty"`
	MaxItems int `json:"max_items,omitempty"`
	// Choices are the allowed values of a choice or list field.
	Choices []Choice `json:"choices,omitempty"`
	// Default is used when the field is empty; "" means none.
	Default string `json:"default,omitempty"`
}

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

// CheckText refuses text a fan may not type into a name or a field: C0
// controls (tab and newline too, unless newlines is set, when LF alone is
// allowed), DEL and C1 controls, and the Unicode bidi embeddings, overrides
// and isolates U+202A–U+202E and U+2066–U+2069, which make text read
// differently from what it is (in a spreadsheet, a file name, a card). It
// returns an EUNPROCESSABLE *oshigoods.Error naming field and the first
// character refused, or nil.
func CheckText(field, v string, newlines bool) error {
	for _, r := range v {
		switch {
		case r == '\n' && newlines:
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return oshigoods.FieldErrorf(field, "%s contains a control character (U+%04X).", field, r)
		case r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069:
			// Worded so that the storefront's "contains a control
			// character" rule shows it in Japanese too.
			return oshigoods.FieldErrorf(field, "%s contains a control character (U+%04X, a bidi control that can disguise text).", field, r)
		}
	}
	return nil
}

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
