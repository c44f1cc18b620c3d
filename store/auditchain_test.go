package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"consultorio/store"
	"consultorio/store/storetest"
)

// auditedClinic is a clinic whose audit log has entries: patients created
// (and read) by its admin, some of them concurrently.
func auditedClinic(t *testing.T, schema string) (*store.DB, *store.Tenant, store.Actor) {
	t.Helper()
	db := storetest.NewDB(t)
	tn, _ := storetest.NewTenant(t, db, schema)
	ctx := context.Background()
	u, err := tn.UserByEmail(ctx, store.System, "admin@"+schema+".test")
	if err != nil {
		t.Fatal(err)
	}
	admin := u.Actor("127.0.0.1")
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Go(func() {
			p, err := tn.CreatePatient(ctx, admin, store.PatientInput{FirstName: fmt.Sprintf("Ana %d", i), Surname: "Núñez",
				BirthDate: time.Date(1990, 1, 2, 0, 0, 0, 0, time.UTC)})
			if err == nil {
				_, err = tn.GetPatient(ctx, admin, p.ID)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return db, tn, admin
}

// ownerExec runs SQL as the database owner, as someone with direct database
// access would, bypassing the application and its tenant role.
func ownerExec(t *testing.T, db *store.DB, sql string, args ...any) {
	t.Helper()
	if _, err := storetest.Owner(t, db).Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// A log written by the application (concurrent transactions included)
// verifies; its head is its newest entry.
func TestAuditChainVerifies(t *testing.T) {
	t.Parallel()
	db, tn, admin := auditedClinic(t, "chain-ok")
	ctx := context.Background()
	st, err := tn.VerifyAuditChain(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	if !st.OK || st.Break != nil {
		t.Fatalf("fresh log does not verify: %+v", st)
	}
	if st.Entries < 16 || st.HeadSeq != st.Entries || len(st.Head) != 64 {
		t.Errorf("state %+v: want ≥16 entries, head at the last one", st)
	}
	same, err := db.VerifyTenantAuditChain(ctx, "chain-ok")
	if err != nil || same != st {
		t.Errorf("operator's verification %+v (%v), clinic admin's %+v", same, err, st)
	}
	panel, err := db.VerifyOperatorAuditChain(ctx)
	if err != nil || !panel.OK || panel.Entries == 0 {
		t.Errorf("panel chain %+v (%v): want ok with the creation entry", panel, err)
	}
}

// Every way of rewriting history behind the application's back is found,
// and the first broken entry is named.
func TestAuditChainFindsTampering(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		sql    string
		seq    int64 // the entry named
		reason string
	}{
		{"edit a field", `update "%s".audit_log set user_email = 'someone@else' where chain_seq = 5`, 5, store.ChainAltered},
		{"edit and rehash the row", `update "%[1]s".audit_log l set remote_addr = '10.9.9.9',
			hash = public.audit_digest((select hash from "%[1]s".audit_log where chain_seq = 4),
			  to_jsonb(l) || '{"remote_addr": "10.9.9.9"}', l.created_at) where chain_seq = 5`, 6, store.ChainAltered},
		{"backdate", `update "%s".audit_log set created_at = created_at - interval '1 day' where chain_seq = 3`, 3, store.ChainAltered},
		{"delete a row", `delete from "%s".audit_log where chain_seq = 7`, 8, store.ChainMissing},
		{"delete the first row", `delete from "%s".audit_log where chain_seq = 1`, 2, store.ChainMissing},
		{"delete the newest row", `delete from "%[1]s".audit_log where chain_seq = (select max(chain_seq) from "%[1]s".audit_log)`, -1, store.ChainHead},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			schema := fmt.Sprintf("chain-t%d", i)
			db, tn, admin := auditedClinic(t, schema)
			ctx := context.Background()
			before, err := tn.VerifyAuditChain(ctx, admin)
			if err != nil || !before.OK {
				t.Fatalf("before tampering: %+v %v", before, err)
			}
			ownerExec(t, db, fmt.Sprintf(c.sql, schema))
			st, err := db.VerifyTenantAuditChain(ctx, schema)
			if err != nil {
				t.Fatal(err)
			}
			want := c.seq
			if want < 0 {
				want = before.HeadSeq
			}
			if st.OK || st.Break == nil || st.Break.Seq != want || st.Break.Reason != c.reason {
				t.Fatalf("after %s: %+v (break %+v), want entry #%d %s", c.name, st, st.Break, want, c.reason)
			}
			if c.reason != store.ChainHead && (st.Break.ID == 0 || st.Break.Action == "") {
				t.Errorf("break does not name the entry: %+v", st.Break)
			}
		})
	}
}

// The clinic's own role cannot move the head or rewrite the log; only the
// trigger (running as owner) writes the chain.
func TestAuditChainIsNotWritableByTheClinic(t *testing.T) {
	t.Parallel()
	_, tn, _ := auditedClinic(t, "chain-ro")
	ctx := context.Background()
	for _, q := range []string{
		`update audit_chain_head set seq = 0`,
		`update audit_log set action = 'x'`,
		`delete from audit_log`,
		`insert into audit_chain_head values (true, 0, '\x00')`,
	} {
		err := tn.Exec(ctx, func(tx pgx.Tx) error { _, err := tx.Exec(ctx, q); return err })
		if err == nil {
			t.Errorf("%s: allowed to the clinic's role", q)
		}
	}
}

// Only a clinic admin may verify (and so read) the log.
func TestAuditChainVerifyIsForAdmins(t *testing.T) {
	t.Parallel()
	_, tn, admin := auditedClinic(t, "chain-roles")
	recep := admin
	recep.Role = store.RoleReception
	if _, err := tn.VerifyAuditChain(context.Background(), recep); err == nil {
		t.Error("reception verified the audit log")
	}
}

// Tampering with the operator audit log is found too.
func TestOperatorAuditChainFindsTampering(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	storetest.NewTenant(t, db, "chain-op1")
	storetest.NewTenant(t, db, "chain-op2")
	ctx := context.Background()
	st, err := db.VerifyOperatorAuditChain(ctx)
	if err != nil || !st.OK || st.Entries < 2 {
		t.Fatalf("before: %+v %v", st, err)
	}
	ownerExec(t, db, `update public.operator_audit set actor = 'nobody' where chain_seq = 1`)
	st, err = db.VerifyOperatorAuditChain(ctx)
	if err != nil || st.OK || st.Break == nil || st.Break.Seq != 1 || st.Break.Reason != store.ChainAltered {
		t.Fatalf("after edit: %+v %+v %v", st, st.Break, err)
	}
}
