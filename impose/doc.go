// Package impose gangs print files N-up on press sheets (A4, A3, SRA3) as
// one PDF, each piece with its bleed and crop marks, and returns the sheet
// map that says which piece lies where.
//
// Photos (JPEG) are placed as images; cards (PDF) are placed as vectors,
// their BleedBox imported as a form XObject with gofpdi, so text stays
// text and the card's own fonts travel along. Nothing is rasterised and no
// external tool runs: imposition is pure Go.
//
// Below its bleed every copy carries a slug: its label (order id / item id
// copy/copies, see Label) in an embedded font and the same text as a QR
// code of 0.4 mm modules, so a cut piece scans back to its order. The slug
// makes a copy's cell taller (about 15 mm below the bleed), so SRA3 takes
// four L-size photos, not eight.
package impose
