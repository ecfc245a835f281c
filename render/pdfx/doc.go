// Package pdfx makes a PDF written by gofpdf conform to PDF/X-4: it
// rewrites the file with an output intent, XMP metadata, ICC-tagged RGB
// colour and a document ID (Finalize), and reports what a preflight needs
// to know about a PDF (Inspect). It is pure: bytes in, bytes out.
package pdfx
