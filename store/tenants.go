package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
)

// TenantStatusChannel is the PostgreSQL NOTIFY channel on which a clinic's
// status changes (suspend, activate, archive, restore) and the deactivation
// of one of its staff users are announced; the payload is the clinic's
// schema name. Every SSH server LISTENs on it and ends that clinic's live
// sessions when the clinic is no longer open, and those of users no longer
// active, so this works across any number of servers. The notification is sent inside
// the changing transaction, so it is delivered only if the change commits.
const TenantStatusChannel = "consultorio_tenant_status"

// archivedPrefix names an archived clinic's schema (archived_<id>);
// ValidateSchemaName reserves it so no live clinic can take such a name.
const archivedPrefix = "archived_"

// TenantFilter narrows ListTenants. Status "" lists every clinic that is not
// archived, "all" lists every clinic, otherwise only that status. Search
// matches name, schema, admin e-mail or a domain (case-insensitive).
type TenantFilter struct {
	Status string
	Search string
}

// ListTenants lists clinics by name for the operator panel and the CLI.
func (db *DB) ListTenants(ctx context.Context, f TenantFilter) ([]TenantInfo, error) {
	switch f.Status {
	case "", "all", TenantActive, TenantMorose, TenantSuspended, TenantArchived:
	default:
		return nil, invalid("status", ReasonOneOf, "active, morose, suspended, archived, all")
	}
	rows, err := db.pool.Query(ctx, `select `+tenantColumns+` from public.tenants t
		where case $1 when '' then t.status <> 'archived' when 'all' then true else t.status = $1 end
		  and ($2 = '' or strpos(lower(t.name), $2) > 0 or strpos(t.schema_name, $2) > 0
		       or strpos(lower(t.admin_email::text), $2) > 0
		       or exists (select 1 from public.domains d where d.tenant_id = t.id and strpos(lower(d.domain::text), $2) > 0))
		order by lower(t.name), t.schema_name`, f.Status, strings.ToLower(NormalizeSearch(f.Search)))
	if err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (TenantInfo, error) { return scanTenant(r) })
	if err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	return out, nil
}

// GetTenant returns a clinic by schema name, archived ones included.
func (db *DB) GetTenant(ctx context.Context, schema string) (TenantInfo, error) {
	ti, err := scanTenant(db.pool.QueryRow(ctx, `select `+tenantColumns+` from public.tenants t where t.schema_name = $1`, schema))
	if errors.Is(err, pgx.ErrNoRows) {
		return TenantInfo{}, ErrNoSuchTenant
	}
	if err != nil {
		return TenantInfo{}, fmt.Errorf("get tenant %q: %w", schema, err)
	}
	return ti, nil
}

// lockTenant reads a clinic's row for update inside a public transaction,
// with the name its schema has now (archived_<id> while archived).
func lockTenant(ctx context.Context, tx pgx.Tx, schema string) (TenantInfo, string, error) {
	ti, err := scanTenant(tx.QueryRow(ctx, `select `+tenantColumns+` from public.tenants t
		where t.schema_name = $1 for update of t`, schema))
	if errors.Is(err, pgx.ErrNoRows) {
		return TenantInfo{}, "", ErrNoSuchTenant
	}
	if err != nil {
		return TenantInfo{}, "", fmt.Errorf("lock tenant %q: %w", schema, err)
	}
	var archived *string
	if err := tx.QueryRow(ctx, `select archived_schema from public.tenants where id = $1`, ti.ID).Scan(&archived); err != nil {
		return TenantInfo{}, "", fmt.Errorf("lock tenant %q: %w", schema, err)
	}
	current := ti.Schema
	if archived != nil {
		current = *archived
	}
	return ti, current, nil
}

func readTenant(ctx context.Context, tx pgx.Tx, id int64) (TenantInfo, error) {
	ti, err := scanTenant(tx.QueryRow(ctx, `select `+tenantColumns+` from public.tenants t where t.id = $1`, id))
	if err != nil {
		return TenantInfo{}, fmt.Errorf("read tenant: %w", err)
	}
	return ti, nil
}

func errArchived() error {
	return conflict("status", ReasonArchived)
}

// changeTenant runs fn on a locked clinic in one public transaction and
// writes the operator audit row (before → after) in it.
func (db *DB) changeTenant(ctx context.Context, actor OperatorActor, schema, action string,
	fn func(tx pgx.Tx, ti TenantInfo, current string) error) (TenantInfo, error) {
	return db.changeTenantIn(ctx, db.publicTx, actor, schema, action, fn)
}

// changeTenantIn is changeTenant in a transaction of the given kind:
// db.publicTx (the runtime role: rows only) or db.adminTx (the owner:
// schemas and roles too).
func (db *DB) changeTenantIn(ctx context.Context, inTx func(context.Context, func(pgx.Tx) error) error,
	actor OperatorActor, schema, action string, fn func(tx pgx.Tx, ti TenantInfo, current string) error) (TenantInfo, error) {
	var after TenantInfo
	err := inTx(ctx, func(tx pgx.Tx) error {
		before, current, err := lockTenant(ctx, tx, schema)
		if err != nil {
			return err
		}
		if err := fn(tx, before, current); err != nil {
			return err
		}
		if after, err = readTenant(ctx, tx, before.ID); err != nil {
			return err
		}
		return operatorAudit(ctx, tx, actor, action, before.Schema, before, after)
	})
	if err != nil {
		return TenantInfo{}, wrapOp(action, err)
	}
	return after, nil
}

func notifyStatus(ctx context.Context, tx pgx.Tx, schema string) error {
	if _, err := tx.Exec(ctx, `select pg_notify($1, $2)`, TenantStatusChannel, schema); err != nil {
		return fmt.Errorf("notify status change: %w", err)
	}
	return nil
}

// TenantUpdate changes a clinic's record; nil fields stay as they are. The
// schema name never changes. PatientsLimit and UsersLimit: a negative value
// removes the limit. The clinic's own settings (time zone, currency,
// language) belong to the clinic and are not touched.
type TenantUpdate struct {
	Name             *string
	AdminEmail       *string
	AdminName        *string
	SpecialistsLimit *int
	PatientsLimit    *int
	UsersLimit       *int
	MonthlyFee       *decimal.Decimal
	Timezone         *string
	Currency         *string
	Lang             *string
}

// maxFee is what numeric(12,2) holds.
var maxFee = decimal.New(1, 10)

func (up *TenantUpdate) normalize() error {
	if err := checkTexts(oneLine("name", deref(up.Name)), oneLine("admin_email", deref(up.AdminEmail)),
		oneLine("admin_name", deref(up.AdminName)), oneLine("timezone", deref(up.Timezone)),
		oneLine("currency", deref(up.Currency)), oneLine("lang", deref(up.Lang))); err != nil {
		return err
	}
	v := validation{}
	trim := func(p *string) {
		if p != nil {
			*p = strings.TrimSpace(*p)
		}
	}
	trim(up.Name)
	trim(up.AdminName)
	trim(up.Timezone)
	if up.Name != nil {
		validName(v, "name", *up.Name)
	}
	if up.AdminEmail != nil {
		e := normalizeEmail(*up.AdminEmail)
		up.AdminEmail = &e
		if !validEmail(e) || len(e) > maxEmailLen {
			v.add("admin_email", ReasonEmail)
		}
	}
	if up.AdminName != nil && *up.AdminName != "" {
		validName(v, "admin_name", *up.AdminName)
	}
	if up.SpecialistsLimit != nil && *up.SpecialistsLimit < 0 {
		v.add("specialists_limit", ReasonNegative)
	}
	if up.MonthlyFee != nil {
		if up.MonthlyFee.IsNegative() {
			v.add("monthly_fee", ReasonNegative)
		} else if up.MonthlyFee.GreaterThanOrEqual(maxFee) {
			v.add("monthly_fee", ReasonTooLarge)
		}
		f := up.MonthlyFee.Round(2)
		up.MonthlyFee = &f
	}
	if up.Timezone != nil {
		if _, err := time.LoadLocation(*up.Timezone); err != nil || *up.Timezone == "" {
			v.add("timezone", ReasonTimezone)
		}
	}
	if up.Currency != nil {
		c := strings.ToUpper(strings.TrimSpace(*up.Currency))
		up.Currency = &c
		if len(c) != 3 || strings.IndexFunc(c, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0 {
			v.add("currency", ReasonCurrency)
		}
	}
	if up.Lang != nil {
		l := strings.ToLower(strings.TrimSpace(*up.Lang))
		up.Lang = &l
		if l != "es" && l != "en" {
			v.add("lang", ReasonLang)
		}
	}
	return v.err()
}

// UpdateTenant changes a clinic's record in public.tenants (operator panel,
// CLI). Archived clinics must be restored first.
func (db *DB) UpdateTenant(ctx context.Context, actor OperatorActor, schema string, up TenantUpdate) (TenantInfo, error) {
	if err := up.normalize(); err != nil {
		return TenantInfo{}, err
	}
	// Time zone, currency and language are also in the clinic's own settings
	// row, which the runtime role cannot reach: that change is the owner's.
	inTx := db.publicTx
	if up.Timezone != nil || up.Currency != nil || up.Lang != nil {
		inTx = db.adminTx
	}
	return db.changeTenantIn(ctx, inTx, actor, schema, "tenant.update", func(tx pgx.Tx, ti TenantInfo, _ string) error {
		if ti.Status == TenantArchived {
			return errArchived()
		}
		_, err := tx.Exec(ctx, `update public.tenants set
				name = coalesce($2, name),
				admin_email = coalesce($3, admin_email),
				admin_name = coalesce($4, admin_name),
				specialists_limit = coalesce($5, specialists_limit),
				patients_limit = case when $6::int is null then patients_limit when $6 < 0 then null else $6 end,
				users_limit = case when $7::int is null then users_limit when $7 < 0 then null else $7 end,
				monthly_fee = coalesce($8, monthly_fee),
				timezone = coalesce($9, timezone),
				currency = coalesce($10, currency),
				lang = coalesce($11, lang),
				updated_at = $12
			where id = $1`,
			ti.ID, up.Name, up.AdminEmail, up.AdminName, up.SpecialistsLimit, up.PatientsLimit, up.UsersLimit,
			up.MonthlyFee, up.Timezone, up.Currency, up.Lang, db.now())
		if err != nil || (up.Timezone == nil && up.Currency == nil && up.Lang == nil) {
			return err
		}
		// The clinic's own settings row holds the same three values (a clinic
		// admin's change flows to public.tenants); keep them equal.
		_, err = tx.Exec(ctx, `update `+pgx.Identifier{ti.Schema}.Sanitize()+`.settings set
				timezone = coalesce($1, timezone), currency = coalesce($2, currency), lang = coalesce($3, lang)`,
			up.Timezone, up.Currency, up.Lang)
		return err
	})
}

// SuspendTenant suspends a clinic by hand: its staff cannot log in, live
// sessions are ended (TenantStatusChannel), and paying invoices does not
// bring it back; only ActivateTenant does.
func (db *DB) SuspendTenant(ctx context.Context, actor OperatorActor, schema string) (TenantInfo, error) {
	return db.changeTenant(ctx, actor, schema, "tenant.suspend", func(tx pgx.Tx, ti TenantInfo, _ string) error {
		if ti.Status == TenantArchived {
			return errArchived()
		}
		if _, err := tx.Exec(ctx, `update public.tenants set status = 'suspended', suspended_by_hand = true, updated_at = $2
			where id = $1`, ti.ID, db.now()); err != nil {
			return err
		}
		return notifyStatus(ctx, tx, ti.Schema)
	})
}

// ActivateTenant makes a clinic active again (from suspended or morose).
func (db *DB) ActivateTenant(ctx context.Context, actor OperatorActor, schema string) (TenantInfo, error) {
	return db.changeTenant(ctx, actor, schema, "tenant.activate", func(tx pgx.Tx, ti TenantInfo, _ string) error {
		if ti.Status == TenantArchived {
			return errArchived()
		}
		if _, err := tx.Exec(ctx, `update public.tenants set status = 'active', suspended_by_hand = false, updated_at = $2
			where id = $1`, ti.ID, db.now()); err != nil {
			return err
		}
		return notifyStatus(ctx, tx, ti.Schema)
	})
}

// ArchiveTenant is "delete" for operators: the clinic's schema is renamed
// out of the way to archived_<id> and kept, with its role, until
// PurgeArchivedTenants drops it after a grace period; RestoreTenant brings
// it back. Its schema name, domains and key routes stay reserved meanwhile.
// Live sessions are ended (TenantStatusChannel); new ones cannot start, as
// every lookup of live clinics skips archived ones.
func (db *DB) ArchiveTenant(ctx context.Context, actor OperatorActor, schema string) (TenantInfo, error) {
	ti, err := db.changeTenantIn(ctx, db.adminTx, actor, schema, "tenant.archive", func(tx pgx.Tx, ti TenantInfo, _ string) error {
		if ti.Status == TenantArchived {
			return conflict("status", ReasonArchived)
		}
		archived := fmt.Sprintf("%s%d", archivedPrefix, ti.ID)
		if err := renameSchema(ctx, tx, ti.Schema, archived); err != nil {
			return err
		}
		// An archived clinic's role cannot log in, and the connections it
		// has (in any server) are ended when this commits.
		if _, err := tx.Exec(ctx, `ALTER ROLE `+pgx.Identifier{ti.Role}.Sanitize()+` NOLOGIN`); err != nil {
			return fmt.Errorf("stop role logging in: %w", err)
		}
		if _, err := tx.Exec(ctx, `select pg_terminate_backend(pid) from pg_catalog.pg_stat_activity
			where usename = $1 and pid <> pg_backend_pid()`, ti.Role); err != nil {
			return fmt.Errorf("end clinic connections: %w", err)
		}
		if _, err := tx.Exec(ctx, `update public.tenants set status = 'archived', archived_at = $2, archived_schema = $3,
				updated_at = $2 where id = $1`, ti.ID, db.now(), archived); err != nil {
			return err
		}
		return notifyStatus(ctx, tx, ti.Schema)
	})
	if err == nil {
		db.clinics.Evict(ti.Role)
	}
	return ti, err
}

// RestoreTenant undoes ArchiveTenant: the schema gets its name back and the
// clinic is active.
func (db *DB) RestoreTenant(ctx context.Context, actor OperatorActor, schema string) (TenantInfo, error) {
	return db.changeTenantIn(ctx, db.adminTx, actor, schema, "tenant.restore", func(tx pgx.Tx, ti TenantInfo, current string) error {
		if ti.Status != TenantArchived {
			return conflict("status", ReasonNotArchived)
		}
		if err := renameSchema(ctx, tx, current, ti.Schema); err != nil {
			return err
		}
		if err := db.enableLogin(ctx, tx, ti.Role); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `update public.tenants set status = 'active', suspended_by_hand = false,
				archived_at = null, archived_schema = null, updated_at = $2 where id = $1`, ti.ID, db.now()); err != nil {
			return err
		}
		return notifyStatus(ctx, tx, ti.Schema)
	})
}

// renameSchema renames a tenant schema and moves its migration version row
// with it (versions are keyed by schema name).
func renameSchema(ctx context.Context, tx pgx.Tx, from, to string) error {
	if _, err := tx.Exec(ctx, fmt.Sprintf(`ALTER SCHEMA %s RENAME TO %s`,
		pgx.Identifier{from}.Sanitize(), pgx.Identifier{to}.Sanitize())); err != nil {
		if pgCode(err) == "42P06" {
			return conflict("schema", ReasonTaken)
		}
		return fmt.Errorf("rename schema %s to %s: %w", from, to, err)
	}
	if _, err := tx.Exec(ctx, `update public.schema_versions set schema_name = $2, updated_at = now() where schema_name = $1`,
		from, to); err != nil {
		return fmt.Errorf("move schema version: %w", err)
	}
	return nil
}

// PurgeArchivedTenants drops, for good, the clinics archived at least
// olderThan ago: schema (cascade), role, version row and public rows (tenant,
// domains, key routes, invoices). Each clinic goes in its own transaction
// with its audit row; it returns the schema names purged, also when a later
// one fails.
func (db *DB) PurgeArchivedTenants(ctx context.Context, actor OperatorActor, olderThan time.Duration) ([]string, error) {
	if olderThan < 0 {
		return nil, invalid("older_than", ReasonNegative)
	}
	cutoff := db.now().Add(-olderThan)
	rows, err := db.pool.Query(ctx, `select schema_name from public.tenants
		where status = 'archived' and archived_at <= $1 order by archived_at, id`, cutoff)
	if err != nil {
		return nil, fmt.Errorf("purge: list archived: %w", err)
	}
	candidates, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("purge: list archived: %w", err)
	}
	var purged []string
	for _, schema := range candidates {
		done := false
		err := db.adminTx(ctx, func(tx pgx.Tx) error {
			ti, current, err := lockTenant(ctx, tx, schema)
			if errors.Is(err, ErrNoSuchTenant) {
				return nil // purged by someone else meanwhile
			}
			if err != nil {
				return err
			}
			// Re-check under the lock: it may have been restored meanwhile.
			if ti.Status != TenantArchived || ti.ArchivedAt == nil || ti.ArchivedAt.After(cutoff) {
				return nil
			}
			s, r := pgx.Identifier{current}.Sanitize(), pgx.Identifier{ti.Role}.Sanitize()
			if _, err := tx.Exec(ctx, `DROP SCHEMA IF EXISTS `+s+` CASCADE`); err != nil {
				return fmt.Errorf("drop schema: %w", err)
			}
			var roleExists bool
			if err := tx.QueryRow(ctx, `select exists(select 1 from pg_roles where rolname = $1)`, ti.Role).Scan(&roleExists); err != nil {
				return err
			}
			if roleExists {
				// DROP OWNED also revokes what the role was granted in this
				// database, which DROP ROLE requires.
				if _, err := tx.Exec(ctx, `DROP OWNED BY `+r+`; DROP ROLE `+r); err != nil {
					return fmt.Errorf("drop role: %w", err)
				}
			}
			if _, err := tx.Exec(ctx, `delete from public.schema_versions where schema_name = any($1)`,
				[]string{current, ti.Schema}); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `delete from public.tenants where id = $1`, ti.ID); err != nil {
				return err
			}
			done = true
			return operatorAudit(ctx, tx, actor, "tenant.purge", ti.Schema, ti, nil)
		})
		if err != nil {
			return purged, wrapOp("purge "+schema, err)
		}
		if done {
			purged = append(purged, schema)
		}
	}
	return purged, nil
}

func normalizeDomain(d string) (string, error) {
	d = strings.ToLower(strings.TrimSpace(d))
	if len(d) > 253 || !domainPattern.MatchString(d) {
		return "", invalid("domain", ReasonDomain, d)
	}
	return d, nil
}

// domainOwner says which clinic holds a domain (0: none).
func domainOwner(ctx context.Context, tx pgx.Tx, domain string) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `select tenant_id from public.domains where domain = $1`, domain).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

func errDomainTaken(d string) error {
	return conflict("domain", ReasonOtherClinic, d)
}

// AddDomain gives a clinic another domain (the first one becomes primary).
// A domain belongs to one clinic only.
func (db *DB) AddDomain(ctx context.Context, actor OperatorActor, schema, domain string) (TenantInfo, error) {
	d, err := normalizeDomain(domain)
	if err != nil {
		return TenantInfo{}, err
	}
	if err := db.host.checkDomain(d); err != nil {
		return TenantInfo{}, err
	}
	return db.changeTenant(ctx, actor, schema, "tenant.domain_add", func(tx pgx.Tx, ti TenantInfo, _ string) error {
		if ti.Status == TenantArchived {
			return errArchived()
		}
		owner, err := domainOwner(ctx, tx, d)
		if err != nil {
			return err
		}
		switch owner {
		case 0:
		case ti.ID:
			return conflict("domain", ReasonAlreadyHere, d)
		default:
			return errDomainTaken(d)
		}
		_, err = tx.Exec(ctx, `insert into public.domains (tenant_id, domain, is_primary)
			values ($1, $2, not exists (select 1 from public.domains where tenant_id = $1 and is_primary))`, ti.ID, d)
		if pgCode(err) == pgUniqueViolation {
			return errDomainTaken(d) // taken by a concurrent transaction
		}
		return err
	})
}

// RemoveDomain takes a domain from a clinic; if it was the primary one, the
// clinic's oldest remaining domain becomes primary.
func (db *DB) RemoveDomain(ctx context.Context, actor OperatorActor, schema, domain string) (TenantInfo, error) {
	d := strings.ToLower(strings.TrimSpace(domain))
	return db.changeTenant(ctx, actor, schema, "tenant.domain_remove", func(tx pgx.Tx, ti TenantInfo, _ string) error {
		var wasPrimary bool
		err := tx.QueryRow(ctx, `delete from public.domains where tenant_id = $1 and domain = $2 returning is_primary`,
			ti.ID, d).Scan(&wasPrimary)
		if err != nil {
			return notFound(err, EntityDomain, d)
		}
		if wasPrimary {
			_, err = tx.Exec(ctx, `update public.domains set is_primary = true where id =
				(select id from public.domains where tenant_id = $1 order by created_at, id limit 1)`, ti.ID)
		}
		return err
	})
}

// SetPrimaryDomain makes one of a clinic's domains its primary one.
func (db *DB) SetPrimaryDomain(ctx context.Context, actor OperatorActor, schema, domain string) (TenantInfo, error) {
	d := strings.ToLower(strings.TrimSpace(domain))
	return db.changeTenant(ctx, actor, schema, "tenant.domain_primary", func(tx pgx.Tx, ti TenantInfo, _ string) error {
		owner, err := domainOwner(ctx, tx, d)
		if err != nil {
			return err
		}
		switch owner {
		case ti.ID:
		case 0:
			return &NotFoundError{What: EntityDomain, ID: d}
		default:
			return errDomainTaken(d)
		}
		// Two statements: the one-primary index is checked row by row.
		if _, err := tx.Exec(ctx, `update public.domains set is_primary = false where tenant_id = $1 and is_primary`, ti.ID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `update public.domains set is_primary = true where tenant_id = $1 and domain = $2`, ti.ID, d)
		return err
	})
}
