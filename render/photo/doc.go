// Package photo renders composite photos (推しとの合成写真): a fan's photo
// cover-cropped into a slot, an idol cutout and a decorative frame laid over
// it, and an optional name auto-fitted into a text box. The print file is a
// JPEG (300 dpi JFIF density, sRGB ICC profile) or a PDF with TrimBox,
// BleedBox and トンボ, with the bleed the print profile asks for; a small
// preview JPEG goes with it, and Preview makes a watermarked one fast
// enough for a page to ask for as a fan types.
//
// A template is compiled once from its spec (see Spec) and is then
// immutable; Render is a pure function of the template and the inputs.
package photo
