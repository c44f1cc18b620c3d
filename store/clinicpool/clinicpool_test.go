package clinicpool_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"consultorio/store/clinicpool"
)

// fakePool counts how many pools are open at once, as a database would
// count their connections.
type fakePool struct {
	key        string
	closed     atomic.Bool
	live       *atomic.Int64
	closeDelay time.Duration
}

// Close takes closeDelay, as closing a pgxpool waits for its connections,
// and counts the pool as live until it returns.
func (p *fakePool) Close() {
	if p.closed.Swap(true) {
		panic("pool closed twice: " + p.key)
	}
	time.Sleep(p.closeDelay)
	p.live.Add(-1)
}

type opener struct {
	live, peak, opens atomic.Int64
	fail              func(key string) error
	closeDelay        time.Duration
}

func (o *opener) open(_ context.Context, key string) (*fakePool, error) {
	if o.fail != nil {
		if err := o.fail(key); err != nil {
			return nil, err
		}
	}
	o.opens.Add(1)
	n := o.live.Add(1)
	for {
		p := o.peak.Load()
		if n <= p || o.peak.CompareAndSwap(p, n) {
			break
		}
	}
	return &fakePool{key: key, live: &o.live, closeDelay: o.closeDelay}, nil
}

// checkBound reports the workers' errors (errs is closed here) and fails if
// more than maxPools pools were ever open at once.
func checkBound(t *testing.T, errs chan error, o *opener, maxPools int64) {
	t.Helper()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if p := o.peak.Load(); p > maxPools {
		t.Fatalf("peak %d pools open, bound %d", p, maxPools)
	}
}

// Many goroutines working for many clinics never have more pools open than
// the bound, and every one of them gets its own clinic's pool.
func TestBoundHoldsWithManyClinics(t *testing.T) {
	t.Parallel()
	const maxPools, clinics, workers = 5, 200, 32
	o := &opener{}
	c := clinicpool.New(clinicpool.Config[*fakePool]{MaxPools: maxPools, Open: o.open})
	defer c.Close()
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 1))
			for range 300 {
				key := fmt.Sprintf("clinic-%d", r.IntN(clinics))
				p, release, err := c.Acquire(ctx, key)
				if err != nil {
					errs <- err
					return
				}
				if p.key != key || p.closed.Load() {
					errs <- fmt.Errorf("asked for %s, got %s (closed %v)", key, p.key, p.closed.Load())
				}
				if n := o.live.Load(); n > maxPools {
					errs <- fmt.Errorf("%d pools open, bound %d", n, maxPools)
				}
				release()
			}
		})
	}
	wg.Wait()
	checkBound(t, errs, o, maxPools)
	if c.Open() > maxPools {
		t.Fatalf("cache says %d open", c.Open())
	}
	if o.opens.Load() <= maxPools {
		t.Fatalf("only %d opens for %d clinics: eviction never happened", o.opens.Load(), clinics)
	}
}

// The bound counts a pool until its Close has returned: a pool closed
// because it was idle too long, evicted, or released after it was taken out
// frees its place only then, so no new pool opens while an old one's
// connections are still being closed.
func TestBoundHoldsWhilePoolsClose(t *testing.T) {
	t.Parallel()
	const maxPools, clinics, workers = 3, 12, 16
	o := &opener{closeDelay: 2 * time.Millisecond}
	c := clinicpool.New(clinicpool.Config[*fakePool]{MaxPools: maxPools, IdleTimeout: time.Millisecond, Open: o.open})
	defer c.Close()
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 2))
			for i := range 60 {
				key := fmt.Sprintf("clinic-%d", r.IntN(clinics))
				_, release, err := c.Acquire(ctx, key)
				if err != nil {
					errs <- err
					return
				}
				if i%5 == 0 {
					c.Evict(key) // taken out while leased: closed at the release
				}
				time.Sleep(time.Duration(r.IntN(500)) * time.Microsecond)
				release()
			}
		})
	}
	wg.Wait()
	checkBound(t, errs, o, maxPools)
}

// A busy clinic's pool is reused, not reopened: the least recently used
// idle pool is the one closed.
func TestLeastRecentlyUsedIsEvicted(t *testing.T) {
	t.Parallel()
	o := &opener{}
	c := clinicpool.New(clinicpool.Config[*fakePool]{MaxPools: 2, Open: o.open})
	defer c.Close()
	ctx := context.Background()
	use := func(key string) *fakePool {
		p, release, err := c.Acquire(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		release()
		return p
	}
	a := use("a")
	b := use("b")
	if use("a") != a {
		t.Fatal("a was reopened while open")
	}
	use("c") // evicts b, the least recently used
	if !b.closed.Load() || a.closed.Load() {
		t.Fatalf("want b closed and a open; a closed=%v b closed=%v", a.closed.Load(), b.closed.Load())
	}
	if o.opens.Load() != 3 {
		t.Fatalf("opens = %d, want 3", o.opens.Load())
	}
}

// A leased pool is never closed: with every pool leased, a new clinic waits
// for a release (or its context).
func TestLeasedPoolsAreNotEvicted(t *testing.T) {
	t.Parallel()
	o := &opener{}
	c := clinicpool.New(clinicpool.Config[*fakePool]{MaxPools: 1, Open: o.open})
	defer c.Close()
	ctx := context.Background()
	a, releaseA, err := c.Acquire(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, _, err := c.Acquire(short, "b"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want the wait to end with the context, got %v", err)
	}
	got := make(chan *fakePool)
	go func() {
		p, release, err := c.Acquire(ctx, "b")
		if err != nil {
			t.Error(err)
			close(got)
			return
		}
		release()
		got <- p
	}()
	select {
	case <-got:
		t.Fatal("b got a pool while a was leased")
	case <-time.After(20 * time.Millisecond):
	}
	if a.closed.Load() {
		t.Fatal("a leased pool was closed")
	}
	releaseA()
	if b := <-got; b == nil || b.key != "b" || !a.closed.Load() {
		t.Fatalf("after the release b should get its pool and a be closed (a closed=%v)", a.closed.Load())
	}
}

// Pools idle for longer than IdleTimeout are closed on the next Acquire.
func TestIdlePoolsAreClosed(t *testing.T) {
	t.Parallel()
	o := &opener{}
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	c := clinicpool.New(clinicpool.Config[*fakePool]{MaxPools: 10, IdleTimeout: time.Minute, Open: o.open, Now: clock})
	defer c.Close()
	ctx := context.Background()
	for _, k := range []string{"a", "b"} {
		_, release, err := c.Acquire(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		release()
	}
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	_, release, err := c.Acquire(ctx, "c")
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if n := c.Open(); n != 1 || o.live.Load() != 1 {
		t.Fatalf("want only c open, cache says %d, %d live", n, o.live.Load())
	}
}

// A failed open leaves no entry behind (the next Acquire tries again) and
// frees its slot.
func TestFailedOpenIsRetried(t *testing.T) {
	t.Parallel()
	var failing atomic.Bool
	failing.Store(true)
	o := &opener{fail: func(string) error {
		if failing.Load() {
			return errors.New("connection refused")
		}
		return nil
	}}
	c := clinicpool.New(clinicpool.Config[*fakePool]{MaxPools: 1, Open: o.open})
	defer c.Close()
	ctx := context.Background()
	if _, _, err := c.Acquire(ctx, "a"); err == nil {
		t.Fatal("want the open error")
	}
	if c.Open() != 0 {
		t.Fatalf("a failed open holds a slot: %d open", c.Open())
	}
	failing.Store(false)
	p, release, err := c.Acquire(ctx, "a")
	if err != nil || p.key != "a" {
		t.Fatalf("retry: %v", err)
	}
	release()
}

// Evict closes an idle pool at once and a leased one at its release.
func TestEvict(t *testing.T) {
	t.Parallel()
	o := &opener{}
	c := clinicpool.New(clinicpool.Config[*fakePool]{MaxPools: 4, Open: o.open})
	defer c.Close()
	ctx := context.Background()
	a, releaseA, _ := c.Acquire(ctx, "a")
	c.Evict("a")
	if a.closed.Load() {
		t.Fatal("a leased pool was closed by Evict")
	}
	releaseA()
	if !a.closed.Load() || c.Open() != 0 {
		t.Fatalf("evicted pool not closed at release (closed=%v, open=%d)", a.closed.Load(), c.Open())
	}
	a2, release, _ := c.Acquire(ctx, "a")
	release()
	if a2 == a {
		t.Fatal("an evicted pool was handed out again")
	}
}
