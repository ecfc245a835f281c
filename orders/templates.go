package orders

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"oshigoods"
)

// Template versions. An item records the version of the template it was
// validated and priced with (Item.TemplateVersion), and is rendered with
// that version however the catalogue changes after: a template edited in
// the shop's folder and reloaded changes new orders only, and an old order
// made again (an operator's retry) gives the same files. So that an old
// version can be compiled again, its files are kept in the file store, as
// one archive (Template.Bundle) under TemplateBundleKey, when an order that
// records it is taken; if the file store cannot take them then (an outage:
// the order is taken all the same), the item's render keeps them before the
// item is ready. The one gap: an order taken during such an outage whose
// version every process has reloaded away before rendering it finds no
// bundle (ErrBundleMissing).

// TemplateBundleKey returns the file store key of a template version's
// bundle: templates/<id>/<version>.zip.
func TemplateBundleKey(id, version string) string {
	return path.Join("templates", id, version+".zip")
}

// ErrBundleMissing is wrapped by a render whose item's template version is
// no longer the catalogue's and whose bundle is not in the file store
// (deleted by hand, or a bucket restored without it). The item waits on
// retries, with the reason in its task's last error for the operator,
// until the bundle is put back or its attempts run out.
var ErrBundleMissing = errors.New("the template version's bundle is not in the file store")

// keepTemplates makes sure the file store holds the bundle of each
// template version items record: checked with Exists first, put
// (Template.Bundle) only when missing. A bundle's
// bytes depend only on its version, so processes putting the same one at
// once write the same object. A template without a version is skipped.
func (s *Service) keepTemplates(ctx context.Context, tpls []Template) error {
	seen := map[string]bool{}
	for _, tpl := range tpls {
		info := tpl.Info()
		key := TemplateBundleKey(info.ID, info.Version)
		if info.Version == "" || seen[key] {
			continue
		}
		seen[key] = true
		found, err := s.Files.Exists(ctx, key)
		if err != nil {
			return fmt.Errorf("look up template bundle %s: %w", key, err)
		}
		if found {
			continue
		}
		data, err := tpl.Bundle()
		if err != nil {
			return fmt.Errorf("bundle template %s version %s: %w", info.ID, info.Version, err)
		}
		if err := s.Files.Put(ctx, key, data, "application/zip"); err != nil {
			return fmt.Errorf("store template bundle %s: %w", key, err)
		}
		s.log().Info("template version kept", "template", info.ID, "version", info.Version, "key", key, "bytes", len(data))
	}
	return nil
}

// itemTemplate returns the template an item is rendered with: the version
// it was taken with (Catalog.TemplateAt), from its bundle in the file store
// when the catalogue has moved on. A bundle not found wraps
// ErrBundleMissing.
func (s *Service) itemTemplate(ctx context.Context, item *Item) (Template, error) {
	return s.Catalog.TemplateAt(item.Template, item.TemplateVersion, func() ([]byte, error) {
		key := TemplateBundleKey(item.Template, item.TemplateVersion)
		data, err := s.Files.Get(ctx, key)
		if oshigoods.ErrorCode(err) == oshigoods.ENOTFOUND {
			return nil, fmt.Errorf("template %s version %s (%s): %w", item.Template, item.TemplateVersion, key, ErrBundleMissing)
		} else if err != nil {
			return nil, fmt.Errorf("fetch template bundle %s: %w", key, err)
		}
		return data, nil
	})
}

// TemplateChange is one template a reload added, changed or removed: From
// is its version before ("" when added), To after ("" when removed).
type TemplateChange struct {
	ID   string `json:"id"`
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
}

// TemplateReload is what a reload did: the templates now offered and
// what changed.
type TemplateReload struct {
	Templates []TemplateInfo
	Changes   []TemplateChange
}

// ReloadTemplates loads the catalogue again from where it came from (the
// shop's template folder) and swaps it in, for actor (the operator's key,
// or ActorOperator for a signal), recording it in the audit log. Orders
// already taken keep their versions; new orders get the new ones. On a
// bad template the catalogue in use stays and the error is EUNPROCESSABLE
// naming the template and what is wrong; ECONFLICT when the catalogue
// cannot be reloaded (it is not a CatalogReloader).
func (s *Service) ReloadTemplates(ctx context.Context, actor string) (*TemplateReload, error) {
	r, ok := s.Catalog.(CatalogReloader)
	if !ok {
		return nil, oshigoods.Errorf(oshigoods.ECONFLICT, "This catalogue cannot be reloaded; restart the process to change templates.")
	}
	before, after, err := r.ReloadCatalog()
	if err != nil {
		s.audit(ctx, actor, "templates.reload", "", "refused")
		return nil, err
	}
	out := &TemplateReload{Templates: after, Changes: []TemplateChange{}}
	was := map[string]string{}
	for _, t := range before {
		was[t.ID] = t.Version
	}
	for _, t := range after {
		if v, ok := was[t.ID]; !ok || v != t.Version {
			out.Changes = append(out.Changes, TemplateChange{ID: t.ID, From: v, To: t.Version})
		}
		delete(was, t.ID)
	}
	for _, t := range before {
		if _, gone := was[t.ID]; gone {
			out.Changes = append(out.Changes, TemplateChange{ID: t.ID, From: t.Version})
		}
	}
	slices.SortFunc(out.Changes, func(a, b TemplateChange) int { return strings.Compare(a.ID, b.ID) })
	var changed []string
	for _, c := range out.Changes {
		changed = append(changed, c.ID)
	}
	s.audit(ctx, actor, "templates.reload", "", fmt.Sprintf("templates=%d changed=%s", len(after), strings.Join(changed, ",")))
	s.log().Info("templates reloaded", "templates", len(after), "changed", strings.Join(changed, ","))
	return out, nil
}
