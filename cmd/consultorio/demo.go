package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"

	"consultorio/server/cmd"
	"consultorio/store"
	"consultorio/tui/i18n"
)

const (
	demoSchema     = "demo"
	demoName       = "Centro Terapéutico Demo"
	demoAdminEmail = "admin@demo.test"
	demoAdminName  = "Carmen Villanueva Ríos"
)

func newDemoCmd(cfg *config) *cobra.Command {
	var noKey bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Create (idempotently) the demo clinic \"demo\" with realistic sample data and say how to connect",
		Long: `Create the demo clinic "demo": 8 specialists, 4 rooms, 300 patients, a month
of sessions (past ones completed or cancelled, with their payments) and the
clinic's expenses, all through the same operations the application uses.

Running it again adds only what is missing. Your own SSH public key
(~/.ssh/id_ed25519.pub or ~/.ssh/id_rsa.pub), when there is one, is
registered for the demo's admin, so "ssh demo@..." logs you straight in.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runDemo(c, cfg, c.OutOrStdout(), !noKey)
		},
	}
	cmd.Flags().BoolVar(&noKey, "no-key", false, "do not register your SSH public key for the demo's admin")
	return cmd
}

// demoClock is the store's clock during the demo load: the real time,
// except while recording the history of past sessions, when it is set to
// the moment each thing happened (completion time, payment day).
type demoClock struct {
	base store.Clock
	at   atomic.Pointer[time.Time]
}

func (c *demoClock) Now() time.Time {
	if t := c.at.Load(); t != nil {
		return *t
	}
	return c.base.Now()
}

func (c *demoClock) set(t time.Time) { c.at.Store(&t) }
func (c *demoClock) reset()          { c.at.Store(nil) }

// demoCounts is what one run added.
type demoCounts struct {
	Specialists, Rooms, Equipment, Users, Patients int
	Sessions, Completed, Cancelled, Paid           int
	Expenses, ExpensesPaid                         int
}

func (c demoCounts) zero() bool { return c == demoCounts{} }

// demoLogin is a staff login made by this run, with its setup code.
type demoLogin struct{ Email, Role, Code string }

// runDemo builds the demo clinic and says what it made in the operator's
// language (c's tree).
func runDemo(c *cobra.Command, cfg *config, out io.Writer, registerKey bool) error {
	ctx := c.Context()
	clock := &demoClock{base: cfg.env.storeOpts.Clock}
	if clock.base == nil {
		clock.base = store.SystemClock{}
	}
	u, err := cfg.url(ctx)
	if err != nil {
		return err
	}
	opts, err := cfg.storeOptions()
	if err != nil {
		return err
	}
	opts.Clock = clock
	db, err := store.Open(ctx, u, opts)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.MigratePublic(ctx); err != nil {
		return err
	}

	keyLine, keyPath := "", ""
	if registerKey {
		keyLine, keyPath = userPublicKey(cfg.env.getenv("HOME"))
	}
	var logins []demoLogin
	created := false
	info, err := db.GetTenant(ctx, demoSchema)
	switch {
	case errors.Is(err, store.ErrNoSuchTenant):
		p, err := db.CreateTenant(ctx, store.CLI, store.NewTenant{
			Schema: demoSchema, Name: demoName, AdminEmail: demoAdminEmail, AdminName: demoAdminName,
			SpecialistsLimit: 10, MonthlyFee: decimal.NewFromInt(180), AdminKey: keyLine,
		})
		if err != nil {
			return fmt.Errorf("demo: create the clinic: %w", err)
		}
		created = true
		logins = append(logins, demoLogin{demoAdminEmail, "admin", p.SetupCode})
	case err != nil:
		return fmt.Errorf("demo: %w", err)
	case info.Status == store.TenantArchived:
		return cliFailure(func(c *i18n.CLI) string { return fmt.Sprintf(c.DemoArchived, demoSchema) }, nil)
	}
	tn, err := db.Tenant(ctx, demoSchema)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	admin, err := tn.UserByEmail(ctx, store.System, demoAdminEmail)
	if err != nil {
		return fmt.Errorf("demo: the demo's admin %s: %w", demoAdminEmail, err)
	}
	actor := admin.Actor("cli")

	loc := tn.Info.Location()
	// Everything is laid out around the moment the clinic was created, so
	// later runs plan exactly the same data.
	anchor := tn.Info.CreatedAt.In(loc)
	plan := demoPlan(time.Date(anchor.Year(), anchor.Month(), anchor.Day(), 0, 0, 0, 0, loc), loc)
	l := &demoLoader{tn: tn, actor: actor, plan: plan, anchor: anchor, loc: loc, clock: clock}
	if err := l.load(ctx); err != nil {
		return fmt.Errorf("demo: %w (run consultorio demo again to finish)", err)
	}
	logins = append(logins, l.logins...)

	// The user's own key, for `make run`: ssh demo@... logs straight in.
	var keyNote func() error // says what became of the user's key
	if keyLine != "" && !created {
		_, fp, _, _ := store.ParsePublicKey(keyLine)
		schemas, err := db.TenantsForKey(ctx, fp)
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		if !contains(schemas, demoSchema) {
			if _, err := tn.AddKey(ctx, actor, admin.ID, keyLine, "demo"); err != nil {
				var ce *store.ConflictError
				if !errors.As(err, &ce) {
					return fmt.Errorf("demo: register %s: %w", keyPath, err)
				}
				keyNote = func() error { return say(c, out, "Your key %s is registered for another user of the demo.", keyPath) }
			} else {
				keyNote = func() error {
					return say(c, out, "Registered your key %s for %s: ssh logs you straight in.", keyPath, demoAdminEmail)
				}
			}
		}
	} else if keyLine != "" {
		keyNote = func() error {
			return say(c, out, "Registered your key %s for %s: ssh logs you straight in.", keyPath, demoAdminEmail)
		}
	}
	// An admin who has not chosen a password yet, and who has no key,
	// would be locked out once the first code is lost: give a fresh one.
	if !created && !admin.HasPassword && keyLine == "" {
		code, err := tn.NewUserSetupCode(ctx, actor, admin.ID)
		if err != nil {
			return fmt.Errorf("demo: new setup code: %w", err)
		}
		logins = append(logins, demoLogin{phrase(c, "%s (new code; the previous one no longer works)", demoAdminEmail), "admin", code})
	}

	n := l.counts
	switch {
	case created:
		err = say(c, out, "Created the demo clinic %q (schema %s).", demoName, demoSchema)
	case n.zero():
		err = say(c, out, "The demo clinic exists already (schema %s, created %s); nothing to add.", demoSchema, anchor.Format("2006-01-02"))
	default:
		err = say(c, out, "The demo clinic exists already (schema %s); added what was missing.", demoSchema)
	}
	if err != nil {
		return err
	}
	if !n.zero() {
		if err := say(c, out, "Added: %d specialists, %d rooms, %d patients, %d sessions (%d completed, %d cancelled), %d payments recorded, %d expenses (%d paid), %d staff logins.",
			n.Specialists, n.Rooms, n.Patients, n.Sessions, n.Completed, n.Cancelled, n.Paid, n.Expenses, n.ExpensesPaid, n.Users); err != nil {
			return err
		}
	}
	if len(logins) > 0 {
		if err := say(c, out, "Staff logins with their one-time setup codes (shown only now; log in with e-mail + code, then choose a password):"); err != nil {
			return err
		}
		rows := make([][]string, len(logins))
		for i, lg := range logins {
			rows[i] = []string{lg.Email, i18n.NewLocale(cfg.lang, "", nil).Role(lg.Role), lg.Code}
		}
		var buf strings.Builder
		if err := table(&buf, []string{cmd.Phrase(c, "E-MAIL"), cmd.Phrase(c, "ROLE"), cmd.Phrase(c, "SETUP CODE")}, rows); err != nil {
			return err
		}
		for _, line := range strings.SplitAfter(strings.TrimRight(buf.String(), "\n"), "\n") {
			fmt.Fprint(out, "  "+line)
		}
		fmt.Fprintln(out)
	}
	if keyNote != nil {
		if err := keyNote(); err != nil {
			return err
		}
	}
	return say(c, out, "Connect: %s", cfg.sshLine(demoSchema))
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// userPublicKey reads the user's default SSH public key, if any.
func userPublicKey(home string) (line, path string) {
	if home == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			return "", ""
		}
		home = h
	}
	for _, name := range []string{"id_ed25519.pub", "id_ecdsa.pub", "id_rsa.pub"} {
		p := filepath.Join(home, ".ssh", name)
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		l := strings.TrimSpace(string(b))
		if _, _, _, err := store.ParsePublicKey(l); err == nil {
			return l, "~/.ssh/" + name
		}
	}
	return "", ""
}

// demoLoader adds the planned data that is missing, through the store's
// operations (so the demo obeys every rule the application does).
type demoLoader struct {
	tn     *store.Tenant
	actor  store.Actor
	plan   demoData
	anchor time.Time
	loc    *time.Location
	clock  *demoClock
	counts demoCounts
	logins []demoLogin

	specialistIDs []int64
	roomIDs       []int64
	patientIDs    []int64
}

func (l *demoLoader) load(ctx context.Context) error {
	for _, step := range []struct {
		name string
		fn   func(context.Context) error
	}{
		{"staff", l.loadStaff},
		{"specialists", l.loadSpecialists},
		{"rooms", l.loadRooms},
		{"patients", l.loadPatients},
		{"sessions", l.loadSessions},
		{"expenses", l.loadExpenses},
	} {
		if err := step.fn(ctx); err != nil {
			return fmt.Errorf("%s: %w", step.name, err)
		}
	}
	return nil
}

// ensureUser returns the staff user with that e-mail, creating it.
func (l *demoLoader) ensureUser(ctx context.Context, email, name string, role store.Role) (*store.User, error) {
	u, err := l.tn.UserByEmail(ctx, l.actor, email)
	if err == nil {
		return u, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	u, code, err := l.tn.CreateUser(ctx, l.actor, store.NewUser{Email: email, Name: name, Role: role})
	if err != nil {
		return nil, err
	}
	l.counts.Users++
	l.logins = append(l.logins, demoLogin{email, string(role), code})
	return u, nil
}

func (l *demoLoader) loadStaff(ctx context.Context) error {
	for _, s := range l.plan.Staff {
		if _, err := l.ensureUser(ctx, s.Email, s.Name, store.Role(s.Role)); err != nil {
			return err
		}
	}
	return nil
}

func (l *demoLoader) loadSpecialists(ctx context.Context) error {
	existing, err := l.tn.ListSpecialists(ctx, l.actor, true)
	if err != nil {
		return err
	}
	byDoc := map[string]int64{}
	for _, s := range existing {
		byDoc[s.Document] = s.ID
	}
	for _, s := range l.plan.Specialists {
		id, ok := byDoc[s.Document]
		if !ok {
			in := store.SpecialistInput{FirstName: s.First, LastName: s.Last, Specialty: s.Specialty, Document: s.Document,
				Phone: s.Phone, Email: s.Email, CompType: s.CompType, CompValue: s.CompValue}
			if s.UserEmail != "" {
				u, err := l.ensureUser(ctx, s.UserEmail, s.First+" "+s.Last, store.RoleSpecialist)
				if err != nil {
					return err
				}
				in.UserID = &u.ID
			}
			sp, err := l.tn.CreateSpecialist(ctx, l.actor, in)
			if err != nil {
				return err
			}
			id = sp.ID
			l.counts.Specialists++
		}
		l.specialistIDs = append(l.specialistIDs, id)
	}
	return nil
}

func (l *demoLoader) loadRooms(ctx context.Context) error {
	existing, err := l.tn.ListRooms(ctx, l.actor, true)
	if err != nil {
		return err
	}
	byName := map[string]int64{}
	for _, r := range existing {
		byName[r.Name] = r.ID
	}
	catalog, err := l.tn.ListEquipment(ctx, l.actor)
	if err != nil {
		return err
	}
	equipment := map[string]int64{}
	for _, e := range catalog {
		equipment[e.Name] = e.ID
	}
	for ri, r := range l.plan.Rooms {
		if id, ok := byName[r.Name]; ok {
			l.roomIDs = append(l.roomIDs, id)
			continue
		}
		// A new room, with its specialists and equipment.
		room, err := l.tn.CreateRoom(ctx, l.actor, store.RoomInput{Name: r.Name, Capacity: r.Capacity, Location: r.Location})
		if err != nil {
			return err
		}
		l.counts.Rooms++
		l.roomIDs = append(l.roomIDs, room.ID)
		var assigned []int64
		for si, s := range l.plan.Specialists {
			if s.Room == ri {
				assigned = append(assigned, l.specialistIDs[si])
			}
		}
		if _, err := l.tn.SetRoomSpecialists(ctx, l.actor, room.ID, assigned); err != nil {
			return err
		}
		for _, e := range r.Equipment {
			id, ok := equipment[e.Name]
			if !ok {
				eq, err := l.tn.CreateEquipment(ctx, l.actor, e.Name, e.Code)
				if err != nil {
					return err
				}
				id = eq.ID
				equipment[e.Name] = id
				l.counts.Equipment++
			}
			if _, err := l.tn.AddRoomEquipment(ctx, l.actor, room.ID, id, e.Quantity); err != nil {
				return err
			}
		}
	}
	return nil
}

func (l *demoLoader) loadPatients(ctx context.Context) error {
	byDoc := map[string]int64{}
	q := store.PatientQuery{Limit: 500, IncludeArchived: true}
	for {
		page, err := l.tn.ListPatients(ctx, l.actor, q)
		if err != nil {
			return err
		}
		for _, p := range page.Patients {
			byDoc[p.Document] = p.ID
		}
		if page.Next == nil {
			break
		}
		q.After = page.Next
	}
	for _, p := range l.plan.Patients {
		id, ok := byDoc[p.Document]
		if !ok {
			th := l.specialistIDs[p.Therapist]
			np, err := l.tn.CreatePatient(ctx, l.actor, store.PatientInput{
				FirstName: p.First, Surname: p.Surname, BirthDate: p.BirthDate, Gender: p.Gender, Document: p.Document,
				Address: p.Address, Phone: p.Phone, Email: p.Email, MaritalStatus: p.MaritalStatus, Education: p.Education,
				CostSession: p.Price, TherapistID: &th, MedicalDiagnosis: p.Diagnosis, MedicalHistory: p.History,
				Allergies: p.Allergies, Therapy: p.Therapy, EmergencyName: p.EmergencyName, EmergencyPhone: p.EmergencyPhone,
				Notes: p.Notes, Status: p.Status,
			})
			if err != nil {
				return fmt.Errorf("%s %s: %w", p.First, p.Surname, err)
			}
			id = np.ID
			l.counts.Patients++
		}
		l.patientIDs = append(l.patientIDs, id)
	}
	return nil
}

type slotKey struct {
	specialist int64
	start      int64
}

// sessionsBySlot reads the demo month's sessions, keyed by specialist and start.
func (l *demoLoader) sessionsBySlot(ctx context.Context, from, to time.Time) (map[slotKey]store.Session, error) {
	ss, err := l.tn.ListSessions(ctx, l.actor, store.SessionFilter{From: from, To: to, Limit: 5000})
	if err != nil {
		return nil, err
	}
	m := make(map[slotKey]store.Session, len(ss))
	for _, s := range ss {
		m[slotKey{s.SpecialistID, s.StartsAt.Unix()}] = s
	}
	return m, nil
}

func (l *demoLoader) loadSessions(ctx context.Context) error {
	if len(l.plan.Series) == 0 {
		return nil
	}
	from, to := l.plan.Series[0].Start, l.plan.Series[0].Start
	for _, s := range l.plan.Series {
		end := s.Start.AddDate(0, 0, 7*s.Count)
		if s.Start.Before(from) {
			from = s.Start
		}
		if end.After(to) {
			to = end
		}
	}
	have, err := l.sessionsBySlot(ctx, from, to)
	if err != nil {
		return err
	}
	today := civil(l.anchor)
	// Book the weekly series that are missing (each one all or nothing).
	for _, s := range l.plan.Series {
		spec := l.specialistIDs[s.Specialist]
		if _, ok := have[slotKey{spec, s.Start.Unix()}]; ok {
			continue
		}
		b := store.Booking{
			PatientID: l.patientIDs[s.Patient], SpecialistID: spec, RoomID: l.roomIDs[s.Room],
			Start: s.Start, DurationMin: s.DurationMin, Repeat: store.Repeat{WeeklyCount: s.Count},
			Objective: s.Objective, Activity: s.Activity, Materials: s.Materials,
		}
		if s.Prepaid {
			// A monthly package, paid by transfer on the first day (or today).
			day := earliest(civil(s.Start), today)
			b.Payment = &store.PaymentInput{Method: "transfer", Reference: "Paquete mensual", Date: &day}
		}
		booked, err := l.tn.BookSession(ctx, l.actor, b)
		var bc *store.BookingConflicts
		if errors.As(err, &bc) {
			// Someone booked over this slot since: leave the agenda as it is.
			continue
		}
		if err != nil {
			return fmt.Errorf("book %s for patient #%d: %w", s.Start.Format("2006-01-02 15:04"), b.PatientID, err)
		}
		l.counts.Sessions += len(booked)
	}
	if have, err = l.sessionsBySlot(ctx, from, to); err != nil {
		return err
	}
	// What happened to the sessions before the demo was made (and a few
	// cancellations ahead), with the clock set to when it happened.
	defer l.clock.reset()
	for _, s := range l.plan.Series {
		spec := l.specialistIDs[s.Specialist]
		prog := l.plan.programmeOf(s.Patient)
		for k := range s.Count {
			start := s.Start.AddDate(0, 0, 7*k)
			end := start.Add(time.Duration(s.DurationMin) * time.Minute)
			sess, ok := have[slotKey{spec, start.Unix()}]
			if !ok {
				continue // booked by someone else differently; leave it
			}
			o := demoOutcomeFor(s, k, start, prog, !end.After(l.anchor))
			open := !sess.Final()
			switch {
			case o.Status == store.SessionCompleted && open:
				l.clock.set(earliest(end.Add(10*time.Minute), l.anchor))
				done, err := l.tn.CompleteSession(ctx, l.actor, sess.ID, o.Observation)
				if err != nil {
					return fmt.Errorf("complete session #%d: %w", sess.ID, err)
				}
				sess = done
				l.counts.Completed++
			case o.Status == store.SessionCancelled && open:
				when := start.Add(-3 * time.Hour)
				if when.After(l.anchor) {
					when = l.anchor
				}
				l.clock.set(when)
				if _, err := l.tn.CancelSession(ctx, l.actor, sess.ID, o.CancelReason, o.CancelDetail); err != nil {
					return fmt.Errorf("cancel session #%d: %w", sess.ID, err)
				}
				l.counts.Cancelled++
			}
			if o.Paid && sess.Status == store.SessionCompleted && !sess.Paid {
				day := earliest(civil(start).AddDate(0, 0, o.PaidDays), today)
				at := time.Date(day.Year(), day.Month(), day.Day(), 18, 30, 0, 0, l.loc)
				l.clock.set(earliest(latest(at, end), l.anchor))
				if _, err := l.tn.MarkPaid(ctx, l.actor, sess.ID, store.PaymentInput{Method: o.Method, Date: &day}); err != nil {
					return fmt.Errorf("mark session #%d paid: %w", sess.ID, err)
				}
				l.counts.Paid++
			}
			l.clock.reset()
		}
	}
	return nil
}

func (l *demoLoader) loadExpenses(ctx context.Context) error {
	existing, err := l.tn.ListExpenses(ctx, l.actor, time.Time{})
	if err != nil {
		return err
	}
	type key struct {
		name string
		due  string
	}
	have := map[key]store.Expense{}
	for _, e := range existing {
		if e.DueDate != nil {
			have[key{e.Name, e.DueDate.Format(time.DateOnly)}] = e
		}
	}
	today := civil(l.anchor)
	// Oldest first, so next month's copy of a recurring expense is made
	// from the previous one (linked, as the application does it).
	plan := append([]demoExpense(nil), l.plan.Expenses...)
	sort.SliceStable(plan, func(i, j int) bool { return plan[i].Due.Before(plan[j].Due) })
	for _, pe := range plan {
		k := key{pe.Name, pe.Due.Format(time.DateOnly)}
		e, ok := have[k]
		if !ok {
			var err error
			prev, hasPrev := have[key{pe.Name, pe.Due.AddDate(0, -1, 0).Format(time.DateOnly)}]
			if pe.Recurring && hasPrev {
				if e, err = l.tn.CreateNextRecurring(ctx, l.actor, prev.ID); err != nil {
					return err
				}
				if !e.Amount.Equal(pe.Amount) { // this month's bill differs
					due := pe.Due
					if e, err = l.tn.UpdateExpense(ctx, l.actor, e.ID, store.ExpenseInput{Name: pe.Name, Amount: pe.Amount,
						Fixed: pe.Fixed, Recurring: pe.Recurring, DueDate: &due, Notes: pe.Notes}); err != nil {
						return err
					}
				}
			} else {
				due := pe.Due
				if e, err = l.tn.CreateExpense(ctx, l.actor, store.ExpenseInput{Name: pe.Name, Amount: pe.Amount,
					Fixed: pe.Fixed, Recurring: pe.Recurring, DueDate: &due, Notes: pe.Notes}); err != nil {
					return err
				}
			}
			have[k] = e
			l.counts.Expenses++
		}
		if pe.Paid && !e.Paid {
			day := earliest(pe.Due.AddDate(0, 0, -pe.PaidDays), today)
			if _, _, err := l.tn.PayExpense(ctx, l.actor, e.ID, &day); err != nil {
				return err
			}
			l.counts.ExpensesPaid++
		}
	}
	return nil
}

// civil is t's calendar date as the store takes dates: midnight UTC.
func civil(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
