package orders

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sync/singleflight"

	"oshigoods"
)

// Template versions. An item records the version of the template it was
// validated and priced with (Item.TemplateVersion), and is rendered with
// that version however the catalogue changes after: a template edited in
// the shop's folder and reloaded changes new orders only, and an old order
// made again (an operator's retry) gives the same files. So that an old
// version can be compiled again, its files are kept in the file store when
// an order that records it is taken: each file once by its content
// (TemplateBlobKey), shared by every template and version that read it
// (the fonts), then the version's manifest (TemplateManifestKey) listing
// them. If the file store cannot take them then (an outage: the order is
// taken all the same), the item's render keeps them before the item is
// ready. The one gap: an order taken during such an outage whose version
// every process has reloaded away before rendering it finds no manifest
// (ErrBundleMissing).

// TemplateManifestKey returns the file store key of a template version's
// manifest (Template.Manifest): templates/<id>/<version>.json.
func TemplateManifestKey(id, version string) string {
	return path.Join("templates", id, version+".json")
}

// TemplateBlobKey returns the file store key of a file a template was
// compiled from, by the lower-case hex SHA-256 of its bytes:
// templates/files/<sha256>.
func TemplateBlobKey(sha256 string) string {
	return path.Join("templates", "files", sha256)
}

// ErrBundleMissing is wrapped by a render whose item's template version is
// no longer the catalogue's and whose manifest or one of whose files is
// not in the file store (deleted by hand, or a bucket restored without
// it). The item waits on retries, with the missing key in its task's last
// error for the operator, until it is put back or its attempts run out.
var ErrBundleMissing = errors.New("the template version's files are not in the file store")

// keptVersions remembers, per service, the manifest keys of template
// versions the file store is known to hold: the store only ever adds them,
// so a service asks it once per version, not on every order.
var keptVersions sync.Map // keptKey → true

// keeping holds the keeps in flight, per service and manifest key (see
// keepingKey): an order whose version another order is keeping waits for
// that keep and shares its outcome, rather than putting the same files
// again. (A burst of orders right after a start, or after a reload, would
// otherwise put every file of the version once per order, megabytes of
// fonts each.)
var keeping singleflight.Group

type keptKey struct {
	s   *Service
	key string
}

// keepTemplates makes sure the file store holds each template version
// items record: if its manifest is missing (Exists), each file it lists
// that is missing is put, then the manifest, last, so that a manifest
// present means its files are there. A file's and a manifest's bytes
// depend only on their key, so processes putting the same one at once
// write the same object. A template without a version is skipped, and so
// is one this service kept or found before (keptVersions); one this
// service is keeping now is waited for (until ctx ends), and its error is
// this call's.
func (s *Service) keepTemplates(ctx context.Context, tpls []Template) error {
	seen := map[string]bool{}
	for _, tpl := range tpls {
		info := tpl.Info()
		key := TemplateManifestKey(info.ID, info.Version)
		if info.Version == "" || seen[key] {
			continue
		}
		seen[key] = true
		kept := keptKey{s, key}
		if _, ok := keptVersions.Load(kept); ok {
			continue
		}
		flight := keeping.DoChan(fmt.Sprintf("%p %s", s, key), func() (any, error) {
			if err := s.keepTemplate(ctx, tpl, key, seen); err != nil {
				return nil, err
			}
			keptVersions.Store(kept, true)
			return nil, nil
		})
		select {
		case res := <-flight:
			if res.Err != nil {
				return res.Err
			}
		case <-ctx.Done():
			return fmt.Errorf("wait for template manifest %s: %w", key, ctx.Err())
		}
	}
	return nil
}

// keepTemplate keeps one template version whose manifest is at key (see
// keepTemplates); seen holds the blob keys this call has seen.
func (s *Service) keepTemplate(ctx context.Context, tpl Template, key string, seen map[string]bool) error {
	info := tpl.Info()
	found, err := s.Files.Exists(ctx, key)
	if err != nil {
		return fmt.Errorf("look up template manifest %s: %w", key, err)
	}
	if found {
		return nil
	}
	manifest, err := tpl.Manifest()
	if err != nil {
		return fmt.Errorf("template %s version %s: %w", info.ID, info.Version, err)
	}
	var put int64
	for _, b := range tpl.Blobs() {
		blobKey := TemplateBlobKey(b.SHA256)
		if seen[blobKey] {
			continue
		}
		if found, err := s.Files.Exists(ctx, blobKey); err != nil {
			return fmt.Errorf("look up template file %s: %w", blobKey, err)
		} else if !found {
			data, err := b.Data()
			if err != nil {
				return fmt.Errorf("template %s version %s: read %s: %w", info.ID, info.Version, blobKey, err)
			}
			if err := s.Files.Put(ctx, blobKey, data, "application/octet-stream"); err != nil {
				return fmt.Errorf("store template file %s: %w", blobKey, err)
			}
			put += int64(len(data))
		}
		seen[blobKey] = true
	}
	if err := s.Files.Put(ctx, key, manifest, "application/json"); err != nil {
		return fmt.Errorf("store template manifest %s: %w", key, err)
	}
	s.log().Info("template version kept", "template", info.ID, "version", info.Version, "key", key, "file_bytes_put", put)
	return nil
}

// itemTemplate returns the template an item is rendered with: the version
// it was taken with (Catalog.TemplateAt), from its manifest and files in
// the file store when the catalogue has moved on. A manifest or file not
// found wraps ErrBundleMissing, naming its key.
func (s *Service) itemTemplate(ctx context.Context, item *Item) (Template, error) {
	return s.Catalog.TemplateAt(item.Template, item.TemplateVersion, func(key string) ([]byte, error) {
		data, err := s.Files.Get(ctx, key)
		if oshigoods.ErrorCode(err) == oshigoods.ENOTFOUND {
			return nil, fmt.Errorf("template %s version %s (%s): %w", item.Template, item.TemplateVersion, key, ErrBundleMissing)
		} else if err != nil {
			return nil, fmt.Errorf("fetch template file %s: %w", key, err)
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
