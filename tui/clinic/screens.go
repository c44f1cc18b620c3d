package clinic

import (
	"consultorio/store"
	"consultorio/tui/i18n"
	"consultorio/tui/kit"
)

// Screens lists the clinic's screens in navigation order, each with its
// digit key (the same for every role: gaps where a role does not see a
// screen), with the
// store rule deciding who sees each (PRODUCT.md §4). Later work replaces a nil New with
// the screen's constructor.
func Screens() []kit.ScreenDef {
	setup, finance := store.Actor.MaySeeClinicSetup, store.Actor.MayManageFinance
	return []kit.ScreenDef{
		{ID: kit.ScreenAgenda, Number: 1, Title: func(m *i18n.Messages) string { return m.Nav.Agenda }, New: NewAgendaScreen},
		{ID: kit.ScreenSessions, Number: 2, Title: func(m *i18n.Messages) string { return m.Nav.Sessions }, New: NewSessionsScreen},
		{ID: kit.ScreenPatients, Number: 3, Title: func(m *i18n.Messages) string { return m.Nav.Patients }, New: NewPatientsScreen},
		{ID: kit.ScreenSpecialists, Number: 4, Title: func(m *i18n.Messages) string { return m.Nav.Specialists }, May: setup, New: NewSpecialistsScreen},
		{ID: kit.ScreenRooms, Number: 5, Title: func(m *i18n.Messages) string { return m.Nav.Rooms }, May: setup, New: NewRoomsScreen},
		{ID: kit.ScreenPayments, Number: 6, Title: func(m *i18n.Messages) string { return m.Nav.Payments }, New: NewPaymentsScreen},
		{ID: kit.ScreenExpenses, Number: 7, Title: func(m *i18n.Messages) string { return m.Nav.Expenses }, May: finance, New: NewExpensesScreen},
		{ID: kit.ScreenFinance, Number: 8, Title: func(m *i18n.Messages) string { return m.Nav.Finance }, May: finance, New: NewFinanceScreen},
		{ID: kit.ScreenNotifications, Number: 9, Title: func(m *i18n.Messages) string { return m.Nav.Notifications }, New: NewNotificationsScreen},
		{ID: kit.ScreenStaff, Number: 10, Title: func(m *i18n.Messages) string { return m.Nav.Staff }, May: setup, New: NewStaffScreen},
		// Everyone: their own open sessions (an admin: every staff user's),
		// to end one left open elsewhere (issue 17), and their own password
		// (issue 13).
		{ID: kit.ScreenLogins, Title: func(m *i18n.Messages) string { return m.Nav.Logins }, New: NewAccessScreen},
		{ID: kit.ScreenAudit, Title: func(m *i18n.Messages) string { return m.Nav.Audit }, May: store.Actor.MayReadAudit, New: NewAuditScreen},
	}
}
