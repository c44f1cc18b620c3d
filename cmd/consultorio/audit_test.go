package main

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"consultorio/store"
)

// `audit verify` passes on an untouched installation, and after a direct
// edit of a clinic's audit log it fails (exit 1) naming the entry.
func TestAuditVerify(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.ok("migrate")
	c.ok("tenants", "create", "vet", "--name", "Vet", "--admin-email", "a@vet.test", "--spares", "0")
	c.ok("tenants", "create", "dent", "--name", "Dent", "--admin-email", "a@dent.test", "--spares", "0")

	out := c.ok("audit", "verify")
	for _, want := range []string{"panel: ok", "vet: ok", "dent: ok"} {
		if !strings.Contains(out, want) {
			t.Errorf("audit verify output lacks %q:\n%s", want, out)
		}
	}

	// A clinic with a few entries, then one changed directly in the database.
	ctx := context.Background()
	db, err := store.Open(ctx, c.url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tn, err := db.Tenant(ctx, "vet")
	if err != nil {
		t.Fatal(err)
	}
	u, err := tn.UserByEmail(ctx, store.System, "a@vet.test")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"Ana", "Íñigo", "Zoe"} {
		if _, err := tn.CreatePatient(ctx, u.Actor(""), store.PatientInput{FirstName: n, Surname: "Peña", BirthDate: time.Date(1980, 5, 6, 0, 0, 0, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}
	}
	var id, seq int64
	if err := c.owner().QueryRow(ctx, `update vet.audit_log set user_email = 'ghost@vet.test'
		where chain_seq = (select max(chain_seq) - 1 from vet.audit_log) returning id, chain_seq`).Scan(&id, &seq); err != nil {
		t.Fatal(err)
	}

	r := c.run("audit", "verify")
	if r.code != 1 {
		t.Fatalf("exit %d after tampering, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "dent: ok") || !strings.Contains(r.stdout, "panel: ok") {
		t.Errorf("untouched logs not reported ok:\n%s", r.stdout)
	}
	want := "vet: BROKEN at entry #" + strconv.FormatInt(seq, 10) + " (id " + strconv.FormatInt(id, 10) + ","
	if !strings.Contains(r.stdout, want) {
		t.Errorf("output lacks %q:\n%s", want, r.stdout)
	}

	r = c.run("audit", "verify", "vet", "--json")
	var states []store.ChainState
	if err := json.Unmarshal([]byte(r.stdout), &states); err != nil {
		t.Fatalf("json: %v\n%s", err, r.stdout)
	}
	if r.code != 1 || len(states) != 1 || states[0].OK || states[0].Break == nil ||
		states[0].Break.Seq != seq || states[0].Break.ID != id || states[0].Break.Reason != "altered" {
		t.Errorf("exit %d, states %+v", r.code, states)
	}

	if r := c.run("audit", "verify", "nosuch"); r.code != 1 {
		t.Errorf("unknown clinic: exit %d, want 1", r.code)
	}
	if r := c.run("audit", "verify", "a", "b"); r.code != 2 {
		t.Errorf("two clinics: exit %d, want 2", r.code)
	}
}
