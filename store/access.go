package store

import (
	"context"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Database privileges (docs/SECURITY.md "Database privileges").
//
// Three kinds of connection, three kinds of role:
//
//   - The owner (the DATABASE_URL user; in the private cluster the
//     superuser, by peer authentication over the Unix socket). It owns every
//     schema and is a member of every clinic role. It is used only by
//     migrations, provisioning, archiving, purging and the spare pool, on a
//     connection opened for that job and closed after it (DB.adminTx,
//     DB.withAdminPool): nothing a clinic session does runs on it.
//   - The runtime role (<prefix>_app): shared data (tenants, domains,
//     operators, key routes, invoices, the operator audit log). It has
//     privileges on the public tables listed in runtimeGrants and on
//     nothing else: no clinic schema, no role membership.
//   - One login role per clinic (<prefix><schema>): privileges on its own
//     schema only, a member of no role. Each clinic's work runs on a pool
//     that connects as that role (see clinicpool), so a statement run by a
//     clinic can name no other role to switch to.
//
// Passwords are HMAC-SHA256(role secret, role name): the role secret is 32
// random bytes in public.role_secret, readable by the owner only, read once
// when the store opens. The server sends SCRAM verifiers, never a password,
// so no password appears in statements or in the server's log.

// runtimeRoleSuffix follows the role prefix; no clinic schema can start with
// '_', so the name never collides with a clinic's role.
const runtimeRoleSuffix = "_app"

type runtimeGrant struct{ object, privileges string }

// runtimeGrants are the runtime role's privileges on the public schema; a
// table that is not listed is out of its reach (role_secret, spare pool
// writes, version writes).
var runtimeGrants = []runtimeGrant{
	{"TABLE public.tenants", "SELECT, UPDATE"},
	{"TABLE public.domains", "SELECT, INSERT, UPDATE, DELETE"},
	{"TABLE public.operators", "SELECT, INSERT, UPDATE, DELETE"},
	{"TABLE public.operator_keys", "SELECT, INSERT, UPDATE, DELETE"},
	{"TABLE public.key_routes", "SELECT"},
	{"TABLE public.invoices", "SELECT, INSERT, UPDATE, DELETE"},
	// Kept by the invoices' triggers, which run as the writer.
	{"TABLE public.invoice_months", "SELECT, INSERT, UPDATE"},
	// Append-only, like a clinic's audit log.
	{"TABLE public.operator_audit", "SELECT, INSERT"},
	{"TABLE public.panel_settings", "SELECT, INSERT, UPDATE"},
	// Read by the panel's chain check; written only by the chain trigger,
	// which runs as the owner.
	{"TABLE public.audit_chain_head", "SELECT"},
	{"TABLE public.operator_recovery_codes", "SELECT, INSERT, UPDATE, DELETE"},
	{"TABLE public.operator_command_grants", "SELECT, INSERT, UPDATE, DELETE"},
	// Operators' open panel sessions, written by the server that holds them.
	{"TABLE public.operator_logins", "SELECT, INSERT, UPDATE, DELETE"},
	{"TABLE public.schema_versions", "SELECT"},
	{"TABLE public.installation", "SELECT"},
	{"TABLE public.spare_schemas", "SELECT"},
	{"FUNCTION public.clinic_usage(text[], timestamptz[], timestamptz[])", "EXECUTE"},
}

// rolePassword derives the password of a login role.
func rolePassword(secret []byte, role string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("consultorio role password\x00"))
	m.Write([]byte(role))
	// ASCII only: SASLprep leaves it as it is.
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// scramIterations is the PBKDF2 iteration count of the role verifiers. The
// count slows down guessing a password from a stolen verifier, which only
// matters for a password a person chose: these are 256 random bits, which
// no number of guesses finds. So it is 1, not PostgreSQL's default of 4096:
// the client repeats the iterations on every connection it opens (pgx keeps
// no salted password), and 4096 of them were 14 % of the store tests'
// processor time and a few milliseconds of every pool's new connection.
const scramIterations = 1

// scramVerifier is the SCRAM-SHA-256 verifier PostgreSQL stores for
// password (RFC 5802, RFC 7677), in the form ALTER ROLE … PASSWORD accepts:
// sending it instead of the password keeps the password out of statements
// and logs.
func scramVerifier(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("salt: %w", err)
	}
	salted, err := pbkdf2.Key(sha256.New, password, salt, scramIterations, sha256.Size)
	if err != nil {
		return "", fmt.Errorf("scram: %w", err)
	}
	mac := func(key []byte, msg string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(msg))
		return m.Sum(nil)
	}
	stored := sha256.Sum256(mac(salted, "Client Key"))
	b64 := base64.StdEncoding.EncodeToString
	return fmt.Sprintf("SCRAM-SHA-256$%d:%s$%s:%s", scramIterations, b64(salt), b64(stored[:]), b64(mac(salted, "Server Key"))), nil
}

// loginClause is the role options of a login role with its derived password.
func (db *DB) loginClause(role string) (string, error) {
	secret := db.secret.Load()
	if secret == nil {
		return "", errNoRoles
	}
	v, err := scramVerifier(rolePassword(*secret, role))
	if err != nil {
		return "", err
	}
	// Only LOGIN and PASSWORD: naming SUPERUSER, REPLICATION or BYPASSRLS
	// at all in ALTER ROLE needs a superuser, and an external server's owner
	// may only have CREATEROLE. Roles are created without them (defaults),
	// which TestRuntimeRolesReachAtMostOneClinic checks.
	return "LOGIN PASSWORD '" + v + "'", nil
}

// enableLogin lets a clinic role log in with its derived password.
func (db *DB) enableLogin(ctx context.Context, tx pgx.Tx, role string) error {
	clause, err := db.loginClause(role)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "ALTER ROLE "+pgx.Identifier{role}.Sanitize()+" "+clause); err != nil {
		return fmt.Errorf("let role log in: %w", err)
	}
	return nil
}

// accessLockKey serialises ensureAccess across processes.
const accessLockKey = 7_419_202_613

// ensureAccess makes the roles the runtime connects as: the role secret,
// the runtime role with its grants, and login for every live clinic's role
// (clinics made before login roles existed). It runs on the owner's
// connection when the store opens and after the public migrations, and
// costs one query when everything is in place. ready is false while the
// public schema predates public.role_secret (migrate first).
func (db *DB) ensureAccess(ctx context.Context, conn *pgx.Conn) (ready bool, err error) {
	var exists bool
	if err := conn.QueryRow(ctx, `select to_regclass('public.role_secret') is not null`).Scan(&exists); err != nil {
		return false, fmt.Errorf("database roles: %w", err)
	}
	if !exists {
		return false, nil
	}
	// Only the objects that exist: a table the public migrations have not
	// made yet (a database between two versions) is granted when they do.
	var names []string
	for _, g := range runtimeGrants {
		if name, ok := strings.CutPrefix(g.object, "TABLE "); ok {
			names = append(names, name)
		}
	}
	rows, err := conn.Query(ctx, `select n from unnest($1::text[]) n where to_regclass(n) is null`, names)
	if err != nil {
		return false, fmt.Errorf("database roles: %w", err)
	}
	missing, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return false, fmt.Errorf("database roles: %w", err)
	}
	var grants []runtimeGrant
	for _, g := range runtimeGrants {
		if !slices.Contains(missing, strings.TrimPrefix(g.object, "TABLE ")) {
			grants = append(grants, g)
		}
	}
	// One row per privilege: has_table_privilege is true when any of a
	// list is held.
	var objects, privs []string
	for _, g := range grants {
		for _, p := range strings.Split(g.privileges, ", ") {
			objects, privs = append(objects, g.object), append(privs, p)
		}
	}
	role := db.runtimeRole()
	// Everything in place: the secret, the runtime role able to log in with
	// every grant, no live clinic without login.
	const check = `select (select key from public.role_secret),
		case when exists(select 1 from pg_catalog.pg_roles where rolname = $1 and rolcanlogin)
			then (select bool_and(case split_part(o, ' ', 1)
				when 'TABLE' then has_table_privilege($1, substr(o, 7), p)
				else has_function_privilege($1, substr(o, 10), p) end)
				from unnest($2::text[], $3::text[]) as g(o, p))
			else false end,
		array(select t.role_name from public.tenants t join pg_catalog.pg_roles r on r.rolname = t.role_name
			where t.status <> 'archived' and not r.rolcanlogin order by 1)`
	var secret []byte
	var runtimeOK bool
	var noLogin []string
	if err := conn.QueryRow(ctx, check, role, objects, privs).Scan(&secret, &runtimeOK, &noLogin); err != nil &&
		!errors.Is(err, pgx.ErrNoRows) {
		return false, fmt.Errorf("database roles: %w", err)
	}
	if len(secret) > 0 && runtimeOK && len(noLogin) == 0 {
		db.secret.Store(&secret)
		return true, nil
	}
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "select pg_advisory_xact_lock($1)", accessLockKey); err != nil {
			return err
		}
		fresh := make([]byte, 32)
		if _, err := rand.Read(fresh); err != nil {
			return err
		}
		var secret []byte
		if err := tx.QueryRow(ctx, `insert into public.role_secret (key) values ($1)
			on conflict (id) do update set key = public.role_secret.key returning key`, fresh).Scan(&secret); err != nil {
			return fmt.Errorf("role secret: %w", err)
		}
		db.secret.Store(&secret)
		clause, err := db.loginClause(role)
		if err != nil {
			return err
		}
		r := pgx.Identifier{role}.Sanitize()
		var have bool
		if err := tx.QueryRow(ctx, `select exists(select 1 from pg_catalog.pg_roles where rolname = $1)`, role).Scan(&have); err != nil {
			return err
		}
		var sql strings.Builder
		if have {
			sql.WriteString("ALTER ROLE " + r + " " + clause + ";\n")
		} else {
			sql.WriteString("CREATE ROLE " + r + " " + clause + " NOINHERIT;\n")
		}
		for _, g := range grants {
			fmt.Fprintf(&sql, "GRANT %s ON %s TO %s;\n", g.privileges, g.object, r)
		}
		if err := execScript(ctx, tx, sql.String()); err != nil {
			return fmt.Errorf("runtime role: %w", err)
		}
		for _, cr := range noLogin {
			if err := db.enableLogin(ctx, tx, cr); err != nil {
				return fmt.Errorf("clinic role %s: %w", cr, err)
			}
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("database roles: %w", err)
	}
	return true, nil
}

// runtimeRole is the role the runtime connects as for shared data.
func (db *DB) runtimeRole() string { return db.rolePrefix + runtimeRoleSuffix }
