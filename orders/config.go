package orders

import (
	"errors"
	"fmt"
	"log/slog"

	"oshigoods"
)

// MinSecretBytes is the shortest Service.Secret accepted: order tokens are
// HMACs under it, and a short one can be guessed.
const MinSecretBytes = 16

// Bounds of Limits.MaxUploadBytes.
const (
	MinUploadBytes = 64 << 10
	MaxUploadBytes = 1 << 30
)

// Validate reports every limit out of its range, one *oshigoods.ConfigError
// each, joined. Zero values are the defaults (WithDefaults) and pass;
// MaxUploadBytes is from 64 KiB to 1 GiB.
func (l Limits) Validate() error {
	var errs []error
	if l.MaxUploadBytes != 0 && (l.MaxUploadBytes < MinUploadBytes || l.MaxUploadBytes > MaxUploadBytes) {
		errs = append(errs, &oshigoods.ConfigError{Field: "MaxUploadBytes", Value: l.MaxUploadBytes,
			Problem: fmt.Sprintf("is out of range; give %d (64 KiB) to %d (1 GiB), or 0 for the default 30 MiB", MinUploadBytes, MaxUploadBytes)})
	}
	if l.MaxDecodeBytes < 0 {
		errs = append(errs, &oshigoods.ConfigError{Field: "MaxDecodeBytes", Value: l.MaxDecodeBytes, Problem: "is negative; give a positive number, or 0 for the decode budget's size"})
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"MaxUploadPixels", l.MaxUploadPixels}, {"MaxUploadSide", l.MaxUploadSide}, {"MaxItems", l.MaxItems}, {"MaxQuantity", l.MaxQuantity}} {
		if f.v < 0 {
			errs = append(errs, &oshigoods.ConfigError{Field: f.name, Value: f.v, Problem: "is negative; give a positive number, or 0 for the default"})
		}
	}
	return errors.Join(errs...)
}

// CheckSecret reports a secret too short to derive order tokens from (see
// MinSecretBytes). The error does not show the secret.
func CheckSecret(secret []byte) error {
	if len(secret) < MinSecretBytes {
		return &oshigoods.ConfigError{Field: "Secret",
			Problem: fmt.Sprintf("is %d bytes; give at least %d (e.g. 32 random bytes, base64)", len(secret), MinSecretBytes)}
	}
	return nil
}

// Validate reports a Service that cannot work: a missing Store, Queue,
// Files or Catalog, a Secret shorter than MinSecretBytes, limits out of
// range (Limits.Validate), a Profile no renderer finishes with
// (render.Profile.Validate), or mail, console or render settings out of
// range (Mails.Validate, Admin.Validate, Renders.Validate). Problems are
// joined. A nil Logger is allowed: the Service then discards its log.
func (s *Service) Validate() error {
	var errs []error
	if s.Store == nil {
		errs = append(errs, errors.New("orders: Service needs a Store"))
	}
	if s.Queue == nil {
		errs = append(errs, errors.New("orders: Service needs a Queue"))
	}
	if s.Files == nil {
		errs = append(errs, errors.New("orders: Service needs Files"))
	}
	if s.Catalog == nil {
		errs = append(errs, errors.New("orders: Service needs a Catalog"))
	}
	if s.Payments.Mode == PaymentStripe && s.Provider == nil {
		errs = append(errs, errors.New("orders: payment mode stripe needs a Provider"))
	}
	errs = append(errs, CheckSecret(s.Secret), s.Limits.Validate(), s.Retention.Validate(), s.Profile.Validate(),
		s.Shipping.Validate(), s.Payments.Validate(), s.Mails.Validate(), s.Admin.Validate(), s.Renders.Validate())
	return errors.Join(errs...)
}

// log returns the Service's logger, or one that discards.
func (s *Service) log() *slog.Logger {
	if s.Logger == nil {
		return discardLogger
	}
	return s.Logger
}

var discardLogger = slog.New(slog.DiscardHandler)
