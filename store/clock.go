package store

import "time"

// Clock tells the store what time it is. The store reads the time only
// through the Clock it was opened with (Options.Clock): "today" in a
// clinic, setup-code expiry, lockouts, free slots, invoices. Tests inject
// storetest.Clock, a settable fake.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real clock, the default.
type SystemClock struct{}

// Now is time.Now.
func (SystemClock) Now() time.Time { return time.Now() }
