package orders

import (
	"context"
	"errors"
	"fmt"
	"path"
	"time"

	"oshigoods"
)

// ErrNoItem is returned (wrapped) by RenderItem when the item does not
// exist: there is nothing to render, nor to fail.
var ErrNoItem = errors.New("no such item")

// FileKey returns the object key of an item's rendered file. Keys depend
// only on the ids, so a second render overwrites the same objects.
func FileKey(item *Item, name string) string {
	return path.Join("orders", item.OrderID, item.ID, name)
}

// RenderItem renders an item with its template and Profile, stores its files
// under FileKey and marks it ready, recording the fan's order-time warnings
// merged with the render's (MergeWarnings) and the renderer's preflight
// record with those warnings copied in. An item already settled (ready,
// printed, failed, cancelled) is left as it is, and so is one whose files
// were recorded by a render that finished first. It returns ErrNoItem if
// there is no such item; an EUNPROCESSABLE or EINVALID error when the
// renderer refuses the item's input, which no retry mends; anything else
// may be transient, such as EUNAVAILABLE when the decode budget stays full
// (the worker retries it later, with backoff).
func (s *Service) RenderItem(ctx context.Context, itemID string) error {
	item, err := s.Store.Item(ctx, itemID)
	if oshigoods.ErrorCode(err) == oshigoods.ENOTFOUND {
		return fmt.Errorf("item %s: %w", itemID, ErrNoItem)
	} else if err != nil {
		return fmt.Errorf("load item: %w", err)
	}
	switch item.Status {
	case StatusReady, StatusPrinted, StatusShipped, StatusDelivered, StatusFailed, StatusCancelled:
		s.log().Info("item already settled; nothing to do", "item", item.ID, "status", item.Status)
		return nil
	}
	if _, err := s.Store.TransitionItem(ctx, item.ID, activeStatuses, StatusRendering, ""); err != nil {
		return fmt.Errorf("mark rendering: %w", err)
	}
	tpl, err := s.Catalog.Template(item.Template)
	if err != nil {
		return err
	}
	in := Inputs{Fields: item.Fields, Profile: s.Profile, Decodes: s.Decodes}
	if in.Images, err = LoadImages(ctx, s.Store, s.Files, tpl.Fields(), item.Fields); err != nil {
		return err
	}
	res, err := tpl.Render(ctx, in)
	if err != nil {
		return err
	}
	done := Completion{Files: make([]File, 0, len(res.Files)), Warnings: MergeWarnings(item.Warnings, res.Warnings)}
	for _, f := range res.Files {
		key := FileKey(item, f.Name)
		if err := s.Files.Put(ctx, key, f.Data, f.ContentType); err != nil {
			return fmt.Errorf("store %s: %w", f.Name, err)
		}
		done.Files = append(done.Files, File{
			ItemID: item.ID, Name: f.Name, Role: f.Role, ContentType: f.ContentType,
			Size: int64(len(f.Data)), SHA256: f.SHA256(), Key: key,
		})
	}
	if res.Preflight != nil {
		pf := *res.Preflight
		pf.Warnings = append([]string{}, done.Warnings...)
		done.Preflight = &pf
	}
	changed, err := s.Store.CompleteItem(ctx, item.ID, done)
	if err != nil {
		return fmt.Errorf("complete item: %w", err)
	}
	s.log().Info("item rendered", "item", item.ID, "template", item.Template, "files", len(done.Files),
		"warnings", len(done.Warnings), "recorded", changed)
	return nil
}

// activeStatuses are the statuses of an item still to be rendered.
var activeStatuses = []Status{StatusReceived, StatusQueued, StatusRendering}

// FailItem marks an item that is still to be rendered failed, with reason
// as the public message the fan and the shop see. An item already settled
// is left as it is.
func (s *Service) FailItem(ctx context.Context, itemID, reason string) error {
	if _, err := s.Store.TransitionItem(ctx, itemID, activeStatuses, StatusFailed, reason); err != nil {
		return fmt.Errorf("mark item failed: %w", err)
	}
	return nil
}

// MergeWarnings returns the warnings of lists in order, each text once:
// an item's order-time warnings first, then the render's that are new. It
// returns nil when there are none.
func MergeWarnings(lists ...[]string) []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range lists {
		for _, w := range l {
			if !seen[w] {
				seen[w] = true
				out = append(out, w)
			}
		}
	}
	return out
}

// RequeueStale hands q again the items the database has as still
// to be rendered but Redis may have lost: received or queued ones untouched
// since waitingBefore, and rendering ones untouched since renderingBefore
// (a worker died mid-render), at most batch of each. A received or queued
// item is touched (→ queued), so the next pass looks at others first; a
// rendering one is left to its worker. It returns how many it handed over
// and stops at the first error. Since a task's id is its item's id,
// handing over one still in Redis is a no-op.
// q is the caller's (a reconciler's own connection) rather than s.Queue.
func (s *Service) RequeueStale(ctx context.Context, q Queue, waitingBefore, renderingBefore time.Time, batch int) (int, error) {
	waiting, err := s.Store.StaleItems(ctx, []Status{StatusReceived, StatusQueued}, waitingBefore, batch)
	if err != nil {
		return 0, err
	}
	stuck, err := s.Store.StaleItems(ctx, []Status{StatusRendering}, renderingBefore, batch)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, item := range append(waiting, stuck...) {
		if err := q.EnqueueRender(ctx, item); err != nil {
			return n, err
		}
		from := []Status{StatusReceived, StatusQueued}
		if _, err := s.Store.TransitionItem(ctx, item.ID, from, StatusQueued, ""); err != nil {
			return n, err
		}
		s.log().Info("re-enqueued item", "item", item.ID, "status", item.Status)
		s.record("requeued")
		n++
	}
	return n, nil
}
