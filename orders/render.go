package orders

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"sync"
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

// ReasonRenderFailed is the public reason of an item given up on: its
// task's last retry failed, or its renders kept dying (a worker killed on
// it) until Renders.MaxAttempts. The fan is asked to contact the shop; the
// cause is in the log, for the operator.
const ReasonRenderFailed = "制作中に問題が発生しました。お手数ですがショップにお問い合わせください。"

// Delay reasons: the public words of Item.DelayReason, while an item waits
// on a retry because a render failed for a reason that passes.
const (
	// DelayBusy: the render itself could not finish, most often because
	// the decode budget stayed full (many large photos at once).
	DelayBusy = "Many orders are being made right now; yours is made as soon as there is room."
	// DelayUnavailable: the file store or the database could not be
	// reached.
	DelayUnavailable = "A service the shop relies on is briefly unavailable; your item is made as soon as it is back."
)

// Delayed reports whether the item, still to be rendered, waits on a retry
// after a render failed for a reason that passes (DelayReason says why).
func (it *Item) Delayed() bool {
	return it.DelayReason != "" && slices.Contains(activeStatuses, it.Status)
}

// Delay returns the DelayReason of the order's first delayed item
// (Item.Delayed), and false when none is.
func (o *Order) Delay() (reason string, delayed bool) {
	for _, it := range o.Items {
		if it.Delayed() {
			return it.DelayReason, true
		}
	}
	return "", false
}

// Bounds and defaults of Renders.
const (
	MinRenderLease        = 100 * time.Millisecond
	MaxRenderLease        = 10 * time.Minute
	DefaultRenderLease    = 15 * time.Second
	MaxRenderAttempts     = 100
	DefaultRenderAttempts = 6
)

// Renders is how renders hold their items and how often one item may be
// tried. The zero value is the defaults.
type Renders struct {
	// Lease is how long a render holds its item unless renewed. A running
	// render renews it every third of Lease, so when its worker dies
	// (killed, out of memory, cut off) the reconciler finds the item about
	// Lease later and hands it over again. From 100ms to 10m. Default 15
	// seconds.
	Lease time.Duration
	// MaxAttempts is how many renders of one item may start, whatever
	// ended them: a failure retried, a worker that died. An item that
	// would need one more fails with ReasonRenderFailed. From 1 to 100.
	// Default 6: a task's first run and its five retries.
	MaxAttempts int
}

// WithDefaults returns r with zero values replaced by the defaults.
func (r Renders) WithDefaults() Renders {
	if r.Lease <= 0 {
		r.Lease = DefaultRenderLease
	}
	if r.MaxAttempts <= 0 {
		r.MaxAttempts = DefaultRenderAttempts
	}
	return r
}

// Validate reports every setting out of its range, one
// *oshigoods.ConfigError each (fields "Renders.Lease",
// "Renders.MaxAttempts"), joined. Zero values are the defaults and pass.
func (r Renders) Validate() error {
	var errs []error
	if r.Lease != 0 && (r.Lease < MinRenderLease || r.Lease > MaxRenderLease) {
		errs = append(errs, &oshigoods.ConfigError{Field: "Renders.Lease", Value: r.Lease,
			Problem: "is out of range; give 100ms–10m"})
	}
	if r.MaxAttempts < 0 || r.MaxAttempts > MaxRenderAttempts {
		errs = append(errs, &oshigoods.ConfigError{Field: "Renders.MaxAttempts", Value: r.MaxAttempts,
			Problem: fmt.Sprintf("is out of range; give 1–%d, or 0 for the default %d", MaxRenderAttempts, DefaultRenderAttempts)})
	}
	return errors.Join(errs...)
}

// RenderItem renders an item with its template, at the version the item
// records (Catalog.TemplateAt: from its files in the file store when the
// catalogue has moved on; they are kept first if the order could not
// keep them), and Profile, stores its files
// under FileKey and marks it ready, recording the fan's order-time warnings
// merged with the render's (MergeWarnings) and the renderer's preflight
// record with those warnings copied in. An item already settled (ready,
// printed, failed, cancelled) is left as it is, and so is one whose files
// were recorded by a render that finished first, or that another render
// holds (its lease, Renders.Lease, has not run out).
//
// The render starts with Store.BeginRender, which counts an attempt and
// leases the item to it; the lease is renewed while the render runs, and
// the render stops if it loses it. An item whose renders already started
// Renders.MaxAttempts times is failed instead (GiveUpItem). A render that
// fails for a reason that may pass puts the item back to queued with a
// public DelayReason (Store.DelayItem) before the error is returned.
//
// It returns ErrNoItem if there is no such item; an EUNPROCESSABLE or
// EINVALID error when the renderer refuses the item's input, which no retry
// mends; anything else may be transient, such as EUNAVAILABLE when the
// decode budget stays full or a backing service cannot be reached (the
// worker retries it later, with backoff).
func (s *Service) RenderItem(ctx context.Context, itemID string) error {
	cfg := s.Renders.WithDefaults()
	item, started, err := s.Store.BeginRender(ctx, itemID, s.now(), cfg.Lease, cfg.MaxAttempts)
	switch {
	case oshigoods.ErrorCode(err) == oshigoods.ENOTFOUND:
		return fmt.Errorf("item %s: %w", itemID, ErrNoItem)
	case err != nil:
		return fmt.Errorf("begin render: %w", err)
	case started:
	case !slices.Contains(activeStatuses, item.Status):
		s.log().Info("item already settled; nothing to do", "item", item.ID, "status", item.Status)
		return nil
	case item.Attempts >= cfg.MaxAttempts:
		return s.GiveUpItem(ctx, item.ID, fmt.Errorf("%d renders started and none finished (the last ones likely took their worker down)", item.Attempts))
	default:
		s.log().Info("another render holds the item, or it was settled; nothing to do", "item", itemID)
		return nil
	}
	ctx, release := s.holdLease(ctx, item, cfg.Lease)
	defer release()
	reason, err := s.render(ctx, item)
	if err != nil && !Permanent(err) {
		s.delayItem(item, reason, err)
	}
	return err
}

// Permanent reports whether a render's error is one no retry mends: the
// renderer refused the item's input (EUNPROCESSABLE or EINVALID).
func Permanent(err error) bool {
	code := oshigoods.ErrorCode(err)
	return code == oshigoods.EUNPROCESSABLE || code == oshigoods.EINVALID
}

// render runs the steps of a render that began: load the images, render,
// store the files, complete the item. On an error it also returns the
// delay reason that fits the step that failed.
func (s *Service) render(ctx context.Context, item *Item) (delay string, err error) {
	tpl, err := s.itemTemplate(ctx, item)
	if err != nil {
		return DelayUnavailable, err
	}
	// The version is kept before the item is ready, if the order could not
	// keep it, so that the item can be made again.
	if item.TemplateVersion != "" {
		if err := s.keepTemplates(ctx, []Template{tpl}); err != nil {
			return DelayUnavailable, err
		}
	}
	in := Inputs{Fields: item.Fields, Profile: s.Profile, Decodes: s.Decodes, OrderedAt: item.CreatedAt}
	if in.Images, err = LoadImages(ctx, s.Store, s.Files, tpl.Fields(), item.Fields); err != nil {
		return DelayUnavailable, err
	}
	res, err := tpl.Render(ctx, in)
	if err != nil {
		return DelayBusy, err
	}
	done := Completion{Files: make([]File, 0, len(res.Files)), Warnings: MergeWarnings(item.Warnings, res.Warnings)}
	for _, f := range res.Files {
		key := FileKey(item, f.Name)
		if err := s.Files.Put(ctx, key, f.Data, f.ContentType); err != nil {
			return DelayUnavailable, fmt.Errorf("store %s: %w", f.Name, err)
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
		return DelayUnavailable, fmt.Errorf("complete item: %w", err)
	}
	s.log().Info("item rendered", "item", item.ID, "template", item.Template, "version", item.TemplateVersion, "files", len(done.Files),
		"warnings", len(done.Warnings), "attempt", item.Attempts, "recorded", changed)
	return "", nil
}

// holdLease renews the lease of the render that began item every third of
// lease, until release is called. The context it returns ends when ctx
// does, or when the render loses its lease (the reconciler handed the item
// over again after the lease ran out): the render then stops. A renewal
// that fails is logged and tried again at the next tick.
func (s *Service) holdLease(ctx context.Context, item *Item, lease time.Duration) (context.Context, func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(lease / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			held, err := s.Store.ExtendRender(ctx, item.ID, item.Attempts, s.now().Add(lease))
			switch {
			case err != nil && ctx.Err() == nil:
				s.log().Warn("renew render lease", "item", item.ID, "attempt", item.Attempts, "err", err)
			case err == nil && !held:
				s.log().Warn("render lost its lease: the item was handed over again; stopping", "item", item.ID, "attempt", item.Attempts)
				cancel()
				return
			}
		}
	})
	return ctx, func() { cancel(); wg.Wait() }
}

// delayItem records why the item waits on a retry (Store.DelayItem), with
// a context of its own: the render's may be the one that ended.
func (s *Service) delayItem(item *Item, reason string, cause error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	changed, err := s.Store.DelayItem(ctx, item.ID, item.Attempts, reason)
	if err != nil {
		s.log().Error("record render delay", "item", item.ID, "err", err)
		return
	}
	s.log().Warn("render delayed; it is retried", "item", item.ID, "attempt", item.Attempts, "recorded", changed, "err", cause)
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

// GiveUpItem fails an item still to be rendered with ReasonRenderFailed,
// for good: its task's last retry failed, or its renders kept dying. The
// fan sees the public reason; cause, with the attempts the item took, goes
// to the log as "item failed after N attempts". An item already settled
// is left as it is, and nothing is logged.
func (s *Service) GiveUpItem(ctx context.Context, itemID string, cause error) error {
	item, err := s.Store.Item(ctx, itemID)
	if err != nil {
		return fmt.Errorf("load item: %w", err)
	}
	changed, err := s.Store.TransitionItem(ctx, itemID, activeStatuses, StatusFailed, ReasonRenderFailed)
	if err != nil {
		return fmt.Errorf("mark item failed: %w", err)
	}
	if changed {
		s.log().Warn(fmt.Sprintf("item failed after %d attempts", item.Attempts), "item", itemID,
			"attempts", item.Attempts, "task_seq", item.TaskSeq, "cause", cause)
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
