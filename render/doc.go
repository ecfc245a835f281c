// Package render holds what the three renderers share: the generic field
// rules, the preview fallback, the print profiles and the Renderer a
// template compiles to. The vocabulary itself (Kind, Field, Inputs, Result,
// File, Output, Profile, Preflight, ImageRating) is the order domain's,
// defined in package orders, which imports no renderer; render re-exports it
// as type aliases, so renderers keep writing render.Kind. Renderers live in
// the subpackages photo, card and voice; each is a pure function of a
// compiled template and its inputs and never touches Redis, S3 or a
// database.
package render
