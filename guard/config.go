package guard

import (
	"errors"
	"fmt"
	"time"

	"oshigoods"
)

// Config is the guard's settings. Zero values are the defaults
// (DefaultConfig); Validate says what is allowed.
type Config struct {
	// Uploads, Previews and Orders are how many of each one client may
	// send a minute, all at once or spread out: a client that used them up
	// gets one more every 60/N seconds. From 1 to MaxPerMinute. Defaults 30
	// uploads, 60 previews and 10 orders a minute.
	Uploads, Previews, Orders int
	// AuthFailures is how many failed authentications (a wrong print-shop
	// key: 401; a wrong order token or a missing order: 404) one client may
	// make a minute. Past them, every request of that client to a route
	// that authenticates is 429, with a correct key or token too, until the
	// client has recovered one failure's worth (60/N seconds). From 1 to
	// MaxPerMinute. Default 10.
	AuthFailures int
	// TrustProxy makes the client the last address of X-Forwarded-For (the
	// one the proxy in front appended) instead of the connection's. Only
	// for a server that no one reaches but through that proxy: otherwise a
	// client picks its own address. Default false.
	TrustProxy bool
	// MaxClients is how many clients' limiters are kept at once; when the
	// table is full, clients idle long enough to have recovered are
	// dropped first (they lose nothing), then any. Default 100000.
	MaxClients int

	// ReadTimeout is the most a whole request may take to arrive, headers
	// and body: sized for the largest upload (30 MiB) on a slow line, about
	// 1 Mbit/s. From 1s to 1h. Default 5 minutes.
	ReadTimeout time.Duration
	// BodyTimeout is the most a request other than an upload may take to
	// arrive, counted from its start: its JSON is at most 1 MiB. From 10ms
	// to ReadTimeout. Default 30 seconds.
	BodyTimeout time.Duration
	// WriteTimeout is the most the server takes from reading a request's
	// headers to the end of its answer, so it includes the upload's
	// ReadTimeout and must be at least that. Up to 2h. Default 10 minutes.
	WriteTimeout time.Duration
	// IdleTimeout is how long a kept-alive connection may wait for its next
	// request. From 1s to 1h. Default 2 minutes.
	IdleTimeout time.Duration
}

// Bounds of the settings.
const (
	MaxPerMinute    = 100000
	MinBodyTimeout  = 10 * time.Millisecond
	MaxReadTimeout  = time.Hour
	MaxWriteTimeout = 2 * time.Hour
)

// DefaultConfig returns the default settings.
func DefaultConfig() Config {
	return Config{Uploads: 30, Previews: 60, Orders: 10, AuthFailures: 10, MaxClients: 100000,
		ReadTimeout: 5 * time.Minute, BodyTimeout: 30 * time.Second, WriteTimeout: 10 * time.Minute, IdleTimeout: 2 * time.Minute}
}

// WithDefaults returns c with zero values replaced by the defaults.
func (c Config) WithDefaults() Config {
	d := DefaultConfig()
	for _, f := range []struct{ v, d *int }{{&c.Uploads, &d.Uploads}, {&c.Previews, &d.Previews}, {&c.Orders, &d.Orders},
		{&c.AuthFailures, &d.AuthFailures}, {&c.MaxClients, &d.MaxClients}} {
		if *f.v == 0 {
			*f.v = *f.d
		}
	}
	for _, f := range []struct{ v, d *time.Duration }{{&c.ReadTimeout, &d.ReadTimeout}, {&c.BodyTimeout, &d.BodyTimeout},
		{&c.WriteTimeout, &d.WriteTimeout}, {&c.IdleTimeout, &d.IdleTimeout}} {
		if *f.v == 0 {
			*f.v = *f.d
		}
	}
	return c
}

// Validate reports every setting out of its range, one
// *oshigoods.ConfigError each, joined. Zero values are the defaults and
// pass.
func (c Config) Validate() error {
	var errs []error
	c = c.WithDefaults()
	for _, f := range []struct {
		name string
		v    int
	}{{"Uploads", c.Uploads}, {"Previews", c.Previews}, {"Orders", c.Orders}, {"AuthFailures", c.AuthFailures}} {
		if f.v < 1 || f.v > MaxPerMinute {
			errs = append(errs, &oshigoods.ConfigError{Field: f.name, Value: f.v, Problem: fmt.Sprintf("is out of range; give 1–%d a minute", MaxPerMinute)})
		}
	}
	if c.MaxClients < 1 {
		errs = append(errs, &oshigoods.ConfigError{Field: "MaxClients", Value: c.MaxClients, Problem: "is out of range; give a positive number"})
	}
	dur := func(field string, d, lo, hi time.Duration, what string) {
		if d < lo || d > hi {
			errs = append(errs, &oshigoods.ConfigError{Field: field, Value: d, Problem: "is out of range; give " + what})
		}
	}
	dur("ReadTimeout", c.ReadTimeout, time.Second, MaxReadTimeout, "1s–1h")
	dur("BodyTimeout", c.BodyTimeout, MinBodyTimeout, c.ReadTimeout, fmt.Sprintf("10ms up to the read timeout (%s)", c.ReadTimeout))
	dur("WriteTimeout", c.WriteTimeout, c.ReadTimeout, MaxWriteTimeout, fmt.Sprintf("at least the read timeout (%s), up to 2h", c.ReadTimeout))
	dur("IdleTimeout", c.IdleTimeout, time.Second, time.Hour, "1s–1h")
	return errors.Join(errs...)
}
