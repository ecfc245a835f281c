// Package embedded starts in-process stand-ins for the production services,
// so that `oshigoods serve` with no configuration runs the whole system on a
// machine with nothing installed: miniredis for Redis (asynq talks to it over
// TCP like to any Redis) and gofakes3 for S3 (aws-sdk-go-v2 talks to it over
// HTTP like to MinIO), its objects kept in a folder. The database stand-in is
// SQLite, opened by orders/sqlstore.
//
// The S3 stand-in is an S3 to its callers, presigned download URLs handed to
// fans and print shops included: in front of gofakes3, every request must
// carry a valid AWS Signature Version 4 made with the credentials the server
// generates on its first start (kept, with its address, in the folder's
// server.json, readable by its owner only). Anonymous, altered, expired or
// re-targeted requests get S3's 403 error document and touch nothing. The
// server listens on the address it had last time, so a presigned URL still
// downloads after a restart, until it expires (7 days at most).
package embedded

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3afero"
	"github.com/spf13/afero"
)

// Redis is an in-process Redis server.
type Redis struct {
	m *miniredis.Miniredis
}

// StartRedis starts miniredis on a free loopback port. Key expiry follows
// the wall clock (asynq relies on expiring keys for leases and locks). Its
// data lives in memory: after a restart the worker's reconciler re-enqueues
// every item the database still has queued.
func StartRedis() (*Redis, error) {
	m := miniredis.NewMiniRedis()
	m.ClockTTL(true)
	if err := m.StartAddr("127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("start miniredis: %w", err)
	}
	return &Redis{m: m}, nil
}

// URL returns the redis:// URL clients connect to.
func (r *Redis) URL() string { return "redis://" + r.m.Addr() }

// Close stops the server.
func (r *Redis) Close() { r.m.Close() }

// S3 is an in-process S3-compatible server keeping objects under a folder.
// It accepts only requests signed with its credentials (AWS Signature
// Version 4, in the Authorization header or presigned query parameters), as
// S3 does.
type S3 struct {
	srv    *http.Server
	ln     net.Listener
	state  s3State
	region string
}

// S3Config says where the embedded S3 keeps its data and how it listens.
type S3Config struct {
	// Dir holds buckets and objects (Dir/buckets, Dir/metadata), signed
	// bodies while their hash is checked (Dir/tmp), and the server's
	// address and credentials (Dir/server.json, made on first start). It is
	// created if needed. Required.
	Dir string
	// Addr is the address to listen on. Empty means the address of the
	// previous start, kept in Dir/server.json, so that presigned URLs stay
	// valid across restarts; on the first start, a free loopback port, kept
	// for the next. If the kept address is taken (by another process on the
	// same folder, say), this start listens on a free port of the same host
	// and logs a warning: URLs made before do not reach it, and URLs it
	// presigns do not survive its restart. The kept address stays as it is.
	Addr string
	// Region is the region requests must be signed for. Default us-east-1.
	Region string
	// Now is the clock signatures are checked against. Default time.Now.
	Now func() time.Time
	// Logger receives the server's errors. Default slog.Default().
	Logger *slog.Logger
}

// Validate reports a configuration that cannot work.
func (c S3Config) Validate() error {
	if c.Dir == "" {
		return errors.New("embedded s3: a folder is required")
	}
	return nil
}

// StartS3 serves an S3-compatible API keeping buckets and objects under
// cfg.Dir. Objects, the address and the credentials survive a restart, so
// a presigned URL made before a restart still downloads after it.
func StartS3(cfg S3Config) (*S3, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	dir := cfg.Dir
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create s3 folder: %w", err)
	}
	tmpDir := filepath.Join(dir, "tmp")
	if err := os.MkdirAll(tmpDir, 0o700); err != nil {
		return nil, fmt.Errorf("create s3 spool folder: %w", err)
	}
	sweepSpool(tmpDir, cfg.Now().Add(-24*time.Hour))
	state, err := loadS3State(dir)
	if err != nil {
		return nil, err
	}
	fsys := afero.NewBasePathFs(afero.NewOsFs(), dir)
	backend, err := s3afero.MultiBucket(fsys)
	if err != nil {
		return nil, fmt.Errorf("open s3 folder %s: %w", dir, err)
	}
	// The verifier checks request times against cfg.Now; gofakes3's own
	// check of X-Amz-Date would use another clock.
	faker := gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog()), gofakes3.WithTimeSkewLimit(0))
	ln, keep, err := listenS3(cfg, state.Addr)
	if err != nil {
		return nil, err
	}
	if addr := ln.Addr().String(); keep && addr != state.Addr {
		state.Addr = addr
		if err := state.save(dir); err != nil {
			ln.Close()
			return nil, err
		}
	}
	verifier := newSigV4(state.AccessKey, state.SecretKey, cfg.Region, cfg.Now, tmpDir, cfg.Logger, faker.Server())
	s := &S3{srv: &http.Server{Handler: verifier, ReadHeaderTimeout: 10 * time.Second}, ln: ln, state: state, region: cfg.Region}
	logger := cfg.Logger
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("embedded s3 stopped", "err", err)
		}
	}()
	return s, nil
}

// sweepSpool removes bodies a crashed server left in the spool folder
// before cutoff (another process on the same folder may be using newer
// ones).
func sweepSpool(tmpDir string, cutoff time.Time) {
	entries, _ := os.ReadDir(tmpDir)
	for _, e := range entries {
		if fi, err := e.Info(); err == nil && fi.ModTime().Before(cutoff) {
			os.Remove(filepath.Join(tmpDir, e.Name()))
		}
	}
}

// listenS3 listens on the configured address, else on the kept one, else
// on a free loopback port. keep reports whether the address listened on is
// to be kept for the next start.
func listenS3(cfg S3Config, kept string) (ln net.Listener, keep bool, err error) {
	addr := cmp.Or(cfg.Addr, kept, "127.0.0.1:0")
	ln, err = net.Listen("tcp", addr)
	if err == nil {
		return ln, true, nil
	}
	if cfg.Addr != "" || kept == "" {
		return nil, false, fmt.Errorf("listen for embedded s3: %w", err)
	}
	host, _, _ := net.SplitHostPort(kept)
	ln, err2 := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err2 != nil {
		return nil, false, fmt.Errorf("listen for embedded s3: %w", errors.Join(err, err2))
	}
	cfg.Logger.Warn("embedded s3: its address is taken; download URLs made before do not reach this server, and URLs it presigns do not survive its restart",
		"kept", kept, "addr", ln.Addr().String(), "err", err)
	return ln, false, nil
}

// Endpoint returns the server's base URL.
func (s *S3) Endpoint() string { return "http://" + s.ln.Addr().String() }

// AccessKey and SecretKey return the credentials requests must be signed
// with, made on the first start and kept in the folder.
func (s *S3) AccessKey() string { return s.state.AccessKey }

// SecretKey: see AccessKey.
func (s *S3) SecretKey() string { return s.state.SecretKey }

// Region returns the region requests must be signed for.
func (s *S3) Region() string { return s.region }

// Close stops the server, letting requests in flight finish for a while.
func (s *S3) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.srv.Shutdown(ctx)
}

// s3State is what the server keeps between starts, in Dir/server.json
// (readable by its owner only).
type s3State struct {
	Addr      string `json:"addr"`
	AccessKey string `json:"access_key_id"`
	SecretKey string `json:"secret_access_key"`
}

const s3StateFile = "server.json"

// loadS3State reads the saved state, making credentials on first start.
func loadS3State(dir string) (s3State, error) {
	var st s3State
	b, err := os.ReadFile(filepath.Join(dir, s3StateFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return st, fmt.Errorf("read embedded s3 state: %w", err)
	default:
		if err := json.Unmarshal(b, &st); err != nil {
			return st, fmt.Errorf("read embedded s3 state %s: %w", filepath.Join(dir, s3StateFile), err)
		}
	}
	if st.AccessKey != "" && st.SecretKey != "" {
		return st, nil
	}
	// Shaped like AWS keys: a 20-character id and a 40-character secret.
	id, secret := make([]byte, 10), make([]byte, 30)
	rand.Read(id)
	rand.Read(secret)
	st.AccessKey = "OSHI" + strings.ToUpper(hex.EncodeToString(id))[:16]
	st.SecretKey = base64.StdEncoding.EncodeToString(secret)
	return st, st.save(dir)
}

// save writes the state atomically.
func (st s3State) save(dir string) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, s3StateFile+".*")
	if err != nil {
		return fmt.Errorf("save embedded s3 state: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("save embedded s3 state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save embedded s3 state: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, s3StateFile)); err != nil {
		return fmt.Errorf("save embedded s3 state: %w", err)
	}
	return nil
}
