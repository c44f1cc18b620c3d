package store_test

import (
	"testing"
	"time"

	"consultorio/store"
)

// Every session of a clinic gets the one shared *time.Location of its zone
// (not a fresh copy read from disk), and a name that is no zone is an error
// and not remembered.
func TestLoadZoneSharesOneLocation(t *testing.T) {
	t.Parallel()
	a, err := store.LoadZone("America/Argentina/Buenos_Aires")
	if err != nil {
		t.Fatal(err)
	}
	b, err := store.LoadZone("America/Argentina/Buenos_Aires")
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Fatal("two loads of one zone gave two locations")
	}
	if a.String() != "America/Argentina/Buenos_Aires" {
		t.Fatalf("zone %q", a.String())
	}
	ti := store.TenantInfo{Timezone: "America/Argentina/Buenos_Aires"}
	if ti.Location() != a {
		t.Fatal("TenantInfo.Location does not share the zone")
	}
	if s := (store.Settings{Timezone: "America/Argentina/Buenos_Aires"}); s.Location() != a {
		t.Fatal("Settings.Location does not share the zone")
	}
	for range 2 {
		if loc, err := store.LoadZone("Nowhere/Atlantis"); err == nil {
			t.Fatalf("unknown zone loaded as %v", loc)
		}
	}
	if (store.TenantInfo{Timezone: "Nowhere/Atlantis"}).Location() != time.UTC {
		t.Fatal("an unknown zone is not UTC")
	}
}
