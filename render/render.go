package render

import (
	"context"

	"oshigoods/orders"
)

// The vocabulary renderers share with the order domain is defined in
// package orders, which imports no renderer; these aliases keep the
// renderers' names, and the types are the same.
type (
	// Kind is a product kind.
	Kind = orders.Kind
	// Role says what an output file is for.
	Role = orders.Role
	// File is one rendered file.
	File = orders.RenderedFile
	// Result is what a render returns: its files, in a stable order, and
	// warnings a fan or shop should see.
	Result = orders.RenderResult
	// Inputs are one item's personalisation and the print profile.
	Inputs = orders.Inputs
	// Output describes what a template produces.
	Output = orders.Output
)

const (
	KindPhoto = orders.KindPhoto
	KindCard  = orders.KindCard
	KindVoice = orders.KindVoice

	RoleOutput  = orders.RoleOutput
	RolePreview = orders.RolePreview
)

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
