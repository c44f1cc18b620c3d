package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// Open sessions ("logins", so as not to be confused with a clinic's therapy
// sessions). A lost laptop at reception keeps a logged-in TUI open: its
// owner, or an admin, must be able to see it and end it from anywhere. The
// server that holds a session records it in its LoginBook (the clinic's, or
// the panel's for an operator): Open, Refresh every LoginRefresh, Close
// when it ends. Ending one marks it and notifies every server on
// TenantStatusChannel; the one holding it closes it (Ended tells which were
// ended, and by whom).

// LoginRefresh is how often a server refreshes its open sessions' rows;
// a row not refreshed for LoginStale (its server died) is not listed.
const (
	LoginRefresh = time.Minute
	LoginStale   = 3 * LoginRefresh
)

// Door is how a session came in.
type Door string

// Doors.
const (
	DoorTUI     Door = "tui"
	DoorCommand Door = "command"
)

// Login is one open session of a staff user or an operator.
type Login struct {
	ID           int64     `json:"id"`
	UserID       int64     `json:"user_id"`
	Email        string    `json:"email"`
	Name         string    `json:"name"`
	Door         Door      `json:"door"`
	RemoteAddr   string    `json:"remote_addr"`
	StartedAt    time.Time `json:"started_at"`
	LastActivity time.Time `json:"last_activity_at"`
	Current      bool      `json:"current"` // the session asking
}

// LoginBook is where a door's open sessions are recorded: a clinic's
// (Tenant.LoginBook, its staff) or the panel's (DB.OperatorLoginBook, the
// operators). Both have the same columns and the same rules; the server
// holds sessions of either through this one type.
type LoginBook struct {
	run      func(context.Context, func(pgx.Tx) error) error
	table    string // a constant of ours, never user input
	accounts string // the accounts table the rows point to
	keys     keyTable
	now      func() time.Time
	// notice is the payload on TenantStatusChannel that makes the servers
	// look for ended sessions of this book.
	notice string
}

// PanelStatusNotice is the payload on TenantStatusChannel when a panel
// operator's session was ended (no clinic's schema is named "panel": it is
// the panel's SSH name).
const PanelStatusNotice = "panel"

// LoginBook is the clinic's open sessions.
func (t *Tenant) LoginBook() LoginBook {
	return LoginBook{run: t.tx, table: "logins", accounts: "users", keys: staffKeys, now: t.db.now, notice: t.Info.Schema}
}

// OperatorLoginBook is the panel operators' open sessions.
func (db *DB) OperatorLoginBook() LoginBook {
	return LoginBook{run: db.publicTx, table: "public.operator_logins", accounts: "public.operators",
		keys: operatorKeys, now: db.now, notice: PanelStatusNotice}
}

// Open records a session the server now holds, for the account with id
// accountID, and returns its id. For the server only: nobody asks for it.
func (b LoginBook) Open(ctx context.Context, accountID int64, door Door, remoteAddr, serverID string) (int64, error) {
	now := b.now()
	var id int64
	err := b.run(ctx, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `insert into `+b.table+` (account_id, door, remote_addr, server_id, started_at, last_activity_at, seen_at)
			values ($1, $2, $3, $4, $5, $5, $5) returning id`, accountID, string(door), remoteAddr, serverID, now).Scan(&id)
	})
	return id, wrapOp("open login", err)
}

// OpenByKey is Open for a session whose key identified the account, with
// the key's last use and the account's last login (what KeyLogin and
// OperatorKeyLogin record) in the same transaction: a key login waits for
// one flush to disk and holds one connection, not two.
func (b LoginBook) OpenByKey(ctx context.Context, accountID int64, fingerprint string, door Door, remoteAddr, serverID string) (int64, error) {
	now := b.now()
	var id int64
	err := b.run(ctx, func(tx pgx.Tx) error {
		if err := b.keys.recordUse(ctx, tx, accountID, fingerprint, now); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `insert into `+b.table+` (account_id, door, remote_addr, server_id, started_at, last_activity_at, seen_at)
			values ($1, $2, $3, $4, $5, $5, $5) returning id`, accountID, string(door), remoteAddr, serverID, now).Scan(&id)
	})
	return id, wrapOp("open login", err)
}

// keyTable is where an account's keys and last login are: the staff's
// (in the clinic's schema) or the operators'. Names are constants of ours.
type keyTable struct{ keys, owner, accounts string }

var (
	staffKeys    = keyTable{keys: "user_keys", owner: "user_id", accounts: "users"}
	operatorKeys = keyTable{keys: "public.operator_keys", owner: "operator_id", accounts: "public.operators"}
)

// recordUse records a login with the key with this fingerprint: the key's
// last use and the account's last login.
func (k keyTable) recordUse(ctx context.Context, tx pgx.Tx, accountID int64, fingerprint string, now time.Time) error {
	if _, err := tx.Exec(ctx, `update `+k.keys+` set last_used_at = $3 where fingerprint = $1 and `+k.owner+` = $2`,
		fingerprint, accountID, now); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `update `+k.accounts+` set last_login_at = $2 where id = $1`, accountID, now)
	return err
}

// Close removes the row of a session that ended.
func (b LoginBook) Close(ctx context.Context, id int64) error {
	return wrapOp("close login", b.run(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `delete from `+b.table+` where id = $1`, id)
		return err
	}))
}

// LoginActivity is a held session's last input, for Refresh.
type LoginActivity struct {
	ID   int64
	Last time.Time
}

// Refresh marks the server's sessions as still held and records their
// last activity; rows nobody refreshed for a day go away.
func (b LoginBook) Refresh(ctx context.Context, held []LoginActivity) error {
	now := b.now()
	ids := make([]int64, len(held))
	last := make([]time.Time, len(held))
	for i, h := range held {
		ids[i], last[i] = h.ID, h.Last
	}
	return wrapOp("refresh logins", b.run(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `update `+b.table+` l set seen_at = $3,
				last_activity_at = greatest(l.last_activity_at, h.last)
			from unnest($1::bigint[], $2::timestamptz[]) as h(id, last) where l.id = h.id`, ids, last, now); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `delete from `+b.table+` where seen_at < $1`, now.Add(-24*time.Hour))
		return err
	}))
}

// Ended tells which of the sessions ids were ended, and by whom (the name
// of who ended them).
func (b LoginBook) Ended(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	err := b.run(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `select id, coalesce(ended_by, '') from `+b.table+` where id = any($1) and ended_at is not null`, ids)
		if err != nil {
			return err
		}
		var id int64
		var by string
		_, err = pgx.ForEachRow(rows, []any{&id, &by}, func() error { out[id] = by; return nil })
		return err
	})
	return out, wrapOp("ended logins", err)
}

// list lists the open sessions of account (all accounts' when all); current
// is the id of the asking session, marked Current. Most recent activity
// first.
func (b LoginBook) list(ctx context.Context, tx pgx.Tx, all bool, account, current int64) ([]Login, error) {
	rows, err := tx.Query(ctx, `select l.id, l.account_id, u.email::text, u.name, l.door, l.remote_addr, l.started_at, l.last_activity_at
		from `+b.table+` l join `+b.accounts+` u on u.id = l.account_id
		where l.ended_at is null and l.seen_at >= $1 and ($2 or l.account_id = $3)
		order by l.last_activity_at desc, l.id desc`,
		b.now().Add(-LoginStale), all, account)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Login, error) {
		var l Login
		err := r.Scan(&l.ID, &l.UserID, &l.Email, &l.Name, &l.Door, &l.RemoteAddr, &l.StartedAt, &l.LastActivity)
		l.Current = l.ID == current
		return l, err
	})
}

// end marks an open session ended by the person named by, if may allows
// its owner, and notifies the servers; record audits it in tx. A session
// may refuses is not found (ErrNotFound), so ids reveal nothing.
func (b LoginBook) end(ctx context.Context, tx pgx.Tx, id int64, by string, may func(owner int64) bool,
	record func(owner int64) error) error {
	var owner int64
	err := tx.QueryRow(ctx, `select account_id from `+b.table+` where id = $1 and ended_at is null and seen_at >= $2 for update`,
		id, b.now().Add(-LoginStale)).Scan(&owner)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && !may(owner)) {
		return &NotFoundError{What: EntityLogin, ID: id}
	}
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `update `+b.table+` set ended_at = $2, ended_by = $3 where id = $1`, id, b.now(), by); err != nil {
		return err
	}
	if err := record(owner); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `select pg_notify($1, $2)`, TenantStatusChannel, b.notice)
	return err
}

// Logins lists the open sessions the actor may see: their own, or every
// staff user's for an admin; current is the id of the asking session (0 if
// none), marked Current. Most recent activity first.
func (t *Tenant) Logins(ctx context.Context, a Actor, current int64) ([]Login, error) {
	var out []Login
	err := t.tx(ctx, func(tx pgx.Tx) (err error) {
		out, err = t.LoginBook().list(ctx, tx, a.MaySeeAllLogins(), a.UserID, current)
		return err
	})
	return out, wrapOp("list logins", err)
}

// EndLogin ends an open session: the actor's own, or anybody's for an
// admin. The server holding it closes it within moments (TenantStatusChannel).
// A session the actor may not end is not found (ErrNotFound), so ids reveal
// nothing.
func (t *Tenant) EndLogin(ctx context.Context, a Actor, id int64) error {
	err := t.tx(ctx, func(tx pgx.Tx) error {
		return t.LoginBook().end(ctx, tx, id, a.Name, a.MayEndLogin, func(owner int64) error {
			return audit(ctx, tx, a, "login.end", "user", owner, map[string]any{"login": id})
		})
	})
	return wrapOp("end login", err)
}

// OperatorLogins lists the operator's own open panel sessions; current is
// the id of the asking session (0 if none), marked Current.
func (db *DB) OperatorLogins(ctx context.Context, op OperatorActor, current int64) ([]Login, error) {
	var out []Login
	err := db.publicTx(ctx, func(tx pgx.Tx) (err error) {
		out, err = db.OperatorLoginBook().list(ctx, tx, false, op.OperatorID, current)
		return err
	})
	return out, wrapOp("list logins", err)
}

// EndOperatorLogin ends one of the operator's own open panel sessions (a
// forgotten terminal); the server holding it closes it within moments.
// Another operator's session is not found. Audited in the operators' log.
func (db *DB) EndOperatorLogin(ctx context.Context, op OperatorActor, id int64) error {
	err := db.publicTx(ctx, func(tx pgx.Tx) error {
		return db.OperatorLoginBook().end(ctx, tx, id, op.Email, op.MayEndOperatorLogin, func(int64) error {
			return operatorAudit(ctx, tx, op, "operator.login.end", "operator:"+op.Email, nil, map[string]any{"login": id})
		})
	})
	return wrapOp("end login", err)
}

// clinicActor is an operator acting on a clinic's open sessions: they see
// and end every staff user's, as the clinic's admins do, and are named as
// operators to whoever's session they end.
func (a OperatorActor) clinicActor() Actor {
	return Actor{Email: a.Email, Name: a.Email + " (operator)", Role: RoleAdmin, RemoteAddr: a.RemoteAddr}
}

// ClinicLogins lists a clinic's open sessions, for an operator (panel).
func (db *DB) ClinicLogins(ctx context.Context, op OperatorActor, schema string) ([]Login, error) {
	tn, err := db.Tenant(ctx, schema)
	if err != nil {
		return nil, err
	}
	return tn.Logins(ctx, op.clinicActor(), 0)
}

// EndClinicLogin ends an open session of a clinic, for an operator (panel).
// The clinic's audit log records it with the end (one transaction); the
// operators' log right after, in a transaction of the public schema (the
// clinic's role may not write there).
func (db *DB) EndClinicLogin(ctx context.Context, op OperatorActor, schema string, id int64) error {
	tn, err := db.Tenant(ctx, schema)
	if err != nil {
		return err
	}
	if err := tn.EndLogin(ctx, op.clinicActor(), id); err != nil {
		return err
	}
	return wrapOp("end login", beginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		return operatorAudit(ctx, tx, op, "tenant.login.end", schema, nil, map[string]any{"login": id})
	}))
}
