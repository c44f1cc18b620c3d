package i18n

// PanelScreens: the operator panel's screens (clients, plans, billing,
// dashboard, operator audit).
type PanelScreens struct {
	Common    PanelCommon
	Clients   PanelClients
	Plans     PanelPlans
	Billing   PanelBilling
	Dashboard PanelDashboard
	Audit     PanelAudit
}

// PanelCommon: texts shared by the panel's screens.
type PanelCommon struct {
	KeyOpen    string
	KeyUpDown  string
	KeyReload  string
	KeyMore    string
	None       string // an empty value: "—"
	NoLimit    string // no limit set
	Active     string // statuses
	Morose     string
	Suspended  string
	Archived   string
	All        string
	NotArchive string // the default client filter: every client but archived ones
	Empty      string // no rows
	Count      string // n rows
	FirstN     string // only the first n are shown
	Yes        string
	No         string
	BadNumber  string
	BadMonth   string // format hint
}

// PanelClients: clients list, detail and forms.
type PanelClients struct {
	ColName, ColSchema, ColStatus, ColFee, ColPlan, ColUsage, ColLast, ColEmail string
	Filter, Search, SearchPrompt                                                string
	KeyNew, KeySearch, KeyFilter, KeyEdit, KeySuspend, KeyActivate              string
	KeyDomains, KeyArchive, KeyRestore, KeyClose                                string
	KeyLogins                                                                   string // the clinic's open sessions
	SelectedLine                                                                string // e-mail, last activity, domains

	Name, Schema, SchemaHint, Status, ByHand, Admin, AdminEmail, AdminName string
	Domains, Primary, Limits, Specialists, Patients, Users, Fee, Zone      string
	Created, LastActivity, Usage, UsageLine, LimitHint, FeeHint, Domain    string

	New, Edit, Saved, Created1                string
	SetupTitle, SetupFor, SetupExpires        string
	SetupSSH, SetupOnce                       string
	Suspend, SuspendQ, SuspendDone            string
	Activate, ActivateQ, ActivateDone         string
	Archive, ArchiveQ, ArchiveDone            string
	Restore, RestoreQ, RestoreDone            string
	DomainsTitle, DomainAdd, DomainRemoveQ    string
	DomainAdded, DomainRemoved, DomainPrimary string
	KeyAdd, KeyRemove, KeyPrimary             string
	NoDomains                                 string
}

// PanelPlans: the plans and limits screen.
type PanelPlans struct {
	Title, ColSpecialists, ColPatients, ColUsers, KeyEdit, EditTitle, Saved string
}

// PanelBilling: invoices.
type PanelBilling struct {
	ColPeriod, ColClient, ColAmount, ColDue, ColPaid, ColMethod, ColRef, ColOverdue string
	Overdue                                                                         string // days
	FilterAll, FilterUnpaid, FilterOverdue, FilterPeriod, MoroseAfter               string
	KeyPay, KeyUnpay, KeyGenerate, KeyUnpaid, KeyPeriod, KeySettings                string
	Month, MonthHint, GenerateTitle, GenerateQ, Generated                           string
	PayTitle, PaidAt, Method, Reference, Paid                                       string
	UnpayQ, Unpaid, AlreadyPaid, NotPaid                                            string
	Cash, Card, Transfer, Other                                                     string
	SettingsTitle, MoroseDays, MoroseDaysHint, SettingsSaved                        string
	PeriodTitle, PeriodHint                                                         string
}

// PanelDashboard: the operator dashboard.
type PanelDashboard struct {
	Title, Clients, Income, Debt, MoroseFees, Top, Chart, Invoiced, Collected string
	ColName, ColFee, ColPatients, ColSessions, ColStaff, ColLast              string
	NoClients                                                                 string
}

// PanelAudit: the operator audit log.
type PanelAudit struct {
	ColID, ColWhen, ColActor, ColAction, ColTarget string
	Filters, Actor, Action, ActionHint, Target     string
	KeyFilter, Before, After, From, Nothing        string
	Filtered, NoMore, Changes                      string
}
