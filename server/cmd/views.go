package cmd

import (
	"time"

	"consultorio/store"
	"consultorio/tui/i18n"
)

// The JSON the clinic commands print: the store's records with the fields
// named as in PRODUCT.md §4 (snake_case), but every instant written as
// "YYYY-MM-DD HH:MM" in the clinic's time zone, every calendar date as
// "YYYY-MM-DD" and every amount as a decimal string with two decimals, so a
// script never has to know the clinic's zone or parse RFC 3339.

// PatientView is a patient as the actor may see it. The clinical fields are
// present only when the store showed them (clinical_visible); Restricted is
// a specialist looking at someone else's patient (name, status and
// therapist only).
type PatientView struct {
	ID               int64   `json:"id"`
	FirstName        string  `json:"first_name"`
	Surname          string  `json:"surname"`
	BirthDate        *string `json:"birth_date"`
	Age              int     `json:"age"`
	Gender           string  `json:"gender"`
	Document         string  `json:"document"`
	Address          string  `json:"address"`
	Phone            string  `json:"phone"`
	Email            string  `json:"email"`
	MaritalStatus    string  `json:"marital_status"`
	Education        string  `json:"education"`
	CostSession      string  `json:"cost_session"`
	TherapistID      *int64  `json:"therapist_id"`
	TherapistName    string  `json:"therapist_name"`
	MedicalDiagnosis *string `json:"medical_diagnosis,omitempty"`
	MedicalHistory   *string `json:"medical_history,omitempty"`
	Allergies        *string `json:"allergies,omitempty"`
	Therapy          *string `json:"therapy,omitempty"`
	Notes            *string `json:"notes,omitempty"`
	EmergencyName    string  `json:"emergency_name"`
	EmergencyPhone   string  `json:"emergency_phone"`
	Status           string  `json:"status"`
	ArchivedAt       *string `json:"archived_at"`
	CreatedAt        string  `json:"created_at"`
	UpdatedAt        string  `json:"updated_at"`
	ClinicalVisible  bool    `json:"clinical_visible"`
	Restricted       bool    `json:"restricted,omitempty"`
	// Balance (patients show): unpaid amounts of completed sessions, when
	// the store lets the actor read it.
	Balance *string `json:"balance,omitempty"`
}

func patientView(p store.Patient, loc *time.Location) PatientView {
	v := PatientView{
		ID: p.ID, FirstName: p.FirstName, Surname: p.Surname, BirthDate: fmtDatePtr(&p.BirthDate), Age: p.Age,
		Gender: p.Gender, Document: p.Document, Address: p.Address, Phone: p.Phone, Email: p.Email,
		MaritalStatus: p.MaritalStatus, Education: p.Education, CostSession: money(p.CostSession),
		TherapistID: p.TherapistID, TherapistName: p.TherapistName, EmergencyName: p.EmergencyName,
		EmergencyPhone: p.EmergencyPhone, Status: p.Status, ArchivedAt: fmtTimePtr(p.ArchivedAt, loc),
		CreatedAt: fmtTime(p.CreatedAt, loc), UpdatedAt: fmtTime(p.UpdatedAt, loc),
		ClinicalVisible: p.ClinicalVisible, Restricted: p.Restricted,
	}
	if p.ClinicalVisible {
		v.MedicalDiagnosis, v.MedicalHistory, v.Allergies = &p.MedicalDiagnosis, &p.MedicalHistory, &p.Allergies
		v.Therapy, v.Notes = &p.Therapy, &p.Notes
	}
	return v
}

// SpecialistView is a specialist; a colleague's record seen by a specialist
// is redacted (no document, contacts or compensation).
type SpecialistView struct {
	ID        int64   `json:"id"`
	UserID    *int64  `json:"user_id"`
	FirstName string  `json:"first_name"`
	LastName  string  `json:"last_name"`
	Specialty string  `json:"specialty"`
	Document  string  `json:"document"`
	Phone     string  `json:"phone"`
	Email     string  `json:"email"`
	CompType  string  `json:"comp_type"`
	CompValue *string `json:"comp_value"`
	Active    bool    `json:"active"`
	CreatedAt string  `json:"created_at"`
	Redacted  bool    `json:"redacted,omitempty"`
}

func specialistView(s store.Specialist, loc *time.Location) SpecialistView {
	v := SpecialistView{ID: s.ID, UserID: s.UserID, FirstName: s.FirstName, LastName: s.LastName,
		Specialty: s.Specialty, Document: s.Document, Phone: s.Phone, Email: s.Email, CompType: s.CompType,
		Active: s.Active, CreatedAt: fmtTime(s.CreatedAt, loc), Redacted: s.Redacted}
	if !s.PayHidden {
		v.CompValue = moneyPtr(&s.CompValue)
	}
	return v
}

// RoomView is a room with its specialists and equipment.
type RoomView struct {
	ID            int64                 `json:"id"`
	Name          string                `json:"name"`
	Capacity      int                   `json:"capacity"`
	Location      string                `json:"location"`
	Active        bool                  `json:"active"`
	SpecialistIDs []int64               `json:"specialist_ids"`
	Equipment     []store.RoomEquipment `json:"equipment"`
	CreatedAt     string                `json:"created_at"`
}

func roomView(r store.Room, loc *time.Location) RoomView {
	v := RoomView{ID: r.ID, Name: r.Name, Capacity: r.Capacity, Location: r.Location, Active: r.Active,
		SpecialistIDs: r.SpecialistIDs, Equipment: r.Equipment, CreatedAt: fmtTime(r.CreatedAt, loc)}
	if v.SpecialistIDs == nil {
		v.SpecialistIDs = []int64{}
	}
	if v.Equipment == nil {
		v.Equipment = []store.RoomEquipment{}
	}
	return v
}

// UserView is a staff user; SetupCode is filled only by `staff add`, the
// one time the code is shown.
type UserView struct {
	ID           int64   `json:"id"`
	Email        string  `json:"email"`
	Name         string  `json:"name"`
	Role         string  `json:"role"`
	Active       bool    `json:"active"`
	Lang         string  `json:"lang"`
	SpecialistID *int64  `json:"specialist_id"`
	HasPassword  bool    `json:"has_password"`
	LastLoginAt  *string `json:"last_login_at"`
	CreatedAt    string  `json:"created_at"`
	// Locked: too many failed logins; LockedUntil is when the lock ends
	// (null when not locked). `staff unlock` lifts it.
	Locked      bool    `json:"locked"`
	LockedUntil *string `json:"locked_until"`
	SetupCode   string  `json:"setup_code,omitempty"`
}

func userView(u store.User, loc *time.Location) UserView {
	v := UserView{ID: u.ID, Email: u.Email, Name: u.Name, Role: string(u.Role), Active: u.Active, Lang: u.Lang,
		HasPassword: u.HasPassword, LastLoginAt: fmtTimePtr(u.LastLoginAt, loc), CreatedAt: fmtTime(u.CreatedAt, loc),
		Locked: u.Locked(), LockedUntil: fmtTimePtr(u.LockedUntil, loc)}
	if u.SpecialistID != 0 {
		id := u.SpecialistID
		v.SpecialistID = &id
	}
	return v
}

// UserKeyView is a registered SSH key.
type UserKeyView struct {
	ID          int64   `json:"id"`
	UserID      int64   `json:"user_id"`
	PublicKey   string  `json:"public_key"`
	Fingerprint string  `json:"fingerprint"`
	Label       string  `json:"label"`
	CreatedAt   string  `json:"created_at"`
	LastUsedAt  *string `json:"last_used_at"`
}

func userKeyView(k store.UserKey, loc *time.Location) UserKeyView {
	return UserKeyView{ID: k.ID, UserID: k.UserID, PublicKey: k.PublicKey, Fingerprint: k.Fingerprint,
		Label: k.Label, CreatedAt: fmtTime(k.CreatedAt, loc), LastUsedAt: fmtTimePtr(k.LastUsedAt, loc)}
}

// SessionView is a session (appointment) with the summary of its payment
// (payment_id and amount are null while it has none).
type SessionView struct {
	ID              int64   `json:"id"`
	PatientID       int64   `json:"patient_id"`
	PatientName     string  `json:"patient_name"`
	SpecialistID    int64   `json:"specialist_id"`
	SpecialistName  string  `json:"specialist_name"`
	RoomID          int64   `json:"room_id"`
	RoomName        string  `json:"room_name"`
	StartsAt        string  `json:"starts_at"`
	EndsAt          string  `json:"ends_at"`
	DurationMin     int     `json:"duration_min"`
	Objective       string  `json:"objective"`
	Activity        string  `json:"activity"`
	Materials       string  `json:"materials"`
	Observation     string  `json:"observation"`
	Status          string  `json:"status"`
	CancelReason    string  `json:"cancel_reason"`
	CancelDetail    string  `json:"cancel_detail"`
	RescheduledTo   *int64  `json:"rescheduled_to"`
	RescheduledFrom *int64  `json:"rescheduled_from"`
	SeriesID        *int64  `json:"series_id"`
	CompletedAt     *string `json:"completed_at"`
	PaidInAdvance   bool    `json:"paid_in_advance"`
	CreatedBy       *int64  `json:"created_by"`
	CreatedAt       string  `json:"created_at"`
	UpdatedAt       string  `json:"updated_at"`
	PaymentID       *int64  `json:"payment_id"`
	Paid            bool    `json:"paid"`
	Amount          *string `json:"amount"`
}

func sessionView(s store.Session, loc *time.Location) SessionView {
	return SessionView{ID: s.ID, PatientID: s.PatientID, PatientName: s.PatientName, SpecialistID: s.SpecialistID,
		SpecialistName: s.SpecialistName, RoomID: s.RoomID, RoomName: s.RoomName, StartsAt: fmtTime(s.StartsAt, loc),
		EndsAt: fmtTime(s.EndsAt, loc), DurationMin: s.DurationMin, Objective: s.Objective, Activity: s.Activity,
		Materials: s.Materials, Observation: s.Observation, Status: s.Status, CancelReason: s.CancelReason,
		CancelDetail: s.CancelDetail, RescheduledTo: s.RescheduledTo, RescheduledFrom: s.RescheduledFrom,
		SeriesID: s.SeriesID, CompletedAt: fmtTimePtr(s.CompletedAt, loc), PaidInAdvance: s.PaidInAdvance, CreatedBy: s.CreatedBy,
		CreatedAt: fmtTime(s.CreatedAt, loc), UpdatedAt: fmtTime(s.UpdatedAt, loc), PaymentID: s.PaymentID,
		Paid: s.Paid, Amount: moneyPtr(s.Amount)}
}

func sessionViews(ss []store.Session, loc *time.Location) []SessionView {
	out := make([]SessionView, len(ss))
	for i, s := range ss {
		out[i] = sessionView(s, loc)
	}
	return out
}

// PaymentView is the payment of a session, with the session's context.
type PaymentView struct {
	ID             int64   `json:"id"`
	SessionID      int64   `json:"session_id"`
	Amount         string  `json:"amount"`
	Paid           bool    `json:"paid"`
	PaidOn         *string `json:"paid_on"`
	Method         string  `json:"method"`
	Reference      string  `json:"reference"`
	Observation    string  `json:"observation"`
	CreatedAt      string  `json:"created_at"`
	UpdatedAt      string  `json:"updated_at"`
	SessionStart   string  `json:"session_start"`
	SessionStatus  string  `json:"session_status"`
	PatientID      int64   `json:"patient_id"`
	PatientName    string  `json:"patient_name"`
	SpecialistID   int64   `json:"specialist_id"`
	SpecialistName string  `json:"specialist_name"`
}

func paymentView(p store.Payment, loc *time.Location) PaymentView {
	return PaymentView{ID: p.ID, SessionID: p.SessionID, Amount: money(p.Amount), Paid: p.Paid,
		PaidOn: fmtDatePtr(p.PaidOn), Method: p.Method, Reference: p.Reference, Observation: p.Observation,
		CreatedAt: fmtTime(p.CreatedAt, loc), UpdatedAt: fmtTime(p.UpdatedAt, loc),
		SessionStart: fmtTime(p.SessionStart, loc), SessionStatus: p.SessionStatus, PatientID: p.PatientID,
		PatientName: p.PatientName, SpecialistID: p.SpecialistID, SpecialistName: p.SpecialistName}
}

// PaymentListView is `payments list`: the payments and the totals of every
// match (as the payments screen shows them).
type PaymentListView struct {
	Payments    []PaymentView `json:"payments"`
	TotalPaid   string        `json:"total_paid"`
	TotalUnpaid string        `json:"total_unpaid"`
}

// PaymentLogView is one event of a payment's history.
type PaymentLogView struct {
	ID        int64  `json:"id"`
	PaymentID int64  `json:"payment_id"`
	SessionID int64  `json:"session_id"`
	Action    string `json:"action"`
	Amount    string `json:"amount"`
	Method    string `json:"method"`
	Reference string `json:"reference"`
	UserID    *int64 `json:"user_id"`
	UserName  string `json:"user_name"`
	CreatedAt string `json:"created_at"`
}

func paymentLogView(e store.PaymentLogEntry, loc *time.Location) PaymentLogView {
	return PaymentLogView{ID: e.ID, PaymentID: e.PaymentID, SessionID: e.SessionID, Action: e.Action,
		Amount: money(e.Amount), Method: e.Method, Reference: e.Reference, UserID: e.UserID, UserName: e.UserName,
		CreatedAt: fmtTime(e.CreatedAt, loc)}
}

// ExpenseView is an expense. NextOffer (expenses pay) is next month's copy
// of a recurring expense that paying it offers and that does not exist yet.
type ExpenseView struct {
	ID         int64        `json:"id"`
	Name       string       `json:"name"`
	Amount     string       `json:"amount"`
	Fixed      bool         `json:"fixed"`
	Recurring  bool         `json:"recurring"`
	DueDate    *string      `json:"due_date"`
	Paid       bool         `json:"paid"`
	PaidAt     *string      `json:"paid_at"`
	Notes      string       `json:"notes"`
	PreviousID *int64       `json:"previous_id"`
	NextID     *int64       `json:"next_id"`
	CreatedAt  string       `json:"created_at"`
	NextOffer  *ExpenseView `json:"next_offer,omitempty"`
}

func expenseView(e store.Expense, loc *time.Location) ExpenseView {
	v := ExpenseView{ID: e.ID, Name: e.Name, Amount: money(e.Amount), Fixed: e.Fixed, Recurring: e.Recurring,
		DueDate: fmtDatePtr(e.DueDate), Paid: e.Paid, PaidAt: fmtDatePtr(e.PaidAt), Notes: e.Notes,
		PreviousID: e.PreviousID, NextID: e.NextID}
	if !e.CreatedAt.IsZero() {
		v.CreatedAt = fmtTime(e.CreatedAt, loc)
	}
	return v
}

func expenseViews(es []store.Expense, loc *time.Location) []ExpenseView {
	out := make([]ExpenseView, len(es))
	for i, e := range es {
		out[i] = expenseView(e, loc)
	}
	return out
}

// FinanceView is every figure of the finance dashboard for one month.
type FinanceView struct {
	Month           string            `json:"month"` // YYYY-MM
	Currency        string            `json:"currency"`
	Collected       string            `json:"collected"`
	Pending         string            `json:"pending"`
	PendingUnpaid   string            `json:"pending_unpaid"`
	PendingUnbilled string            `json:"pending_unbilled"`
	Expenses        string            `json:"expenses"`
	ExpensesPaid    string            `json:"expenses_paid"`
	Payroll         string            `json:"payroll"`
	PayrollFixed    string            `json:"payroll_fixed"`
	PayrollPercent  string            `json:"payroll_percent"`
	PayrollLines    []PayrollLineView `json:"payroll_lines"`
	Balance         string            `json:"balance"`
	NextExpenses    []ExpenseView     `json:"next_expenses"`
	Chart           []MonthFigureView `json:"chart"`
}

// PayrollLineView is what one specialist earns in the month.
type PayrollLineView struct {
	SpecialistID int64  `json:"specialist_id"`
	Name         string `json:"name"`
	CompType     string `json:"comp_type"`
	CompValue    string `json:"comp_value"`
	Active       bool   `json:"active"`
	Collected    string `json:"collected"`
	Amount       string `json:"amount"`
}

// MonthFigureView is one month of the income vs expenses chart.
type MonthFigureView struct {
	Month    string `json:"month"` // YYYY-MM
	Income   string `json:"income"`
	Expenses string `json:"expenses"`
}

func financeView(r store.FinanceReport, currency string, loc *time.Location) FinanceView {
	v := FinanceView{Month: fmtMonth(r.Month, loc), Currency: currency, Collected: money(r.Collected),
		Pending: money(r.Pending), PendingUnpaid: money(r.PendingUnpaid), PendingUnbilled: money(r.PendingUnbilled),
		Expenses: money(r.Expenses), ExpensesPaid: money(r.ExpensesPaid), Payroll: money(r.Payroll),
		PayrollFixed: money(r.PayrollFixed), PayrollPercent: money(r.PayrollPercent), Balance: money(r.Balance),
		PayrollLines: make([]PayrollLineView, len(r.PayrollLines)), NextExpenses: expenseViews(r.NextExpenses, loc),
		Chart: make([]MonthFigureView, len(r.Chart))}
	for i, l := range r.PayrollLines {
		v.PayrollLines[i] = PayrollLineView{SpecialistID: l.SpecialistID, Name: l.Name, CompType: l.CompType,
			CompValue: money(l.CompValue), Active: l.Active, Collected: money(l.Collected), Amount: money(l.Amount)}
	}
	for i, m := range r.Chart {
		v.Chart[i] = MonthFigureView{Month: fmtMonth(m.Month, loc), Income: money(m.Income), Expenses: money(m.Expenses)}
	}
	return v
}

// NotificationView is a notice with the user's own read state. Title and
// Message are in the user's language (event notices) or the clinic's (the
// scan's); Data, Link and the ids are the stable part scripts rely on.
type NotificationView struct {
	ID          int64                  `json:"id"`
	Type        string                 `json:"type"`
	Title       string                 `json:"title"`
	Message     string                 `json:"message"`
	PatientID   *int64                 `json:"patient_id"`
	SessionID   *int64                 `json:"session_id"`
	PaymentID   *int64                 `json:"payment_id"`
	ExpenseID   *int64                 `json:"expense_id"`
	AboutUserID *int64                 `json:"about_user_id"`
	WaitlistID  *int64                 `json:"waitlist_id"`
	Link        store.NotificationLink `json:"link"`
	Data        NotificationDataView   `json:"data"`
	RefKey      string                 `json:"ref_key"`
	CreatedAt   string                 `json:"created_at"`
	ResolvedAt  *string                `json:"resolved_at"`
	Read        bool                   `json:"read"`
}

// NotificationDataView is store.NotificationData with times as the
// scripted commands write them (clinic's zone, "YYYY-MM-DD HH:MM").
type NotificationDataView struct {
	Patient      string  `json:"patient,omitempty"`
	Specialist   string  `json:"specialist,omitempty"`
	SpecialistID int64   `json:"specialist_id,omitempty"`
	Room         string  `json:"room,omitempty"`
	RoomID       int64   `json:"room_id,omitempty"`
	StartsAt     *string `json:"starts_at,omitempty"`
	DurationMin  int     `json:"duration_min,omitempty"`
	NewStartsAt  *string `json:"new_starts_at,omitempty"`
	Count        int     `json:"count,omitempty"`
	Reason       string  `json:"reason,omitempty"`
	By           string  `json:"by,omitempty"`
	User         string  `json:"user,omitempty"`
	Until        *string `json:"until,omitempty"`
	Note         string  `json:"note,omitempty"`
}

func notificationView(n store.Notification, l *i18n.Locale) NotificationView {
	loc := l.Loc
	title, message := l.NotificationText(n)
	d := n.Data
	return NotificationView{ID: n.ID, Type: n.Type, Title: title, Message: message, PatientID: n.PatientID,
		SessionID: n.SessionID, PaymentID: n.PaymentID, ExpenseID: n.ExpenseID, AboutUserID: n.AboutUserID,
		WaitlistID: n.WaitlistID, Link: n.Link, RefKey: n.RefKey,
		Data: NotificationDataView{Patient: d.Patient, Specialist: d.Specialist, SpecialistID: d.SpecialistID,
			Room: d.Room, RoomID: d.RoomID, StartsAt: fmtTimePtr(d.Start, loc), DurationMin: d.DurationMin,
			NewStartsAt: fmtTimePtr(d.NewStart, loc), Count: d.Count, Reason: d.Reason, By: d.By, User: d.User,
			Until: fmtTimePtr(d.Until, loc), Note: d.Note},
		CreatedAt: fmtTime(n.CreatedAt, loc), ResolvedAt: fmtTimePtr(n.ResolvedAt, loc), Read: n.Read}
}
