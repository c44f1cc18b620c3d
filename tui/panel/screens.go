package panel

import (
	"consultorio/tui/i18n"
	"consultorio/tui/kit"
)

// Screens lists the panel's screens in navigation order.
func Screens() []kit.ScreenDef {
	return []kit.ScreenDef{
		{ID: kit.ScreenClients, Title: func(m *i18n.Messages) string { return m.Panel.Clients }, New: NewClientsScreen},
		{ID: kit.ScreenPlans, Title: func(m *i18n.Messages) string { return m.Panel.Plans }, New: NewPlansScreen},
		{ID: kit.ScreenBilling, Title: func(m *i18n.Messages) string { return m.Panel.Billing }, New: NewBillingScreen},
		{ID: kit.ScreenDashboard, Title: func(m *i18n.Messages) string { return m.Panel.Dashboard }, New: NewDashboardScreen},
		{ID: kit.ScreenOpsAudit, Title: func(m *i18n.Messages) string { return m.Panel.Audit }, New: NewOpsAuditScreen},
		{ID: kit.ScreenOpsLogins, Title: func(m *i18n.Messages) string { return m.Panel.Logins }, New: kit.NewOperatorLoginsScreen},
	}
}
