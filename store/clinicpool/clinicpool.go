// Package clinicpool keeps one small connection pool per clinic, with a
// bound on how many are open at once.
//
// Each clinic's work connects as that clinic's own database role, so a
// connection can never be shared between clinics. With thousands of clinics
// one pool each would mean thousands of connections; instead at most
// MaxPools pools are open (each with a few connections at most, so the
// total is bounded), the least recently used idle pool is closed to make
// room for a new one, and pools unused for IdleTimeout are closed.
//
// The cache is generic over the pool type so its rules are tested without a
// database; the store uses it with *pgxpool.Pool.
package clinicpool

import (
	"container/list"
	"context"
	"errors"
	"sync"
	"time"
)

// Pool is what the cache keeps: something that can be closed. Close must
// release every connection the pool holds before it returns
// (pgxpool.Pool.Close does).
type Pool interface{ Close() }

// Config tunes a Cache.
type Config[P Pool] struct {
	// MaxPools is how many pools may be open at once (at least 1).
	MaxPools int
	// IdleTimeout closes a pool that nobody has used for this long (checked
	// on every Acquire); 0 keeps idle pools until they are evicted.
	IdleTimeout time.Duration
	// Open makes the pool of key. It is called without the cache's lock, at
	// most once at a time per key.
	Open func(ctx context.Context, key string) (P, error)
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// ErrClosed is returned by Acquire after Close.
var ErrClosed = errors.New("clinic pools closed")

// Cache is a bounded, least-recently-used set of pools. It is safe for
// concurrent use.
type Cache[P Pool] struct {
	cfg Config[P]

	mu      sync.Mutex
	entries map[string]*entry[P]
	lru     *list.List // of *entry[P]; front = most recently used
	open    int        // pools opened and not yet closed (or being opened)
	freed   chan struct{}
	closed  bool
}

type entry[P Pool] struct {
	key     string
	pool    P
	err     error
	ready   chan struct{} // closed once Open returned
	refs    int           // leases not yet released
	last    time.Time     // last release
	elem    *list.Element
	removed bool // out of the map: close on the last release
}

// New makes an empty cache.
func New[P Pool](cfg Config[P]) *Cache[P] {
	if cfg.MaxPools < 1 {
		cfg.MaxPools = 1
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Cache[P]{cfg: cfg, entries: map[string]*entry[P]{}, lru: list.New(), freed: make(chan struct{})}
}

// Acquire returns the pool of key and a function to call when the caller
// is done with it (after its transaction). A pool is never closed while
// leased. When MaxPools pools are open, the least recently used one that is
// not leased is closed first; when every one is leased, Acquire waits for a
// release or for ctx.
func (c *Cache[P]) Acquire(ctx context.Context, key string) (P, func(), error) {
	var zero P
	for {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return zero, nil, ErrClosed
		}
		// Pools idle too long are closed first; their places count until
		// they are (closeAndFree), and then the search starts again.
		if swept := c.sweepLocked(); len(swept) > 0 {
			c.mu.Unlock()
			c.closeAndFree(swept)
			continue
		}
		if e, ok := c.entries[key]; ok {
			e.refs++
			c.lru.MoveToFront(e.elem)
			c.mu.Unlock()
			select {
			case <-e.ready:
			case <-ctx.Done():
				c.release(e)
				return zero, nil, ctx.Err()
			}
			if e.err != nil {
				c.release(e)
				return zero, nil, e.err
			}
			return e.pool, c.releaser(e), nil
		}
		// The least recently used idle pool hands its place to the new one
		// (closed below before the new one opens).
		var victim *entry[P]
		if c.open >= c.cfg.MaxPools {
			if victim = c.victimLocked(); victim != nil {
				c.removeLocked(victim)
				c.open--
			}
		}
		if c.open < c.cfg.MaxPools {
			e := &entry[P]{key: key, ready: make(chan struct{}), refs: 1}
			e.elem = c.lru.PushFront(e)
			c.entries[key] = e
			c.open++
			c.mu.Unlock()
			// The evicted pool's connections are gone before the new pool
			// can open any: the bound holds at every instant.
			if victim != nil {
				victim.pool.Close()
			}
			p, err := c.cfg.Open(ctx, key)
			c.mu.Lock()
			e.pool, e.err = p, err
			close(e.ready)
			if err != nil {
				c.removeLocked(e)
				c.open--
				c.signalLocked()
			}
			c.mu.Unlock()
			if err != nil {
				c.release(e)
				return zero, nil, err
			}
			return p, c.releaser(e), nil
		}
		wait := c.freed
		c.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return zero, nil, ctx.Err()
		}
	}
}

// Evict closes the pool of key (at once if it is not leased, else at its
// last release): a clinic archived or renamed must not keep connections.
func (c *Cache[P]) Evict(key string) {
	c.mu.Lock()
	e, ok := c.entries[key]
	if !ok {
		c.mu.Unlock()
		return
	}
	c.removeLocked(e)
	idle := e.refs == 0
	c.mu.Unlock()
	if idle {
		c.closeAndFree([]*entry[P]{e})
	}
}

// Close closes every pool (leased ones at their release); Acquire fails
// from then on.
func (c *Cache[P]) Close() {
	c.mu.Lock()
	c.closed = true
	var doomed []*entry[P]
	for _, e := range c.entries {
		c.removeLocked(e)
		if e.refs == 0 {
			doomed = append(doomed, e)
		}
	}
	c.signalLocked()
	c.mu.Unlock()
	c.closeAndFree(doomed)
}

// Open is how many pools are open now (leased or idle, being opened
// included).
func (c *Cache[P]) Open() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.open
}

func (c *Cache[P]) releaser(e *entry[P]) func() {
	var once sync.Once
	return func() { once.Do(func() { c.release(e) }) }
}

func (c *Cache[P]) release(e *entry[P]) {
	c.mu.Lock()
	e.refs--
	e.last = c.cfg.Now()
	closeNow := e.refs == 0 && e.removed && e.err == nil
	c.signalLocked()
	c.mu.Unlock()
	if closeNow {
		c.closeAndFree([]*entry[P]{e})
	}
}

// victimLocked is the least recently used pool that is open and not leased.
func (c *Cache[P]) victimLocked() *entry[P] {
	for el := c.lru.Back(); el != nil; el = el.Prev() {
		if e := el.Value.(*entry[P]); e.refs == 0 {
			return e
		}
	}
	return nil
}

// sweepLocked takes out the pools idle for longer than IdleTimeout; the
// caller closes them after unlocking (closeAndFree), and they keep their
// places in the bound until then.
func (c *Cache[P]) sweepLocked() []*entry[P] {
	if c.cfg.IdleTimeout <= 0 {
		return nil
	}
	cutoff := c.cfg.Now().Add(-c.cfg.IdleTimeout)
	var doomed []*entry[P]
	for el := c.lru.Back(); el != nil; {
		e := el.Value.(*entry[P])
		el = el.Prev()
		if e.refs == 0 && e.last.Before(cutoff) {
			c.removeLocked(e)
			doomed = append(doomed, e)
		}
	}
	return doomed
}

func (c *Cache[P]) removeLocked(e *entry[P]) {
	if e.removed {
		return
	}
	e.removed = true
	delete(c.entries, e.key)
	c.lru.Remove(e.elem)
}

// signalLocked wakes every Acquire waiting for a free slot.
func (c *Cache[P]) signalLocked() {
	close(c.freed)
	c.freed = make(chan struct{})
}

// closeAndFree closes pools taken out of the cache and only then gives
// their places in the bound back, waking the Acquires waiting for one:
// counted until their connections are gone, they never overlap new pools
// beyond MaxPools.
func (c *Cache[P]) closeAndFree(es []*entry[P]) {
	if len(es) == 0 {
		return
	}
	for _, e := range es {
		e.pool.Close()
	}
	c.mu.Lock()
	c.open -= len(es)
	c.signalLocked()
	c.mu.Unlock()
}
