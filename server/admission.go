package server

import (
	"net/netip"
	"sync"
	"time"
)

// Before anybody is known, a client costs the server a connection, a
// handshake and perhaps a login form, and can hold them as long as it
// likes. These budgets keep such clients from using up what registered
// staff need (the lock-out of issue 12 F2: 100 silent TCP sockets plus 60
// login forms from one address filled a 40-session server):
//
//   - A connection without a live session (still handshaking, or connected
//     and idle) is "waiting". Waiting connections are bounded per source
//     address (MaxPerAddress) and in total (MaxWaiting); beyond that a new
//     TCP connection is closed at once, before any cryptography. A waiting
//     connection is closed after HandshakeTimeout.
//   - Sessions of nobody known (a login form, a command without a
//     registered key) are bounded per source address (MaxPerAddress) and
//     in total (MaxLoginSessions, a fraction of MaxSessions), so at least
//     MaxSessions-MaxLoginSessions slots are only ever taken by identified
//     users. A login form must succeed within LoginTimeout.

// waiting counts the connections that have no live session, per source
// address and in total.
type waiting struct {
	perAddr int
	total   int

	mu     sync.Mutex
	byAddr map[netip.Addr]int
	n      int
}

func newWaiting(perAddr, total int) *waiting {
	return &waiting{perAddr: perAddr, total: total, byAddr: map[netip.Addr]int{}}
}

// admit counts a new connection from addr as waiting, unless addr or the
// server has as many waiting as allowed. The reason is for the log.
func (w *waiting) admit(addr netip.Addr) (ok bool, reason string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case w.byAddr[addr] >= w.perAddr:
		return false, "refused: too many connections from the address"
	case w.n >= w.total:
		return false, "refused: too many connections"
	}
	w.add(addr, 1)
	return true, ""
}

// add changes addr's count by d (an existing connection starting or ending
// to wait is counted even beyond the limits: it is there already).
func (w *waiting) add(addr netip.Addr, d int) {
	w.byAddr[addr] += d
	if w.byAddr[addr] <= 0 {
		delete(w.byAddr, addr)
	}
	w.n += d
}

func (w *waiting) change(addr netip.Addr, d int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.add(addr, d)
}

// count is the number of waiting connections (tests).
func (w *waiting) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n
}

// from is the number of waiting connections from addr (tests).
func (w *waiting) from(addr netip.Addr) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.byAddr[addr]
}

// connState is what admission knows of one connection: how many sessions
// it has live, and the timer that closes it while it has none.
type connState struct {
	srv     *Server
	addr    netip.Addr
	closeFn func() error

	mu     sync.Mutex
	live   int
	closed bool
	timer  *time.Timer
}

func (c *connState) armLocked() {
	c.timer = time.AfterFunc(c.srv.cfg.HandshakeTimeout, func() {
		c.mu.Lock()
		idle := c.live == 0 && !c.closed
		c.mu.Unlock()
		if idle {
			_ = c.closeFn()
		}
	})
}

// sessionStarted notes a live session; the first one ends the wait.
func (c *connState) sessionStarted() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.live++
	if c.live == 1 && !c.closed {
		c.timer.Stop()
		c.srv.waiting.change(c.addr, -1)
	}
}

// sessionEnded notes a session's end; the last one starts a new wait.
func (c *connState) sessionEnded() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.live--
	if c.live == 0 && !c.closed {
		c.srv.waiting.change(c.addr, 1)
		c.armLocked()
	}
}

// connClosed releases the connection's count.
func (c *connState) connClosed() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.closed = true
	c.timer.Stop()
	if c.live == 0 {
		c.srv.waiting.change(c.addr, -1)
	}
}
