package server

import (
	"context"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"consultorio/store"
	"consultorio/tui"
)

// changeCoalesce is the least time between two change messages sent to one
// program: a burst of changes (a weekly series booked, a scan resolving many
// notifications) reloads each screen once, not once per row.
const changeCoalesce = 100 * time.Millisecond

// forwardChanges subscribes the session's program to its clinic's changes
// (store.Listener: PostgreSQL LISTEN/NOTIFY, so changes made through any
// server instance or a scripted command arrive) and sends them to it as
// tui.ChangedMsg, at most one per changeCoalesce. It unsubscribes when the
// session's context ends.
//
// No goroutine waits per session: the listener calls the coalescer, whose
// timer sends (Program.Send blocks until the program takes the message, so
// it never runs on the listener's goroutine). An idle session costs a
// subscription and a small struct.
func (s *Server) forwardChanges(ls *liveSession, p *tea.Program, tenantID int64) {
	c := newChangeCoalescer(changeCoalesce, func(m tui.ChangedMsg) { p.Send(m) })
	unsubscribe := s.listener.SubscribeFunc(tenantID, c.add)
	context.AfterFunc(ls.ctx, func() {
		unsubscribe()
		c.stop()
	})
}

// changeCoalescer passes changes on to send as ChangedMsg, at most one per
// `every`: the changes that arrive meanwhile are merged into the next
// message, which names their entity if they share one and else none ("" =
// let every screen decide). A resync (changes may have been missed) becomes
// ChangedMsg{""}. add never blocks; send runs on a timer's goroutine, one
// at a time.
type changeCoalescer struct {
	every time.Duration
	send  func(tui.ChangedMsg)

	mu       sync.Mutex
	pending  bool   // a change waits to be sent
	entity   string // what the pending changes share
	armed    bool   // the timer will send
	sending  bool   // send is running
	stopped  bool
	lastSent time.Time
	timer    *time.Timer
}

func newChangeCoalescer(every time.Duration, send func(tui.ChangedMsg)) *changeCoalescer {
	c := &changeCoalescer{every: every, send: send}
	c.timer = time.AfterFunc(time.Hour, c.fire)
	c.timer.Stop()
	return c
}

// add takes one change.
func (c *changeCoalescer) add(ch store.Change) {
	e := ch.Entity
	if e == store.ChangeResync {
		e = ""
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return
	}
	switch {
	case !c.pending:
		c.entity = e
	case c.entity != e:
		c.entity = ""
	}
	c.pending = true
	c.armLocked()
}

// armLocked starts the timer for the pending message, at lastSent+every at
// the earliest, unless it runs already or a send in progress will.
func (c *changeCoalescer) armLocked() {
	if c.armed || c.sending || !c.pending {
		return
	}
	c.armed = true
	c.timer.Reset(max(c.every-time.Since(c.lastSent), 0))
}

// fire sends what is pending, then re-arms for what came meanwhile.
func (c *changeCoalescer) fire() {
	c.mu.Lock()
	c.armed = false
	if c.stopped || !c.pending {
		c.mu.Unlock()
		return
	}
	m := tui.ChangedMsg{Entity: c.entity}
	c.pending, c.sending, c.lastSent = false, true, time.Now()
	c.mu.Unlock()

	c.send(m)

	c.mu.Lock()
	c.sending = false
	if !c.stopped {
		c.armLocked()
	}
	c.mu.Unlock()
}

// stop drops what is pending; nothing is sent after it returns but a send
// already running (which returns when the program ends).
func (c *changeCoalescer) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopped, c.pending = true, false
	c.timer.Stop()
}
