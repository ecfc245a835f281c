// Package embedded starts in-process stand-ins for the production services,
// so that `oshigoods serve` with no configuration runs the whole system on a
// machine with nothing installed: miniredis for Redis (asynq talks to it over
// TCP like to any Redis) and gofakes3 for S3 (aws-sdk-go-v2 talks to it over
// HTTP like to MinIO), its objects kept in a folder. The database stand-in is
// SQLite, opened by orders/sqlstore.
package embedded

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
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
type S3 struct {
	srv *http.Server
	ln  net.Listener
}

// StartS3 serves an S3-compatible API on addr ("127.0.0.1:0" picks a free
// port), keeping buckets and objects under dir, which is created if needed.
// Objects survive a restart.
func StartS3(dir, addr string, logger *slog.Logger) (*S3, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create s3 folder: %w", err)
	}
	fsys := afero.NewBasePathFs(afero.NewOsFs(), dir)
	backend, err := s3afero.MultiBucket(fsys)
	if err != nil {
		return nil, fmt.Errorf("open s3 folder %s: %w", dir, err)
	}
	faker := gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog()))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen for embedded s3: %w", err)
	}
	s := &S3{srv: &http.Server{Handler: faker.Server(), ReadHeaderTimeout: 10 * time.Second}, ln: ln}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("embedded s3 stopped", "err", err)
		}
	}()
	return s, nil
}

// Endpoint returns the server's base URL.
func (s *S3) Endpoint() string { return "http://" + s.ln.Addr().String() }

// Close stops the server, letting requests in flight finish for a while.
func (s *S3) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.srv.Shutdown(ctx)
}
