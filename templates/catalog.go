package templates

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"

	"oshigoods"
	"oshigoods/render"
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
	render.Renderer
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
// concurrent use.
type Catalog struct {
	byID map[string]*Template
	list []*Template
}

type manifest struct {
	ID          string          `json:"id"`
	Kind        render.Kind     `json:"kind"`
	Title       string          `json:"title"`
	Description string          `json:"description"`
	Photo       json.RawMessage `json:"photo"`
	Card        json.RawMessage `json:"card"`
	Voice       json.RawMessage `json:"voice"`
}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// Load reads every */template.json in fsys and compiles it with the
// compiler for its kind. It fails on the first bad manifest, naming it.
func Load(fsys fs.FS, compilers map[render.Kind]Compiler) (*Catalog, error) {
	paths, err := fs.Glob(fsys, "*/template.json")
	if err != nil {
		return nil, fmt.Errorf("list templates: %w", err)
	}
	c := &Catalog{byID: make(map[string]*Template)}
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

func compile(fsys fs.FS, p string, compilers map[render.Kind]Compiler) (*Template, error) {
	data, err := fs.ReadFile(fsys, p)
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if !idPattern.MatchString(m.ID) {
		return nil, fmt.Errorf("id %q: want lower-case letters, digits and dashes", m.ID)
	}
	if dir := path.Dir(p); dir != m.ID {
		return nil, fmt.Errorf("id %q does not match its folder %q", m.ID, dir)
	}
	if m.Title == "" {
		return nil, fmt.Errorf("title is required")
	}
	specs := map[render.Kind]json.RawMessage{render.KindPhoto: m.Photo, render.KindCard: m.Card, render.KindVoice: m.Voice}
	spec, ok := specs[m.Kind]
	if !ok {
		return nil, fmt.Errorf("unknown kind %q", m.Kind)
	}
	if len(spec) == 0 {
		return nil, fmt.Errorf("kind %s needs a %q spec", m.Kind, m.Kind)
	}
	compiler := compilers[m.Kind]
	if compiler == nil {
		return nil, fmt.Errorf("no renderer for kind %s", m.Kind)
	}
	r, err := compiler(spec, fsys)
	if err != nil {
		return nil, err
	}
	if r.Kind() != m.Kind {
		return nil, fmt.Errorf("renderer kind %s, manifest kind %s", r.Kind(), m.Kind)
	}
	return &Template{ID: m.ID, Kind: m.Kind, Title: m.Title, Description: m.Description, Renderer: r}, nil
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
