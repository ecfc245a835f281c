// Package templates is the product catalogue: declarative manifests
// (templates/<id>/template.json) and their assets, embedded in the binary
// or read from a shop's folder laid over them (Folder, LoadFolder),
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
//
// Each template has a version, a hash of exactly the files it was compiled
// from (version.go), kept in the file store as a manifest of those files
// (Template.Manifest) and each file once by its SHA-256 (Template.Blobs),
// from which LoadStored compiles it again, so that an order renders with the
// version it was taken with. Live is the catalogue in use, reloaded
// without a restart.
package templates
