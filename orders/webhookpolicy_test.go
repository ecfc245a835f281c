package orders_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"testing"

	"oshigoods/orders"
)

func TestWebhookPolicyCheckAddr(t *testing.T) {
	allow, addrs, err := orders.ParseWebhookAllowList("10.9.0.0/16, 127.0.0.1:9443, fd00::7")
	if err != nil {
		t.Fatal(err)
	}
	policy := orders.WebhookPolicy{AllowPrefixes: allow, AllowAddrs: addrs}
	for _, tc := range []struct {
		scenario string
		addr     string
		zero     bool // refused by the zero policy
		listed   bool // refused by policy
	}{
		{"public IPv4", "93.184.215.14:443", false, false},
		{"public IPv6", "[2606:4700::1111]:443", false, false},
		{"loopback", "127.0.0.1:443", true, true},
		{"loopback elsewhere in 127/8", "127.5.6.7:443", true, true},
		{"loopback on the allowed port", "127.0.0.1:9443", true, false},
		{"IPv6 loopback", "[::1]:443", true, true},
		{"unspecified", "0.0.0.0:80", true, true},
		{"IPv6 unspecified", "[::]:80", true, true},
		{"RFC 1918 10/8", "10.0.0.1:443", true, true},
		{"RFC 1918 in the allowed prefix", "10.9.1.2:443", true, false},
		{"RFC 1918 172.16/12", "172.31.255.255:443", true, true},
		{"RFC 1918 192.168/16", "192.168.1.1:443", true, true},
		{"link-local metadata", "169.254.169.254:80", true, true},
		{"CGNAT", "100.64.0.1:443", true, true},
		{"multicast", "224.0.0.251:5353", true, true},
		{"broadcast", "255.255.255.255:80", true, true},
		{"benchmarking", "198.18.0.1:443", true, true},
		{"unique local", "[fd12:3456::1]:443", true, true},
		{"unique local allowed address", "[fd00::7]:443", true, false},
		{"IPv6 link-local with zone", "[fe80::1%eth0]:443", true, true},
		{"IPv6 multicast", "[ff02::1]:443", true, true},
		{"IPv4-mapped loopback", "[::ffff:127.0.0.1]:443", true, true},
		{"IPv4-mapped private", "[::ffff:10.0.0.1]:443", true, true},
		{"NAT64 of a private address", "[64:ff9b::a00:1]:443", true, true},
		{"6to4", "[2002:7f00:1::1]:443", true, true},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			ap := netip.MustParseAddrPort(tc.addr)
			if got := (orders.WebhookPolicy{}).CheckAddr(ap) != nil; got != tc.zero {
				t.Errorf("zero policy refuses %s: %v, want %v", tc.addr, got, tc.zero)
			}
			if got := policy.CheckAddr(ap) != nil; got != tc.listed {
				t.Errorf("allow-list refuses %s: %v, want %v", tc.addr, got, tc.listed)
			}
			// The dialer's Control sees the resolved address before any
			// connection is made; it refuses the same addresses.
			err := policy.Control("tcp", tc.addr, nil)
			if (err != nil) != tc.listed || (err != nil && !errors.Is(err, orders.ErrAddressRefused)) {
				t.Errorf("Control(%s) = %v, want refused %v", tc.addr, err, tc.listed)
			}
		})
	}
	if err := policy.Control("tcp", "not-an-address:80", nil); !errors.Is(err, orders.ErrAddressRefused) {
		t.Errorf("Control of an unparsable address: %v, want refused", err)
	}
}

func TestParseWebhookAllowList(t *testing.T) {
	for _, bad := range []string{"localhost", "10.0.0.0/33", "host.example:80", "127.0.0.1:99999"} {
		if _, _, err := orders.ParseWebhookAllowList(bad); err == nil {
			t.Errorf("ParseWebhookAllowList(%q) accepted", bad)
		}
	}
	p, a, err := orders.ParseWebhookAllowList(" ")
	if err != nil || p != nil || a != nil {
		t.Errorf("empty allow-list: %v %v %v", p, a, err)
	}
}

func TestWebhookPolicyCheckURL(t *testing.T) {
	// Lookup is a stub: the test resolves names without DNS and never
	// connects anywhere (names under .example itself are never looked up:
	// TestSpecialUseNamesAreNeverLookedUp).
	names := map[string][]netip.Addr{
		"shop.example.com":     {netip.MustParseAddr("93.184.215.14")},
		"internal.example.com": {netip.MustParseAddr("93.184.215.14"), netip.MustParseAddr("10.0.0.5")},
		"meta.example.com":     {netip.MustParseAddr("169.254.169.254")},
	}
	lookup := func(_ context.Context, host string) ([]netip.Addr, error) {
		if a, ok := names[host]; ok {
			return a, nil
		}
		return nil, errors.New("no such host")
	}
	prod := orders.WebhookPolicy{Lookup: lookup}
	dev := orders.WebhookPolicy{Lookup: lookup, AllowHTTP: true, AllowAddrs: []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:8080")}}
	for _, tc := range []struct {
		scenario string
		policy   orders.WebhookPolicy
		url      string
		ok       bool
	}{
		{"https to a public name", prod, "https://shop.example.com/hooks", true},
		{"a name that does not resolve now", prod, "https://later.example.com/hooks", true},
		{"http in production", prod, "http://shop.example.com/hooks", false},
		{"http with AllowHTTP", dev, "http://shop.example.com/hooks", true},
		{"loopback literal", dev, "http://127.0.0.1:9000/hook", false},
		{"allow-listed loopback receiver", dev, "http://127.0.0.1:8080/hook", true},
		{"localhost", dev, "http://localhost:8080/hook", false},
		{"a .localhost name", prod, "https://a.localhost/hook", false},
		{"IPv6 loopback", dev, "http://[::1]:8080/hook", false},
		{"unspecified", prod, "https://0.0.0.0/hook", false},
		{"link-local literal", prod, "https://169.254.169.254/latest/meta-data", false},
		{"name resolving to link-local", prod, "https://meta.example.com/hook", false},
		{"name with one private address", prod, "https://internal.example.com/hook", false},
		{"credentials in the URL", prod, "https://user:pw@shop.example.com/hook", false},
		{"not absolute", prod, "/hooks", false},
		{"other scheme", prod, "ftp://shop.example.com/hooks", false},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			_, err := tc.policy.CheckURL(t.Context(), tc.url)
			if (err == nil) != tc.ok {
				t.Errorf("CheckURL(%q) = %v, want ok %v", tc.url, err, tc.ok)
			}
		})
	}
}

// TestSpecialUseNamesAreNeverLookedUp: a webhook to a name under a
// special-use domain (the tests' a.example, say) sends no DNS query — the
// machine's resolver may sit at a private address — neither when it is
// registered nor when it is dialled, where it is refused.
func TestSpecialUseNamesAreNeverLookedUp(t *testing.T) {
	for _, tc := range []struct {
		host string
		want bool
	}{
		{"a.example", true}, {"EXAMPLE.", true}, {"x.invalid", true}, {"ci.test", true},
		{"printer.local", true}, {"nas.home.arpa", true}, {"abc.onion", true},
		{"shop.example.com", false}, {"examples", false}, {"testing.jp", false},
	} {
		if got := orders.SpecialUseName(tc.host); got != tc.want {
			t.Errorf("SpecialUseName(%q) = %v, want %v", tc.host, got, tc.want)
		}
	}

	lookups := 0
	p := orders.WebhookPolicy{Lookup: func(context.Context, string) ([]netip.Addr, error) {
		lookups++
		return nil, errors.New("no DNS in tests")
	}}
	if _, err := p.CheckURL(t.Context(), "https://a.example/hook"); err != nil {
		t.Fatalf("CheckURL: %v", err)
	}
	if lookups != 0 {
		t.Fatalf("%d lookups of a special-use name at registration", lookups)
	}

	// The dialer's resolver counts the queries it would send.
	queries := 0
	dialer := &net.Dialer{Control: p.Control, Resolver: &net.Resolver{PreferGo: true,
		Dial: func(context.Context, string, string) (net.Conn, error) {
			queries++
			return nil, errors.New("no DNS in tests")
		}}}
	_, err := p.DialContext(dialer)(t.Context(), "tcp", "a.example:443")
	if !errors.Is(err, orders.ErrAddressRefused) || queries != 0 {
		t.Fatalf("dial a.example: %v after %d DNS queries, want ErrAddressRefused after none", err, queries)
	}
}
