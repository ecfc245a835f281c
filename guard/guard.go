package guard

import (
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"oshigoods"
	"oshigoods/httperr"
)

// Class is what a request costs the client that sends it.
type Class int

const (
	// Free requests are not limited (templates, health checks, pages).
	Free Class = iota
	// Upload, Preview and Order requests each draw on the client's
	// allowance of their kind (Config.Uploads, Previews, Orders).
	Upload
	Preview
	Order
	// ShopAuth requests authenticate with a key, a print shop's or the
	// operator's: a 401 answer is a failed authentication
	// (Config.AuthFailures).
	ShopAuth
	// TokenAuth requests authenticate with an order token: a 404 answer
	// (a wrong token and a missing order look the same) is a failed
	// authentication.
	TokenAuth
)

// Route puts the requests an http.ServeMux pattern matches, e.g.
// "POST /v1/uploads" or "/v1/shop/", in a Class.
type Route struct {
	Pattern string
	Class   Class
}

// Guard limits each client's requests by Class, and the time a request may
// take to arrive (Config.BodyTimeout). It is safe for concurrent use.
type Guard struct {
	cfg     Config
	logger  *slog.Logger
	routes  *http.ServeMux
	classes map[string]Class
	now     func() time.Time // tests turn the clock

	mu      sync.Mutex
	clients map[string]*client
	swept   time.Time
}

// client is one client's limiters, by Class (failures under ShopAuth; nil
// until first needed), and when it was last seen.
type client struct {
	lims [TokenAuth]*rate.Limiter
	seen time.Time
}

// recovered is how long after its last request a client's limiters are
// all full again (N a minute, N at once): dropping it then loses nothing.
const recovered = time.Minute

// New returns a Guard with cfg (zero values are the defaults) over the
// routes; a request no route matches is Free. It returns cfg's
// Validate problems.
func New(cfg Config, logger *slog.Logger, routes []Route) (*Guard, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	g := &Guard{cfg: cfg.WithDefaults(), logger: logger, routes: http.NewServeMux(), classes: map[string]Class{},
		now: time.Now, clients: map[string]*client{}}
	for _, rt := range routes {
		g.routes.Handle(rt.Pattern, http.NotFoundHandler())
		g.classes[rt.Pattern] = rt.Class
	}
	return g, nil
}

// Server returns an http.Server for h with the configured timeouts.
func (c Config) Server(h http.Handler) *http.Server {
	c = c.WithDefaults()
	return &http.Server{Handler: h, ReadHeaderTimeout: min(10*time.Second, c.ReadTimeout),
		ReadTimeout: c.ReadTimeout, WriteTimeout: c.WriteTimeout, IdleTimeout: c.IdleTimeout}
}

// Handler serves next behind the guard. With TrustProxy, the request's
// RemoteAddr becomes the forwarded client's address (port 0). A request over its client's
// allowance, or from a client that failed to authenticate too often to a
// route that authenticates, is 429 ETOOMANY with Retry-After, and next
// never sees it. A request with a body other than an upload must arrive
// within BodyTimeout, or its read fails and the connection is closed.
func (g *Guard) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ip, ok := g.forwarded(r); ok {
			// What the handlers see as the client (the API scopes
			// idempotency keys by it), as the log does.
			r.RemoteAddr = netip.AddrPortFrom(ip, 0).String()
		}
		class := g.classify(r)
		if class != Upload && r.Body != nil && r.Body != http.NoBody {
			g.bodyDeadline(w, r)
		}
		if class == Free {
			next.ServeHTTP(w, r)
			return
		}
		key, now := g.clientOf(r), g.now()
		switch class {
		case ShopAuth, TokenAuth:
			if wait := g.failureWait(key, now); wait > 0 {
				g.refuse(w, r, wait, "too many failed authentications from your address")
				return
			}
			sw := &httperr.StatusRecorder{ResponseWriter: w}
			next.ServeHTTP(sw, r)
			if (class == ShopAuth && sw.Status == http.StatusUnauthorized) || (class == TokenAuth && sw.Status == http.StatusNotFound) {
				g.fail(key, now)
			}
			return
		}
		if wait := g.take(key, class, now); wait > 0 {
			g.refuse(w, r, wait, "too many "+[...]string{Upload: "uploads", Preview: "previews", Order: "orders"}[class]+" from your address")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// bodyDeadline gives the request's body BodyTimeout to arrive; once it
// has, the connection's deadline is the server's ReadTimeout again (a
// read deadline that passes while the handler runs would cancel its
// context).
func (g *Guard) bodyDeadline(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	start := time.Now()
	if err := rc.SetReadDeadline(start.Add(g.cfg.BodyTimeout)); err != nil {
		return // not a connection (a test's recorder)
	}
	r.Body = &deadlineBody{ReadCloser: r.Body, done: func() { rc.SetReadDeadline(start.Add(g.cfg.ReadTimeout)) }}
}

// deadlineBody calls done once, when the body has been read to its end.
type deadlineBody struct {
	io.ReadCloser
	done func()
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && b.done != nil {
		b.done()
		b.done = nil
	}
	return n, err
}

// classify returns the Class of r's route.
func (g *Guard) classify(r *http.Request) Class {
	_, pattern := g.routes.Handler(r)
	return g.classes[pattern] // "" is Free
}

// forwarded returns, with TrustProxy, the last X-Forwarded-For address
// (the one the proxy in front appended).
func (g *Guard) forwarded(r *http.Request) (netip.Addr, bool) {
	xff := r.Header.Values("X-Forwarded-For")
	if !g.cfg.TrustProxy || len(xff) == 0 {
		return netip.Addr{}, false
	}
	parts := strings.Split(xff[len(xff)-1], ",")
	ip, err := netip.ParseAddr(strings.TrimSpace(parts[len(parts)-1]))
	return ip, err == nil
}

// clientOf names the client: its IP address, or for IPv6 its /64 (one
// subscriber's network, which it can fill with addresses at will). With
// TrustProxy it is the last X-Forwarded-For address.
func (g *Guard) clientOf(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if fwd, ok := g.forwarded(r); ok {
		ip, err = fwd, nil
	}
	if err != nil {
		return host
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}

// limiter returns the client's limiter of class (ShopAuth for failures),
// making it if needed; g.mu is held.
func (g *Guard) limiter(key string, class Class, now time.Time) *rate.Limiter {
	c := g.clients[key]
	if c == nil {
		g.sweep(now)
		c = &client{}
		g.clients[key] = c
	}
	c.seen = now
	i := class - 1
	if c.lims[i] == nil {
		n := [...]int{Upload: g.cfg.Uploads, Preview: g.cfg.Previews, Order: g.cfg.Orders, ShopAuth: g.cfg.AuthFailures}[class]
		c.lims[i] = rate.NewLimiter(rate.Every(time.Minute/time.Duration(n)), n)
	}
	return c.lims[i]
}

// sweep drops clients that have recovered, once a minute or when the table
// is full; when it is still full, it drops one client more. g.mu is held.
func (g *Guard) sweep(now time.Time) {
	full := len(g.clients) >= g.cfg.MaxClients
	if !full && now.Sub(g.swept) < recovered {
		return
	}
	g.swept = now
	for k, c := range g.clients {
		if now.Sub(c.seen) >= recovered {
			delete(g.clients, k)
		}
	}
	for k := range g.clients {
		if len(g.clients) < g.cfg.MaxClients {
			break
		}
		delete(g.clients, k)
	}
}

// take draws one request of class from the client's allowance; it returns
// how long to wait when there is none left (and takes nothing then).
func (g *Guard) take(key string, class Class, now time.Time) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	res := g.limiter(key, class, now).ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return d
	}
	return 0
}

// failureWait is how long the client must wait before it may try to
// authenticate again: 0 while it has failures to spare.
func (g *Guard) failureWait(key string, now time.Time) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	lim := g.limiter(key, ShopAuth, now)
	tokens := lim.TokensAt(now)
	if tokens >= 1 {
		return 0
	}
	return time.Duration((1 - tokens) / float64(lim.Limit()) * float64(time.Second))
}

// fail records a failed authentication of the client.
func (g *Guard) fail(key string, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.limiter(key, ShopAuth, now).AllowN(now, 1)
}

// refuse answers 429 ETOOMANY with Retry-After in whole seconds, rounded up.
func (g *Guard) refuse(w http.ResponseWriter, r *http.Request, wait time.Duration, what string) {
	secs := max(1, int(math.Ceil(wait.Seconds())))
	w.Header().Set("Retry-After", fmt.Sprint(secs))
	httperr.Write(w, r, g.logger, oshigoods.Errorf(oshigoods.ETOOMANY, "%s; try again in %d seconds.", what, secs))
}
