// Package sshline writes the command a person types to reach Consultorio:
// "ssh -p 2222 demo@clinic.example.com". The operator panel shows it for a
// new clinic (TUI and scripted `tenants create`), `consultorio serve` prints
// it at start. The address comes from the configuration the server was
// started with, passed down explicitly: nothing here reads the environment.
package sshline

import (
	"fmt"
	"net"
	"strconv"
)

// Addr is where clients reach the SSH server.
type Addr struct {
	// Host is the name or address clients connect to; empty is written
	// "<host>", for the operator to fill in.
	Host string
	// Port is the TCP port; 0 or 22 is written without -p.
	Port int
}

// FromListen is the address clients use for a server listening on listen
// ("host:port", as bound): host names the machine when the listen address
// is not one clients can use (every interface: "0.0.0.0", "[::]", "").
func FromListen(listen, host string) (Addr, error) {
	h, p, err := net.SplitHostPort(listen)
	if err != nil {
		return Addr{}, fmt.Errorf("listen address %q: %w", listen, err)
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		return Addr{}, fmt.Errorf("listen address %q: port %q is not a number", listen, p)
	}
	if host == "" {
		if ip := net.ParseIP(h); h != "" && (ip == nil || !ip.IsUnspecified()) {
			host = h
		}
	}
	return Addr{Host: host, Port: port}, nil
}

// For is the command that reaches user (a clinic's schema, "panel").
func (a Addr) For(user string) string {
	host := a.Host
	if host == "" {
		host = "<host>"
	} else if ip := net.ParseIP(host); ip != nil && ip.To4() == nil {
		host = "[" + host + "]"
	}
	if a.Port == 0 || a.Port == 22 {
		return fmt.Sprintf("ssh %s@%s", user, host)
	}
	return fmt.Sprintf("ssh -p %d %s@%s", a.Port, user, host)
}
