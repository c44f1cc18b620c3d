package store

import (
	"context"
	"fmt"
	"runtime"

	"golang.org/x/sync/semaphore"
)

// passwords runs the argon2id work of logins and password changes with a
// bound on how many run at once. Each computation holds 19 MiB (argonMemory)
// for tens of milliseconds; without a bound a login storm allocates that per
// attempt (1.23 GB was measured in issue 12). Waiting attempts hold only
// their goroutine.
type passwords struct {
	slots *semaphore.Weighted
	check func(hash, password string) bool
}

// newPasswords bounds hashing to n at a time (n <= 0: one per CPU the Go
// runtime uses, as more would only queue for the processors anyway). check
// nil means CheckPassword.
func newPasswords(n int, check func(hash, password string) bool) *passwords {
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	if check == nil {
		check = CheckPassword
	}
	return &passwords{slots: semaphore.NewWeighted(int64(n)), check: check}
}

// Check tells whether password matches hash, waiting for a free slot first.
func (p *passwords) Check(ctx context.Context, hash, password string) (bool, error) {
	if err := p.slots.Acquire(ctx, 1); err != nil {
		return false, fmt.Errorf("wait to check a password: %w", err)
	}
	defer p.slots.Release(1)
	return p.check(hash, password), nil
}

// Hash returns the argon2id hash of password, waiting for a free slot first.
func (p *passwords) Hash(ctx context.Context, password string) (string, error) {
	if err := p.slots.Acquire(ctx, 1); err != nil {
		return "", fmt.Errorf("wait to hash a password: %w", err)
	}
	defer p.slots.Release(1)
	return HashPassword(password)
}
