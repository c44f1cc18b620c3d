package storetest

import (
	"sync"
	"time"

	"consultorio/store"
)

// Clock is the one fake clock of the tests: a settable store.Clock, safe for
// concurrent use (the server and the TUI read it from their goroutines).
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

var _ store.Clock = (*Clock)(nil)

// NewClock is a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now is the time the clock was set to.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
