package sqlstore

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"oshigoods"
	"oshigoods/internal/testenv"
	"oshigoods/orders"
)

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// proxy forwards loopback TCP connections to a backend until stop, which
// closes the listener and every connection: the database "goes away" for
// the Store behind it.
type proxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func startProxy(t *testing.T, backend string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			b, err := net.Dial("tcp", backend)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, b)
			p.mu.Unlock()
			go func() { io.Copy(b, c); b.Close() }()
			go func() { io.Copy(c, b); c.Close() }()
		}
	}()
	t.Cleanup(p.stop)
	return p
}

func (p *proxy) stop() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// TestOutageIsUnavailable: when the database cannot be reached, every kind
// of call (a transaction, a query, a single row, an insert) is EUNAVAILABLE
// with a public message that names no address or driver detail; the cause
// stays in the error for the log.
func TestOutageIsUnavailable(t *testing.T) {
	calls := []struct {
		scenario string
		call     func(ctx context.Context, s *Store) error
	}{
		{"read transaction", func(ctx context.Context, s *Store) error { _, err := s.Order(ctx, "ord_x"); return err }},
		{"write transaction", func(ctx context.Context, s *Store) error { return s.MarkPrinted(ctx, "ord_x") }},
		{"single row", func(ctx context.Context, s *Store) error { _, err := s.Upload(ctx, "up_x"); return err }},
		{"query", func(ctx context.Context, s *Store) error { _, err := s.WebhookEndpoints(ctx, "shop_x"); return err }},
		{"insert", func(ctx context.Context, s *Store) error {
			return s.CreateUpload(ctx, &orders.Upload{ID: "up_y", Format: "jpeg", Key: "k", CreatedAt: time.Now()})
		}},
	}
	check := func(t *testing.T, s *Store, addr string) {
		for _, c := range calls {
			t.Run(c.scenario, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				err := c.call(ctx, s)
				if oshigoods.ErrorCode(err) != oshigoods.EUNAVAILABLE {
					t.Fatalf("got %v, want EUNAVAILABLE", err)
				}
				msg := oshigoods.ErrorMessage(err)
				host, port, _ := net.SplitHostPort(addr)
				for _, detail := range []string{host, port, "dial", "connect", "pgx", "postgres"} {
					if strings.Contains(strings.ToLower(msg), detail) {
						t.Fatalf("public message %q gives away %q", msg, detail)
					}
				}
				if e := (*oshigoods.Error)(nil); !errors.As(err, &e) || e.Err == nil {
					t.Errorf("error %q lost its cause", err)
				}
			})
		}
	}

	t.Run("postgres at a closed port", func(t *testing.T) {
		addr := closedPort(t)
		cfg, err := pgx.ParseConfig("postgres://oshigoods@" + addr + "/oshigoods?connect_timeout=5")
		if err != nil {
			t.Fatal(err)
		}
		s := &Store{db: stdlib.OpenDB(*cfg), d: postgres, now: time.Now}
		defer s.Close()
		check(t, s, addr)
	})

	t.Run("postgres that goes away", func(t *testing.T) {
		dsn := testenv.PostgresURL(t)
		cfg, err := pgx.ParseConfig(dsn)
		if err != nil {
			t.Fatal(err)
		}
		p := startProxy(t, net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))))
		addr := p.ln.Addr().String()
		host, port, _ := net.SplitHostPort(addr)
		n, _ := strconv.Atoi(port)
		cfg.Host, cfg.Port = host, uint16(n)
		cfg.ConnectTimeout = 5 * time.Second
		s := &Store{db: stdlib.OpenDB(*cfg), d: postgres, now: time.Now}
		defer s.Close()
		ctx := context.Background()
		if err := s.migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Upload(ctx, "up_x"); oshigoods.ErrorCode(err) != oshigoods.ENOTFOUND {
			t.Fatalf("before the outage: %v, want ENOTFOUND", err)
		}
		p.stop()
		check(t, s, addr)
	})
}
