package i18n

// Texts of the agenda, sessions, payments, expenses and finance screens.

// Agenda: the day / week / month views and the booking form.
type Agenda struct {
	ViewDay       string
	ViewWeek      string
	ViewMonth     string
	BySpecialist  string
	ByRoom        string
	FilterAll     string
	Filter        string // name
	Filtering     string // form title
	NoColumns     string
	NotWorkingDay string
	Count         string // count of sessions
	Legend        string
	WeekOf        string // date
	Total         string

	KeyMove     string
	KeyColumn   string
	KeyDay      string
	KeyWeek     string
	KeyMonth    string
	KeyToday    string
	KeyView     string
	KeyRooms    string
	KeyFilter   string
	KeyBook     string
	KeyOpen     string
	KeySearch   string
	KeyChoose   string
	KeyContinue string

	Book           string // page title
	SearchPatient  string
	SearchHint     string
	NoPatients     string
	Patient        string
	Specialist     string
	Room           string
	Date           string // date hint
	Time           string
	TimeHint       string
	Duration       string
	DurationHint   string
	PaidInAdvance  string
	WeeklyCount    string
	WeeklyHint     string
	ExtraDates     string
	ExtraDatesHint string
	BadDate        string // hint
	BadTime        string
	BadNumber      string
	Checking       string
	Conflicts      string // count
	ConflictLine   string // date-time, resource, session id, start, end
	ConflictAny    string // date-time, resource
	FreeSlots      string // list
	NoFreeSlots    string
	ResSpecialist  string
	ResRoom        string
	Booked         string // count
	FixAndRetry    string
}

// Sessions: a session's detail, its actions, and the sessions list.
type Sessions struct {
	Title        string
	Session      string // id
	Patient      string
	Specialist   string
	Room         string
	When         string
	Duration     string // minutes
	Status       string
	Reason       string
	Rescheduled  string // id
	RescheduledF string // id
	Objective    string
	Activity     string
	Materials    string
	Observation  string
	Payment      string
	NoPayment    string
	PaidOn       string // amount, date, method
	Unpaid       string // amount
	PaidAdvance  string
	Log          string
	LogEmpty     string
	LogLine      string // date-time, action, amount, method, user

	StatusUnplanned string
	StatusPlanned   string
	StatusCompleted string
	StatusCancelled string

	ReasonPatient     string
	ReasonTherapist   string
	ReasonClinic      string
	ReasonNoShow      string
	ReasonOther       string
	ReasonRescheduled string

	MethodCash     string
	MethodCard     string
	MethodTransfer string
	MethodOther    string

	ActPlanned    string
	LogCreated    string
	LogPaid       string
	LogUnpaid     string
	LogMoved      string
	KeyPlan       string
	KeyComplete   string
	KeyCancel     string
	KeyReschedule string
	KeyReopen     string
	KeyPaid       string
	KeyUnpaid     string
	KeyLog        string
	KeyRefresh    string

	EditPlan       string
	Complete       string
	ObservationReq string
	Cancel         string
	CancelReason   string
	CancelDetail   string
	Reschedule     string
	NewDate        string
	NewTime        string
	NewRoom        string
	CopyPlan       string
	Reopen         string
	ReopenQ        string
	MarkPaid       string
	Amount         string
	AmountHint     string
	Method         string
	Reference      string
	PayDate        string
	MarkUnpaid     string
	MarkUnpaidQ    string

	Planned      string
	Completed    string
	Cancelled    string
	Rescheduled2 string // new date-time
	Reopened     string
	MarkedPaid   string
	MarkedUnpd   string

	ListTitle  string
	Range      string // from, to
	RangeOpen  string // from
	AnyStatus  string
	AnySpec    string
	Empty      string
	From       string
	To         string
	ToHint     string
	ColWhen    string
	ColPatient string
	ColSpec    string
	ColRoom    string
	ColStatus  string
	ColPay     string
	Shown      string // count
}

// Payments: the payments list.
type Payments struct {
	Title       string
	AllMonths   string
	OnlyUnpaid  string
	Empty       string
	TotalPaid   string // amount
	TotalUnpaid string // amount
	ColSession  string
	ColPatient  string
	ColSpec     string
	ColAmount   string
	ColState    string
	ColPaidOn   string
	Paid        string
	Unpaid      string
	KeyMonth    string
	KeyAll      string
	KeyUnpaid   string
	KeyOpen     string
}

// Expenses: the expenses list and forms.
type Expenses struct {
	Title       string
	Empty       string
	New         string
	Edit        string
	Name        string
	Amount      string
	Fixed       string
	Recurring   string
	DueDate     string
	DueHint     string
	Notes       string
	Pay         string
	PayDate     string
	Saved       string
	PaidDone    string // name
	NextQ       string // name, date, amount
	NextDone    string // date
	Total       string // total, paid, pending
	ColDue      string
	ColName     string
	ColAmount   string
	ColKind     string
	ColState    string
	KindFixed   string
	KindRecur   string
	StatePaid   string // date
	StatePend   string
	StateLate   string
	KeyNew      string
	KeyEdit     string
	KeyPay      string
	KeyMonth    string
	KeyAll      string
	AllMonths   string
	AlreadyPaid string
}

// Finance: the finance dashboard.
type Finance struct {
	Title          string
	Collected      string
	Pending        string
	PendingUnpaid  string
	PendingNoPay   string
	Expenses       string
	ExpensesPaid   string
	Payroll        string
	PayrollFixed   string
	PayrollPercent string
	Balance        string
	Chart          string
	ChartLegend    string
	ChartScale     string // amount
	NextExpenses   string
	NoNext         string
	PayrollLines   string
	NoPayroll      string
	KeyMonth       string
	KeyThis        string
}
