package kit

import (
	"context"
	"time"

	"consultorio/store"
)

// The operator panel's screens reach the store through these interfaces,
// each the few operations one screen needs; *store.DB satisfies them all
// (OperatorStore). The shell's tests give the panel a small fake instead.

// Clock is the store's clock (fake in tests).
type Clock interface {
	Now() time.Time
}

// TenantStore lists, provisions and changes clinics (Clientes, Planes).
type TenantStore interface {
	ListTenants(ctx context.Context, f store.TenantFilter) ([]store.TenantInfo, error)
	TenantUsage(ctx context.Context, now time.Time, schemas []string) ([]store.ClientUsage, error)
	CreateTenant(ctx context.Context, actor store.OperatorActor, nt store.NewTenant) (*store.Provisioned, error)
	UpdateTenant(ctx context.Context, actor store.OperatorActor, schema string, up store.TenantUpdate) (store.TenantInfo, error)
	SuspendTenant(ctx context.Context, actor store.OperatorActor, schema string) (store.TenantInfo, error)
	ActivateTenant(ctx context.Context, actor store.OperatorActor, schema string) (store.TenantInfo, error)
	ArchiveTenant(ctx context.Context, actor store.OperatorActor, schema string) (store.TenantInfo, error)
	RestoreTenant(ctx context.Context, actor store.OperatorActor, schema string) (store.TenantInfo, error)
	AddDomain(ctx context.Context, actor store.OperatorActor, schema, domain string) (store.TenantInfo, error)
	RemoveDomain(ctx context.Context, actor store.OperatorActor, schema, domain string) (store.TenantInfo, error)
	SetPrimaryDomain(ctx context.Context, actor store.OperatorActor, schema, domain string) (store.TenantInfo, error)
}

// BillingStore invoices clinics and keeps the morose threshold (Facturación).
type BillingStore interface {
	GenerateInvoices(ctx context.Context, actor store.OperatorActor, month time.Time) ([]store.Invoice, error)
	ListInvoices(ctx context.Context, f store.InvoiceFilter) ([]store.Invoice, error)
	MarkInvoicePaid(ctx context.Context, actor store.OperatorActor, id int64, p store.InvoicePayment) (store.Invoice, error)
	MarkInvoiceUnpaid(ctx context.Context, actor store.OperatorActor, id int64) (store.Invoice, error)
	PanelSettings(ctx context.Context) (store.PanelSettings, error)
	SetMoroseAfterDays(ctx context.Context, actor store.OperatorActor, days int) (store.PanelSettings, error)
}

// DashboardStore computes the operator's dashboard (Tablero).
type DashboardStore interface {
	Dashboard(ctx context.Context, now time.Time) (store.DashboardReport, error)
}

// OperatorAuditStore reads and verifies the operators' audit log (Auditoría).
type OperatorAuditStore interface {
	OperatorAuditLog(ctx context.Context, f store.OperatorAuditFilter) ([]store.OperatorAuditEntry, error)
	VerifyOperatorAuditChain(ctx context.Context) (store.ChainState, error)
}

// LoginsStore lists and ends open sessions: the operator's own and, per
// clinic, its staff's (Accesos).
type LoginsStore interface {
	OperatorLogins(ctx context.Context, op store.OperatorActor, current int64) ([]store.Login, error)
	EndOperatorLogin(ctx context.Context, op store.OperatorActor, id int64) error
	ClinicLogins(ctx context.Context, op store.OperatorActor, schema string) ([]store.Login, error)
	EndClinicLogin(ctx context.Context, op store.OperatorActor, schema string, id int64) error
}

// OperatorStore is everything the panel's screens do with the store.
type OperatorStore interface {
	Clock
	TenantStore
	BillingStore
	DashboardStore
	OperatorAuditStore
	LoginsStore
}

var _ OperatorStore = (*store.DB)(nil)
