package orders

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// ErrAddressRefused is returned (wrapped) when a webhook would reach an
// address the WebhookPolicy refuses. Its text, "refused: address not
// allowed", is all a delivery log says of such an attempt, so the log
// cannot be used to scan inside the network.
var ErrAddressRefused = errors.New("refused: address not allowed")

// refusedPrefixes are the ranges no webhook reaches unless the allow-list
// names them: loopback, private (RFC 1918, fc00::/7), link-local, CGNAT,
// multicast, unspecified, and the other special-purpose ranges of the IANA
// registries (documentation, benchmarking, reserved, and the IPv6
// transition prefixes that embed an IPv4 address). IPv4-mapped IPv6
// addresses are unmapped and checked as IPv4.
var refusedPrefixes = func() []netip.Prefix {
	var list []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8",       // "this network", unspecified
		"10.0.0.0/8",      // private
		"100.64.0.0/10",   // CGNAT shared address space
		"127.0.0.0/8",     // loopback
		"169.254.0.0/16",  // link-local (cloud metadata)
		"172.16.0.0/12",   // private
		"192.0.0.0/24",    // IETF protocol assignments
		"192.0.2.0/24",    // TEST-NET-1
		"192.88.99.0/24",  // 6to4 relay anycast
		"192.168.0.0/16",  // private
		"198.18.0.0/15",   // benchmarking
		"198.51.100.0/24", // TEST-NET-2
		"203.0.113.0/24",  // TEST-NET-3
		"224.0.0.0/4",     // multicast
		"240.0.0.0/4",     // reserved, broadcast
		"::/128",          // unspecified
		"::1/128",         // loopback
		"64:ff9b::/96",    // NAT64
		"64:ff9b:1::/48",  // local NAT64
		"100::/64",        // discard
		"2001::/23",       // IETF protocol assignments (Teredo, …)
		"2001:db8::/32",   // documentation
		"2002::/16",       // 6to4
		"3fff::/20",       // documentation
		"fc00::/7",        // unique local (private)
		"fe80::/10",       // link-local
		"fec0::/10",       // site-local (deprecated)
		"ff00::/8",        // multicast
		"::/96",           // IPv4-compatible (deprecated)
		"2001:10::/28",    // ORCHID
		"2001:20::/28",    // ORCHIDv2
		"5f00::/16",       // SRv6 SIDs
	} {
		list = append(list, netip.MustParsePrefix(s))
	}
	return list
}()

// SpecialAddress reports whether a is in a range webhooks may not reach
// without the allow-list: loopback, private, link-local, CGNAT, multicast,
// unspecified or another special-purpose range.
func SpecialAddress(a netip.Addr) bool {
	a = a.Unmap().WithZone("")
	if !a.IsValid() {
		return true
	}
	for _, p := range refusedPrefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// WebhookPolicy says which URLs webhooks may be registered for and which
// addresses deliveries may connect to. The zero WebhookPolicy allows only
// https and only addresses outside the special ranges (SpecialAddress).
type WebhookPolicy struct {
	// AllowHTTP permits http:// URLs (development and tests). Default
	// false: https only.
	AllowHTTP bool
	// AllowPrefixes and AllowAddrs are the operator's allow-list: special
	// addresses in one of the prefixes, or equal to one of the address
	// and port pairs, may be reached. Default none.
	AllowPrefixes []netip.Prefix
	AllowAddrs    []netip.AddrPort
	// Lookup resolves a host name at registration. Nil means
	// net.DefaultResolver with a 2 second timeout.
	Lookup func(ctx context.Context, host string) ([]netip.Addr, error)
}

// ParseWebhookAllowList parses a comma-separated allow-list of CIDR
// prefixes ("10.0.0.0/8"), addresses ("10.1.2.3", a /32 or /128) and
// address:port pairs ("127.0.0.1:8443", "[::1]:8443").
func ParseWebhookAllowList(s string) (prefixes []netip.Prefix, addrs []netip.AddrPort, err error) {
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, perr := netip.ParsePrefix(f); perr == nil {
			prefixes = append(prefixes, p.Masked())
		} else if a, aerr := netip.ParseAddr(f); aerr == nil {
			prefixes = append(prefixes, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
		} else if ap, aperr := netip.ParseAddrPort(f); aperr == nil {
			addrs = append(addrs, netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()))
		} else {
			return nil, nil, fmt.Errorf("%q is not a CIDR prefix, an IP address or IP:port", f)
		}
	}
	return prefixes, addrs, nil
}

// CheckAddr returns nil if a delivery may connect to ap: it is not a
// special address, or the allow-list names it. Otherwise ErrAddressRefused.
func (p WebhookPolicy) CheckAddr(ap netip.AddrPort) error {
	a := ap.Addr().Unmap().WithZone("")
	if !SpecialAddress(a) {
		return nil
	}
	for _, pr := range p.AllowPrefixes {
		if pr.Contains(a) {
			return nil
		}
	}
	for _, allowed := range p.AllowAddrs {
		if allowed.Addr() == a && allowed.Port() == ap.Port() {
			return nil
		}
	}
	return ErrAddressRefused
}

// Control is a net.Dialer Control function: it runs after name resolution
// and before each connection is made, and refuses an address CheckAddr
// refuses, so no packet is sent to it.
func (p WebhookPolicy) Control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("dial %s: %w", network, ErrAddressRefused)
	}
	return p.CheckAddr(ap)
}

// CheckURL checks a webhook URL at registration and returns it parsed: an
// absolute https URL (or http with AllowHTTP), whose host, if it is an IP
// address or localhost, is allowed by CheckAddr, and whose host name, if
// it resolves, resolves only to allowed addresses. A name that does not
// resolve now is accepted: every connection is checked again when it is
// dialled (Control).
func (p WebhookPolicy) CheckURL(ctx context.Context, raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || u.Hostname() == "" || u.Opaque != "" {
		return nil, errors.New("is not an absolute URL")
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && p.AllowHTTP:
	default:
		return nil, errors.New("must be https")
	}
	if u.User != nil {
		return nil, errors.New("must not hold a user name or password")
	}
	port := uint16(443)
	if u.Scheme == "http" {
		port = 80
	}
	if s := u.Port(); s != "" {
		var n int
		if _, err := fmt.Sscanf(s, "%d", &n); err != nil || n < 1 || n > 65535 {
			return nil, errors.New("has a bad port")
		}
		port = uint16(n)
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	var addrs []netip.Addr
	switch a, err := netip.ParseAddr(host); {
	case err == nil:
		addrs = []netip.Addr{a}
	case host == "localhost" || strings.HasSuffix(host, ".localhost"):
		addrs = []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.IPv6Loopback()}
	case SpecialUseName(host):
		// Never in the public DNS (RFC 6761): not looked up, and refused
		// when dialled (DialContext).
	default:
		addrs, _ = p.lookup(ctx, host) // unresolved: checked when dialled
	}
	for _, a := range addrs {
		if err := p.CheckAddr(netip.AddrPortFrom(a, port)); err != nil {
			return nil, errors.New("reaches an address that is not allowed (loopback, private, link-local or another special-purpose range)")
		}
	}
	return u, nil
}

// SpecialUseName reports whether host is under a special-use domain that
// the public DNS never answers for (RFC 6761 example, invalid, test; RFC
// 6762 local; RFC 8375 home.arpa; onion): such a name is never looked up,
// so no query for it leaves the machine, and a webhook to it is refused
// when dialled.
func SpecialUseName(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	for _, d := range []string{"example", "invalid", "test", "local", "home.arpa", "onion"} {
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

// DialContext dials as dialer does (whose Control should be p.Control,
// which checks every resolved address), but refuses a special-use name
// (SpecialUseName) before any lookup: ErrAddressRefused.
func (p WebhookPolicy) DialContext(dialer *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err == nil && SpecialUseName(host) {
			return nil, fmt.Errorf("dial %s: %w", addr, ErrAddressRefused)
		}
		return dialer.DialContext(ctx, network, addr)
	}
}

func (p WebhookPolicy) lookup(ctx context.Context, host string) ([]netip.Addr, error) {
	if p.Lookup != nil {
		return p.Lookup(ctx, host)
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}
