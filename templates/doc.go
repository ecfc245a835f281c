// Package templates is the product catalogue: declarative manifests
// (templates/<id>/template.json) and their assets, embedded in the binary,
// compiled once at load into typed, validated renderers.
//
// A manifest names the template, its kind, and a kind-specific spec under
// the key of its kind ("photo", "card" or "voice"). Asset paths in a spec are
// relative to this folder, so templates share fonts in fonts/.
//
// A shop's own folder is laid over the built-ins (Folder). CheckFolder and
// Check find what is wrong with its templates, each problem naming the file
// and the manifest field, and render a sample of each; New writes a
// starting template that passes. README.md is the shop's guide to making
// templates.
package templates
