package orders

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"oshigoods"
)

// The goods' vocabulary: what a template offers a fan (fields), what it
// makes (output, files, a preflight record) and how an upload rates in it.
// It is defined here, in the domain, because orders, the API, the pull
// client and the renderers all speak it, and the domain must not import a
// renderer: package render re-exports every name as an alias (render.Kind
// is orders.Kind), so renderers read as before and the two are one type.

// Kind is a product kind.
type Kind string

const (
	KindPhoto Kind = "photo" // composite photo (推しとの合成写真)
	KindCard  Kind = "card"  // letter card (推しからの手紙風メッセージカード)
	KindVoice Kind = "voice" // voice alarm clip (推しの音声入り目覚まし)
)

// Role says what an output file is for.
type Role string

const (
	RoleOutput  Role = "output"  // what the good is made from: the print file or the clip
	RolePreview Role = "preview" // a small file for a fan to look at or listen to
)

// RenderedFile is one rendered file, with its bytes (render.File). A File
// is its record once stored.
type RenderedFile struct {
	Name        string
	Role        Role
	ContentType string
	Data        []byte
}

// SHA256 returns the hex SHA-256 of the file's bytes.
func (f RenderedFile) SHA256() string {
	sum := sha256.Sum256(f.Data)
	return hex.EncodeToString(sum[:])
}

// RenderResult is what a render returns (render.Result): its files, in a
// stable order, and warnings a fan or shop should see (a low-resolution
// photo, a shrunk font).
type RenderResult struct {
	Files    []RenderedFile
	Warnings []string
	// Preflight describes the output file for a print shop; nil until the
	// kind's renderer fills it.
	Preflight *Preflight
}

// Inputs are one item's personalisation (render.Inputs): the text values of
// its fields and, for image fields, the uploaded bytes keyed by field name;
// and the print profile that finishes print files (bleed, crop marks,
// format); and the decode budget the renderer's image decodes take their
// memory from; and when the item was ordered.
type Inputs struct {
	Fields  map[string]string
	Images  map[string][]byte
	Profile Profile
	// OrderedAt is when the item was ordered: the order's creation time
	// for a render, the service's clock for a preview or an order's
	// validation. A card dates its letter from it, in Japan time. The zero
	// time means unknown: a card then leaves its date line out (the
	// offline CLI passes the time it runs).
	OrderedAt time.Time
	// Decodes, when not nil, is the process's budget of decoded pixel
	// bytes: a renderer acquires a decode's cost from it (computed from the
	// header) before decoding and releases it when done with the pixels.
	// Nil means no budget (the offline CLI, tests).
	Decodes DecodeBudget
}

// DecodeBudget is a process-wide budget of decoded pixel bytes (package
// budget implements it), so concurrent decodes cannot take more memory
// than the installation gives them.
type DecodeBudget interface {
	// Acquire takes n bytes, waiting briefly for room. It returns an
	// EUNAVAILABLE error when the budget stays full (a request answers 503
	// with Retry-After, a render is retried later), an EUNPROCESSABLE one
	// when n exceeds Size, and ctx's error when ctx ends first. After a nil
	// error the caller must Release(n) however the decode ends.
	Acquire(ctx context.Context, n int64) error
	// Release returns n bytes taken by Acquire.
	Release(n int64)
	// Size is the whole budget: the largest decode that can ever run.
	Size() int64
}

// Output describes what a template produces (render.Output). Print kinds
// give the trim size in millimetres, the resolution and the bleed; voice
// gives its presets.
type Output struct {
	WidthMM  float64 `json:"width_mm,omitempty"`
	HeightMM float64 `json:"height_mm,omitempty"`
	DPI      int     `json:"dpi,omitempty"`
	BleedMM  float64 `json:"bleed_mm"`
	Format   string  `json:"format,omitempty"`
}

// Profile is a print shop's output profile (render.Profile): how print
// files are finished, whatever the template. An installation chooses one by
// configuration (OSHIGOODS_PRINT_PROFILE; render.LookupProfile); the service
// passes it to every render in Inputs.Profile. The zero Profile is a digital
// one: no bleed, no marks.
type Profile struct {
	Name string `json:"name"`
	// BleedMM is added on every side of the trim; backgrounds extend into
	// it, text and faces stay inside the safe area.
	BleedMM float64 `json:"bleed_mm"`
	// CropMarks draws トンボ (corner and centre crop marks) outside the
	// bleed, on a page enlarged to hold them.
	CropMarks bool `json:"crop_marks"`
	// PhotoFormat is the photo print file's format: "jpeg", or "pdf" (the
	// image on a page with TrimBox and BleedBox). Cards are always PDF.
	PhotoFormat string `json:"photo_format"`
	// OutputICC is the print shop's output profile (RGB or CMYK), the
	// output intent of every print PDF; render.LoadOutputICC reads one. Nil
	// is sRGB IEC 61966-2.1. RGB content is tagged sRGB whatever it is.
	OutputICC []byte `json:"-"`
	// OutputICCName is the output condition OutputICC names (its
	// description); empty with OutputICC nil.
	OutputICCName string `json:"output_icc,omitempty"`
}

// Finish returns a template's output description as this profile finishes
// it: print kinds get the profile's bleed, and photos its file format.
func (p Profile) Finish(k Kind, o Output) Output {
	if o.WidthMM > 0 {
		o.BleedMM = p.BleedMM
	}
	if k == KindPhoto && p.PhotoFormat != "" {
		o.Format = p.PhotoFormat
	}
	return o
}

// FieldType is the type of a template field.
type FieldType string

const (
	FieldImage  FieldType = "image"  // an upload id
	FieldText   FieldType = "text"   // free text, limited in characters
	FieldChoice FieldType = "choice" // one of Choices
	FieldList   FieldType = "list"   // comma-separated values from Choices, in order
	FieldNumber FieldType = "number" // a whole number between Min and Max
)

// Choice is one allowed value of a choice or list field.
type Choice struct {
	Value string `json:"value"`
	Label string `json:"label"`
	// Reading is the label's reading in hiragana (e.g. "ゆいちゃん" for
	// "結衣ちゃん"), so a form can filter a long list as the fan types.
	// Optional: "" when the template gives none.
	Reading string `json:"reading,omitempty"`
}

// Field describes one input of a template, as the API lists it.
type Field struct {
	Name     string    `json:"name"`
	Type     FieldType `json:"type"`
	Label    string    `json:"label"`
	Required bool      `json:"required"`
	// MaxLength is the most characters (code points) a text field takes.
	// Zero means no limit beyond the kind's own check.
	MaxLength int `json:"max_length,omitempty"`
	// Multiline says a text field takes newlines (paragraphs).
	Multiline bool `json:"multiline,omitempty"`
	// Min and Max bound a number field, inclusive.
	Min int `json:"min,omitempty"`
	Max int `json:"max,omitempty"`
	// MinItems and MaxItems bound the number of values of a list field.
	MinItems int `json:"min_items,omitempty"`
	MaxItems int `json:"max_items,omitempty"`
	// Choices are the allowed values of a choice or list field.
	Choices []Choice `json:"choices,omitempty"`
	// Default is used when the field is empty; "" means none.
	Default string `json:"default,omitempty"`
}

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

// Verdict is how well an image prints in its slot.
type Verdict string

const (
	VerdictOK      Verdict = "ok"      // at or above the template's good resolution
	VerdictWarning Verdict = "warning" // printable but may look soft
	VerdictRefused Verdict = "refused" // below the template's minimum: an order is refused
)

// ImageRating is the effective resolution of an image in one image field's
// slot: the image's pixels per inch once it is cropped and scaled to the
// slot's printed size.
type ImageRating struct {
	Field        string  `json:"field"`
	EffectiveDPI int     `json:"effective_dpi"`
	Verdict      Verdict `json:"verdict"`
	// Message explains a warning or a refusal to a fan; empty when ok.
	Message string `json:"message,omitempty"`
}

// TemplateInfo names a template and says what it makes.
type TemplateInfo struct {
	ID          string
	Kind        Kind
	Title       string
	Description string
	// Price is what one piece costs, tax included.
	Price Yen
	// Delivery is how it reaches the fan (DeliveryOf its kind).
	Delivery DeliveryMode
	// Version names the files the template was compiled from (its
	// manifest and every asset, hashed): an item records the version it
	// was taken with (Item.TemplateVersion) and is rendered with it.
	Version string
}

// Template is a compiled product template as the service uses it: it
// validates a fan's values, rates uploads for its image slots, previews
// and renders. templates.Template implements it over a renderer of
// package render. Implementations are immutable and safe for concurrent
// use.
type Template interface {
	// Info returns the template's id, kind, title and description.
	Info() TemplateInfo
	// Fields lists the fields a fan fills in, in display order.
	Fields() []Field
	// Output describes the produced files, before a Profile finishes them.
	Output() Output
	// Validate checks a fan's inputs: the generic field rules, then the
	// kind's own with the real layout. It returns warnings, or an
	// *oshigoods.Error naming the field and the limit.
	Validate(ctx context.Context, in Inputs) (warnings []string, err error)
	// Render produces the files. Given the same inputs it returns the same
	// bytes. Bad input yields an *oshigoods.Error.
	Render(ctx context.Context, in Inputs) (*RenderResult, error)
	// Preview returns a fan's preview of validated inputs: a small,
	// watermarked image or a short clip.
	Preview(ctx context.Context, in Inputs) (*RenderedFile, error)
	// RateImage rates an upright w×h pixel image in each of the template's
	// image fields, in field order; nil when it prints no image at a
	// physical size.
	RateImage(w, h int) []ImageRating
	// Manifest returns the record of this version the file store keeps
	// under TemplateManifestKey: a small JSON listing, sorted by path, of
	// every file it was compiled from with its SHA-256 and size, the same
	// bytes every time. With the files' blobs (Blobs) it is what
	// Catalog.TemplateAt compiles the version again from once the
	// catalogue has moved on. A template with no files recorded is an
	// error.
	Manifest() ([]byte, error)
	// Blobs returns the files the manifest lists, one per distinct
	// SHA-256, each stored once under TemplateBlobKey whichever templates
	// and versions read it (the shared fonts).
	Blobs() []TemplateBlob
}

// TemplateBlob is one file a template version was compiled from, as the
// file store keeps it: by the SHA-256 of its bytes.
type TemplateBlob struct {
	// SHA256 is the lower-case hex SHA-256 of the file's bytes.
	SHA256 string
	Size   int64
	// Data returns the file's bytes, which the caller must not modify.
	Data func() ([]byte, error)
}

// Catalog is the set of templates a service offers. templates.Catalog
// and templates.Live implement it.
type Catalog interface {
	// Template returns the template with the given id; an ENOTFOUND
	// *oshigoods.Error on the field "template" if there is none.
	Template(id string) (Template, error)
	// TemplateAt returns the template with the given id as it was at
	// version, for an item taken with it: the current template when
	// version is "" (an item from before versions were recorded) or the
	// current one's; otherwise the template compiled again from its
	// manifest (TemplateManifestKey) and the blobs it lists
	// (TemplateBlobKey), which fetch returns by key from the file store.
	// fetch is called only then, and its error is returned as it is. A
	// bounded number of old versions are kept compiled.
	TemplateAt(id, version string, fetch func(key string) ([]byte, error)) (Template, error)
	// Templates returns every template, in catalogue order.
	Templates() []Template
	// ProbeImage reads an upload's header, decoding no pixel, as the
	// catalogue's renderers will read the image: the catalogue, not the
	// domain, knows which formats its renderers decode. Errors wrap
	// ErrImageFormat when the bytes are not an image format they take;
	// any other error means the file is damaged or cut off.
	ProbeImage(data []byte) (ImageInfo, error)
}

// CatalogReloader is a Catalog that loads its templates again from where
// they came from (a shop's template folder) and swaps them in without a
// restart: templates.Live.
type CatalogReloader interface {
	// ReloadCatalog loads the catalogue again and returns its templates
	// before and after. On error the catalogue in use stays, and the error
	// (an EUNPROCESSABLE *oshigoods.Error) names the template and what is
	// wrong with it.
	ReloadCatalog() (before, after []TemplateInfo, err error)
}

// ImageInfo is what an upload's header says, read without decoding a
// pixel: its format ("jpeg", "png", "webp" or "heic") and its size in
// pixels as displayed (after the EXIF orientation); and the memory, in
// bytes, the most demanding of the catalogue's decodes of it takes (0 when
// unknown), which Service.Upload checks against the decode budget.
type ImageInfo struct {
	Format        string
	Width, Height int
	DecodeBytes   int64
}

// ErrImageFormat is wrapped by Catalog.ProbeImage when the bytes are not
// an image format the renderers take.
var ErrImageFormat = errors.New("not a JPEG, PNG, WebP or HEIC image")

// MaxBleedMM is the most bleed a Profile may add on each side.
const MaxBleedMM = 10

// Validate reports a profile no renderer can finish with: a photo format
// other than "" (jpeg), "jpeg" or "pdf", or a bleed outside 0–MaxBleedMM.
// Each problem is an *oshigoods.ConfigError, joined.
func (p Profile) Validate() error {
	var errs []error
	switch p.PhotoFormat {
	case "", "jpeg", "pdf":
	default:
		errs = append(errs, &oshigoods.ConfigError{Field: "PhotoFormat", Value: p.PhotoFormat, Problem: `is not a photo format; give "jpeg" or "pdf"`})
	}
	if !(p.BleedMM >= 0 && p.BleedMM <= MaxBleedMM) {
		errs = append(errs, &oshigoods.ConfigError{Field: "BleedMM", Value: p.BleedMM, Problem: fmt.Sprintf("is out of range; give 0–%d mm", MaxBleedMM)})
	}
	return errors.Join(errs...)
}
