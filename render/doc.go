// Package render holds what the three renderers share: the field
// descriptions a template offers a fan, the generic field rules, the inputs
// a render takes and the files it returns. Renderers live in the
// subpackages photo, card and voice; each is a pure function of a compiled
// template and its inputs and never touches Redis, S3 or a database.
package render
