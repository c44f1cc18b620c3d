package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
)

// Compensation types of a specialist.
const (
	CompFixed   = "fixed"   // a monthly amount
	CompPercent = "percent" // a percentage of the collected payments of their sessions
)

// Specialist is a therapist or doctor of the clinic. Records are deactivated,
// never deleted: sessions and payroll history point at them.
type Specialist struct {
	ID        int64           `json:"id"`
	UserID    *int64          `json:"user_id"` // the staff login linked to it, if any
	FirstName string          `json:"first_name"`
	LastName  string          `json:"last_name"`
	Specialty string          `json:"specialty"`
	Document  string          `json:"document"`
	Phone     string          `json:"phone"`
	Email     string          `json:"email"`
	CompType  string          `json:"comp_type"`
	CompValue decimal.Decimal `json:"comp_value"`
	Active    bool            `json:"active"`
	CreatedAt time.Time       `json:"created_at"`
	// Redacted is true when the actor may only see the name and specialty
	// (a specialist looking at a colleague): document, contacts and
	// compensation are left empty.
	Redacted bool `json:"redacted,omitempty"`
	// PayHidden is true when the compensation was left out (CompType empty,
	// CompValue zero): the actor may not see it (Actor.MaySeeSpecialistPay).
	PayHidden bool `json:"pay_hidden,omitempty"`
}

// FullName is "First Last".
func (s Specialist) FullName() string { return s.FirstName + " " + s.LastName }

// Input returns the editable fields of s, to start an edit form from.
func (s Specialist) Input() SpecialistInput {
	return SpecialistInput{UserID: s.UserID, FirstName: s.FirstName, LastName: s.LastName, Specialty: s.Specialty,
		Document: s.Document, Phone: s.Phone, Email: s.Email, CompType: s.CompType, CompValue: s.CompValue}
}

// SpecialistInput is what a create or edit form gives. CompType defaults to
// percent (with CompValue 0).
type SpecialistInput struct {
	UserID    *int64          `json:"user_id"`
	FirstName string          `json:"first_name"`
	LastName  string          `json:"last_name"`
	Specialty string          `json:"specialty"`
	Document  string          `json:"document"`
	Phone     string          `json:"phone"`
	Email     string          `json:"email"`
	CompType  string          `json:"comp_type"`
	CompValue decimal.Decimal `json:"comp_value"`
}

func (in *SpecialistInput) normalize() error {
	if err := checkTexts(oneLine("first_name", in.FirstName), oneLine("last_name", in.LastName),
		oneLine("specialty", in.Specialty), oneLine("document", in.Document), oneLine("phone", in.Phone),
		oneLine("email", in.Email), oneLine("comp_type", in.CompType)); err != nil {
		return err
	}
	v := validation{}
	cleanField(v, "first_name", &in.FirstName, 100, true)
	cleanField(v, "last_name", &in.LastName, 100, true)
	cleanField(v, "specialty", &in.Specialty, 100, false)
	cleanField(v, "document", &in.Document, 30, true)
	cleanField(v, "phone", &in.Phone, 50, false)
	cleanField(v, "email", &in.Email, 200, false)
	if in.Email != "" && !validEmail(in.Email) {
		v.add("email", ReasonEmail)
	}
	in.CompType = strings.ToLower(strings.TrimSpace(in.CompType))
	if in.CompType == "" {
		in.CompType = CompPercent
	}
	switch {
	case in.CompType != CompFixed && in.CompType != CompPercent:
		v.add("comp_type", ReasonOneOf, "fixed, percent")
	case in.CompValue.IsNegative():
		v.add("comp_value", ReasonNegative)
	case !validMoney(in.CompValue):
		v.add("comp_value", ReasonAmount)
	case in.CompType == CompPercent && in.CompValue.GreaterThan(decimal.NewFromInt(100)):
		v.add("comp_value", ReasonPercent)
	}
	if in.UserID != nil && *in.UserID <= 0 {
		in.UserID = nil
	}
	return v.err()
}

const specialistColumns = `s.id, s.user_id, s.first_name, s.last_name, s.specialty, s.document, s.phone,
	coalesce(s.email::text, ''), s.comp_type, s.comp_value, s.active, s.created_at`

func scanSpecialist(row pgx.Row) (Specialist, error) {
	var s Specialist
	err := row.Scan(&s.ID, &s.UserID, &s.FirstName, &s.LastName, &s.Specialty, &s.Document, &s.Phone,
		&s.Email, &s.CompType, &s.CompValue, &s.Active, &s.CreatedAt)
	return s, err
}

// redactFor leaves in s only what actor may see: a specialist sees their own
// record whole and colleagues' names and specialties (for the agenda);
// the compensation only where MaySeeSpecialistPay allows.
func (s Specialist) redactFor(actor Actor) Specialist {
	if actor.Role == RoleSpecialist && !actor.isSpecialist(s.ID) {
		return Specialist{ID: s.ID, FirstName: s.FirstName, LastName: s.LastName, Specialty: s.Specialty,
			Active: s.Active, CreatedAt: s.CreatedAt, Redacted: true, PayHidden: true}
	}
	if !actor.MaySeeSpecialistPay(s.ID) {
		s.CompType, s.CompValue, s.PayHidden = "", decimal.Zero, true
	}
	return s
}

// ListSpecialists lists the clinic's specialists by last name, first name.
// Every role may list them (the agenda shows their names); specialists get
// colleagues' records redacted.
func (t *Tenant) ListSpecialists(ctx context.Context, actor Actor, includeInactive bool) ([]Specialist, error) {
	if !actor.Role.Valid() {
		return nil, forbidden("listing specialists")
	}
	var out []Specialist
	err := t.tx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = listSpecialists(ctx, tx, actor, includeInactive)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list specialists: %w", err)
	}
	return out, nil
}

func listSpecialists(ctx context.Context, tx pgx.Tx, actor Actor, includeInactive bool) ([]Specialist, error) {
	rows, err := tx.Query(ctx, `select `+specialistColumns+` from specialists s
		where $1 or s.active order by public.search_norm(s.last_name), public.search_norm(s.first_name), s.id`, includeInactive)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Specialist, error) {
		s, err := scanSpecialist(r)
		return s.redactFor(actor), err
	})
}

// GetSpecialist returns one specialist (redacted for a colleague, as in
// ListSpecialists).
func (t *Tenant) GetSpecialist(ctx context.Context, actor Actor, id int64) (Specialist, error) {
	if !actor.Role.Valid() {
		return Specialist{}, forbidden("reading specialists")
	}
	var s Specialist
	err := t.tx(ctx, func(tx pgx.Tx) error {
		var err error
		s, err = getSpecialist(ctx, tx, id)
		return err
	})
	if err != nil {
		return Specialist{}, clinicErr("get specialist", err)
	}
	return s.redactFor(actor), nil
}

func getSpecialist(ctx context.Context, tx pgx.Tx, id int64) (Specialist, error) {
	s, err := scanSpecialist(tx.QueryRow(ctx, `select `+specialistColumns+` from specialists s where s.id = $1`, id))
	return s, notFound(err, EntitySpecialist, id)
}

// checkSpecialistLimit serialises on the clinic row and refuses when the
// active specialists already fill the plan (one more is being added or
// activated).
func (t *Tenant) checkSpecialistLimit(ctx context.Context, tx pgx.Tx) error {
	if err := lockClinic(ctx, tx); err != nil {
		return err
	}
	var n int
	if err := tx.QueryRow(ctx, `select count(*) from specialists where active`).Scan(&n); err != nil {
		return fmt.Errorf("count specialists: %w", err)
	}
	if n >= t.Info.SpecialistsLimit {
		return &LimitError{What: "specialists", Limit: t.Info.SpecialistsLimit, Count: n}
	}
	return nil
}

// specialistWriteErr maps constraint violations of a specialist insert or
// update to the user's terms.
func specialistWriteErr(err error) error {
	switch {
	case pgCode(err) == pgUniqueViolation && pgConstraint(err) == "specialists_document_key":
		return conflict("document", ReasonTaken)
	case pgCode(err) == pgUniqueViolation && pgConstraint(err) == "specialists_user_id_key":
		return conflict("user_id", ReasonLinked)
	case pgCode(err) == pgForeignKey:
		return invalid("user_id", ReasonNoSuch)
	}
	return err
}

// CreateSpecialist adds an active specialist (admin only), within the plan's
// limit of active specialists: concurrent creations cannot overshoot it.
func (t *Tenant) CreateSpecialist(ctx context.Context, actor Actor, in SpecialistInput) (Specialist, error) {
	if !actor.MayManageClinic() {
		return Specialist{}, forbidden("creating specialists")
	}
	if err := in.normalize(); err != nil {
		return Specialist{}, err
	}
	var out Specialist
	err := t.tx(ctx, func(tx pgx.Tx) error {
		if err := t.checkSpecialistLimit(ctx, tx); err != nil {
			return err
		}
		var err error
		out, err = scanSpecialist(tx.QueryRow(ctx, `insert into specialists as s (user_id, first_name, last_name, specialty,
				document, phone, email, comp_type, comp_value)
			values ($1, $2, $3, $4, $5, $6, nullif($7, ''), $8, $9) returning `+specialistColumns,
			in.UserID, in.FirstName, in.LastName, in.Specialty, in.Document, in.Phone, in.Email, in.CompType, in.CompValue))
		if err != nil {
			return specialistWriteErr(err)
		}
		return audit(ctx, tx, actor, "create", "specialist", out.ID, map[string]any{"name": out.FullName()})
	})
	if err != nil {
		return Specialist{}, clinicErr("create specialist", err)
	}
	return out, nil
}

// UpdateSpecialist changes a specialist's data (admin only). Whether it is
// active is changed with ActivateSpecialist / DeactivateSpecialist.
func (t *Tenant) UpdateSpecialist(ctx context.Context, actor Actor, id int64, in SpecialistInput) (Specialist, error) {
	if !actor.MayManageClinic() {
		return Specialist{}, forbidden("editing specialists")
	}
	if err := in.normalize(); err != nil {
		return Specialist{}, err
	}
	var out Specialist
	err := t.tx(ctx, func(tx pgx.Tx) error {
		before, err := scanSpecialist(tx.QueryRow(ctx, `select `+specialistColumns+` from specialists s where s.id = $1 for update`, id))
		if err != nil {
			return notFound(err, EntitySpecialist, id)
		}
		out, err = scanSpecialist(tx.QueryRow(ctx, `update specialists as s set user_id = $2, first_name = $3, last_name = $4,
				specialty = $5, document = $6, phone = $7, email = nullif($8, ''), comp_type = $9, comp_value = $10
			where s.id = $1 returning `+specialistColumns,
			id, in.UserID, in.FirstName, in.LastName, in.Specialty, in.Document, in.Phone, in.Email, in.CompType, in.CompValue))
		if err != nil {
			return specialistWriteErr(err)
		}
		return audit(ctx, tx, actor, "update", "specialist", id, map[string]any{"changed": changedFields(before.Input(), out.Input())})
	})
	if err != nil {
		return Specialist{}, clinicErr("update specialist", err)
	}
	return out, nil
}

// DeactivateSpecialist marks a specialist inactive (admin only): they leave
// the agenda's choices and stop counting against the plan, and every session
// and payment that names them stays.
func (t *Tenant) DeactivateSpecialist(ctx context.Context, actor Actor, id int64) (Specialist, error) {
	return t.setSpecialistActive(ctx, actor, id, false)
}

// ActivateSpecialist reactivates a specialist (admin only), within the plan's
// limit.
func (t *Tenant) ActivateSpecialist(ctx context.Context, actor Actor, id int64) (Specialist, error) {
	return t.setSpecialistActive(ctx, actor, id, true)
}

func (t *Tenant) setSpecialistActive(ctx context.Context, actor Actor, id int64, active bool) (Specialist, error) {
	verb := map[bool]string{true: "activate", false: "deactivate"}[active]
	if !actor.MayManageClinic() {
		return Specialist{}, forbidden(verb + "ing specialists")
	}
	var out Specialist
	err := t.tx(ctx, func(tx pgx.Tx) error {
		cur, err := getSpecialist(ctx, tx, id)
		if err != nil {
			return err
		}
		if cur.Active == active {
			out = cur
			return nil
		}
		if active {
			if err := t.checkSpecialistLimit(ctx, tx); err != nil {
				return err
			}
		}
		out, err = scanSpecialist(tx.QueryRow(ctx, `update specialists as s set active = $2 where s.id = $1
			returning `+specialistColumns, id, active))
		if err != nil {
			return err
		}
		return audit(ctx, tx, actor, verb, "specialist", id, nil)
	})
	if err != nil {
		return Specialist{}, clinicErr(verb+" specialist", err)
	}
	return out, nil
}

// changedFields names the fields (by their JSON names) whose values differ
// between two values of the same struct type: audit rows say what changed
// without copying the values (which may be clinical).
func changedFields(before, after any) []string {
	b, a := jsonFields(before), jsonFields(after)
	out := []string{}
	for k, v := range a {
		if string(b[k]) != string(v) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func jsonFields(v any) map[string]json.RawMessage {
	m := map[string]json.RawMessage{}
	if b, err := json.Marshal(v); err == nil {
		_ = json.Unmarshal(b, &m)
	}
	return m
}
