package server

import (
	"net"
	"net/netip"
	"time"

	"github.com/pires/go-proxyproto"
)

// proxyListener wraps ln so that connections from the trusted proxies must
// start with a PROXY protocol header (the client's real address comes from
// it), while connections from anywhere else are served as plain SSH: their
// bytes are never parsed as a PROXY header, so nobody else can forge a source
// address. (ssh.EnableProxyProtocol would trust a header from anyone.)
func proxyListener(ln net.Listener, trusted []netip.Prefix) net.Listener {
	if len(trusted) == 0 {
		return ln
	}
	return &proxyproto.Listener{
		Listener:          ln,
		ReadHeaderTimeout: 10 * time.Second,
		ConnPolicy: func(o proxyproto.ConnPolicyOptions) (proxyproto.Policy, error) {
			if ip := addrIP(o.Upstream); ip.IsValid() {
				for _, p := range trusted {
					if p.Contains(ip) {
						return proxyproto.REQUIRE, nil
					}
				}
			}
			return proxyproto.SKIP, nil
		},
	}
}

// addrIP returns the IP of a TCP address (IPv4-mapped IPv6 unmapped), or the
// zero Addr.
func addrIP(a net.Addr) netip.Addr {
	if a == nil {
		return netip.Addr{}
	}
	if ta, ok := a.(*net.TCPAddr); ok {
		ip, _ := netip.AddrFromSlice(ta.IP)
		return ip.Unmap()
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

// addrKey normalises a "host:port" so configured and observed listener
// addresses compare equal ("[::ffff:127.0.0.1]:22" and "127.0.0.1:22").
func addrKey(s string) string {
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		return s
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()).String()
}
