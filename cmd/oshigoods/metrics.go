package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/hibiken/asynq"

	"oshigoods/metrics"
	"oshigoods/worker"
)

// openMetrics wires the process's metrics: the store's census and pool,
// asynq's queues through an Inspector of their own, and the reconciler's
// actions (the Service's Observer). They are served only with
// OSHIGOODS_METRICS_ADDR (serveMetrics); the hooks cost next to nothing
// without it.
func (s *system) openMetrics() error {
	inspector := asynq.NewInspector(s.redisOpt)
	s.closers = append(s.closers, func() { inspector.Close() })
	m, err := metrics.New(metrics.Config{
		Census:      s.store,
		Queues:      inspector,
		KnownQueues: []string{worker.QueueRender, worker.QueueWebhooks},
		Pool:        s.store.Stats,
		Logger:      s.logger.With("component", "metrics"),
	})
	if err != nil {
		return err
	}
	s.metrics = m
	s.svc.Observer = m
	return nil
}

// serveMetrics serves GET /metrics, and nothing else, on
// OSHIGOODS_METRICS_ADDR, a listener of its own, until stop is called: the
// API's listener never serves them, so they reach only the network the
// operator binds them to. Without the setting it does nothing.
func (s *system) serveMetrics() (stop func(), err error) {
	if s.cfg.MetricsAddr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", s.cfg.MetricsAddr)
	if err != nil {
		return nil, fmt.Errorf("listen for metrics (OSHIGOODS_METRICS_ADDR): %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logger.Error("serve metrics", "err", err)
		}
	}()
	s.logger.Info("serving metrics", "addr", "http://"+ln.Addr().String()+"/metrics")
	if s.cfg.onMetricsListen != nil {
		s.cfg.onMetricsListen(ln.Addr().String())
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		<-done
	}, nil
}
