package clinic

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/shopspring/decimal"

	"consultorio/store"
	"consultorio/tui/i18n"
	"consultorio/tui/kit"
	"consultorio/tui/sanitize"
)

// File tabs, in the order the tab bar shows them.
const (
	tabData = iota
	tabClinical
	tabUpcoming
	tabHistory
	tabPayments
	tabFiles
	TabCount
)

// patientFile is a patient's record with tabs: data, clinical (by role),
// upcoming sessions, history (completed) and payments with the balance.
type patientFile struct {
	list *PatientList
	env  *kit.Env
	keys patientFileKeys

	p        store.Patient // from the list until the full record arrives
	loaded   bool
	data     fileData
	tab      int
	scroll   int       // the other tabs' text
	sessions kit.Table // the upcoming or history tab's sessions
}

type patientFileKeys struct {
	Tabs, Prev, Next, Up, Down, Edit, Archive, Unarchive, Purge, Statement key.Binding
	Book, Open                                                             key.Binding
}

// fileData is everything the file shows besides the patient itself.
type fileData struct {
	upcoming, history []store.Session
	payments          store.PaymentList
	balance           *decimal.Decimal // nil: not available to the actor
	credits           []store.Credit   // open credits (actors who may see them)
	sessionsErr       error
	paymentsErr       error
	// files are read when their tab is first shown (the listing is
	// audited: not on every opening of the file).
	files       []store.Attachment
	filesErr    error
	filesLoaded bool
}

type filesLoaded struct {
	file  *patientFile
	files []store.Attachment
	err   error
}

type fileLoaded struct {
	file *patientFile
	p    store.Patient
	err  error
	data fileData
}

func newPatientFile(l *PatientList, p store.Patient) *patientFile {
	m := l.env.M.Patients
	k := kit.Key
	return &patientFile{list: l, env: l.env, p: p, sessions: kit.Table{Vim: true}, keys: patientFileKeys{
		Tabs:      kit.KeyShown("←→", m.KeyTabs, "left", "right"),
		Prev:      key.NewBinding(key.WithKeys("left", "h")),
		Next:      key.NewBinding(key.WithKeys("right", "l")),
		Up:        kit.KeyShown("↑↓", m.KeyMove, "up", "k"),
		Down:      key.NewBinding(key.WithKeys("down", "j")),
		Edit:      k(m.KeyEdit, "e"),
		Archive:   k(m.KeyArchive, "a"),
		Unarchive: k(m.KeyUnarchive, "a"),
		Purge:     k(m.KeyPurge, "x"),
		Statement: k(l.env.M.Documents.KeyStatement, "s"),
		Book:      k(kit.Words(l.env, i18n.SessionsEditFor(l.env.L.Lang)).KeyBook, "n"),
		Open:      k(kit.Words(l.env, i18n.SessionsEditFor(l.env.L.Lang)).KeyOpen, "enter"),
	}}
}

func (f *patientFile) Title() string {
	if f.p.Surname == "" && f.p.FirstName == "" {
		return fmt.Sprintf("#%d", f.p.ID) // opened by id, not loaded yet
	}
	return sanitize.Line(f.p.Surname + ", " + f.p.FirstName)
}

func (f *patientFile) Init() tea.Cmd { return f.reload() }

// reload reads the record (GetPatient writes the audit row of a clinical
// view when the actor sees the clinical fields) and its sessions and
// payments in one trip.
func (f *patientFile) reload() tea.Cmd {
	tn, actor, id, now := f.env.Tenant, f.env.Actor, f.p.ID, f.env.Now()
	return f.env.Do(func(ctx context.Context) tea.Msg {
		p, err := tn.GetPatient(ctx, actor, id)
		if err != nil {
			return fileLoaded{file: f, err: err}
		}
		var d fileData
		var all []store.Session
		all, d.sessionsErr = tn.ListSessions(ctx, actor, store.SessionFilter{PatientID: id, From: now, Limit: 200})
		for _, s := range all {
			if s.Status != store.SessionCancelled && s.Status != store.SessionCompleted {
				d.upcoming = append(d.upcoming, s)
			}
		}
		if d.sessionsErr == nil {
			d.history, d.sessionsErr = tn.ListSessions(ctx, actor, store.SessionFilter{PatientID: id, Status: store.SessionCompleted, Limit: 500})
			slices.Reverse(d.history) // newest first
		}
		d.payments, d.paymentsErr = tn.ListPayments(ctx, actor, store.PaymentFilter{PatientID: id, Limit: 500})
		if !p.Restricted {
			if b, err := tn.PatientBalance(ctx, actor, id); err == nil {
				d.balance = &b
			} else if fe := (*store.ForbiddenError)(nil); !errors.As(err, &fe) && d.paymentsErr == nil {
				d.paymentsErr = err
			}
		}
		if actor.MayWritePayments() && d.paymentsErr == nil {
			d.credits, d.paymentsErr = tn.PatientCredits(ctx, actor, id, false)
		}
		return fileLoaded{file: f, p: p, data: d}
	})
}

func (f *patientFile) mayWrite() bool { return f.list.mayWrite() }

func (f *patientFile) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case fileLoaded:
		if msg.file != f {
			return nil
		}
		if msg.err != nil {
			f.env.Error(msg.err)
			return nil
		}
		f.p, f.data, f.loaded = msg.p, msg.data, true
		f.showSessions()
		return f.loadFiles()
	case filesLoaded:
		if msg.file == f {
			f.data.files, f.data.filesErr, f.data.filesLoaded = msg.files, msg.err, true
		}
		return nil
	case fileBookLoaded:
		if msg.file != f {
			return nil
		}
		if msg.err != nil {
			f.env.Error(msg.err)
			return nil
		}
		pre := bookingDefaults{patientID: f.p.ID, patientName: f.p.FullName()}
		if f.p.TherapistID != nil {
			pre.specialistID = *f.p.TherapistID
		}
		return f.list.stack.Push(newBookingPage(f.env, f.list.stack, msg.specs, msg.rooms, pre, f.reload))
	case kit.ShownMsg:
		return f.reload()
	case tea.KeyPressMsg:
		k := f.keys
		sessions := f.tabSessions()
		switch {
		case key.Matches(msg, k.Next):
			return f.showTab((f.tab + 1) % TabCount)
		case key.Matches(msg, k.Prev):
			return f.showTab((f.tab + TabCount - 1) % TabCount)
		case sessions != nil && f.sessions.Move(msg.String()):
		case sessions != nil && key.Matches(msg, k.Open):
			if c := f.sessions.Cursor; c < len(sessions) {
				return f.list.stack.Push(newSessionPage(f.env, f.list.stack, sessions[c].ID))
			}
		case key.Matches(msg, k.Book):
			if f.mayBook() {
				return f.loadBooking()
			}
		case key.Matches(msg, k.Down):
			f.scroll++
		case key.Matches(msg, k.Up):
			f.scroll = max(f.scroll-1, 0)
		case key.Matches(msg, k.Edit):
			if f.loaded && !f.p.Restricted {
				p := f.p
				return openPatientForm(f.list, f, &p)
			}
		case key.Matches(msg, k.Archive):
			if f.loaded && f.mayWrite() {
				return f.list.stack.Push(archivePage(f.list, f.p, f))
			}
		case key.Matches(msg, k.Statement):
			if f.loaded && f.env.Actor.MayIssueStatements() {
				return f.list.stack.Push(newStatementPage(f.env, f.p.ID))
			}
		case key.Matches(msg, k.Purge):
			if f.loaded && f.env.Actor.MayPurgePatients() {
				return f.list.stack.Push(purgePage(f.list, f.p))
			}
		}
	}
	return nil
}

func (f *patientFile) Keys() []key.Binding {
	k := f.keys
	keys := []key.Binding{k.Tabs}
	if !f.p.Restricted {
		keys = append(keys, k.Edit)
	}
	if f.mayWrite() {
		if f.p.ArchivedAt != nil {
			keys = append(keys, k.Unarchive)
		} else {
			keys = append(keys, k.Archive)
		}
	}
	if f.env.Actor.MayPurgePatients() {
		keys = append(keys, k.Purge)
	}
	if f.env.Actor.MayIssueStatements() {
		keys = append(keys, k.Statement)
	}
	// last: the help line cuts from the end, and "?" lists them all
	if len(f.tabSessions()) > 0 {
		keys = append(keys, k.Up, k.Open)
	}
	if f.mayBook() {
		keys = append(keys, k.Book)
	}
	return keys
}

// tabSessions are the sessions the shown tab lists (nil on other tabs).
func (f *patientFile) tabSessions() []store.Session {
	if !f.loaded {
		return nil
	}
	switch f.tab {
	case tabUpcoming:
		return f.data.upcoming
	case tabHistory:
		return f.data.history
	}
	return nil
}

// mayBook: the patient file offers "book a session" to whoever may book
// (a specialist, their own sessions), for a patient not archived.
func (f *patientFile) mayBook() bool {
	a := f.env.Actor
	return f.loaded && f.p.ArchivedAt == nil && (a.Role != store.RoleSpecialist || a.MayBook(a.SpecialistID))
}

// fileBookLoaded brings what the booking form offers.
type fileBookLoaded struct {
	file  *patientFile
	specs []store.Specialist
	rooms []store.Room
	err   error
}

func (f *patientFile) loadBooking() tea.Cmd {
	env := f.env
	return env.Do(func(ctx context.Context) tea.Msg {
		out := fileBookLoaded{file: f}
		if out.specs, out.err = env.Tenant.ListSpecialists(ctx, env.Actor, false); out.err != nil {
			return out
		}
		out.rooms, out.err = env.Tenant.ListRooms(ctx, env.Actor, false)
		return out
	})
}

func (f *patientFile) Capturing() bool { return false }

func (f *patientFile) tabNames() []string {
	m := f.env.M.Patients
	return []string{m.TabData, m.TabClinical, m.TabUpcoming, m.TabHistory, m.TabPayments, f.env.M.Files.Tab}
}

// loadFiles reads the patient's files the actor may read, when the files
// tab shows and they are not loaded yet (a reload of the file reads them
// again).
func (f *patientFile) loadFiles() tea.Cmd {
	if f.tab != tabFiles || !f.loaded || f.data.filesLoaded {
		return nil
	}
	tn, actor, id := f.env.Tenant, f.env.Actor, f.p.ID
	return f.env.Do(func(ctx context.Context) tea.Msg {
		list, err := tn.Attachments(ctx, actor, id, "")
		return filesLoaded{file: f, files: list, err: err}
	})
}

// fileLines lists the files: name, kind, size, date, and how to transfer
// them.
func (f *patientFile) fileLines() []string {
	m := f.env.M.Files
	st := f.env.Styles()
	if !f.data.filesLoaded {
		return []string{" " + st.Muted.Render(f.env.M.Shell.Loading)}
	}
	if f.data.filesErr != nil {
		return []string{" " + st.Error.Render("✗ "+f.env.ErrorText(f.data.filesErr))}
	}
	out := []string{" " + st.Muted.Render(sanitize.Line(fmt.Sprintf(m.Hint, f.p.ID))), ""}
	if len(f.data.files) == 0 {
		return append(out, " "+st.Muted.Render(m.Empty))
	}
	out = append(out, " "+st.Label.Render(kit.Cell(m.ColName, 30, false)+"  "+kit.Cell(m.ColKind, 14, false)+"  "+kit.Cell(m.ColSize, 9, true)+"  "+m.ColDate))
	for _, a := range f.data.files {
		out = append(out, " "+kit.Cell(sanitize.Line(a.Name), 30, false)+"  "+kit.Cell(m.Kind(string(a.Kind)), 14, false)+"  "+
			kit.Cell(f.env.L.Bytes(a.Size), 9, true)+"  "+f.env.L.DateTime(a.CreatedAt))
	}
	return out
}

func (f *patientFile) View(w, h int) string {
	st := f.env.Styles()
	var bar strings.Builder
	bar.WriteString(" ")
	for i, name := range f.tabNames() {
		if i == f.tab {
			bar.WriteString(st.TabActive.Render("[" + name + "]"))
		} else {
			bar.WriteString(st.Tab.Render(" " + name + " "))
		}
	}
	if !f.loaded {
		return bar.String()
	}
	var lines []string
	switch f.tab {
	case tabData:
		lines = f.dataLines()
	case tabClinical:
		lines = f.clinicalLines(w)
	case tabUpcoming, tabHistory:
		if err := f.data.sessionsErr; err != nil {
			return bar.String() + "\n\n " + st.Error.Render("✗ "+f.env.ErrorText(err))
		}
		return bar.String() + "\n\n" + f.sessions.View(st, w, h-2) // scrolled to keep the chosen one in view
	case tabPayments:
		lines = f.paymentLines()
	case tabFiles:
		lines = f.fileLines()
	}
	body := h - 2
	f.scroll = min(f.scroll, max(len(lines)-body, 0))
	lines = lines[f.scroll:]
	return bar.String() + "\n\n" + strings.Join(lines, "\n")
}

// field is one "Label: value" line of the file (value sanitized here).
func (f *patientFile) field(label, value string) string {
	st := f.env.Styles()
	return " " + st.Label.Render(fmt.Sprintf("%-24s", label+":")) + " " + sanitize.Line(value)
}

func (f *patientFile) dataLines() []string {
	m := f.env.M.Patients
	p := f.p
	if p.Restricted {
		return []string{
			f.field(m.FirstName, p.FirstName),
			f.field(m.Surname, p.Surname),
			f.field(m.Status, patientStatusText(f.env, p)),
			f.field(m.Therapist, p.TherapistName),
			"",
			" " + f.env.Styles().Muted.Render(m.Restricted),
		}
	}
	birth := ""
	if !p.BirthDate.IsZero() {
		birth = p.BirthDate.Format(f.env.L.DateLayout()) + "  (" + fmt.Sprintf(m.Age, p.Age) + ")"
	}
	therapist := p.TherapistName
	if therapist == "" {
		therapist = m.TherapistNone
	}
	emergency := strings.TrimSpace(p.EmergencyName + "  " + p.EmergencyPhone)
	return []string{
		f.field(m.FirstName, p.FirstName),
		f.field(m.Surname, p.Surname),
		f.field(m.BirthDate, birth),
		f.field(m.Gender, genderText(f.env, p.Gender)),
		f.field(m.Document, p.Document),
		f.field(m.Address, p.Address),
		f.field(m.Phone, p.Phone),
		f.field(m.Email, p.Email),
		f.field(m.MaritalStatus, p.MaritalStatus),
		f.field(m.Education, p.Education),
		f.field(m.CostSession, f.env.L.Money(p.CostSession)),
		f.field(m.Therapist, therapist),
		f.field(m.EmergencyName, emergency),
		f.field(m.Status, patientStatusText(f.env, p)),
		f.field(m.Registered, f.env.L.Date(p.CreatedAt)),
	}
}

func genderText(env *kit.Env, g string) string {
	m := env.M.Patients
	switch g {
	case "female":
		return m.GenderFemale
	case "male":
		return m.GenderMale
	case "other":
		return m.GenderOther
	}
	return m.GenderNone
}

// clinicalLines shows the clinical fields only when the store filled them
// (ClinicalVisible); otherwise one line says the role does not allow it.
func (f *patientFile) clinicalLines(w int) []string {
	m := f.env.M.Patients
	st := f.env.Styles()
	if !f.p.ClinicalVisible {
		return []string{" " + st.Warn.Render(m.ClinicalNotAllowed)}
	}
	var out []string
	wrap := lipgloss.NewStyle().Width(max(w-4, 10))
	for _, x := range []struct{ label, text string }{
		{m.MedicalDiagnosis, f.p.MedicalDiagnosis}, {m.MedicalHistory, f.p.MedicalHistory},
		{m.Allergies, f.p.Allergies}, {m.Therapy, f.p.Therapy}, {m.Notes, f.p.Notes},
	} {
		out = append(out, " "+st.Label.Render(x.label+":"))
		text := sanitize.Text(x.text)
		if strings.TrimSpace(text) == "" {
			text = "—"
		}
		for _, l := range strings.Split(wrap.Render(text), "\n") {
			out = append(out, "   "+l)
		}
	}
	return out
}

// showTab shows tab i from its top.
func (f *patientFile) showTab(i int) tea.Cmd {
	f.tab, f.scroll = i, 0
	f.sessions.Top()
	f.showSessions()
	return f.loadFiles()
}

// showSessions puts the shown tab's sessions in the table, after a load
// and on another tab: when, who, where, and the observation (history) or
// the status (upcoming).
func (f *patientFile) showSessions() {
	list := f.tabSessions()
	m := f.env.M
	last, lastTitle := func(s store.Session) string { return agStatusName(m, s.Status) }, m.Sessions.ColStatus
	if f.tab == tabHistory {
		last, lastTitle = func(s store.Session) string { return sanitize.Line(s.Observation) }, m.Sessions.Observation
	}
	f.sessions.Cols = []kit.Column{{Title: m.Sessions.ColWhen, Width: 16}, {Title: m.Sessions.ColSpec, Width: 22},
		{Title: m.Sessions.ColRoom, Width: 14}, {Title: lastTitle}}
	f.sessions.Empty = m.Patients.NoSessions
	rows := make([][]string, len(list))
	for i, s := range list {
		rows[i] = []string{f.env.L.DateTime(s.StartsAt), sanitize.Line(s.SpecialistName), sanitize.Line(s.RoomName), last(s)}
	}
	f.sessions.SetRows(rows)
}

func (f *patientFile) paymentLines() []string {
	m := f.env.M.Patients
	st := f.env.Styles()
	var out []string
	if f.data.balance != nil {
		out = append(out, " "+st.Label.Render(fmt.Sprintf(m.Balance, f.env.L.Money(*f.data.balance))), "")
	} else {
		out = append(out, " "+st.Muted.Render(m.BalanceHidden), "")
	}
	if f.data.paymentsErr != nil {
		return append(out, " "+st.Error.Render("✗ "+f.env.ErrorText(f.data.paymentsErr)))
	}
	out = append(out, f.creditLines()...)
	if len(f.data.payments.Payments) == 0 {
		return append(out, " "+st.Muted.Render(m.NoPayments))
	}
	for _, p := range f.data.payments.Payments {
		state := m.Unpaid
		if p.Paid {
			state = m.Paid
			if p.PaidOn != nil {
				state += " " + p.PaidOn.Format(f.env.L.DateLayout())
			}
			if p.Method != "" {
				state += " · " + agMethodName(f.env.M, p.Method) // "efectivo", not the stored "cash"
			}
		}
		// 1+16+2+13+2+11+2 = 47 cells before the state, which takes up to
		// 33 ("pagado dd/mm/aaaa · transferencia"): the line fits 80 columns.
		out = append(out, fmt.Sprintf(" %s  %s  %11s  %s", f.env.L.DateTime(p.SessionStart),
			kit.Cell(sanitize.Line(p.SpecialistName), 13, false), f.env.L.Money(p.Amount), state))
	}
	return out
}

// creditLines are the patient's open credits (prepaid sessions cancelled as
// credit): their total, each one, and how it is used — the store moves a
// credit onto the next session booked for the patient (BookSession).
func (f *patientFile) creditLines() []string {
	if len(f.data.credits) == 0 {
		return nil
	}
	w, st, l := kit.Words(f.env, i18n.SessionsEditFor(f.env.L.Lang)), f.env.Styles(), f.env.L
	total := decimal.Zero
	for _, c := range f.data.credits {
		total = total.Add(c.Amount)
	}
	out := []string{" " + st.Label.Render(fmt.Sprintf(w.Credits, l.Money(total), len(f.data.credits)))}
	for _, c := range f.data.credits {
		out = append(out, "   "+fmt.Sprintf(w.CreditLine, c.CreatedAt.Format(l.DateLayout()), l.Money(c.Amount), c.FromSessionID))
	}
	return append(out, "   "+st.Muted.Render(w.CreditHint), "")
}
