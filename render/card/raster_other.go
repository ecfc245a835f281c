//go:build !amd64 || appengine || !gc || noasm

package card

// sumInFours is whether vector sums coverage four samples at once: only
// its amd64 assembly does.
const sumInFours = false
