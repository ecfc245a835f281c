package budget

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"

	"oshigoods"
)

// Defaults and bounds of Config.
const (
	// DefaultBytes is the default budget, 256 MiB: the largest decode the
	// default limits allow (a 50-megapixel 4:4:4 JPEG) fits, and four
	// previews of a 7000×7000 16-bit PNG stay far below it.
	DefaultBytes = 256 << 20
	// MinBytes and MaxBytes bound Config.Bytes: 16 MiB to 64 GiB.
	MinBytes = 16 << 20
	MaxBytes = 64 << 30
	// DefaultWait is how long a decode waits for room by default.
	DefaultWait = 2 * time.Second
	// MaxWait bounds Config.Wait.
	MaxWait = time.Minute
)

// Config sizes a Budget. Zero values mean the defaults.
type Config struct {
	// Bytes is the most decoded pixel bytes held at once by all decodes of
	// the process, from MinBytes to MaxBytes. Default DefaultBytes
	// (256 MiB). A single decode larger than Bytes is refused.
	Bytes int64
	// Wait is how long a decode waits for room before it gives up with
	// EUNAVAILABLE (a request gets 503 with Retry-After; a render is
	// retried later). From 0 to MaxWait; zero means DefaultWait (2 s).
	Wait time.Duration
}

// WithDefaults returns c with zero values replaced by the defaults.
func (c Config) WithDefaults() Config {
	if c.Bytes == 0 {
		c.Bytes = DefaultBytes
	}
	if c.Wait == 0 {
		c.Wait = DefaultWait
	}
	return c
}

// Validate reports each value out of its range as an
// *oshigoods.ConfigError, joined.
func (c Config) Validate() error {
	var errs []error
	if c.Bytes != 0 && (c.Bytes < MinBytes || c.Bytes > MaxBytes) {
		errs = append(errs, &oshigoods.ConfigError{Field: "Bytes", Value: c.Bytes,
			Problem: fmt.Sprintf("is out of range; give %d (16 MiB) to %d (64 GiB) bytes, or 0 for the default 256 MiB", int64(MinBytes), int64(MaxBytes))})
	}
	if c.Wait < 0 || c.Wait > MaxWait {
		errs = append(errs, &oshigoods.ConfigError{Field: "Wait", Value: c.Wait,
			Problem: fmt.Sprintf("is out of range; give 0s–1m, or 0 for the default %s", DefaultWait)})
	}
	return errors.Join(errs...)
}

// Budget is a weighted semaphore of decoded pixel bytes. It is safe for
// concurrent use.
type Budget struct {
	cfg  Config
	sem  *semaphore.Weighted
	held atomic.Int64
}

// New returns a Budget of c.Bytes, or c's problems (Validate).
func New(c Config) (*Budget, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c = c.WithDefaults()
	return &Budget{cfg: c, sem: semaphore.NewWeighted(c.Bytes)}, nil
}

// Size returns the whole budget in bytes: the largest single decode.
func (b *Budget) Size() int64 { return b.cfg.Bytes }

// Held returns the bytes decodes hold now.
func (b *Budget) Held() int64 { return b.held.Load() }

// Acquire takes n bytes of the budget, waiting up to the configured Wait
// for room. It returns an EUNPROCESSABLE error when n exceeds Size (it
// could never be granted), an EUNAVAILABLE error when the budget stayed
// full for the whole wait, and ctx's error when ctx ends first. On success
// the caller must Release(n), however its decode ends.
func (b *Budget) Acquire(ctx context.Context, n int64) error {
	if n <= 0 {
		return nil
	}
	if n > b.cfg.Bytes {
		return oshigoods.Errorf(oshigoods.EUNPROCESSABLE, "the image needs %d MiB to decode; the limit is %d MiB.", mib(n), mib(b.cfg.Bytes))
	}
	wctx, cancel := context.WithTimeout(ctx, b.cfg.Wait)
	defer cancel()
	if err := b.sem.Acquire(wctx, n); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &oshigoods.Error{Code: oshigoods.EUNAVAILABLE,
			Message: "the server is busy decoding other images; try again in a few seconds.",
			Err:     fmt.Errorf("decode budget: %d of %d bytes held, %d more wanted for %s", b.held.Load(), b.cfg.Bytes, n, b.cfg.Wait)}
	}
	b.held.Add(n)
	return nil
}

// Release returns n bytes taken by Acquire.
func (b *Budget) Release(n int64) {
	if n <= 0 {
		return
	}
	b.held.Add(-n)
	b.sem.Release(n)
}

// mib rounds n bytes up to MiB.
func mib(n int64) int64 { return (n + 1<<20 - 1) >> 20 }
