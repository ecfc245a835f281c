package orders

import (
	"context"
	"errors"
	"fmt"
	"time"

	"oshigoods"
)

// Personal data is kept only as long as declared (the privacy page states
// these periods from this configuration): an upload no order uses is
// deleted UploadTTL after it was made; an order's personal data (the
// customer's name and e-mail, its items' fields, the fan's photos and the
// rendered files, which show their photo and name) is erased
// OrderRetention after the order is finished, and at once when the fan
// asks (EraseOrder). What is kept is an anonymised record: ids, templates,
// kinds, quantities, statuses and dates.

// Retention says how long personal data is kept. Zero values mean the
// defaults.
type Retention struct {
	// UploadTTL is how long an upload that no order uses is kept, and how
	// old an upload may be to be ordered. Default 24 hours; from 1 minute
	// to 30 days.
	UploadTTL time.Duration
	// OrderRetention is how long an order's personal data is kept after
	// the order is finished (Order.Finished). Default 90 days; from 1 hour
	// to 10 years.
	OrderRetention time.Duration
}

// Defaults and bounds of Retention.
const (
	DefaultUploadTTL      = 24 * time.Hour
	MinUploadTTL          = time.Minute
	MaxUploadTTL          = 30 * 24 * time.Hour
	DefaultOrderRetention = 90 * 24 * time.Hour
	MinOrderRetention     = time.Hour
	MaxOrderRetention     = 10 * 365 * 24 * time.Hour
)

// UploadGrace is how much longer than UploadTTL the sweeper waits before it
// deletes an unused upload: an order checks its uploads' age (at most
// UploadTTL) a moment before it stores them, and the sweeper must not take
// an upload in that moment.
const UploadGrace = 10 * time.Minute

// WithDefaults returns r with zero values replaced by the defaults.
func (r Retention) WithDefaults() Retention {
	if r.UploadTTL <= 0 {
		r.UploadTTL = DefaultUploadTTL
	}
	if r.OrderRetention <= 0 {
		r.OrderRetention = DefaultOrderRetention
	}
	return r
}

// Validate reports every period out of its range, one
// *oshigoods.ConfigError each, joined. Zero values are the defaults.
func (r Retention) Validate() error {
	var errs []error
	check := func(field string, d, lo, hi time.Duration, allowed string) {
		if d != 0 && (d < lo || d > hi) {
			errs = append(errs, &oshigoods.ConfigError{Field: field, Value: d, Problem: "is out of range; give " + allowed})
		}
	}
	check("UploadTTL", r.UploadTTL, MinUploadTTL, MaxUploadTTL, "1m–720h (30 days)")
	check("OrderRetention", r.OrderRetention, MinOrderRetention, MaxOrderRetention, "1h–87600h (10 years)")
	return errors.Join(errs...)
}

// InProduction reports whether any item of the order is still being made
// (received, queued or rendering): its personal data is needed then.
func (o *Order) InProduction() bool {
	for _, it := range o.Items {
		switch it.Status {
		case StatusReceived, StatusQueued, StatusRendering:
			return true
		}
	}
	return false
}

// Finished reports whether the order needs nothing more from its personal
// data: it is printed, shipped, delivered, failed or cancelled, or ready
// with only digital goods (voice clips, delivered by download), and no
// item is in production. (Printed counts: a print shop that never reports
// the shipment still has the retention period to ship.) Its retention period runs from its last change.
func (o *Order) Finished() bool {
	if o.InProduction() {
		return false
	}
	switch o.Status {
	case StatusPrinted, StatusShipped, StatusDelivered, StatusFailed, StatusCancelled:
		return true
	case StatusReady:
		for _, it := range o.Items {
			if it.Status != StatusCancelled && it.Kind != KindVoice {
				return false
			}
		}
		return true
	}
	return false
}

// EraseOrder erases the order's personal data for the fan holding its
// token and returns the anonymised order. It is allowed once the order is
// no longer in production: ECONFLICT while an item is received, queued or
// rendering, or while a print shop's claim holds it. A ready order not yet
// printed is cancelled (its photo is gone, so it cannot be printed).
// Erasing again is a no-op. ENOTFOUND for a wrong token.
func (s *Service) EraseOrder(ctx context.Context, id, token string) (*Order, error) {
	if _, err := s.Order(ctx, id, token); err != nil {
		return nil, err
	}
	if err := s.erase(ctx, id, time.Now().UTC(), ActorFan); err != nil {
		return nil, err
	}
	return s.Store.Order(ctx, id)
}

// erase anonymises the order's row (the store checks, under the order's
// lock, that it may), then deletes its files from the file store and,
// once they are gone, their records. Every step can be repeated: a pass
// that failed halfway is finished by the next sweep (ExpiredOrders returns
// erased orders whose files remain).
func (s *Service) erase(ctx context.Context, id string, now time.Time, by string) error {
	changed, err := s.Store.EraseOrder(ctx, id, now)
	if err != nil {
		return err
	}
	if changed {
		s.audit(ctx, by, "order.erase", id, "")
		s.log().Info("order personal data erased", "order", id, "by", by)
	}
	keys, err := s.Store.ErasureKeys(ctx, id)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := s.Files.Delete(ctx, k); err != nil {
			return fmt.Errorf("erase order %s: delete file: %w", id, err)
		}
	}
	return s.Store.ForgetFiles(ctx, id)
}

// SweepUploads deletes, objects and records, up to batch uploads that no
// order uses and that are older than the upload TTL (plus UploadGrace) at
// now. It returns how many it deleted. Many sweepers may run at once: an
// upload is deleted once, and deleting a deleted object is no error.
func (s *Service) SweepUploads(ctx context.Context, now time.Time, batch int) (int, error) {
	ret := s.Retention.WithDefaults()
	list, err := s.Store.ExpiredUploads(ctx, now.Add(-ret.UploadTTL-UploadGrace), batch)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, u := range list {
		// The object first: if that fails the record stays, and the next
		// sweep tries again; a record without its object is never left
		// for an order to use.
		if err := s.Files.Delete(ctx, u.Key); err != nil {
			return n, fmt.Errorf("delete upload %s: %w", u.ID, err)
		}
		deleted, err := s.Store.DeleteUpload(ctx, u.ID)
		if err != nil {
			return n, err
		}
		if deleted {
			n++
		}
	}
	return n, nil
}

// SweepOrders erases the personal data of up to batch orders finished
// (Order.Finished) before now minus the order retention period, and
// finishes erasures whose files remain. It returns how many orders it
// handled. Many sweepers may run at once: every step is idempotent.
func (s *Service) SweepOrders(ctx context.Context, now time.Time, batch int) (int, error) {
	ret := s.Retention.WithDefaults()
	ids, err := s.Store.ExpiredOrders(ctx, now.Add(-ret.OrderRetention), batch)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		err := s.erase(ctx, id, now, ActorRetention)
		switch oshigoods.ErrorCode(err) {
		case "":
			n++
		case oshigoods.ECONFLICT, oshigoods.ENOTFOUND:
			// Changed since it was listed (claimed again, gone): the
			// next sweep looks again.
		default:
			return n, err
		}
	}
	return n, nil
}
