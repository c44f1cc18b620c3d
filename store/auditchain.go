package store

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Audit logs are hash chains (migrations public 0004 and tenant 0002): a
// trigger gives every new row the next sequence number of its log and
// hash(n) = sha256(hash(n-1) || canonical row). Verification recomputes
// every hash in the database with the same function and names the first
// entry that does not match, so an edit, a deletion or an insertion made
// behind the application's back is found. Whoever owns the database could
// rebuild the whole chain after an edit; the head (sequence and hash) that
// verification prints is what an operator keeps elsewhere to catch that.

// Why an audit entry breaks its chain.
const (
	ChainAltered = "altered" // the row's content or hash was changed
	ChainMissing = "missing" // entries before this one were removed
	ChainHead    = "head"    // the newest entries were removed or the head edited
)

// ChainBreak is the first entry of an audit log that does not verify.
type ChainBreak struct {
	Seq       int64     `json:"seq"`
	ID        int64     `json:"id"` // 0 when the break is at the head
	Action    string    `json:"action"`
	CreatedAt time.Time `json:"created_at"`
	Reason    string    `json:"reason"` // ChainAltered, ChainMissing or ChainHead
}

// ChainState is the result of verifying one audit log.
type ChainState struct {
	Log     string      `json:"log"` // "panel" or the clinic's schema
	Entries int64       `json:"entries"`
	HeadSeq int64       `json:"head_seq"`
	Head    string      `json:"head"` // hex of the newest entry's hash
	OK      bool        `json:"ok"`
	Break   *ChainBreak `json:"break,omitempty"`
}

// genesis is the hash before the first entry of every log.
var genesis = make([]byte, 32)

// verifyChain checks the log table against its head, both schema-qualified
// identifiers, in one pass over the log in chain order.
func verifyChain(ctx context.Context, q pgx.Tx, name, log, head string) (ChainState, error) {
	st := ChainState{Log: name}
	var headHash []byte
	if err := q.QueryRow(ctx, `select seq, hash from `+head).Scan(&st.HeadSeq, &headHash); err != nil {
		return st, fmt.Errorf("audit chain head of %s: %w", name, err)
	}
	st.Head = hex.EncodeToString(headHash)
	// The first broken row: a sequence number that does not follow the
	// previous one (rows removed), or a hash that is not the digest of the
	// previous hash and the row.
	var b ChainBreak
	err := q.QueryRow(ctx, `with c as (
			select l.chain_seq, l.id, l.action, l.created_at, l.hash, to_jsonb(l) as entry,
			       lag(l.chain_seq) over w as prev_seq, lag(l.hash) over w as prev_hash
			from `+log+` l window w as (order by l.chain_seq))
		select chain_seq, id, action, created_at,
		       case when chain_seq <> coalesce(prev_seq, 0) + 1 then 'missing' else 'altered' end
		from c
		where chain_seq <> coalesce(prev_seq, 0) + 1
		   or hash is distinct from public.audit_digest(coalesce(prev_hash, $1), entry, created_at)
		order by chain_seq limit 1`, genesis).Scan(&b.Seq, &b.ID, &b.Action, &b.CreatedAt, &b.Reason)
	switch {
	case err == nil:
		st.Break = &b
	case !errors.Is(err, pgx.ErrNoRows):
		return st, fmt.Errorf("verify audit chain of %s: %w", name, err)
	}
	var lastSeq int64
	var lastHash []byte
	if err := q.QueryRow(ctx, `select count(*), coalesce(max(chain_seq), 0),
			coalesce((select hash from `+log+` order by chain_seq desc limit 1), $1)
		from `+log, genesis).Scan(&st.Entries, &lastSeq, &lastHash); err != nil {
		return st, fmt.Errorf("verify audit chain of %s: %w", name, err)
	}
	if st.Break == nil && (lastSeq != st.HeadSeq || hex.EncodeToString(lastHash) != st.Head) {
		st.Break = &ChainBreak{Seq: lastSeq + 1, Reason: ChainHead}
	}
	st.OK = st.Break == nil
	return st, nil
}

// VerifyAuditChain checks the clinic's audit log. Only an admin may.
func (t *Tenant) VerifyAuditChain(ctx context.Context, actor Actor) (ChainState, error) {
	if !actor.MayReadAudit() {
		return ChainState{}, forbidden("verifying the audit log")
	}
	var st ChainState
	err := t.tx(ctx, func(tx pgx.Tx) error {
		var err error
		st, err = verifyChain(ctx, tx, t.Info.Schema, "audit_log", "audit_chain_head")
		return err
	})
	return st, err
}

// VerifyOperatorAuditChain checks the operator audit log (the panel's).
func (db *DB) VerifyOperatorAuditChain(ctx context.Context) (ChainState, error) {
	var st ChainState
	err := pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var err error
		st, err = verifyChain(ctx, tx, "panel", "public.operator_audit", "public.audit_chain_head")
		return err
	})
	return st, err
}

// VerifyTenantAuditChain checks a clinic's audit log by schema name, for the
// operator's command line (archived clinics included). The runtime role
// reaches no clinic schema and an archived clinic's role cannot log in, so
// it reads as the owner, on a connection opened for it.
func (db *DB) VerifyTenantAuditChain(ctx context.Context, schema string) (ChainState, error) {
	var st ChainState
	err := db.withAdminConn(ctx, func(conn *pgx.Conn) error {
		return pgx.BeginTxFunc(ctx, conn, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
			var err error
			s := pgx.Identifier{schema}.Sanitize()
			st, err = verifyChain(ctx, tx, schema, s+".audit_log", s+".audit_chain_head")
			return err
		})
	})
	return st, err
}
