package render

// Preflight is a rendered item's print-file check, machine-readable: what a
// print shop's preflight would report about the output file, so it can see at
// a glance that the file is good. The renderer fills the facts about the file
// it made; the service adds the item's warnings (order-time and render-time,
// merged) before it is stored.
type Preflight struct {
	// File is the output file the record describes (e.g. "card.pdf").
	File string `json:"file"`
	// Format is "pdf", "jpeg" or "wav".
	Format string `json:"format"`
	// PageMM is the page (MediaBox) or image size in millimetres; zero for
	// a clip.
	PageMM [2]float64 `json:"page_mm,omitempty"`
	// TrimMM is the finished size; BleedMM is added on every side of it.
	TrimMM  [2]float64 `json:"trim_mm,omitempty"`
	BleedMM float64    `json:"bleed_mm"`
	// Images lists every placed photo with its effective resolution.
	Images []PlacedImage `json:"images,omitempty"`
	// Fonts lists every font in a PDF and whether it is embedded.
	Fonts []FontUse `json:"fonts,omitempty"`
	// OutputIntent names the PDF's output-intent ICC profile (e.g.
	// "sRGB IEC61966-2.1"); PDFX its conformance ("PDF/X-4").
	OutputIntent string `json:"output_intent,omitempty"`
	PDFX         string `json:"pdfx,omitempty"`
	// Warnings are the item's warnings, as the fan was told them.
	Warnings []string `json:"warnings"`
}

// PlacedImage is one photo placed in a print file.
type PlacedImage struct {
	// Field is the template field the photo came from (e.g. "photo").
	Field string `json:"field"`
	// EffectiveDPI is pixels per inch once placed at its printed size.
	EffectiveDPI int `json:"effective_dpi"`
	// Verdict is the resolution verdict for that DPI (ok, warning).
	Verdict Verdict `json:"verdict"`
}

// FontUse is one font of a PDF.
type FontUse struct {
	Name     string `json:"name"`
	Embedded bool   `json:"embedded"`
}
