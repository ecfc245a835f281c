// Package photo renders composite photos (推しとの合成写真): a fan's photo
// cover-cropped into a slot, an idol cutout and a decorative frame laid over
// it, and an optional name auto-fitted into a text box, as a print JPEG and
// a preview JPEG.
//
// A template is compiled once from its spec (see Spec) and is then
// immutable; Render is a pure function of the template and the inputs.
package photo
