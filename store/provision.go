package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
	gossh "golang.org/x/crypto/ssh"
)

// reservedSchemas are names a clinic can never take: PostgreSQL's own
// schemas and the words the SSH server gives a meaning.
var reservedSchemas = map[string]bool{
	"public": true, "panel": true, "information_schema": true, "admin": true, "root": true,
	"postgres": true, "consultorio": true, "template0": true, "template1": true,
}

var schemaPattern = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)

// ValidateSchemaName checks a tenant schema name against the rules of the
// product (PRODUCT.md §2) and says why it is refused.
func ValidateSchemaName(name string) error {
	why := func(r Reason, args ...any) error { return invalid("schema", r, args...) }
	switch {
	case len(name) < 3:
		return why(ReasonTooShort, 3)
	case len(name) > 63: // PostgreSQL's limit for names, in bytes
		return why(ReasonTooLong, 63)
	case name[0] < 'a' || name[0] > 'z':
		return why(ReasonSchemaStart)
	case !schemaPattern.MatchString(name):
		return why(ReasonSchemaChars)
	case strings.Contains(name, "--"): // it starts an SQL comment
		return why(ReasonSchemaComment)
	case strings.HasPrefix(name, "pg_"): // reserved by PostgreSQL
		return why(ReasonSchemaReserved, "pg_")
	case strings.HasPrefix(name, sparePrefix): // the pool of pre-built spare schemas
		return why(ReasonSchemaReserved, sparePrefix)
	case strings.HasPrefix(name, "archived_"):
		return why(ReasonSchemaReserved, "archived_")
	case reservedSchemas[name]:
		return why(ReasonSchemaReserved, name)
	}
	return nil
}

// NewTenant describes a clinic to provision.
type NewTenant struct {
	Schema           string
	Name             string
	AdminEmail       string
	AdminName        string
	Domains          []string
	AdminKey         string // optional OpenSSH public key line for the admin
	SpecialistsLimit int    // 0 means DefaultSpecialistsLimit
	PatientsLimit    *int
	UsersLimit       *int
	MonthlyFee       decimal.Decimal
	Timezone         string // default DefaultTimezone
	Currency         string // default DefaultCurrency
	Lang             string // default DefaultLang
}

// Provisioned is the result of CreateTenant: the tenant and the admin's
// one-time setup code (shown once; stored in clear only in the admin's
// invitation in the clinic's outbox, until it is sent).
type Provisioned struct {
	Tenant    TenantInfo `json:"tenant"`
	SetupCode string     `json:"setup_code"`
	ExpiresAt time.Time  `json:"setup_code_expires_at"`
	// FromSpare says the schema was a spare from the pool (benchmarks, tests).
	FromSpare bool `json:"-"`
}

// SetupCodeTTL is how long a setup code works.
const SetupCodeTTL = 72 * time.Hour

// OperatorActor is who changes the public schema: an operator in the panel, or
// the command line.
type OperatorActor struct {
	OperatorID int64 // 0 for the command line
	Email      string
	RemoteAddr string
}

// CLI is the actor for changes made with the consultorio command.
var CLI = OperatorActor{Email: "cli"}

func (nt *NewTenant) normalize() error {
	texts := []textField{oneLine("schema", nt.Schema), oneLine("name", nt.Name), oneLine("admin_email", nt.AdminEmail),
		oneLine("admin_name", nt.AdminName), oneLine("timezone", nt.Timezone), oneLine("currency", nt.Currency),
		oneLine("lang", nt.Lang)}
	for _, d := range nt.Domains {
		texts = append(texts, oneLine("domain", d))
	}
	if err := checkTexts(texts...); err != nil {
		return err
	}
	v := validation{}
	nt.Schema = strings.TrimSpace(nt.Schema)
	if err := ValidateSchemaName(nt.Schema); err != nil {
		v["schema"] = err.(*ValidationError).Fields["schema"]
	}
	nt.Name = strings.TrimSpace(nt.Name)
	if nt.Name == "" {
		v.add("name", ReasonRequired)
	}
	nt.AdminEmail = strings.ToLower(strings.TrimSpace(nt.AdminEmail))
	if !validEmail(nt.AdminEmail) {
		v.add("admin_email", ReasonEmail)
	}
	if nt.AdminName = strings.TrimSpace(nt.AdminName); nt.AdminName == "" {
		nt.AdminName = nt.AdminEmail
	}
	if nt.SpecialistsLimit == 0 {
		nt.SpecialistsLimit = DefaultSpecialistsLimit
	}
	if nt.SpecialistsLimit < 0 {
		v.add("specialists_limit", ReasonNegative)
	}
	if nt.MonthlyFee.IsNegative() {
		v.add("monthly_fee", ReasonNegative)
	}
	if nt.Timezone == "" {
		nt.Timezone = DefaultTimezone
	}
	if _, err := time.LoadLocation(nt.Timezone); err != nil {
		v.add("timezone", ReasonTimezone)
	}
	if nt.Currency == "" {
		nt.Currency = DefaultCurrency
	}
	nt.Currency = strings.ToUpper(nt.Currency)
	if len(nt.Currency) != 3 {
		v.add("currency", ReasonCurrency)
	}
	if nt.Lang == "" {
		nt.Lang = DefaultLang
	}
	if nt.Lang != "es" && nt.Lang != "en" {
		v.add("lang", ReasonLang)
	}
	for i, d := range nt.Domains {
		nt.Domains[i] = strings.ToLower(strings.TrimSpace(d))
		if !domainPattern.MatchString(nt.Domains[i]) {
			v.add("domain", ReasonDomain, d)
		}
	}
	if nt.AdminKey != "" {
		if _, _, _, _, err := gossh.ParseAuthorizedKey([]byte(nt.AdminKey)); err != nil {
			v.add("admin_key", ReasonPublicKey)
		}
	}
	return v.err()
}

var domainPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$`)

var emailPattern = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

func validEmail(s string) bool { return emailPattern.MatchString(s) }

// provisionHook, when set (tests only), runs inside the provisioning
// transaction after the given step; an error it returns aborts provisioning.
type provisionHook func(step string) error

// CreateTenant provisions a clinic in one transaction: tenant row, role,
// schema and tables, grants, settings, domains, the first admin user with a
// hashed one-time setup code (and optional key) and their invitation in the
// clinic's outbox (sent by the server's e-mail job with its ssh line),
// audit row. All or nothing.
// Schema, tables, role and grants come from a ready spare when the pool has
// one (see TopUpSpares); a failure puts the spare back in the pool.
func (db *DB) CreateTenant(ctx context.Context, actor OperatorActor, nt NewTenant) (*Provisioned, error) {
	return db.createTenant(ctx, actor, nt, nil)
}

func (db *DB) createTenant(ctx context.Context, actor OperatorActor, nt NewTenant, hook provisionHook) (*Provisioned, error) {
	return db.provision(ctx, actor, nt, hook, nil)
}

// tenantFill replaces the content of a freshly provisioned clinic schema
// (ImportTenant: the rows of an archive), inside the provisioning
// transaction, as the schema's owner, before domains are added.
type tenantFill func(ctx context.Context, tx pgx.Tx, tenantID int64, schema, role string) error

func (db *DB) provision(ctx context.Context, actor OperatorActor, nt NewTenant, hook provisionHook, fill tenantFill) (*Provisioned, error) {
	if err := nt.normalize(); err != nil {
		return nil, err
	}
	if err := db.host.checkSchema(nt.Schema); err != nil {
		return nil, err
	}
	for _, d := range nt.Domains {
		if err := db.host.checkDomain(d); err != nil {
			return nil, err
		}
	}
	step := func(name string) error {
		if hook != nil {
			return hook(name)
		}
		return nil
	}
	code, codeHash, err := NewSetupCode()
	if err != nil {
		return nil, err
	}
	expires := db.now().Add(SetupCodeTTL)
	var out *Provisioned
	// Provisioning creates a role and a schema: the owner's job, on a
	// connection opened for it.
	err = db.adminTx(ctx, func(tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `insert into public.tenants (schema_name, role_name, name, admin_email, admin_name,
				specialists_limit, patients_limit, users_limit, monthly_fee, timezone, currency, lang)
			values ($1, $2 || $1, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) returning id`,
			nt.Schema, db.rolePrefix, nt.Name, nt.AdminEmail, nt.AdminName, nt.SpecialistsLimit, nt.PatientsLimit,
			nt.UsersLimit, nt.MonthlyFee, nt.Timezone, nt.Currency, nt.Lang).Scan(&id)
		if err != nil {
			if pgCode(err) == pgUniqueViolation {
				return conflict("schema", ReasonTaken)
			}
			return fmt.Errorf("insert tenant: %w", err)
		}
		// The role is named after the schema (unique per database thanks to
		// the prefix); 63 bytes at most, so long schemas use the id instead.
		role := db.rolePrefix + nt.Schema
		if len(role) > 63 {
			role = fmt.Sprintf("%sid%d", db.rolePrefix, id)
			if _, err := tx.Exec(ctx, `update public.tenants set role_name = $1 where id = $2`, role, id); err != nil {
				return fmt.Errorf("name tenant role: %w", err)
			}
		}
		if err := step("tenant"); err != nil {
			return err
		}
		// A ready spare saves building the tables: rename it (~2 ms). With
		// none (or only outdated ones), build the schema here, as before.
		spare, err := db.claimSpare(ctx, tx)
		if err != nil {
			return err
		}
		if spare != nil {
			err = adoptSpare(ctx, tx, spare, nt.Schema, role)
		} else {
			err = db.buildTenantSchema(ctx, tx, nt.Schema, role, step)
		}
		var cse *createSchemaError
		if errors.As(err, &cse) && (pgCode(err) == "42P06" || pgCode(err) == "42710") {
			return conflict("schema", ReasonTaken)
		}
		if err != nil {
			return err
		}
		// The clinic's sessions connect as its role (spares cannot log in).
		if err := db.enableLogin(ctx, tx, role); err != nil {
			return err
		}
		if spare != nil {
			// The same hook steps as the build path, so tests can fail it
			// at the same points.
			if err := step("schema"); err != nil {
				return err
			}
			if err := step("tables"); err != nil {
				return err
			}
		}
		// From here on, work as the tenant would: its role, its schema
		// (the owner is a member of every clinic role).
		if err := enterNewTenant(ctx, tx, nt.Schema, role); err != nil {
			return fmt.Errorf("enter tenant: %w", err)
		}
		if _, err := tx.Exec(ctx, `update settings set display_name = $1, timezone = $2, currency = $3, lang = $4`,
			nt.Name, nt.Timezone, nt.Currency, nt.Lang); err != nil {
			return fmt.Errorf("clinic settings: %w", err)
		}
		var adminID int64
		if err := tx.QueryRow(ctx, `insert into users (email, name, role, setup_code_hash, setup_expires_at)
			values ($1, $2, 'admin', $3, $4) returning id`, nt.AdminEmail, nt.AdminName, codeHash, expires).Scan(&adminID); err != nil {
			return fmt.Errorf("create admin user: %w", err)
		}
		if nt.AdminKey != "" {
			if _, err := addUserKey(ctx, tx, adminID, nt.AdminKey, "admin"); err != nil {
				return err
			}
		}
		// The first admin's invitation (setup code and ssh line) goes out
		// through the clinic's outbox like any staff user's. An imported
		// clinic brings its own staff: the rows are replaced below.
		if fill == nil {
			if err := enqueueMail(ctx, tx, db.now(), MailInvitation, nt.AdminEmail, nt.Lang, InvitationMail{
				Clinic: nt.Name, Schema: nt.Schema, Name: nt.AdminName, Email: nt.AdminEmail, Role: RoleAdmin,
				Code: code, Expires: expires,
			}, "", nil); err != nil {
				return err
			}
		}
		if err := step("admin"); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "select set_config('role', 'none', true), set_config('search_path', 'public', true)"); err != nil {
			return fmt.Errorf("leave tenant: %w", err)
		}
		if fill != nil {
			if err := fill(ctx, tx, id, nt.Schema, role); err != nil {
				return err
			}
		}
		for i, d := range nt.Domains {
			if _, err := tx.Exec(ctx, `insert into public.domains (tenant_id, domain, is_primary) values ($1, $2, $3)`,
				id, d, i == 0); err != nil {
				if pgCode(err) == pgUniqueViolation {
					return conflict("domain", ReasonOtherClinic, d)
				}
				return fmt.Errorf("add domain: %w", err)
			}
		}
		if err := step("domains"); err != nil {
			return err
		}
		ti, err := scanTenant(tx.QueryRow(ctx, `select `+tenantColumns+` from public.tenants t where t.id = $1`, id))
		if err != nil {
			return fmt.Errorf("read new tenant: %w", err)
		}
		if err := operatorAudit(ctx, tx, actor, "tenant.create", ti.Schema, nil, ti); err != nil {
			return err
		}
		out = &Provisioned{Tenant: ti, SetupCode: code, ExpiresAt: expires, FromSpare: spare != nil}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// operatorAudit appends a row to the operator audit log, inside the
// transaction of the change it records.
func operatorAudit(ctx context.Context, tx pgx.Tx, actor OperatorActor, action, target string, before, after any) error {
	toJSON := func(v any) ([]byte, error) {
		if v == nil {
			return nil, nil
		}
		return json.Marshal(v)
	}
	b, err := toJSON(before)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	a, err := toJSON(after)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	var opID *int64
	if actor.OperatorID != 0 {
		opID = &actor.OperatorID
	}
	if _, err := tx.Exec(ctx, `insert into public.operator_audit (operator_id, actor, action, target, before, after, remote_addr)
		values ($1, $2, $3, $4, $5, $6, $7)`, opID, actor.Email, action, target, b, a, actor.RemoteAddr); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}
