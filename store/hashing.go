package store

import (
	"context"
	"crypto/rand"
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
	cost  PasswordCost
	// dummy is a hash, at cost, of a throw-away password. Checking a password
	// against it when the e-mail is unknown, or the account has no password
	// yet, costs what a real check costs, so response time does not reveal
	// whether an account exists.
	dummy string
}

// newPasswords bounds hashing to n at a time (n <= 0: one per CPU the Go
// runtime uses, as more would only queue for the processors anyway). check
// nil means CheckPassword; a zero cost means DefaultPasswordCost.
func newPasswords(n int, check func(hash, password string) bool, cost PasswordCost) (*passwords, error) {
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	if check == nil {
		check = CheckPassword
	}
	p := &passwords{slots: semaphore.NewWeighted(int64(n)), check: check, cost: cost, dummy: defaultDummyHash}
	switch {
	case cost == PasswordCost{}:
		p.cost = DefaultPasswordCost()
	case cost != DefaultPasswordCost():
		d, err := hashPassword(rand.Text(), cost)
		if err != nil {
			return nil, fmt.Errorf("dummy password hash: %w", err)
		}
		p.dummy = d
	}
	return p, nil
}

// defaultDummyHash is passwords.dummy at DefaultPasswordCost, made once so
// that opening the store does not hash.
const defaultDummyHash = "$argon2id$v=19$m=19456,t=2,p=1$0wdI9w5+c1OBG/Zp/mfKbw$/sH+TQOx2SuL29OGe6fVYJjmshid1q0iOgNFqYpLh8E"

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
	return hashPassword(password, p.cost)
}
