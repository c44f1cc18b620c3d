package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestDemoIsRealisticIdempotentAndResumes makes the demo once (a demo is
// the package's costliest fixture) and checks it, runs it again, then
// loses part of it and runs it once more.
func TestDemoIsRealisticIdempotentAndResumes(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	// The user has a key: it becomes the demo admin's.
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".ssh"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".ssh", "id_ed25519.pub"), []byte(testKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c.vars["HOME"] = home

	out := c.ok("demo")
	for _, want := range []string{
		`Created the demo clinic "Centro Terapéutico Demo" (schema demo).`,
		"Added: 8 specialists, 4 rooms, 300 patients,",
		"Registered your key ~/.ssh/id_ed25519.pub for admin@demo.test",
		"Connect: ssh -p 2222 demo@127.0.0.1",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, login := range []string{"admin@demo.test", "recepcion@demo.test", "caja@demo.test"} {
		if !regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(login) + ` +\w+ +[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$`).MatchString(out) {
			t.Errorf("no setup code line for %s:\n%s", login, out)
		}
	}

	db := c.db()
	ctx := context.Background()
	if schemas, err := db.TenantsForKey(ctx, testKeyFingerprint); err != nil || len(schemas) != 1 || schemas[0] != "demo" {
		t.Fatalf("key routes: %v %v", schemas, err)
	}
	owner := c.owner()
	counts := func() map[string]int {
		m := map[string]int{}
		for _, table := range []string{"users", "user_keys", "specialists", "rooms", "room_specialists", "equipment",
			"room_equipment", "patients", "sessions", "payments", "payment_log", "expenses"} {
			var n int
			if err := owner.QueryRow(ctx, `select count(*) from demo.`+table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			m[table] = n
		}
		return m
	}
	first := counts()
	if first["specialists"] != 8 || first["rooms"] != 4 || first["patients"] != 300 || first["users"] != 5 ||
		first["sessions"] < 500 || first["sessions"] > 1000 || first["expenses"] != 14 {
		t.Fatalf("demo sizes: %v", first)
	}
	// A month of history that obeys the rules: completed sessions (with an
	// observation and a payment at the patient's price), cancellations with
	// a reason, paid and unpaid payments, prepaid packages, and an open
	// agenda ahead.
	var completed, cancelled, open, future, unpaid, paid, prepaid, wrongAmount, noPayment, lateCompletion int
	err := owner.QueryRow(ctx, `select
		count(*) filter (where s.status = 'completed'),
		count(*) filter (where s.status = 'cancelled'),
		count(*) filter (where s.status in ('planned', 'unplanned')),
		count(*) filter (where s.starts_at > t.created_at),
		(select count(*) from demo.payments where not paid),
		(select count(*) from demo.payments where paid),
		count(*) filter (where s.paid_in_advance),
		(select count(*) from demo.payments pay join demo.sessions s2 on s2.id = pay.session_id
			join demo.patients p on p.id = s2.patient_id where pay.amount <> p.cost_session),
		count(*) filter (where s.status = 'completed' and not exists (select 1 from demo.payments pay where pay.session_id = s.id)),
		count(*) filter (where s.completed_at > t.created_at or s.completed_at < s.ends_at)
		from demo.sessions s, public.tenants t where t.schema_name = 'demo'`).
		Scan(&completed, &cancelled, &open, &future, &unpaid, &paid, &prepaid, &wrongAmount, &noPayment, &lateCompletion)
	if err != nil {
		t.Fatal(err)
	}
	// (The thresholds hold whatever the weekday the demo is made on.)
	if completed < 200 || cancelled < 10 || open < 50 || future < 50 || unpaid < 10 || paid < 150 || prepaid < 10 {
		t.Errorf("history: completed %d, cancelled %d, open %d, future %d, unpaid %d, paid %d, prepaid %d",
			completed, cancelled, open, future, unpaid, paid, prepaid)
	}
	if wrongAmount != 0 || noPayment != 0 || lateCompletion != 0 {
		t.Errorf("rules broken: %d payments not at the patient's price, %d completed sessions without payment, %d completions out of time",
			wrongAmount, noPayment, lateCompletion)
	}

	// Again: nothing is added, and it says so.
	out = c.ok("demo")
	if !strings.Contains(out, "The demo clinic exists already (schema demo, created ") || !strings.Contains(out, "nothing to add") ||
		!strings.Contains(out, "Connect: ssh -p 2222 demo@127.0.0.1") || strings.Contains(out, "Registered") {
		t.Fatalf("second run:\n%s", out)
	}
	second := counts()
	for k, v := range first {
		if second[k] != v {
			t.Errorf("second run changed %s: %d -> %d", k, v, second[k])
		}
	}

	// A half-made demo (interrupted run) is completed by the next run. Lose
	// some of it, as if the first run had stopped half-way.
	if _, err := owner.Exec(ctx, `delete from demo.expenses where previous_id is not null`); err != nil {
		t.Fatal(err)
	}
	out = c.ok("demo", "--no-key")
	if !strings.Contains(out, "added what was missing") || !strings.Contains(out, "Added: 0 specialists, 0 rooms, 0 patients, 0 sessions") ||
		!regexp.MustCompile(`, 6 expenses \(\d paid\),`).MatchString(out) {
		t.Fatalf("resume:\n%s", out)
	}
	if got := counts(); got["expenses"] != 14 {
		t.Fatalf("expenses after resume: %d", got["expenses"])
	}

	// The same data comes out of the same anchor date.
	anchor := time.Date(2026, 3, 18, 0, 0, 0, 0, time.UTC)
	a, b := demoPlan(anchor, time.UTC), demoPlan(anchor, time.UTC)
	if len(a.Series) != len(b.Series) || a.Patients[123].Document != b.Patients[123].Document || a.Series[40].Start != b.Series[40].Start {
		t.Fatal("demoPlan is not deterministic")
	}
}
