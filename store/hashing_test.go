package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// costOf reads the cost an argon2id hash records.
func costOf(t *testing.T, hash string) PasswordCost {
	t.Helper()
	parts := strings.Split(hash, "$")
	if len(parts) != 6 {
		t.Fatalf("not a PHC argon2id hash: %q", hash)
	}
	var c PasswordCost
	var p int
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &c.MemoryKiB, &c.Passes, &p); err != nil {
		t.Fatalf("parameters of %q: %v", hash, err)
	}
	return c
}

// The zero cost is OWASP's, and a store with another cost hashes with it and
// checks unknown accounts against a dummy of the same cost (so that the
// response time still does not tell whether an account exists).
func TestPasswordCost(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	if got, want := DefaultPasswordCost(), (PasswordCost{MemoryKiB: 19456, Passes: 2}); got != want {
		t.Fatalf("default cost %+v, want OWASP's %+v", got, want)
	}
	for _, tc := range []struct {
		name string
		cost PasswordCost
		want PasswordCost
	}{
		{"zero means default", PasswordCost{}, DefaultPasswordCost()},
		{"cheap", PasswordCost{MemoryKiB: 64, Passes: 1}, PasswordCost{MemoryKiB: 64, Passes: 1}},
		{"stronger", PasswordCost{MemoryKiB: 32 * 1024, Passes: 3}, PasswordCost{MemoryKiB: 32 * 1024, Passes: 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := newPasswords(1, nil, tc.cost)
			if err != nil {
				t.Fatal(err)
			}
			h, err := p.Hash(ctx, "correct horse battery")
			if err != nil {
				t.Fatal(err)
			}
			if got := costOf(t, h); got != tc.want {
				t.Errorf("hash made at %+v, want %+v", got, tc.want)
			}
			if got := costOf(t, p.dummy); got != tc.want {
				t.Errorf("dummy hash at %+v, want the same cost as real ones, %+v", got, tc.want)
			}
			for pw, want := range map[string]bool{"correct horse battery": true, "correct horse batterx": false} {
				if ok, err := p.Check(ctx, h, pw); err != nil || ok != want {
					t.Errorf("Check(%q) = %v, %v; want %v", pw, ok, err, want)
				}
			}
		})
	}
	// A hash keeps verifying whatever the store's cost now is.
	old, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	cheap, err := newPasswords(1, nil, PasswordCost{MemoryKiB: 64, Passes: 1})
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := cheap.Check(ctx, old, "correct horse battery"); err != nil || !ok {
		t.Fatalf("a default-cost hash no longer verifies under another cost: %v, %v", ok, err)
	}
}
