package printout

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"consultorio/store"
	"consultorio/tui/i18n"
)

// Documents makes one clinic's documents for an actor, in a locale: each
// method runs the store operation (permissions included) and returns the
// PDF. It is what every door calls — the scripted `--pdf` commands, the
// TUI, and the deliveries (e-mail, SFTP download) that send the bytes on.
type Documents struct {
	Tenant *store.Tenant
	Locale *i18n.Locale
}

// AgendaPDF is the agenda of a day (its calendar date as written), one
// page per specialist; f narrows it as the agenda does.
func (d Documents) AgendaPDF(ctx context.Context, actor store.Actor, day time.Time, f store.AgendaFilter) ([]byte, error) {
	sessions, err := d.Tenant.Agenda(ctx, actor, day, f)
	if err != nil {
		return nil, err
	}
	settings, err := d.Tenant.Settings(ctx)
	if err != nil {
		return nil, err
	}
	var only string
	if f.SpecialistID != 0 {
		sp, err := d.Tenant.GetSpecialist(ctx, actor, f.SpecialistID)
		if err != nil {
			return nil, err
		}
		only = sp.FirstName + " " + sp.LastName
	}
	clinic := cmp.Or(strings.TrimSpace(settings.DisplayName), d.Tenant.Info.Name)
	return Agenda(d.Locale, clinic, day, only, sessions, d.Tenant.DB().Now())
}

// CashClosePDF is the cash close of a day (zero: today).
func (d Documents) CashClosePDF(ctx context.Context, actor store.Actor, day time.Time) ([]byte, error) {
	cc, err := d.Tenant.CashClose(ctx, actor, day)
	if err != nil {
		return nil, err
	}
	return CashClose(d.Locale, cc)
}

// StatementPDF is a patient's statement.
func (d Documents) StatementPDF(ctx context.Context, actor store.Actor, patientID int64) ([]byte, error) {
	st, err := d.Tenant.PatientStatement(ctx, actor, patientID)
	if err != nil {
		return nil, err
	}
	return Statement(d.Locale, st)
}

// ReceiptPDF is the receipt of a session's payment.
func (d Documents) ReceiptPDF(ctx context.Context, actor store.Actor, sessionID int64) ([]byte, error) {
	r, err := d.Tenant.PaymentReceipt(ctx, actor, sessionID)
	if err != nil {
		return nil, err
	}
	return Receipt(d.Locale, r)
}

// Agenda draws a day's sessions, a page per specialist (cancelled ones
// included, marked as such). only names the one specialist asked for, so
// an empty day still says whose agenda it is.
func Agenda(l *i18n.Locale, clinic string, day time.Time, only string, sessions []store.Session, issued time.Time) ([]byte, error) {
	t := l.M.Documents
	d := newDoc(l, clinic, fmt.Sprintf(t.AgendaTitle, i18n.LongDate(l.Lang, day)), issued)
	groups := map[string][]store.Session{}
	var names []string
	for _, s := range sessions {
		if _, ok := groups[s.SpecialistName]; !ok {
			names = append(names, s.SpecialistName)
		}
		groups[s.SpecialistName] = append(groups[s.SpecialistName], s)
	}
	slices.Sort(names)
	if len(names) == 0 {
		d.pdf.AddPage()
		if only != "" {
			d.subtitle(fmt.Sprintf(t.AgendaOf, only))
		}
		d.text(t.NoSessions)
		return d.bytes()
	}
	cols := []col{{t.Time, 24, false}, {t.Patient, 68, false}, {t.Room, 38, false}, {t.Status, 32, false}, {t.Session, 18, true}}
	for _, name := range names {
		d.pdf.AddPage()
		d.subtitle(fmt.Sprintf(t.AgendaOf, name))
		d.tableHeader(cols)
		for _, s := range groups[name] {
			d.row(cols, []string{l.Time(s.StartsAt) + "–" + l.Time(s.EndsAt), s.PatientName, s.RoomName,
				l.StatusName(s.Status), "#" + strconv.FormatInt(s.ID, 10)}, false)
		}
	}
	return d.bytes()
}

// CashClose draws a day's takings: the totals by method, then every
// payment.
func CashClose(l *i18n.Locale, cc store.CashClose) ([]byte, error) {
	t := l.M.Documents
	d := newDoc(l, cc.Clinic, fmt.Sprintf(t.CashCloseTitle, i18n.LongDate(l.Lang, cc.Day)), cc.IssuedAt)
	d.pdf.AddPage()
	sum := []col{{t.Method, 90, false}, {t.Count, 30, true}, {t.Total, 60, true}}
	d.tableHeader(sum)
	for _, m := range cc.Methods {
		d.row(sum, []string{l.MethodName(m.Method), strconv.Itoa(m.Count), l.Money(m.Total)}, false)
	}
	d.rule()
	d.row(sum, []string{t.Total, strconv.Itoa(cc.Count), l.Money(cc.Total)}, true)
	d.pdf.Ln(lineH)
	if len(cc.Payments) == 0 {
		d.text(t.NoPayments)
		return d.bytes()
	}
	cols := []col{{t.Session, 14, false}, {t.Patient, 50, false}, {t.Specialist, 40, false}, {t.Method, 30, false},
		{t.Reference, 20, false}, {t.Amount, 26, true}}
	d.tableHeader(cols)
	for _, p := range cc.Payments {
		d.row(cols, []string{"#" + strconv.FormatInt(p.SessionID, 10), p.PatientName, p.SpecialistName,
			l.MethodName(p.Method), p.Reference, l.Money(p.Amount)}, false)
	}
	return d.bytes()
}

// Statement draws a patient's sessions with their payments, what was paid
// and what is owed.
func Statement(l *i18n.Locale, st store.Statement) ([]byte, error) {
	t := l.M.Documents
	d := newDoc(l, st.Clinic, t.StatementTitle, st.IssuedAt)
	d.pdf.AddPage()
	d.subtitle(st.PatientName)
	if st.PatientDocument != "" {
		d.text(t.Document + ": " + st.PatientDocument)
	}
	d.pdf.Ln(2)
	cols := []col{{t.Date, 33, false}, {t.Session, 14, false}, {t.Specialist, 41, false}, {t.Status, 22, false},
		{t.Amount, 24, true}, {t.Paid, 46, false}}
	d.tableHeader(cols)
	if len(st.Lines) == 0 {
		d.text(t.NoLines)
	}
	for _, line := range st.Lines {
		amount, paid := "—", "—"
		if line.Amount != nil {
			amount = l.Money(*line.Amount)
		}
		switch {
		case line.Paid && line.PaidOn != nil:
			paid = calendarDate(l, *line.PaidOn) + " · " + l.MethodName(line.Method)
		case line.Owed:
			paid = t.Owed
		case line.Amount == nil:
			paid = t.NotCharged
		}
		d.row(cols, []string{l.DateTime(line.StartsAt), "#" + strconv.FormatInt(line.SessionID, 10), line.SpecialistName,
			l.StatusName(line.Status), amount, paid}, line.Owed)
	}
	d.rule()
	d.pdf.Ln(1)
	totals := []col{{"", 110, false}, {"", 70, true}}
	d.row(totals, []string{t.TotalPaid, l.Money(st.Paid)}, false)
	d.row(totals, []string{t.Balance, l.Money(st.Balance)}, true)
	return d.bytes()
}

// Receipt draws the receipt of one paid payment.
func Receipt(l *i18n.Locale, r store.Receipt) ([]byte, error) {
	t := l.M.Documents
	p := r.Payment
	d := newDoc(l, r.Clinic, fmt.Sprintf(t.ReceiptTitle, r.Number), r.IssuedAt)
	d.pdf.AddPage()
	who := p.PatientName
	if r.PatientDocument != "" {
		who += " (" + t.Document + " " + r.PatientDocument + ")"
	}
	method := l.MethodName(p.Method)
	if p.Reference != "" {
		method += " · " + p.Reference
	}
	var paidOn string
	if p.PaidOn != nil {
		paidOn = calendarDate(l, *p.PaidOn)
	}
	cols := []col{{"", 45, false}, {"", 135, false}}
	d.row(cols, []string{t.Received, who}, false)
	d.row(cols, []string{t.Amount, l.Money(p.Amount)}, true)
	d.row(cols, []string{t.Method, method}, false)
	d.row(cols, []string{t.Date, paidOn}, false)
	d.pdf.Ln(2)
	d.text(fmt.Sprintf(t.Concept, l.DateTime(p.SessionStart), clean(p.SpecialistName)))
	d.pdf.Ln(4)
	d.row(cols, []string{t.IssuedBy, r.IssuedBy}, false)
	return d.bytes()
}

// subtitle is a bold line above a section.
func (d *doc) subtitle(s string) {
	d.pdf.SetFont(family, "B", 11)
	d.pdf.CellFormat(bodyW, 7, clean(s), "", 1, "L", false, 0, "")
	d.pdf.SetFont(family, "", fontSize)
}

// calendarDate writes a date the store keeps as midnight UTC, without a
// zone conversion that would move it a day.
func calendarDate(l *i18n.Locale, t time.Time) string { return t.Format(l.DateLayout()) }
