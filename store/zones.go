package store

import (
	"sync"
	"time"
)

// zones memoises time.LoadLocation by name for the whole process. Every
// terminal session asked for its clinic's zone while building its first
// frame — each time reading and parsing the zone file from disk, and each
// session keeping its own copy (~4 KiB; issue 16). A *time.Location is
// immutable, so one per name serves every session. Only zones that exist
// are kept: there are a few hundred names, so the map stays small whatever
// names users type.
var zones sync.Map // name → *time.Location

// LoadZone is time.LoadLocation with the result shared per process.
func LoadZone(name string) (*time.Location, error) {
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	shared, _ := zones.LoadOrStore(name, loc)
	return shared.(*time.Location), nil
}
