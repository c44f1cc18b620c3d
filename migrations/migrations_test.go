package migrations

import (
	"testing"
	"testing/fstest"
)

func TestEmbeddedSetsAreNumberedWithoutGaps(t *testing.T) {
	for name, ms := range map[string][]Migration{"public": Public(), "tenant": Tenant()} {
		if len(ms) == 0 {
			t.Fatalf("%s: no migrations embedded", name)
		}
		for i, m := range ms {
			if m.Version != i+1 || m.SQL == "" {
				t.Errorf("%s: migration %d is %q (version %d)", name, i, m.Name, m.Version)
			}
		}
	}
}

func TestLoadRejectsGapsAndBadNames(t *testing.T) {
	gap := fstest.MapFS{"x/0001_a.sql": {Data: []byte("select 1")}, "x/0003_c.sql": {Data: []byte("select 1")}}
	if _, err := load(gap, "x"); err == nil {
		t.Error("a gap in the numbering must be refused")
	}
	bad := fstest.MapFS{"x/1_a.sql": {Data: []byte("select 1")}}
	if _, err := load(bad, "x"); err == nil {
		t.Error("a badly named file must be refused")
	}
}
