package templates

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"

	"oshigoods"
	"oshigoods/orders"
	"oshigoods/render"
	"oshigoods/render/photo"
)

// Compiler turns a kind's spec into a renderer, reading assets from fsys
// (paths relative to the catalogue root). It validates the spec and parses
// every asset once, so renders never fail on a bad template.
type Compiler func(spec json.RawMessage, fsys fs.FS) (render.Renderer, error)

// Template is one compiled product template.
type Template struct {
	ID          string
	Kind        render.Kind
	Title       string
	Description string
	// Price is what one piece costs in yen, tax included.
	Price orders.Yen
	// Version names the files the template was compiled from: its
	// manifest and every asset its compiler read, shared fonts too
	// (VersionLength hex digits; see version.go). Orders record it, so an
	// item renders with the template it was taken with (Catalog.TemplateAt).
	Version string
	render.Renderer

	// files are what the template was compiled from, sorted by path: what
	// Manifest lists and Blobs returns.
	files []*asset
}

// Validate checks a fan's inputs against the template: the generic field
// rules, then the kind's own check with the real layout. It returns
// warnings, or an *oshigoods.Error naming the field and the limit.
func (t *Template) Validate(ctx context.Context, in render.Inputs) ([]string, error) {
	if err := render.ValidateFields(t.Fields(), in); err != nil {
		return nil, err
	}
	return t.Check(ctx, in)
}

// Catalog holds compiled templates by id. It is immutable and safe for
// concurrent use. Its old versions (TemplateAt) are compiled from the file
// store (LoadStored) with the compilers it was loaded with, and cached.
type Catalog struct {
	byID      map[string]*Template
	list      []*Template
	compilers map[render.Kind]Compiler
	old       *versionCache
}

type manifest struct {
	ID          string      `json:"id"`
	Kind        render.Kind `json:"kind"`
	Title       string      `json:"title"`
	Description string      `json:"description"`
	// Price is whole yen, tax included (総額表示): 1 to MaxPrice.
	Price orders.Yen      `json:"price"`
	Photo json.RawMessage `json:"photo"`
	Card  json.RawMessage `json:"card"`
	Voice json.RawMessage `json:"voice"`
}

// MaxPrice is the highest price a template may ask, in yen.
const MaxPrice orders.Yen = 1_000_000

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// Load reads every */template.json in fsys and compiles it with the
// compiler for its kind. It fails on the first bad manifest, naming it.
func Load(fsys fs.FS, compilers map[render.Kind]Compiler) (*Catalog, error) {
	paths, err := fs.Glob(fsys, "*/template.json")
	if err != nil {
		return nil, fmt.Errorf("list templates: %w", err)
	}
	c := &Catalog{byID: make(map[string]*Template), compilers: compilers, old: newVersionCache(OldVersions)}
	for _, p := range paths {
		t, err := compile(fsys, p, compilers)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", p, err)
		}
		if c.byID[t.ID] != nil {
			return nil, fmt.Errorf("template %s: duplicate id %q", p, t.ID)
		}
		c.byID[t.ID] = t
		c.list = append(c.list, t)
	}
	sort.Slice(c.list, func(i, j int) bool { return c.list[i].ID < c.list[j].ID })
	return c, nil
}

// compile compiles the template of the manifest p, reading the manifest
// and the assets through a recorder, whose files make its version.
func compile(fsys fs.FS, p string, compilers map[render.Kind]Compiler) (*Template, error) {
	rec := newRecorder(fsys)
	data, err := fs.ReadFile(rec, p)
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	for _, p := range m.problems(p, compilers) {
		if !p.Warning {
			return nil, errors.New(p.Message)
		}
	}
	spec, compiler := m.specs()[m.Kind], compilers[m.Kind]
	r, err := compiler(spec, rec)
	if err != nil {
		return nil, err
	}
	if r.Kind() != m.Kind {
		return nil, fmt.Errorf("renderer kind %s, manifest kind %s", r.Kind(), m.Kind)
	}
	files, version := rec.freeze()
	return &Template{ID: m.ID, Kind: m.Kind, Title: m.Title, Description: m.Description, Price: m.Price, Version: version,
		Renderer: r, files: files}, nil
}

// specs returns the manifest's spec of each kind, nil where it has none.
func (m manifest) specs() map[render.Kind]json.RawMessage {
	return map[render.Kind]json.RawMessage{render.KindPhoto: m.Photo, render.KindCard: m.Card, render.KindVoice: m.Voice}
}

// problems returns what is wrong with the fields of the manifest file
// (<folder>/template.json) before its spec is compiled, each naming its
// field: the id (its form, and its folder), title, price, kind and the
// kind's spec are errors; an empty description and another kind's spec,
// ignored, are warnings. Load refuses the first error; Check reports them
// all.
func (m manifest) problems(file string, compilers map[render.Kind]Compiler) []render.Problem {
	var ps []render.Problem
	add := func(warning bool, field, format string, args ...any) {
		ps = append(ps, render.Problem{File: file, Field: field, Warning: warning, Message: fmt.Sprintf(format, args...)})
	}
	switch dir := path.Dir(file); {
	case m.ID == "":
		add(false, "id", "id is required: the template's id, the same as its folder's name (%q).", dir)
	case !idPattern.MatchString(m.ID):
		add(false, "id", "id %q: want lower-case letters, digits and dashes, starting with a letter or digit, at most 63.", m.ID)
	case m.ID != dir:
		add(false, "id", "id %q does not match its folder %q: name the folder after the id.", m.ID, dir)
	}
	if strings.TrimSpace(m.Title) == "" {
		add(false, "title", "title is required: the name fans see in the shop.")
	}
	if strings.TrimSpace(m.Description) == "" {
		add(true, "description", "description is empty: the shop shows it under the title.")
	}
	if m.Price < 1 || m.Price > MaxPrice {
		add(false, "price", "price %d: give the price of one piece in whole yen, tax included (総額表示), from 1 to %d.", m.Price, MaxPrice)
	}
	specs := m.specs()
	if compilers[m.Kind] == nil {
		add(false, "kind", "kind %q: want %s.", m.Kind, kindList(compilers))
	} else if len(specs[m.Kind]) == 0 {
		add(false, string(m.Kind), "kind %s needs its spec under the key %q.", m.Kind, m.Kind)
	}
	for k := range compilers {
		if k != m.Kind && len(specs[k]) != 0 {
			add(true, string(k), "ignored: this template's kind is %q.", m.Kind)
		}
	}
	return ps
}

// Get returns the template with the given id, or ENOTFOUND.
func (c *Catalog) Get(id string) (*Template, error) {
	if t := c.byID[id]; t != nil {
		return t, nil
	}
	return nil, &oshigoods.Error{Code: oshigoods.ENOTFOUND, Field: "template", Message: fmt.Sprintf("unknown template %q.", id)}
}

// List returns every template, ordered by id.
func (c *Catalog) List() []*Template { return c.list }

// The catalogue is the order service's (orders.Catalog), and each template
// one of its orders.Template.
var (
	_ orders.Catalog  = (*Catalog)(nil)
	_ orders.Template = (*Template)(nil)
)

// Template returns the template with the given id, as orders.Catalog: see
// Get.
func (c *Catalog) Template(id string) (orders.Template, error) {
	t, err := c.Get(id)
	if err != nil {
		return nil, err
	}
	return t, nil
}

// Templates returns every template, ordered by id, as orders.Catalog.
func (c *Catalog) Templates() []orders.Template {
	list := make([]orders.Template, len(c.list))
	for i, t := range c.list {
		list[i] = t
	}
	return list
}

// ProbeImage reads an upload's header as the photo renderer will decode
// it (photo.Probe): a JPEG, PNG, WebP or HEIC, with its size as displayed,
// and as DecodeBytes the memory the most demanding of the catalogue's
// photo slots takes to decode it (photo.Template.DecodeBytes), so an
// upload whose decode fits the budget fits it in every template. See
// ProbeImage.
func (c *Catalog) ProbeImage(data []byte) (orders.ImageInfo, error) {
	out, err := ProbeImage(data)
	if err != nil {
		return out, err
	}
	info, _ := photo.Probe(data) // ProbeImage read it without error
	out.DecodeBytes = 0
	for _, t := range c.list {
		if d, ok := t.Renderer.(interface{ DecodeBytes(photo.Info) int64 }); ok {
			out.DecodeBytes = max(out.DecodeBytes, d.DecodeBytes(info))
		}
	}
	return out, nil
}

// ProbeImage reads an image's header with photo.Probe, decoding no pixel,
// and returns its format and size as displayed (after the EXIF
// orientation), and as DecodeBytes what decoding it at full size takes
// (photo.Info.DecodeBytes: the most any slot's decode of it takes). A format photo cannot decode wraps orders.ErrImageFormat;
// any other error means the file is damaged or cut off.
func ProbeImage(data []byte) (orders.ImageInfo, error) {
	info, err := photo.Probe(data)
	if errors.Is(err, photo.ErrFormat) {
		return orders.ImageInfo{}, fmt.Errorf("%w: %w", orders.ErrImageFormat, err)
	} else if err != nil {
		return orders.ImageInfo{}, err
	}
	w, h := info.Upright()
	return orders.ImageInfo{Format: info.Format, Width: w, Height: h, DecodeBytes: info.DecodeBytes()}, nil
}

// Info returns the template's id, kind, title, description, price,
// delivery mode (orders.DeliveryOf its kind) and version.
func (t *Template) Info() orders.TemplateInfo {
	return orders.TemplateInfo{ID: t.ID, Kind: t.Kind, Title: t.Title, Description: t.Description, Price: t.Price,
		Delivery: orders.DeliveryOf(t.Kind), Version: t.Version}
}

// Preview returns the preview of validated inputs: the renderer's own when
// it is a render.Previewer, otherwise the first preview file of a full
// render (render.Preview).
func (t *Template) Preview(ctx context.Context, in render.Inputs) (*render.File, error) {
	return render.Preview(ctx, t.Renderer, in)
}

// RateImage rates an upright w×h image in each image field, when the
// renderer prints images at a physical size (render.ImageRater); nil
// otherwise.
func (t *Template) RateImage(w, h int) []render.ImageRating {
	if r, ok := t.Renderer.(render.ImageRater); ok {
		return r.RateImage(w, h)
	}
	return nil
}
