package clinic

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"consultorio/printout"
	"consultorio/store"
	"consultorio/tui/i18n"
	"consultorio/tui/kit"
	"consultorio/tui/sanitize"
)

// The front desk's documents on screen: the cash close (from the payments
// and finance screens), a patient's statement (from the patient file) and a
// payment's receipt (from the payments list). Each page shows what the
// printed document says, from the same store operation, and the scripted
// command that prints it as PDF (printout.Documents makes the bytes, for
// that command and for deliveries by e-mail or SFTP).

// docView is a document laid out for the terminal: lines above a table,
// the table, lines below it.
type docView struct {
	title string // "": the page's title stays
	head  []string
	cols  []kit.Column
	rows  [][]string
	foot  []string
}

// docPage shows one document: load reads it (in a tea.Cmd) and returns
// how to lay it out, which View does with the current styles. A cash close
// (day non-nil) moves by day.
type docPage struct {
	env   *kit.Env
	title string
	load  func(ctx context.Context, day time.Time) (func() docView, error) // day: a copy of *day
	hint  func() string                                                    // the command line printing it as PDF
	day   *time.Time                                                       // cash close: the calendar date shown
	// mail queues the document as a PDF attachment to its default address
	// (the patient's; the user's own for a cash close): key e.
	mail func(ctx context.Context, day time.Time) (store.OutboxItem, error) // day: a copy of *day

	view   func() docView // nil until loaded
	loaded bool
	seq    int
	table  kit.Table // only to read: the moving keys scroll it
}

// docMailed is how sending the document by e-mail ended.
type docMailed struct {
	page *docPage
	item store.OutboxItem
	err  error
}

type docLoaded struct {
	page *docPage
	seq  int
	view func() docView
	err  error
}

// newDocPage is a document page without its document yet: its table is
// only to read (no row is selected) and scrolls with the moving keys, j and
// k too.
func newDocPage(env *kit.Env, title string) *docPage {
	return &docPage{env: env, title: title, table: kit.Table{Cursor: -1, Vim: true}}
}

func (p *docPage) Title() string   { return p.title }
func (p *docPage) Capturing() bool { return false }
func (p *docPage) Init() tea.Cmd   { return p.reload() }

func (p *docPage) reload() tea.Cmd {
	p.seq++
	seq, load := p.seq, p.load
	var day time.Time
	if p.day != nil {
		day = *p.day
	}
	return p.env.Do(func(ctx context.Context) tea.Msg {
		v, err := load(ctx, day)
		return docLoaded{page: p, seq: seq, view: v, err: err}
	})
}

func (p *docPage) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case docLoaded:
		if msg.page != p || msg.seq != p.seq {
			return nil
		}
		if msg.err != nil {
			p.env.Error(msg.err)
			return nil
		}
		v := msg.view()
		p.view, p.loaded, p.table.Offset = msg.view, true, 0
		p.table.Cols, p.table.Rows = v.cols, v.rows
		if v.title != "" {
			p.title = v.title
		}
	case docMailed:
		if msg.page != p {
			return nil
		}
		if msg.err != nil {
			p.env.Error(msg.err)
			return nil
		}
		p.env.Info(fmt.Sprintf(kit.Words(p.env, i18n.DocMailFor(p.env.L.Lang)).Queued, sanitize.Line(msg.item.Recipient), msg.item.ID))
	case kit.ChangedMsg:
		if msg.Touches("session", "payment") {
			return p.reload()
		}
	case tea.KeyPressMsg:
		if p.table.Move(msg.String()) {
			return nil
		}
		switch msg.String() {
		case "e":
			if p.mail == nil || !p.loaded {
				return nil
			}
			send := p.mail
			var day time.Time
			if p.day != nil {
				day = *p.day
			}
			return p.env.Do(func(ctx context.Context) tea.Msg {
				it, err := send(ctx, day)
				return docMailed{page: p, item: it, err: err}
			})
		case ",", ".", "t":
			if p.day == nil {
				return nil
			}
			switch msg.String() {
			case ",":
				*p.day = p.day.AddDate(0, 0, -1)
			case ".":
				*p.day = p.day.AddDate(0, 0, 1)
			default:
				*p.day = agCivil(p.env.Now(), p.env.L.Loc)
			}
			p.title = cashCloseTitle(p.env, *p.day)
			return p.reload()
		}
	}
	return nil
}

func (p *docPage) View(w, h int) string {
	st := p.env.Styles()
	lines := []string{" " + st.Title.Render(p.title)}
	if !p.loaded {
		return strings.Join(append(lines, "", " "+st.Muted.Render(p.env.M.Shell.Loading)), "\n")
	}
	v := p.view()
	for _, l := range v.head {
		lines = append(lines, " "+l)
	}
	if len(v.cols) > 0 {
		// The page less title, head, foot and hint, and two lines to
		// spare.
		p.table.Cols, p.table.Rows = v.cols, v.rows
		lines = append(lines, p.table.Lines(st, w, max(h-len(v.head)-len(v.foot)-4, 3))...)
	}
	for _, l := range v.foot {
		lines = append(lines, " "+l)
	}
	for len(lines) < h-1 {
		lines = append(lines, "")
	}
	hint := fmt.Sprintf(p.env.M.Documents.PDFHint, p.hint())
	return strings.Join(append(lines[:min(len(lines), h-1)], " "+st.Muted.Render(kit.Cell(hint, max(w-2, 1), false))), "\n")
}

func (p *docPage) Keys() []key.Binding {
	d := p.env.M.Documents
	var keys []key.Binding
	if p.mail != nil {
		keys = append(keys, kit.Key(kit.Words(p.env, i18n.DocMailFor(p.env.L.Lang)).Key, "e"))
	}
	if p.day != nil {
		keys = append(keys, kit.Key(d.KeyPrevDay, ","), kit.Key(d.KeyNextDay, "."), kit.Key(d.KeyToday, "t"))
	}
	return keys
}

// documents makes and sends the clinic's PDFs for the screen's user.
func documents(env *kit.Env) printout.Documents {
	return printout.Documents{Tenant: env.Tenant, Locale: env.L}
}

func cashCloseTitle(env *kit.Env, day time.Time) string {
	// day is a calendar date (its clock and zone say nothing): noon of it
	// in the clinic's zone is that date there. The locale's LongDate, for
	// the names of its catalogue (folded in ASCII mode).
	noon := time.Date(day.Year(), day.Month(), day.Day(), 12, 0, 0, 0, env.L.Loc)
	return fmt.Sprintf(env.M.Documents.CashCloseTitle, env.L.LongDate(noon))
}

// newCashClosePage is the cash close of day (a calendar date as written).
func newCashClosePage(env *kit.Env, day time.Time) *docPage {
	shown := day
	p := newDocPage(env, cashCloseTitle(env, day))
	p.day = &shown
	p.hint = func() string {
		return "cash-close --date " + p.day.Format(time.DateOnly) + " --pdf > " + env.M.Documents.FileCashClose
	}
	p.load = func(ctx context.Context, day time.Time) (func() docView, error) {
		cc, err := env.Tenant.CashClose(ctx, env.Actor, day)
		return func() docView { return cashCloseView(env, cc) }, err
	}
	p.mail = func(ctx context.Context, day time.Time) (store.OutboxItem, error) {
		return documents(env).MailCashClose(ctx, env.Actor, day, "")
	}
	return p
}

func cashCloseView(env *kit.Env, cc store.CashClose) docView {
	d, l, st := env.M.Documents, env.L, env.Styles()
	var v docView
	for _, m := range cc.Methods {
		v.head = append(v.head, kit.Cell(l.MethodName(m.Method), 16, false)+kit.Cell(strconv.Itoa(m.Count), 5, true)+"  "+kit.Cell(l.Money(m.Total), 16, true))
	}
	v.head = append(v.head, st.Label.Render(kit.Cell(d.Total, 16, false)+kit.Cell(strconv.Itoa(cc.Count), 5, true)+"  "+kit.Cell(l.Money(cc.Total), 16, true)), "")
	if len(cc.Payments) == 0 {
		v.head = append(v.head, st.Muted.Render(d.NoPayments))
		return v
	}
	v.cols = []kit.Column{{Title: d.Session, Width: 7}, {Title: d.Patient, Width: 0}, {Title: d.Method, Width: 13}, {Title: d.Reference, Width: 10}, {Title: d.Amount, Width: 13, Right: true}}
	for _, p := range cc.Payments {
		v.rows = append(v.rows, []string{"#" + strconv.FormatInt(p.SessionID, 10), sanitize.Line(p.PatientName),
			l.MethodName(p.Method), sanitize.Line(p.Reference), l.Money(p.Amount)})
	}
	return v
}

// newStatementPage is a patient's statement.
func newStatementPage(env *kit.Env, patientID int64) *docPage {
	p := newDocPage(env, env.M.Documents.StatementTitle)
	p.hint = func() string {
		return "patients statement " + strconv.FormatInt(patientID, 10) + " --pdf > " + env.M.Documents.FileStatement
	}
	p.load = func(ctx context.Context, day time.Time) (func() docView, error) {
		s, err := env.Tenant.PatientStatement(ctx, env.Actor, patientID)
		return func() docView { return statementView(env, s) }, err
	}
	p.mail = func(ctx context.Context, _ time.Time) (store.OutboxItem, error) {
		return documents(env).MailStatement(ctx, env.Actor, patientID, "")
	}
	return p
}

func statementView(env *kit.Env, s store.Statement) docView {
	d, l, st := env.M.Documents, env.L, env.Styles()
	v := docView{head: []string{st.Label.Render(sanitize.Line(s.PatientName))}}
	if s.PatientDocument != "" {
		v.head = append(v.head, d.Document+": "+sanitize.Line(s.PatientDocument))
	}
	v.cols = []kit.Column{{Title: d.Date, Width: 16}, {Title: d.Specialist, Width: 0}, {Title: d.Status, Width: 11}, {Title: d.Amount, Width: 12, Right: true}, {Title: d.Paid, Width: 14}}
	for _, line := range s.Lines {
		amount, paid := "—", "—"
		if line.Amount != nil {
			amount = l.Money(*line.Amount)
		}
		switch {
		case line.Paid && line.PaidOn != nil:
			paid = line.PaidOn.Format(l.DateLayout())
		case line.Owed:
			paid = "! " + d.Owed
		case line.Amount == nil:
			paid = d.NotCharged
		}
		v.rows = append(v.rows, []string{l.DateTime(line.StartsAt), sanitize.Line(line.SpecialistName),
			l.StatusName(line.Status), amount, paid})
	}
	if len(s.Lines) == 0 {
		v.cols, v.head = nil, append(v.head, st.Muted.Render(d.NoLines))
	}
	v.foot = []string{d.TotalPaid + ": " + l.Money(s.Paid), st.Label.Render(d.Balance + ": " + l.Money(s.Balance))}
	return v
}

// newReceiptPage is the receipt of a session's payment.
func newReceiptPage(env *kit.Env, sessionID int64) *docPage {
	p := newDocPage(env, env.M.Documents.KeyReceipt)
	p.hint = func() string {
		return "payments receipt " + strconv.FormatInt(sessionID, 10) + " --pdf > " + env.M.Documents.FileReceipt
	}
	p.load = func(ctx context.Context, day time.Time) (func() docView, error) {
		r, err := env.Tenant.PaymentReceipt(ctx, env.Actor, sessionID)
		return func() docView { return receiptView(env, r) }, err
	}
	p.mail = func(ctx context.Context, _ time.Time) (store.OutboxItem, error) {
		return documents(env).MailReceipt(ctx, env.Actor, sessionID, "")
	}
	return p
}

func receiptView(env *kit.Env, r store.Receipt) docView {
	d, l, st := env.M.Documents, env.L, env.Styles()
	pay := r.Payment
	who := sanitize.Line(pay.PatientName)
	if r.PatientDocument != "" {
		who += " (" + d.Document + " " + sanitize.Line(r.PatientDocument) + ")"
	}
	method := l.MethodName(pay.Method)
	if pay.Reference != "" {
		method += " · " + sanitize.Line(pay.Reference)
	}
	paidOn := ""
	if pay.PaidOn != nil {
		paidOn = pay.PaidOn.Format(l.DateLayout())
	}
	row := func(label, value string) string { return st.Label.Render(kit.Cell(label, 16, false)) + " " + value }
	return docView{title: fmt.Sprintf(d.ReceiptTitle, r.Number), head: []string{
		sanitize.Line(r.Clinic), "",
		row(d.Received, who),
		row(d.Amount, st.Title.Render(l.Money(pay.Amount))),
		row(d.Method, method),
		row(d.Date, paidOn), "",
		fmt.Sprintf(d.Concept, l.DateTime(pay.SessionStart), sanitize.Line(pay.SpecialistName)), "",
		row(d.IssuedBy, sanitize.Line(r.IssuedBy)),
	}}
}
