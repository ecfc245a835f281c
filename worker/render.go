package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"time"

	"github.com/hibiken/asynq"

	"oshigoods"
	"oshigoods/orders"
	"oshigoods/render"
	"oshigoods/templates"
)

// Renderer handles render tasks: it loads the item and its uploads, renders
// it with its template, stores the files and marks the item ready.
type Renderer struct {
	Store   orders.Store
	Files   orders.FileStore
	Catalog *templates.Catalog
	// Profile finishes print files (bleed, crop marks, format). The zero
	// Profile is digital: no bleed, no marks.
	Profile render.Profile
	Logger  *slog.Logger
}

// FileKey returns the object key of an item's rendered file. Keys depend
// only on the ids, so a second run overwrites the same objects.
func FileKey(item *orders.Item, name string) string {
	return path.Join("orders", item.OrderID, item.ID, name)
}

// ProcessTask renders the item the task names. A bad payload, an unknown
// item or input the renderer refuses fails at once (asynq.SkipRetry) and
// the item fails with a public reason; other errors are returned for asynq
// to retry, and after the last retry the item fails.
func (h *Renderer) ProcessTask(ctx context.Context, t *asynq.Task) error {
	var p renderPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || p.ItemID == "" {
		return fmt.Errorf("decode payload: %v: %w", err, asynq.SkipRetry)
	}
	err := h.render(ctx, p.ItemID)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, asynq.SkipRetry):
		return err
	case oshigoods.ErrorCode(err) == oshigoods.EUNPROCESSABLE || oshigoods.ErrorCode(err) == oshigoods.EINVALID:
		h.fail(p.ItemID, oshigoods.ErrorMessage(err))
		return fmt.Errorf("render %s: %w: %w", p.ItemID, err, asynq.SkipRetry)
	}
	retried, _ := asynq.GetRetryCount(ctx)
	maxRetry, ok := asynq.GetMaxRetry(ctx)
	if ok && retried >= maxRetry {
		h.fail(p.ItemID, "Rendering failed after several attempts; please contact support.")
	}
	return fmt.Errorf("render %s: %w", p.ItemID, err)
}

// fail marks the item failed, with a context of its own: the task's may be
// the one that timed out.
func (h *Renderer) fail(itemID, reason string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	active := []orders.Status{orders.StatusReceived, orders.StatusQueued, orders.StatusRendering}
	if _, err := h.Store.TransitionItem(ctx, itemID, active, orders.StatusFailed, reason); err != nil {
		h.Logger.Error("mark item failed", "item", itemID, "err", err)
	}
}

func (h *Renderer) render(ctx context.Context, itemID string) error {
	item, err := h.Store.Item(ctx, itemID)
	if oshigoods.ErrorCode(err) == oshigoods.ENOTFOUND {
		return fmt.Errorf("item %s: %w", itemID, asynq.SkipRetry)
	} else if err != nil {
		return fmt.Errorf("load item: %w", err)
	}
	switch item.Status {
	case orders.StatusReady, orders.StatusPrinted, orders.StatusFailed, orders.StatusCancelled:
		h.Logger.Info("item already settled; nothing to do", "item", item.ID, "status", item.Status)
		return nil
	}
	active := []orders.Status{orders.StatusReceived, orders.StatusQueued, orders.StatusRendering}
	if _, err := h.Store.TransitionItem(ctx, item.ID, active, orders.StatusRendering, ""); err != nil {
		return fmt.Errorf("mark rendering: %w", err)
	}
	tpl, err := h.Catalog.Get(item.Template)
	if err != nil {
		return err
	}
	in, err := h.inputs(ctx, tpl, item)
	if err != nil {
		return err
	}
	res, err := tpl.Render(ctx, in)
	if err != nil {
		return err
	}
	files := make([]orders.File, 0, len(res.Files))
	for _, f := range res.Files {
		key := FileKey(item, f.Name)
		if err := h.Files.Put(ctx, key, f.Data, f.ContentType); err != nil {
			return fmt.Errorf("store %s: %w", f.Name, err)
		}
		files = append(files, orders.File{
			ItemID: item.ID, Name: f.Name, Role: f.Role, ContentType: f.ContentType,
			Size: int64(len(f.Data)), SHA256: f.SHA256(), Key: key,
		})
	}
	changed, err := h.Store.CompleteItem(ctx, item.ID, files, res.Warnings)
	if err != nil {
		return fmt.Errorf("complete item: %w", err)
	}
	h.Logger.Info("item rendered", "item", item.ID, "template", item.Template, "files", len(files), "recorded", changed)
	return nil
}

// inputs gathers the item's field values and the bytes of its uploads.
func (h *Renderer) inputs(ctx context.Context, tpl *templates.Template, item *orders.Item) (render.Inputs, error) {
	images, err := orders.LoadImages(ctx, h.Store, h.Files, tpl.Fields(), item.Fields)
	return render.Inputs{Fields: item.Fields, Images: images, Profile: h.Profile}, err
}
