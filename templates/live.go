package templates

import (
	"fmt"
	"sync"
	"sync/atomic"

	"oshigoods"
	"oshigoods/orders"
)

// OldVersions is how many old versions of templates a catalogue keeps
// compiled (TemplateAt), the least recently used dropped first. A card or
// photo template holds its fonts, some 25 MB.
const OldVersions = 4

// TemplateAt returns the template with the given id as it was at version,
// for an item taken with it (orders.Catalog): the current template when
// version is "" (an item taken before versions were recorded) or is the
// current one's; otherwise the template compiled again (LoadStored) from
// its manifest and files as the service keeps them in the file store,
// which fetch returns by key. fetch is called only then; its error is
// returned as it is. The last OldVersions old versions compiled are
// kept, and one version is compiled once however many renders ask for it at
// a time. An unknown id with no version is ENOTFOUND.
func (c *Catalog) TemplateAt(id, version string, fetch func(key string) ([]byte, error)) (orders.Template, error) {
	cur, err := c.Get(id)
	if version == "" || (err == nil && cur.Version == version) {
		if err != nil {
			return nil, err
		}
		return cur, nil
	}
	t, err := c.old.get(id+"@"+version, func() (*Template, error) {
		return LoadStored(id, version, fetch, c.compilers)
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// versionCache keeps the last compiled old versions, by "<id>@<version>".
// A nil cache keeps none.
type versionCache struct {
	max     int
	mu      sync.Mutex
	recent  []string // most recently used first
	byKey   map[string]*Template
	loading map[string]*versionLoad
}

// versionLoad is a compile under way that later askers wait for.
type versionLoad struct {
	done chan struct{}
	t    *Template
	err  error
}

func newVersionCache(max int) *versionCache {
	return &versionCache{max: max, byKey: map[string]*Template{}, loading: map[string]*versionLoad{}}
}

// get returns the template cached under key, or loads and keeps it. Askers
// of a key being loaded wait for that load and share its outcome; a failed
// load is not kept, so the next asker tries again.
func (c *versionCache) get(key string, load func() (*Template, error)) (*Template, error) {
	if c == nil {
		return load()
	}
	c.mu.Lock()
	if t := c.byKey[key]; t != nil {
		c.touch(key)
		c.mu.Unlock()
		return t, nil
	}
	if l := c.loading[key]; l != nil {
		c.mu.Unlock()
		<-l.done
		return l.t, l.err
	}
	l := &versionLoad{done: make(chan struct{})}
	c.loading[key] = l
	c.mu.Unlock()
	defer func() {
		if l.t == nil && l.err == nil { // load panicked: its waiters get an error
			l.err = fmt.Errorf("template %s: compile did not finish", key)
		}
		c.mu.Lock()
		delete(c.loading, key)
		if l.err == nil && l.t != nil {
			c.byKey[key] = l.t
			c.recent = append([]string{key}, c.recent...)
			for len(c.recent) > c.max {
				delete(c.byKey, c.recent[len(c.recent)-1])
				c.recent = c.recent[:len(c.recent)-1]
			}
		}
		c.mu.Unlock()
		close(l.done)
	}()
	l.t, l.err = load()
	return l.t, l.err
}

// touch makes key the most recently used. The caller holds mu.
func (c *versionCache) touch(key string) {
	for i, k := range c.recent {
		if k == key {
			copy(c.recent[1:i+1], c.recent[:i])
			c.recent[0] = key
			return
		}
	}
}

// Live is the catalogue in use, loaded again without a restart (Reload):
// an orders.Catalog whose every call reads the catalogue current at that
// moment, swapped atomically. A render that has its template keeps it to
// the end: templates never change, a reload replaces them. Old versions
// compiled from the file store (TemplateAt) are kept across reloads. Safe for
// concurrent use.
type Live struct {
	load func() (*Catalog, error)
	cur  atomic.Pointer[Catalog]
	mu   sync.Mutex // one reload at a time
	old  *versionCache
}

var (
	_ orders.Catalog         = (*Live)(nil)
	_ orders.CatalogReloader = (*Live)(nil)
)

// NewLive loads the catalogue with load (e.g. Builtin, or LoadFolder of a
// shop's folder) and returns it live; Reload calls load again. It fails
// with load's error.
func NewLive(load func() (*Catalog, error)) (*Live, error) {
	l := &Live{load: load, old: newVersionCache(OldVersions)}
	c, err := l.loadCatalog()
	if err != nil {
		return nil, err
	}
	l.cur.Store(c)
	return l, nil
}

func (l *Live) loadCatalog() (*Catalog, error) {
	c, err := l.load()
	if err != nil {
		return nil, err
	}
	c.old = l.old // not yet shared: no one else reads c
	return c, nil
}

// Current returns the catalogue in use.
func (l *Live) Current() *Catalog { return l.cur.Load() }

// Reload loads the catalogue again and swaps it in: later calls see the new
// templates, calls under way finish with the ones they have. It returns
// the catalogue before and after. On error the catalogue in use stays, and
// the error is an EUNPROCESSABLE *oshigoods.Error on the field "templates"
// whose message names the template and what is wrong with it. Reloads run
// one at a time.
func (l *Live) Reload() (before, after *Catalog, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	before = l.cur.Load()
	after, err = l.loadCatalog()
	if err != nil {
		return before, before, &oshigoods.Error{Code: oshigoods.EUNPROCESSABLE, Field: "templates",
			Message: "The templates were not reloaded, the ones in use stay: " + err.Error() + ".", Err: err}
	}
	l.cur.Store(after)
	return before, after, nil
}

// ReloadCatalog is Reload as orders.CatalogReloader: the templates before
// and after, ordered by id.
func (l *Live) ReloadCatalog() (before, after []orders.TemplateInfo, err error) {
	b, a, err := l.Reload()
	return infos(b), infos(a), err
}

func infos(c *Catalog) []orders.TemplateInfo {
	out := make([]orders.TemplateInfo, 0, len(c.list))
	for _, t := range c.list {
		out = append(out, t.Info())
	}
	return out
}

// Template returns the current template with the given id (Catalog.Get).
func (l *Live) Template(id string) (orders.Template, error) { return l.Current().Template(id) }

// Templates returns every current template, ordered by id.
func (l *Live) Templates() []orders.Template { return l.Current().Templates() }

// TemplateAt returns the template as it was at version (Catalog.TemplateAt).
func (l *Live) TemplateAt(id, version string, fetch func(key string) ([]byte, error)) (orders.Template, error) {
	return l.Current().TemplateAt(id, version, fetch)
}

// ProbeImage reads an upload's header as the current catalogue's renderers
// will (Catalog.ProbeImage).
func (l *Live) ProbeImage(data []byte) (orders.ImageInfo, error) { return l.Current().ProbeImage(data) }
