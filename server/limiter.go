package server

import (
	"errors"
	"net/netip"
	"sync"
	"time"
)

// limiter counts authentication failures per source address and blocks an
// address that reaches the limit within the window, until the window of its
// oldest counted failure has passed. It bounds password guessing and tenant
// probing from one address; the per-account lockout lives in store.
type limiter struct {
	max    int
	window time.Duration
	now    func() time.Time
	// onFail, when set, is told of every failure (the logins metric).
	onFail func()

	mu      sync.Mutex
	entries map[netip.Addr]*limitEntry
	ops     int
}

type limitEntry struct {
	start    time.Time // beginning of the current window
	failures int
}

func newLimiter(max int, window time.Duration, now func() time.Time) *limiter {
	return &limiter{max: max, window: window, now: now, entries: map[netip.Addr]*limitEntry{}}
}

// blocked tells whether addr has used up its failures.
func (l *limiter) blocked(addr netip.Addr) bool {
	if l == nil || !addr.IsValid() {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.entries[addr]
	if e == nil {
		return false
	}
	if l.now().Sub(e.start) >= l.window {
		delete(l.entries, addr)
		return false
	}
	return e.failures >= l.max
}

// fail records one failure of addr.
func (l *limiter) fail(addr netip.Addr) {
	if l == nil || !addr.IsValid() {
		return
	}
	if l.onFail != nil {
		l.onFail()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	e := l.entries[addr]
	if e == nil || now.Sub(e.start) >= l.window {
		e = &limitEntry{start: now}
		l.entries[addr] = e
	}
	e.failures++
	// Sweep expired entries now and then so a scan from many addresses does
	// not grow the map forever.
	l.ops++
	if l.ops%1024 == 0 {
		for a, x := range l.entries {
			if now.Sub(x.start) >= l.window {
				delete(l.entries, a)
			}
		}
	}
}

// errAddrBlocked: the source address used up its failed attempts.
var errAddrBlocked = errors.New("too many failed attempts from your address, try again later")

// addrLimiter is the login form's view of the limiter (tui.LoginLimiter)
// for one source address: the form's failed credential checks count with
// the address's failed SSH authentications and probes.
type addrLimiter struct {
	l    *limiter
	addr netip.Addr
}

func (a addrLimiter) Allow() error {
	if a.l.blocked(a.addr) {
		return errAddrBlocked
	}
	return nil
}

func (a addrLimiter) Failed() { a.l.fail(a.addr) }
