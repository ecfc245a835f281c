package render

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
)

// Kind is a product kind.
type Kind string

const (
	KindPhoto Kind = "photo" // composite photo (推しとの合成写真)
	KindCard  Kind = "card"  // letter card (推しからの手紙風メッセージカード)
	KindVoice Kind = "voice" // voice alarm clip (推しの音声入り目覚まし)
)

// Role says what an output file is for.
type Role string

const (
	RoleOutput  Role = "output"  // what the good is made from: the print file or the clip
	RolePreview Role = "preview" // a small file for a fan to look at or listen to
)

// File is one rendered file.
type File struct {
	Name        string
	Role        Role
	ContentType string
	Data        []byte
}

// SHA256 returns the hex SHA-256 of the file's bytes.
func (f File) SHA256() string {
	sum := sha256.Sum256(f.Data)
	return hex.EncodeToString(sum[:])
}

// Result is what a render returns: its files, in a stable order, and
// warnings a fan or shop should see (a low-resolution photo, a shrunk font).
type Result struct {
	Files    []File
	Warnings []string
	// Preflight describes the output file for a print shop; nil until the
	// kind's renderer fills it.
	Preflight *Preflight
}

// Inputs are one item's personalisation: the text values of its fields and,
// for image fields, the uploaded bytes keyed by field name; and the print
// profile that finishes print files (bleed, crop marks, format).
type Inputs struct {
	Fields  map[string]string
	Images  map[string][]byte
	Profile Profile
}

// Output describes what a template produces. Print kinds give the trim size
// in millimetres, the resolution and the bleed; voice gives its presets.
type Output struct {
	WidthMM  float64 `json:"width_mm,omitempty"`
	HeightMM float64 `json:"height_mm,omitempty"`
	DPI      int     `json:"dpi,omitempty"`
	BleedMM  float64 `json:"bleed_mm"`
	Format   string  `json:"format,omitempty"`
}

// Renderer is a compiled template of one kind. Implementations are
// immutable after compilation and safe for concurrent use.
type Renderer interface {
	// Kind is the product kind.
	Kind() Kind
	// Fields lists the fields a fan fills in, in display order.
	Fields() []Field
	// Output describes the produced files.
	Output() Output
	// Check applies the kind's own rules to inputs that already passed
	// ValidateFields, with the real layout or assembly (text that does not
	// fit a card, a clip longer than its preset allows). It returns
	// warnings, or an *oshigoods.Error naming the field.
	Check(ctx context.Context, in Inputs) (warnings []string, err error)
	// Render produces the files. Given the same inputs it returns the same
	// bytes. Bad input yields an *oshigoods.Error; ctx cancellation is
	// honoured between steps.
	Render(ctx context.Context, in Inputs) (*Result, error)
}
