package oauth

import (
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"
)

func TestParseTrustedProxies(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []string
		want []string
		err  bool
	}{
		{"none", nil, nil, false},
		{"vpc", []string{"10.0.0.0/16"}, []string{"10.0.0.0/16"}, false},
		{"unmasked cidr", []string{"10.0.3.7/16"}, []string{"10.0.0.0/16"}, false},
		{"bare v4", []string{" 192.0.2.9 ", ""}, []string{"192.0.2.9/32"}, false},
		{"bare v6", []string{"2001:db8::1"}, []string{"2001:db8::1/128"}, false},
		{"mapped", []string{"::ffff:10.0.0.0/104"}, []string{"10.0.0.0/8"}, false},
		{"garbage", []string{"10.0.0.0/16", "lb.example"}, nil, true},
		{"bad bits", []string{"10.0.0.0/33"}, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseTrustedProxies(tc.in)
			if tc.err {
				if !errors.Is(err, ErrBadProxy) {
					t.Fatalf("err = %v, want ErrBadProxy", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var s []string
			for _, p := range got {
				s = append(s, p.String())
			}
			if strings.Join(s, " ") != strings.Join(tc.want, " ") {
				t.Fatalf("got %v, want %v", s, tc.want)
			}
		})
	}
}

func TestClientAddr(t *testing.T) {
	vpc, err := ParseTrustedProxies([]string{"10.0.0.0/16", "2001:db8:ffff::/48"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		trusted TrustedProxies
		peer    string
		xff     []string
		want    string
	}{
		{"no proxies configured ignores header", nil, "198.51.100.7", []string{"203.0.113.5"}, "198.51.100.7"},
		{"untrusted peer spoofing header", vpc, "198.51.100.7", []string{"203.0.113.5"}, "198.51.100.7"},
		{"trusted peer without header", vpc, "10.0.1.2", nil, "10.0.1.2"},
		{"alb appends client", vpc, "10.0.1.2", []string{"203.0.113.5"}, "203.0.113.5"},
		{"client prepends a spoofed hop", vpc, "10.0.1.2", []string{"1.2.3.4, 203.0.113.5"}, "203.0.113.5"},
		{"client spoofs a trusted hop", vpc, "10.0.1.2", []string{"10.0.9.9, 203.0.113.5"}, "203.0.113.5"},
		{"two trusted hops", vpc, "10.0.1.2", []string{"6.6.6.6, 203.0.113.5, 10.0.4.4"}, "203.0.113.5"},
		{"split over two headers", vpc, "10.0.1.2", []string{"6.6.6.6", "203.0.113.5, 10.0.4.4"}, "203.0.113.5"},
		{"garbage left of the client is ignored", vpc, "10.0.1.2", []string{"<script>, 203.0.113.5"}, "203.0.113.5"},
		{"garbage right of the trusted chain stops", vpc, "10.0.1.2", []string{"203.0.113.5, not-an-ip"}, "10.0.1.2"},
		{"empty entries skipped", vpc, "10.0.1.2", []string{" , 203.0.113.5 ,, "}, "203.0.113.5"},
		{"all trusted: left-most", vpc, "10.0.1.2", []string{"10.0.7.7, 10.0.4.4"}, "10.0.7.7"},
		{"with port", vpc, "10.0.1.2", []string{"203.0.113.5:4711"}, "203.0.113.5"},
		{"v6 client", vpc, "10.0.1.2", []string{"[2001:db8:1:2:3::9]:443"}, "2001:db8:1:2:3::9"},
		{"v6 proxy", vpc, "2001:db8:ffff::5", []string{"203.0.113.5"}, "203.0.113.5"},
		{"mapped peer", vpc, "::ffff:10.0.1.2", []string{"203.0.113.5"}, "203.0.113.5"},
		{"mapped hop", vpc, "10.0.1.2", []string{"::ffff:203.0.113.5"}, "203.0.113.5"},
		{"zone is not an address", vpc, "10.0.1.2", []string{"fe80::1%eth0"}, "10.0.1.2"},
		{"too many trusted hops", vpc, "10.0.1.2", []string{strings.Repeat("10.0.0.1,", 40) + "10.0.0.2"}, "10.0.0.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var xff [][]byte
			for _, v := range tc.xff {
				xff = append(xff, []byte(v))
			}
			got := tc.trusted.ClientAddr(netip.MustParseAddr(tc.peer), xff)
			if got.String() != tc.want {
				t.Fatalf("ClientAddr = %s, want %s", got, tc.want)
			}
		})
	}
}

// TestClientIPOverHTTP resolves real requests over loopback: 127.0.0.1 is
// the peer, trusted or not.
func TestClientIPOverHTTP(t *testing.T) {
	for _, tc := range []struct {
		name    string
		trusted []string
		xff     []string
		want    string
	}{
		{"untrusted loopback: header ignored", nil, []string{"203.0.113.5"}, "127.0.0.1"},
		{"untrusted loopback with other proxies", []string{"10.0.0.0/8"}, []string{"203.0.113.5"}, "127.0.0.1"},
		{"trusted loopback", []string{"127.0.0.0/8"}, []string{"6.6.6.6, 203.0.113.5"}, "203.0.113.5"},
		{"trusted loopback, v6 client per /64", []string{"127.0.0.1"}, []string{"2001:db8:1:2:3:4:5:6"}, "2001:db8:1:2::"},
		{"trusted loopback, repeated headers", []string{"127.0.0.1"}, []string{"6.6.6.6", "203.0.113.5"}, "203.0.113.5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tp, err := ParseTrustedProxies(tc.trusted)
			if err != nil {
				t.Fatal(err)
			}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			srv := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
				tp.Resolve(ctx)
				ctx.SetBodyString(ClientIP(ctx))
			}}
			go srv.Serve(ln)
			t.Cleanup(func() { srv.Shutdown() })
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(resp)
			req.SetRequestURI("http://" + ln.Addr().String() + "/")
			for _, v := range tc.xff {
				req.Header.Add("X-Forwarded-For", v)
			}
			if err := fasthttp.Do(req, resp); err != nil {
				t.Fatal(err)
			}
			if got := string(resp.Body()); got != tc.want {
				t.Fatalf("ClientIP = %q, want %q", got, tc.want)
			}
		})
	}
}

func FuzzClientAddr(f *testing.F) {
	for _, s := range []string{"203.0.113.5", "1.2.3.4, 203.0.113.5, 10.0.4.4", "[2001:db8::1]:443", "", ",,", "::ffff:10.0.0.1", "fe80::1%eth0"} {
		f.Add(s)
	}
	tp, err := ParseTrustedProxies([]string{"10.0.0.0/16", "2001:db8:ffff::/48"})
	if err != nil {
		f.Fatal(err)
	}
	peer := netip.MustParseAddr("10.0.1.2")
	f.Fuzz(func(t *testing.T, xff string) {
		a := tp.ClientAddr(peer, [][]byte{[]byte(xff)})
		if !a.IsValid() || a.Is4In6() || a.Zone() != "" {
			t.Fatalf("ClientAddr(%q) = %v", xff, a)
		}
		// The answer is the peer or one of the header's own hops.
		if a == peer {
			return
		}
		for _, h := range strings.Split(xff, ",") {
			if b, ok := parseHop([]byte(strings.TrimSpace(h))); ok && b == a {
				return
			}
		}
		t.Fatalf("ClientAddr(%q) = %v, neither the peer nor a hop", xff, a)
	})
}

func FuzzParseTrustedProxies(f *testing.F) {
	for _, s := range []string{"10.0.0.0/16", "192.0.2.9", "2001:db8::/32", "::ffff:10.0.0.0/104", "x/1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tp, err := ParseTrustedProxies([]string{s})
		if err != nil {
			return
		}
		for _, p := range tp {
			if !p.IsValid() || p.Addr().Is4In6() || p != p.Masked() {
				t.Fatalf("ParseTrustedProxies(%q) gave %v", s, p)
			}
			if !tp.Contains(p.Addr()) {
				t.Fatalf("%v does not contain its own address", p)
			}
		}
	})
}

func BenchmarkClientAddr(b *testing.B) {
	tp, _ := ParseTrustedProxies([]string{"10.0.0.0/16"})
	peer := netip.MustParseAddr("10.0.1.2")
	xff := [][]byte{[]byte("6.6.6.6, 203.0.113.5, 10.0.4.4")}
	b.ReportAllocs()
	for b.Loop() {
		tp.ClientAddr(peer, xff)
	}
}
