// Package templates is the product catalogue: declarative manifests
// (templates/<id>/template.json) and their assets, embedded in the binary,
// compiled once at load into typed, validated renderers.
//
// A manifest names the template, its kind, and a kind-specific spec under
// the key of its kind ("photo", "card" or "voice"). Asset paths in a spec are
// relative to this folder, so templates share fonts in fonts/.
package templates
