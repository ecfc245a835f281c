package templates

import (
	"errors"
	"fmt"
	"io/fs"
	"path"

	"oshigoods"
	"oshigoods/render"
)

// LoadOne compiles the one template with the given id, from
// <id>/template.json in fsys, with the same checks as Load. A command that
// renders one template uses it so that it does not parse every other
// template's fonts, art and sounds. Returns ENOTFOUND if there is no such
// template (an id that is not a template id included).
func LoadOne(fsys fs.FS, id string, compilers map[render.Kind]Compiler) (*Template, error) {
	notFound := &oshigoods.Error{Code: oshigoods.ENOTFOUND, Field: "template", Message: fmt.Sprintf("unknown template %q.", id)}
	if !idPattern.MatchString(id) {
		return nil, notFound
	}
	p := path.Join(id, "template.json")
	if _, err := fs.Stat(fsys, p); errors.Is(err, fs.ErrNotExist) {
		return nil, notFound
	}
	t, err := compile(fsys, p, compilers)
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", p, err)
	}
	return t, nil
}

// BuiltinOne compiles the one shipped template with the given id (see
// LoadOne). Returns ENOTFOUND if there is no such template.
func BuiltinOne(id string) (*Template, error) { return LoadOne(FS(), id, Compilers()) }
