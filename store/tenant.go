package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
)

// Tenant statuses.
const (
	TenantActive    = "active"
	TenantMorose    = "morose"
	TenantSuspended = "suspended"
	TenantArchived  = "archived"
)

// TenantInfo is a client (clinic) as the public schema records it.
type TenantInfo struct {
	ID               int64           `json:"id"`
	Schema           string          `json:"schema"`
	Role             string          `json:"-"`
	Name             string          `json:"name"`
	AdminEmail       string          `json:"admin_email"`
	AdminName        string          `json:"admin_name"`
	Status           string          `json:"status"`
	SuspendedByHand  bool            `json:"suspended_by_hand"`
	SpecialistsLimit int             `json:"specialists_limit"`
	PatientsLimit    *int            `json:"patients_limit"`
	UsersLimit       *int            `json:"users_limit"`
	MonthlyFee       decimal.Decimal `json:"monthly_fee"`
	Timezone         string          `json:"timezone"`
	Currency         string          `json:"currency"`
	Lang             string          `json:"lang"`
	Domains          []string        `json:"domains"`
	CreatedAt        time.Time       `json:"created_at"`
	LastActivityAt   *time.Time      `json:"last_activity_at"`
	ArchivedAt       *time.Time      `json:"archived_at,omitempty"`
}

const tenantColumns = `t.id, t.schema_name, t.role_name, t.name, t.admin_email, t.admin_name, t.status,
	t.suspended_by_hand, t.specialists_limit, t.patients_limit, t.users_limit, t.monthly_fee,
	t.timezone, t.currency, t.lang,
	coalesce((select array_agg(d.domain::text order by d.is_primary desc, d.domain) from public.domains d where d.tenant_id = t.id), '{}'),
	t.created_at, t.last_activity_at, t.archived_at`

func scanTenant(row pgx.Row) (TenantInfo, error) {
	var ti TenantInfo
	err := row.Scan(&ti.ID, &ti.Schema, &ti.Role, &ti.Name, &ti.AdminEmail, &ti.AdminName, &ti.Status,
		&ti.SuspendedByHand, &ti.SpecialistsLimit, &ti.PatientsLimit, &ti.UsersLimit, &ti.MonthlyFee,
		&ti.Timezone, &ti.Currency, &ti.Lang, &ti.Domains, &ti.CreatedAt, &ti.LastActivityAt, &ti.ArchivedAt)
	return ti, err
}

// Location is the tenant's time zone (UTC if the name is unknown).
func (ti TenantInfo) Location() *time.Location {
	if loc, err := LoadZone(ti.Timezone); err == nil {
		return loc
	}
	return time.UTC
}

// Tenant is a handle on one clinic's data. Every unit of work it runs is one
// transaction on a connection of the clinic's own role, so even a faulty or
// injected statement cannot reach another clinic.
type Tenant struct {
	db   *DB
	Info TenantInfo
}

// ErrNoSuchTenant is returned when a name resolves to no live tenant. Its text
// says nothing about which tenants exist.
var ErrNoSuchTenant = &Sentinel{CodeNotFound, "no such clinic"}

// Tenant returns the handle of the live tenant with that schema name.
func (db *DB) Tenant(ctx context.Context, schema string) (*Tenant, error) {
	ti, err := scanTenant(db.pool.QueryRow(ctx, `select `+tenantColumns+` from public.tenants t
		where t.schema_name = $1 and t.status <> 'archived'`, schema))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNoSuchTenant
	}
	if err != nil {
		return nil, fmt.Errorf("load tenant %q: %w", schema, err)
	}
	return &Tenant{db: db, Info: ti}, nil
}

// ResolveTenant finds the live tenant a connection's user name selects: a
// schema name, one of its domains, or the first label of a domain. A name
// of the server's own host name selects none (hostnames.go).
func (db *DB) ResolveTenant(ctx context.Context, name string) (*Tenant, error) {
	name, ok := db.host.sshName(name)
	if !ok {
		return nil, ErrNoSuchTenant
	}
	ti, err := scanTenant(db.pool.QueryRow(ctx, `select `+tenantColumns+` from public.tenants t
		where t.status <> 'archived' and (t.schema_name = $1
		   or t.id = (select d.tenant_id from public.domains d where d.domain = $1::citext)
		   or t.id = (select d.tenant_id from public.domains d where d.first_label = $1::citext
		              and (select count(distinct tenant_id) from public.domains where first_label = $1::citext) = 1
		              limit 1))
		order by (t.schema_name = $1) desc limit 1`, name))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNoSuchTenant
	}
	if err != nil {
		return nil, fmt.Errorf("resolve tenant: %w", err)
	}
	return &Tenant{db: db, Info: ti}, nil
}

// TenantsForKey lists the schemas of the live tenants where a key with this
// SHA256 fingerprint is registered for a staff member.
func (db *DB) TenantsForKey(ctx context.Context, fingerprint string) ([]string, error) {
	rows, err := db.pool.Query(ctx, `select t.schema_name from public.key_routes k
		join public.tenants t on t.id = k.tenant_id
		where k.fingerprint = $1 and t.status <> 'archived' order by t.schema_name`, fingerprint)
	if err != nil {
		return nil, fmt.Errorf("route key: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// Reload refreshes Info (status, limits) from the public schema.
func (t *Tenant) Reload(ctx context.Context) error {
	fresh, err := t.db.Tenant(ctx, t.Info.Schema)
	if err != nil {
		return err
	}
	t.Info = fresh.Info
	return nil
}

// DB is the database the tenant lives in.
func (t *Tenant) DB() *DB { return t.db }

// tx runs fn in one transaction scoped to the tenant, on a connection of
// the clinic's own login role (its pool, see clinicpool): PostgreSQL itself
// keeps every statement inside the clinic's schema, whatever the statement
// is, and there is no other role to switch to. search_path is set
// transaction-locally (set_config(..., true) is SET LOCAL).
func (t *Tenant) tx(ctx context.Context, fn func(pgx.Tx) error) error {
	pool, release, err := t.db.clinics.Acquire(ctx, t.Info.Role)
	if err != nil {
		return diskFull(fmt.Errorf("connect as clinic %s: %w", t.Info.Schema, err))
	}
	defer release()
	return diskFull(beginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "select set_config('search_path', $1, true)", searchPath(t.Info.Schema)); err != nil {
			return fmt.Errorf("enter tenant %s: %w", t.Info.Schema, err)
		}
		return fn(tx)
	}))
}

// Exec runs fn inside the tenant's transaction, as the clinic's role. It
// exists for tests and tools that need raw access with the tenant's
// privileges.
func (t *Tenant) Exec(ctx context.Context, fn func(pgx.Tx) error) error { return t.tx(ctx, fn) }

// Role of a staff user.
type Role string

// Roles.
const (
	RoleAdmin      Role = "admin"
	RoleSpecialist Role = "specialist"
	RoleReception  Role = "reception"
)

// Valid tells whether r is a known role.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleSpecialist || r == RoleReception }

// Actor is who does something in a tenant: the logged-in staff user, with
// where they connect from (for the audit log).
type Actor struct {
	UserID       int64
	Email        string
	Name         string
	Role         Role
	SpecialistID int64 // the specialist record linked to the user, 0 if none
	RemoteAddr   string
}

// isSpecialist tells whether the actor is the specialist with that id (a
// user with no specialist record is nobody's).
func (a Actor) isSpecialist(specialistID int64) bool {
	return a.SpecialistID != 0 && a.SpecialistID == specialistID
}

// System is the actor for work the server or the CLI does on its own
// (scheduler, demo data): it may do anything an admin may.
var System = Actor{Email: "system", Name: "system", Role: RoleAdmin}
