package orders

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"oshigoods"
)

// The operator's credentials: the key from the environment
// (Service.AdminKeyHash) and the admin keys created with `oshigoods
// admin-keys create`, stored hashed like shop keys. Every admin request
// names an Operator, whose Actor goes in the audit log; the secret never
// does.

// Admin is the operator's console settings. Zero values are the defaults.
type Admin struct {
	// StuckAfter is how long an item may stay received, queued or
	// rendering without a change before the console lists it as stuck
	// (and lets the operator retry it). Default 10 minutes; 1s to 24h
	// (keep it above the longest render, worker.TaskTimeout, 2 minutes:
	// a retry of an item still rendering renders it twice).
	StuckAfter time.Duration
	// SessionTTL is how long a console session lasts: the signed cookie
	// that lets the operator's browser open the queue dashboard
	// (/admin/queues). Default 1 hour; 1s to 24h.
	SessionTTL time.Duration
}

// Defaults and bounds of Admin.
const (
	DefaultStuckAfter = 10 * time.Minute
	DefaultSessionTTL = time.Hour
	MinAdminDuration  = time.Second
	MaxAdminDuration  = 24 * time.Hour
)

// WithDefaults returns a with zero values replaced by the defaults.
func (a Admin) WithDefaults() Admin {
	if a.StuckAfter <= 0 {
		a.StuckAfter = DefaultStuckAfter
	}
	if a.SessionTTL <= 0 {
		a.SessionTTL = DefaultSessionTTL
	}
	return a
}

// Validate reports every duration out of its range, one
// *oshigoods.ConfigError each, joined. Zero values are the defaults.
func (a Admin) Validate() error {
	var errs []error
	for _, f := range []struct {
		name string
		d    time.Duration
	}{{"StuckAfter", a.StuckAfter}, {"SessionTTL", a.SessionTTL}} {
		if f.d != 0 && (f.d < MinAdminDuration || f.d > MaxAdminDuration) {
			errs = append(errs, &oshigoods.ConfigError{Field: f.name, Value: f.d, Problem: "is out of range; give 1s–24h"})
		}
	}
	return errors.Join(errs...)
}

// AdminKey is an operator's API key created with `oshigoods admin-keys
// create`. Only the hash of the key is stored.
type AdminKey struct {
	ID        string
	Name      string
	Hash      string // hex SHA-256 of the key
	CreatedAt time.Time
	// RevokedAt is when the key was revoked; zero while active.
	RevokedAt time.Time
}

// Active reports whether the key still authenticates.
func (k *AdminKey) Active() bool { return k.RevokedAt.IsZero() }

// AdminKeyStore keeps the operator's API keys.
type AdminKeyStore interface {
	// CreateAdminKey stores a key's record. ECONFLICT if the id or the
	// hash exists.
	CreateAdminKey(ctx context.Context, k *AdminKey) error

	// AdminKeyByHash returns the key with the given hash, revoked or not.
	// ENOTFOUND if none.
	AdminKeyByHash(ctx context.Context, hash string) (*AdminKey, error)

	// AdminKey returns the key with the given id, revoked or not.
	// ENOTFOUND if none.
	AdminKey(ctx context.Context, id string) (*AdminKey, error)

	// AdminKeys returns every key, revoked ones too, by creation time
	// then id.
	AdminKeys(ctx context.Context) ([]*AdminKey, error)

	// RevokeAdminKey marks the key revoked at now; revoking again is a
	// no-op. ENOTFOUND if there is no such key.
	RevokeAdminKey(ctx context.Context, id string, now time.Time) error
}

// Operator is who makes an admin request: one of the admin keys, or the
// key from the environment (ID EnvOperatorID).
type Operator struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// EnvOperatorID is the Operator.ID of the key from the environment
// (OSHIGOODS_ADMIN_TOKEN or OSHIGOODS_ADMIN_KEY).
const EnvOperatorID = "env"

// Actor is the operator in the audit log: "operator:<key id>", or
// "operator:env" for the key from the environment.
func (o *Operator) Actor() string { return ActorOperator + ":" + o.ID }

// errOperatorKey is the answer to a missing or wrong operator
// credential, the same whether or not any key exists.
func errOperatorKey() error {
	return oshigoods.Errorf(oshigoods.EUNAUTHORIZED, "an operator key is required: Authorization: Bearer <key>.")
}

// Operator returns the operator a key belongs to: the key from the
// environment (Service.AdminKeyHash) or an active admin key. A missing,
// wrong or revoked key is EUNAUTHORIZED, also when the installation has no
// operator key at all, so an answer never tells whether one exists.
// Nothing caches keys: a revoked key fails from that moment.
func (s *Service) Operator(ctx context.Context, key string) (*Operator, error) {
	if key == "" {
		return nil, errOperatorKey()
	}
	if s.AdminKeyHash != "" && HashEqual(key, s.AdminKeyHash) {
		return &Operator{ID: EnvOperatorID, Name: "OSHIGOODS_ADMIN_TOKEN"}, nil
	}
	k, err := s.Store.AdminKeyByHash(ctx, Hash(key))
	if oshigoods.ErrorCode(err) == oshigoods.ENOTFOUND || (err == nil && !k.Active()) {
		return nil, errOperatorKey()
	} else if err != nil {
		return nil, err
	}
	return &Operator{ID: k.ID, Name: k.Name}, nil
}

// CreateAdminKey creates an operator key with a name (1 to 100
// characters, EUNPROCESSABLE otherwise) and returns it with its record.
// The key is shown once; only its hash is stored.
func (s *Service) CreateAdminKey(ctx context.Context, name string) (key string, k *AdminKey, err error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 {
		return "", nil, oshigoods.FieldErrorf("name", "name is required, at most 100 characters.")
	}
	if err := CheckText("name", name, false); err != nil {
		return "", nil, err
	}
	key = "adk_" + NewSecret()
	k = &AdminKey{ID: NewID("opk"), Name: name, Hash: Hash(key), CreatedAt: s.now()}
	if err := s.Store.CreateAdminKey(ctx, k); err != nil {
		return "", nil, err
	}
	s.audit(ctx, ActorOperator, "admin_key.create", k.ID, "")
	return key, k, nil
}

// AdminKeys returns every operator key, revoked ones too, oldest first.
func (s *Service) AdminKeys(ctx context.Context) ([]*AdminKey, error) {
	return s.Store.AdminKeys(ctx)
}

// RevokeAdminKey revokes an operator key: from now on it is 401, and so
// are the console sessions it signed in. Revoking again is a no-op.
// ENOTFOUND if there is no such key.
func (s *Service) RevokeAdminKey(ctx context.Context, id string) error {
	if err := s.Store.RevokeAdminKey(ctx, id, s.now()); err != nil {
		return err
	}
	s.audit(ctx, ActorOperator, "admin_key.revoke", id, "")
	return nil
}

// A console session is "v1.<operator id>.<expiry, Unix seconds>.<MAC>",
// the MAC an HMAC-SHA256 under the Service's Secret of the rest and of the
// key's hash: revoking the key, or changing the key in the environment,
// ends its sessions at once.
const sessionVersion = "v1"

// OperatorSession signs a console session for op, which lasts
// Admin.SessionTTL, and returns its value (a cookie's) and its expiry. The
// value holds no secret of the key. It is recorded in the audit log.
func (s *Service) OperatorSession(ctx context.Context, op *Operator) (value string, expires time.Time, err error) {
	hash, err := s.operatorHash(ctx, op.ID)
	if err != nil {
		return "", time.Time{}, err
	}
	expires = s.now().Add(s.Admin.WithDefaults().SessionTTL).Truncate(time.Second)
	body := sessionVersion + "." + op.ID + "." + strconv.FormatInt(expires.Unix(), 10)
	s.audit(ctx, op.Actor(), "session.create", op.ID, "expires="+expires.Format(time.RFC3339))
	return body + "." + s.sessionMAC(body, hash), expires, nil
}

// OperatorBySession returns the operator of a console session value.
// EUNAUTHORIZED when it is malformed, expired or forged, or its key was
// revoked or changed since.
func (s *Service) OperatorBySession(ctx context.Context, value string) (*Operator, error) {
	parts := strings.Split(value, ".")
	if len(parts) != 4 || parts[0] != sessionVersion {
		return nil, errSession()
	}
	exp, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil || !s.now().Before(time.Unix(exp, 0)) {
		return nil, errSession()
	}
	id := parts[1]
	hash, err := s.operatorHash(ctx, id)
	if oshigoods.ErrorCode(err) == oshigoods.EUNAUTHORIZED {
		return nil, errSession()
	} else if err != nil {
		return nil, err
	}
	body := strings.Join(parts[:3], ".")
	if !hmac.Equal([]byte(parts[3]), []byte(s.sessionMAC(body, hash))) {
		return nil, errSession()
	}
	if id == EnvOperatorID {
		return &Operator{ID: EnvOperatorID, Name: "OSHIGOODS_ADMIN_TOKEN"}, nil
	}
	k, err := s.Store.AdminKey(ctx, id)
	if err != nil {
		return nil, err
	}
	return &Operator{ID: k.ID, Name: k.Name}, nil
}

func errSession() error {
	return oshigoods.Errorf(oshigoods.EUNAUTHORIZED, "sign in to the console (/admin) with an operator key.")
}

// operatorHash returns the stored hash of an operator's key: EUNAUTHORIZED
// for one that no longer authenticates.
func (s *Service) operatorHash(ctx context.Context, id string) (string, error) {
	if id == EnvOperatorID {
		if s.AdminKeyHash == "" {
			return "", errSession()
		}
		return s.AdminKeyHash, nil
	}
	k, err := s.Store.AdminKey(ctx, id)
	if oshigoods.ErrorCode(err) == oshigoods.ENOTFOUND || (err == nil && !k.Active()) {
		return "", errSession()
	} else if err != nil {
		return "", err
	}
	return k.Hash, nil
}

// sessionMAC is the session's MAC, base64url.
func (s *Service) sessionMAC(body, keyHash string) string {
	m := hmac.New(sha256.New, s.Secret)
	fmt.Fprintf(m, "oshigoods console session\x00%s\x00%s", body, keyHash)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// RecordQueueChange records in the audit log a change the operator made
// in the queue dashboard: the request's method and its path under the
// dashboard (queue and task ids; tasks are named by their items' ids).
func (s *Service) RecordQueueChange(ctx context.Context, op *Operator, method, path string) {
	s.audit(ctx, op.Actor(), "queues.change", path, "method="+method)
}
