package cmd

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"

	"consultorio/store"
	"consultorio/tui/i18n"
)

// The rest of what the clinic TUI offers, as commands with the same store
// calls: editing specialists, rooms (their specialists and equipment) and
// expenses, the equipment catalog, clinic settings, the audit log, purging
// a patient and checking a booking before making it.

func specialistsUpdate(env *Env) *cobra.Command {
	var (
		first, last, specialty, document, phone, email, comp *string
		value                                                *decimal.Decimal
	)
	c := &cobra.Command{
		Use:   "update ID [--first-name F] [--surname S] [--specialty X] [--document D] [--phone P] [--email E] [--comp C] [--comp-value V]",
		Short: "Change a specialist's record (the fields not given stay as they are)",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID("specialist", args[0])
			if err != nil {
				return err
			}
			texts := []*string{first, last, specialty, document, phone, email, comp}
			if !anyGiven(texts...) && value == nil {
				return usagef("%s: say which fields to change (see: help specialists update)", c.CommandPath())
			}
			cur, err := env.Tenant.GetSpecialist(c.Context(), env.Actor(), id)
			if err != nil {
				return err
			}
			in := cur.Input()
			for i, dst := range []*string{&in.FirstName, &in.LastName, &in.Specialty, &in.Document, &in.Phone, &in.Email, &in.CompType} {
				if texts[i] != nil {
					*dst = *texts[i]
				}
			}
			if value != nil {
				in.CompValue = *value
			}
			s, err := env.Tenant.UpdateSpecialist(c.Context(), env.Actor(), id, in)
			if err != nil {
				return err
			}
			v := specialistView(s, env.loc())
			return output(c, v, func(w io.Writer) error { return printSpecialist(w, v) })
		},
	}
	f := c.Flags()
	optStringVar(f, &first, "first-name", "first name")
	optStringVar(f, &last, "surname", "last name")
	optStringVar(f, &specialty, "specialty", "specialty")
	optStringVar(f, &document, "document", "DNI (unique)")
	optStringVar(f, &phone, "phone", "phone")
	optStringVar(f, &email, "email", "e-mail")
	optStringVar(f, &comp, "comp", "pay: fixed or percent")
	optMoneyVar(f, &value, env.readMoney, "comp-value", "the monthly amount or the percentage")
	return c
}

// anyGiven tells whether any optional flag was given.
func anyGiven(ps ...*string) bool {
	for _, p := range ps {
		if p != nil {
			return true
		}
	}
	return false
}

func roomsUpdate(env *Env) *cobra.Command {
	var (
		name, location *string
		capacity       *int
	)
	c := &cobra.Command{
		Use:   "update ID [--name N] [--capacity C] [--location L]",
		Short: "Change a room (the fields not given stay as they are)",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID("room", args[0])
			if err != nil {
				return err
			}
			if !anyGiven(name, location) && capacity == nil {
				return usagef("%s: say --name, --capacity and/or --location", c.CommandPath())
			}
			cur, err := env.Tenant.GetRoom(c.Context(), env.Actor(), id)
			if err != nil {
				return err
			}
			in := store.RoomInput{Name: cur.Name, Capacity: cur.Capacity, Location: cur.Location}
			if name != nil {
				in.Name = *name
			}
			if location != nil {
				in.Location = *location
			}
			if capacity != nil {
				in.Capacity = *capacity
			}
			r, err := env.Tenant.UpdateRoom(c.Context(), env.Actor(), id, in)
			if err != nil {
				return err
			}
			return printRoom(c, env, r)
		},
	}
	optStringVar(c.Flags(), &name, "name", "name (unique)")
	optCountVar(c.Flags(), &capacity, "capacity", 1, "people it holds")
	optStringVar(c.Flags(), &location, "location", "where it is")
	return c
}

// idsValue is a repeatable id flag.
type idsValue struct{ p *[]int64 }

func (v idsValue) Set(s string) error {
	for _, part := range strings.Split(s, ",") {
		id, err := parseIDText(part)
		if err != nil {
			return err
		}
		*v.p = append(*v.p, id)
	}
	return nil
}
func (v idsValue) String() string {
	parts := make([]string, len(*v.p))
	for i, id := range *v.p {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}
func (idsValue) Type() string { return "ids" }

func roomsSpecialists(env *Env) *cobra.Command {
	var (
		ids  []int64
		none bool
	)
	c := &cobra.Command{
		Use:   "specialists ROOM_ID --specialist ID... | --none",
		Short: "Set which specialists a room is assigned to",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID("room", args[0])
			if err != nil {
				return err
			}
			if none == (len(ids) > 0) {
				return usagef("%s: say --specialist ID (repeatable) or --none", c.CommandPath())
			}
			r, err := env.Tenant.SetRoomSpecialists(c.Context(), env.Actor(), id, ids)
			if err != nil {
				return err
			}
			return printRoom(c, env, r)
		},
	}
	c.Flags().Var(idsValue{&ids}, "specialist", "a specialist id (repeatable, or comma-separated)")
	c.Flags().BoolVar(&none, "none", false, "assign no specialists")
	return c
}

func roomsEquipment(env *Env) *cobra.Command {
	g := &cobra.Command{Use: "equipment", Short: "Equipment present in a room"}
	var (
		equipment   int64
		name, code  string
		quantity    int
		removeEquip int64
	)
	add := &cobra.Command{
		Use:   "add ROOM_ID (--equipment ID | --name N [--code C]) [--quantity Q]",
		Short: "Put equipment in a room (an existing piece of the catalog, or a new one)",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID("room", args[0])
			if err != nil {
				return err
			}
			if (equipment != 0) == given(c, "name") {
				return usagef("%s: say --equipment ID or --name N", c.CommandPath())
			}
			var r store.Room
			if equipment != 0 {
				r, err = env.Tenant.AddRoomEquipment(c.Context(), env.Actor(), id, equipment, quantity)
			} else {
				r, err = env.Tenant.AddRoomEquipmentNew(c.Context(), env.Actor(), id, name, code, quantity)
			}
			if err != nil {
				return err
			}
			return printRoom(c, env, r)
		},
	}
	idVar(add.Flags(), &equipment, "equipment", "id of a piece of the equipment catalog")
	add.Flags().StringVar(&name, "name", "", "a new piece of equipment: its name")
	add.Flags().StringVar(&code, "code", "", "a new piece of equipment: its code (unique)")
	countVar(add.Flags(), &quantity, "quantity", 1, 1, "how many")
	remove := &cobra.Command{
		Use:   "remove ROOM_ID EQUIPMENT_ID",
		Short: "Take equipment out of a room",
		Args:  cobra.ExactArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID("room", args[0])
			if err != nil {
				return err
			}
			if removeEquip, err = parseID("equipment", args[1]); err != nil {
				return err
			}
			r, err := env.Tenant.RemoveRoomEquipment(c.Context(), env.Actor(), id, removeEquip)
			if err != nil {
				return err
			}
			return printRoom(c, env, r)
		},
	}
	g.AddCommand(add, remove)
	return g
}

// EquipmentView is a piece of the equipment catalog.
type EquipmentView struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Code      string `json:"code"`
	CreatedAt string `json:"created_at"`
}

func equipmentCmd(env *Env) *cobra.Command {
	g := &cobra.Command{Use: "equipment", Short: "The clinic's equipment catalog"}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the equipment catalog",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			list, err := env.Tenant.ListEquipment(c.Context(), env.Actor())
			if err != nil {
				return err
			}
			views := make([]EquipmentView, len(list))
			for i, e := range list {
				views[i] = EquipmentView{ID: e.ID, Name: e.Name, Code: e.Code, CreatedAt: fmtTime(e.CreatedAt, env.loc())}
			}
			return output(c, views, func(w io.Writer) error {
				if len(views) == 0 {
					return emptyState(w, textsFor(env.lang()).NoEquipment)
				}
				rows := make([][]string, len(views))
				for i, e := range views {
					rows[i] = []string{strconv.FormatInt(e.ID, 10), e.Name, orDash(e.Code)}
				}
				return table(w, []string{"ID", "NAME", "CODE"}, rows)
			})
		},
	}
	var name, code string
	add := &cobra.Command{
		Use:   "add --name N [--code C]",
		Short: "Add a piece of equipment to the catalog",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := require(c, "name"); err != nil {
				return err
			}
			e, err := env.Tenant.CreateEquipment(c.Context(), env.Actor(), name, code)
			if err != nil {
				return err
			}
			v := EquipmentView{ID: e.ID, Name: e.Name, Code: e.Code, CreatedAt: fmtTime(e.CreatedAt, env.loc())}
			return output(c, v, func(w io.Writer) error {
				return fields(w, "id", strconv.FormatInt(v.ID, 10), "name", v.Name, "code", orDash(v.Code))
			})
		},
	}
	add.Flags().StringVar(&name, "name", "", "name (required, unique)")
	add.Flags().StringVar(&code, "code", "", "code (unique)")
	g.AddCommand(list, add, equipmentUpdate(env), equipmentDelete(env))
	return g
}

func expensesUpdate(env *Env) *cobra.Command {
	var (
		name, notes      *string
		amount           *decimal.Decimal
		due              *time.Time
		noDue            bool
		fixed, recurring *string
	)
	c := &cobra.Command{
		Use:   "update ID [--name N] [--amount A] [--due D | --no-due] [--fixed yes|no] [--recurring yes|no] [--notes T]",
		Short: "Change an expense (the fields not given stay as they are)",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID("expense", args[0])
			if err != nil {
				return err
			}
			if !anyGiven(name, notes, fixed, recurring) && amount == nil && due == nil && !noDue {
				return usagef("%s: say which fields to change (see: help expenses update)", c.CommandPath())
			}
			if due != nil && noDue {
				return usagef("%s: say --due or --no-due, not both", c.CommandPath())
			}
			cur, err := env.Tenant.GetExpense(c.Context(), env.Actor(), id)
			if err != nil {
				return err
			}
			in := store.ExpenseInput{Name: cur.Name, Amount: cur.Amount, Fixed: cur.Fixed, Recurring: cur.Recurring,
				DueDate: cur.DueDate, Notes: cur.Notes}
			if name != nil {
				in.Name = *name
			}
			if notes != nil {
				in.Notes = *notes
			}
			if amount != nil {
				in.Amount = *amount
			}
			if due != nil {
				in.DueDate = due
			}
			if noDue {
				in.DueDate = nil
			}
			if fixed != nil {
				in.Fixed = *fixed == "yes"
			}
			if recurring != nil {
				in.Recurring = *recurring == "yes"
			}
			e, err := env.Tenant.UpdateExpense(c.Context(), env.Actor(), id, in)
			if err != nil {
				return err
			}
			v := expenseView(e, env.loc())
			return output(c, v, func(w io.Writer) error { return printExpense(w, v) })
		},
	}
	f := c.Flags()
	optStringVar(f, &name, "name", "what it is")
	optMoneyVar(f, &amount, env.readMoney, "amount", "amount, e.g. 1200 or 1.200,50")
	optDateVar(f, &due, "due", "due date YYYY-MM-DD")
	f.BoolVar(&noDue, "no-due", false, "no due date")
	f.Var(optChoiceValue{p: &fixed, choices: []string{"yes", "no"}}, "fixed", "a fixed cost: yes or no")
	f.Var(optChoiceValue{p: &recurring, choices: []string{"yes", "no"}}, "recurring", "monthly: yes or no")
	optStringVar(f, &notes, "notes", "notes")
	return c
}

// optChoiceValue sets *p to one of the choices, only when given.
type optChoiceValue struct {
	p       **string
	choices []string
}

func (v optChoiceValue) Set(s string) error {
	var got string
	if err := (choiceValue{p: &got, choices: v.choices}).Set(s); err != nil {
		return err
	}
	*v.p = &got
	return nil
}
func (v optChoiceValue) String() string {
	if v.p == nil || *v.p == nil {
		return ""
	}
	return **v.p
}
func (optChoiceValue) Type() string { return "string" }

// showSettings prints a clinic's settings; --json keeps the stored values
// (es, off, admins…), text names them in the user's language.
func showSettings(c *cobra.Command, env *Env, s store.Settings) error {
	return output(c, s, func(w io.Writer) error {
		m := i18n.For(env.lang())
		days := make([]string, len(s.WorkDays))
		for i, d := range s.WorkDays {
			days[i] = m.Dates.WeekdaysAbbr[d%7] // ISO weekdays: 7 is Sunday
		}
		return fields(w, "name", s.DisplayName, "timezone", s.Timezone, "currency", s.Currency, "language", m.LangName(s.Lang),
			"session length", phrase(w, "%d min", s.DefaultDuration), "working hours", s.WorkStart+"-"+s.WorkEnd,
			"working days", strings.Join(days, " "), "second factor", m.PolicyName(s.SecondFactor),
			"payment overdue after", phrase(w, "%s", plural(s.PaymentOverdueDays, "day", "days")))
	})
}

// settingsCmd is the settings screen's form: `settings update` changes the
// fields given and prints the clinic's settings.
func settingsCmd(env *Env) *cobra.Command {
	g := &cobra.Command{Use: "settings", Short: "The clinic's settings (admin)"}
	var (
		name, tz, currency, lang, start, end *string
		duration, overdueDays                *int
		secondFactor                         *string
		confirmTZ                            bool
	)
	update := &cobra.Command{
		Use:   "update [--name N] [--timezone TZ] [--currency C] [--lang es|en] [--duration MIN] [--work-start HH:MM] [--work-end HH:MM] [--overdue-days N]",
		Short: "Change the clinic's settings (the fields not given stay as they are)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if !anyGiven(name, tz, currency, lang, start, end, secondFactor) && duration == nil && overdueDays == nil {
				return usagef("%s: say which settings to change (see: help settings update)", c.CommandPath())
			}
			cur, err := env.Tenant.Settings(c.Context())
			if err != nil {
				return err
			}
			for _, f := range []struct{ v, dst *string }{{name, &cur.DisplayName}, {tz, &cur.Timezone},
				{currency, &cur.Currency}, {lang, &cur.Lang}, {start, &cur.WorkStart}, {end, &cur.WorkEnd}} {
				if f.v != nil {
					*f.dst = *f.v
				}
			}
			if duration != nil {
				cur.DefaultDuration = *duration
			}
			if secondFactor != nil {
				cur.SecondFactor = store.SecondFactorPolicy(*secondFactor)
			}
			if overdueDays != nil {
				cur.PaymentOverdueDays = *overdueDays
			}
			if tz != nil {
				if err := checkTimezoneChange(c, env, *tz, confirmTZ); err != nil {
					return err
				}
			}
			s, err := env.Tenant.UpdateSettings(c.Context(), env.Actor(), cur)
			if err != nil {
				return err
			}
			return showSettings(c, env, s)
		},
	}
	show := &cobra.Command{
		Use:   "show",
		Short: "The clinic's settings, as the settings screen shows them",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			s, err := env.Tenant.Settings(c.Context())
			if err != nil {
				return err
			}
			return showSettings(c, env, s)
		},
	}
	g.AddCommand(show)
	f := update.Flags()
	optStringVar(f, &name, "name", "the clinic's display name")
	optStringVar(f, &tz, "timezone", "time zone (IANA name); booked sessions keep their instant, so their clock time moves")
	f.BoolVar(&confirmTZ, "confirm-timezone", false, "go ahead with a time-zone change although sessions are booked ahead")
	optStringVar(f, &currency, "currency", "currency (ISO code)")
	optStringVar(f, &lang, "lang", "language: es or en")
	optCountVar(f, &duration, "duration", 1, "default session length, minutes")
	optStringVar(f, &start, "work-start", "working hours start, HH:MM")
	optStringVar(f, &end, "work-end", "working hours end, HH:MM")
	optCountVar(f, &overdueDays, "overdue-days", 1, fmt.Sprintf("days after a session when its unpaid payment is notified as overdue (%d-%d, default %d)",
		store.MinPaymentOverdueDays, store.MaxPaymentOverdueDays, store.DefaultPaymentOverdueDays))
	f.Var(optChoiceValue{p: &secondFactor, choices: []string{string(store.SecondFactorOff), string(store.SecondFactorAdmins),
		string(store.SecondFactorEveryone)}}, "second-factor", "who must pass a second factor at login: off, admins or everyone")
	g.AddCommand(update)
	return g
}

// AuditView is one audit log row.
type AuditView struct {
	ID         int64  `json:"id"`
	CreatedAt  string `json:"created_at"`
	UserEmail  string `json:"user_email"`
	Action     string `json:"action"`
	Entity     string `json:"entity"`
	EntityID   *int64 `json:"entity_id"`
	RemoteAddr string `json:"remote_addr"`
}

func auditCmd(env *Env) *cobra.Command {
	var (
		f           store.AuditFilter
		since, till time.Time
	)
	c := &cobra.Command{
		Use:   "audit [--user E] [--entity E] [--action A] [--since D] [--until D] [--limit N]",
		Short: "The clinic's audit log, newest first (admin)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			loc := env.loc()
			if given(c, "since") {
				f.Since = localMidnight(since, loc)
			}
			if given(c, "until") {
				f.Until = localMidnight(dayAfter(till), loc)
			}
			list, err := env.Tenant.AuditLog(c.Context(), env.Actor(), f)
			if err != nil {
				return err
			}
			views := make([]AuditView, len(list))
			for i, e := range list {
				views[i] = AuditView{ID: e.ID, CreatedAt: fmtTime(e.CreatedAt, loc), UserEmail: e.UserEmail, Action: e.Action,
					Entity: e.Entity, EntityID: e.EntityID, RemoteAddr: e.RemoteAddr}
			}
			return output(c, views, func(w io.Writer) error {
				if len(views) == 0 {
					return emptyState(w, textsFor(env.lang()).NoAudit)
				}
				rows := make([][]string, len(views))
				for i, e := range views {
					rows[i] = []string{e.CreatedAt, orDash(e.UserEmail), e.Action, fmt.Sprintf("%s %s", e.Entity, idStr(e.EntityID)),
						orDash(e.RemoteAddr)}
				}
				return table(w, []string{"WHEN", "USER", "ACTION", "RECORD", "FROM"}, rows)
			})
		},
	}
	fs := c.Flags()
	fs.StringVar(&f.UserEmail, "user", "", "only this user's actions (e-mail)")
	fs.StringVar(&f.Entity, "entity", "", "only this kind of record (patient, session, payment, user, …)")
	idVar(fs, &f.EntityID, "id", "only this record (with --entity)")
	fs.StringVar(&f.Action, "action", "", "only this action (e.g. view, update, purge)")
	dateVar(fs, &since, "since", "from this date YYYY-MM-DD")
	dateVar(fs, &till, "until", "to this date YYYY-MM-DD (included)")
	countVar(fs, &f.Limit, "limit", 0, 1, "at most this many (default 100)")
	c.AddCommand(auditVerify(env))
	return c
}

func patientsPurge(env *Env) *cobra.Command {
	var confirm string
	c := &cobra.Command{
		Use:   `purge ID --confirm "FIRST SURNAME"`,
		Short: "Delete a patient without sessions for good (admin; --confirm repeats the full name)",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID("patient", args[0])
			if err != nil {
				return err
			}
			if err := require(c, "confirm"); err != nil {
				return err
			}
			if err := env.Tenant.PurgePatient(c.Context(), env.Actor(), id, confirm); err != nil {
				return err
			}
			return output(c, map[string]int64{"purged": id}, func(w io.Writer) error {
				return say(w, "Patient %d purged.", id)
			})
		},
	}
	c.Flags().StringVar(&confirm, "confirm", "", "the patient's full name, as typed confirmation (required)")
	return c
}

// auditVerify is the audit screen's chain check: exit 1 when the log was
// changed behind the application's back.
func auditVerify(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "verify",
		Short: "Check that the audit log was not changed, removed from or rebuilt (admin)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			st, err := env.Tenant.VerifyAuditChain(c.Context(), env.Actor())
			if err != nil {
				return err
			}
			if err := output(c, st, func(w io.Writer) error {
				return say(w, "entries: %d, head #%d %s, ok: %s", st.Entries, st.HeadSeq, st.Head, yesNo(w, st.OK))
			}); err != nil {
				return err
			}
			if !st.OK {
				return &shownError{msg: fmt.Sprintf(env.locale().M.Errors.AuditBroken, st.Break.Seq, st.Break.Reason)}
			}
			return nil
		},
	}
}
