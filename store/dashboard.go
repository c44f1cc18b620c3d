package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
)

// The operator dashboard (PRODUCT.md §6). Its figures come from public
// tables only (tenants, invoices), so they stay fast with any number of
// clients. Usage figures (patients, sessions, staff, last activity) live in
// each client's schema: TenantUsage reads them for a page of clients at a
// time, and the dashboard for its top clients only.

// ClientCounts counts clients by status. Total is every client that is not
// archived (an archived client is a deleted one, kept only for its grace
// period): Total = Active + Morose + Suspended; Archived is given apart.
type ClientCounts struct {
	Total     int `json:"total"`
	Active    int `json:"active"`
	Morose    int `json:"morose"`
	Suspended int `json:"suspended"`
	Archived  int `json:"archived"`
}

// TopClient is one of the clients with the highest monthly fee.
type TopClient struct {
	Schema     string          `json:"schema"`
	Name       string          `json:"name"`
	Status     string          `json:"status"`
	MonthlyFee decimal.Decimal `json:"monthly_fee"`
	Usage      ClientUsage     `json:"usage"`
}

// InvoiceMonth is one month of the dashboard's chart.
type InvoiceMonth struct {
	Month     time.Time       `json:"month"`     // first day (UTC midnight)
	Invoiced  decimal.Decimal `json:"invoiced"`  // Σ amount of the invoices of that period
	Collected decimal.Decimal `json:"collected"` // Σ amount of the invoices paid in that month (any period)
}

// DashboardReport is what the operator dashboard shows.
type DashboardReport struct {
	At      time.Time    `json:"at"`
	Clients ClientCounts `json:"clients"`
	// ProjectedIncome: Σ monthly fee of the active clients.
	ProjectedIncome decimal.Decimal `json:"projected_income"`
	// Debt: Σ amount of the unpaid invoices past their due date (in each
	// client's time zone) of clients that are not archived; DebtInvoices
	// and DebtClients count them.
	Debt         decimal.Decimal `json:"debt"`
	DebtInvoices int             `json:"debt_invoices"`
	DebtClients  int             `json:"debt_clients"`
	// MoroseFees: Σ monthly fee of the morose clients — what the old panel
	// called debt; shown next to Debt.
	MoroseFees decimal.Decimal `json:"morose_fees"`
	// TopByFee: the 5 non-archived clients with the highest monthly fee,
	// with their usage.
	TopByFee []TopClient `json:"top_by_fee"`
	// Chart: the 12 months ending with at's month (in at's location),
	// oldest first.
	Chart []InvoiceMonth `json:"chart"`
}

// DashboardTop is how many clients TopByFee lists.
const DashboardTop = 5

// DashboardMonths is how many months the chart shows.
const DashboardMonths = 12

// Dashboard computes the operator dashboard at now: public-table figures in
// one round trip, then the usage of the top clients.
func (db *DB) Dashboard(ctx context.Context, now time.Time) (DashboardReport, error) {
	r := DashboardReport{At: now, TopByFee: []TopClient{}}
	last := monthOf(now)
	first := last.AddDate(0, 1-DashboardMonths, 0)
	// Unpaid invoices are found through the partial index on due_date; the
	// bound is a day past now's UTC date, as no time zone is further ahead,
	// and the exact test is in each client's zone.
	dueBound := dateOf(now.UTC()).AddDate(0, 0, 1)

	b := &pgx.Batch{}
	b.Queue(`select count(*) filter (where status <> 'archived'),
			count(*) filter (where status = 'active'),
			count(*) filter (where status = 'morose'),
			count(*) filter (where status = 'suspended'),
			count(*) filter (where status = 'archived'),
			coalesce(sum(monthly_fee) filter (where status = 'active'), 0),
			coalesce(sum(monthly_fee) filter (where status = 'morose'), 0)
		from public.tenants`).QueryRow(func(row pgx.Row) error {
		c := &r.Clients
		return row.Scan(&c.Total, &c.Active, &c.Morose, &c.Suspended, &c.Archived, &r.ProjectedIncome, &r.MoroseFees)
	})
	b.Queue(`select coalesce(sum(i.amount), 0), count(*), count(distinct i.tenant_id)
		from public.invoices i join public.tenants t on t.id = i.tenant_id
		where i.paid_at is null and i.due_date < $2::date and t.status <> 'archived'
		  and i.due_date < ($1::timestamptz at time zone t.timezone)::date`, now, dueBound).QueryRow(func(row pgx.Row) error {
		return row.Scan(&r.Debt, &r.DebtInvoices, &r.DebtClients)
	})
	b.Queue(`select schema_name, name, status, monthly_fee from public.tenants
		where status <> 'archived' order by monthly_fee desc, lower(name), schema_name limit $1`, DashboardTop).
		Query(func(rows pgx.Rows) error {
			var c TopClient
			_, err := pgx.ForEachRow(rows, []any{&c.Schema, &c.Name, &c.Status, &c.MonthlyFee}, func() error {
				r.TopByFee = append(r.TopByFee, c)
				return nil
			})
			return err
		})
	// The chart reads public.invoice_months, kept by triggers on invoices.
	figures := map[time.Time]InvoiceMonth{}
	b.Queue(`select month, invoiced, collected from public.invoice_months
		where month >= $1::date and month <= $2::date`, first, last).Query(func(rows pgx.Rows) error {
		var f InvoiceMonth
		_, err := pgx.ForEachRow(rows, []any{&f.Month, &f.Invoiced, &f.Collected}, func() error {
			figures[f.Month] = f
			return nil
		})
		return err
	})
	if err := db.pool.SendBatch(ctx, b).Close(); err != nil {
		return DashboardReport{}, fmt.Errorf("dashboard: %w", err)
	}
	for m := first; !m.After(last); m = m.AddDate(0, 1, 0) {
		f, ok := figures[m]
		if !ok {
			f = InvoiceMonth{Month: m}
		}
		r.Chart = append(r.Chart, f)
	}

	if len(r.TopByFee) > 0 {
		schemas := make([]string, len(r.TopByFee))
		for i, c := range r.TopByFee {
			schemas[i] = c.Schema
		}
		usage, err := db.TenantUsage(ctx, now, schemas)
		if err != nil {
			return DashboardReport{}, fmt.Errorf("dashboard: %w", err)
		}
		bySchema := make(map[string]ClientUsage, len(usage))
		for _, u := range usage {
			bySchema[u.Schema] = u
		}
		for i := range r.TopByFee {
			r.TopByFee[i].Usage = bySchema[r.TopByFee[i].Schema]
		}
	}
	return r, nil
}

// ClientUsage is how much a client uses the service.
type ClientUsage struct {
	Schema            string `json:"schema"`
	Patients          int    `json:"patients"`            // not archived
	SessionsThisMonth int    `json:"sessions_this_month"` // not cancelled, starting in the month (client's time zone)
	ActiveStaff       int    `json:"active_staff"`        // active staff users
	// LastActivity: the latest of the clinic's audit log entries, staff
	// logins and public.tenants.last_activity_at (nil: none yet).
	LastActivity *time.Time `json:"last_activity"`
}

// usageChunk bounds the clients read by one statement (planning cost grows
// with the number of relations a statement names).
const usageChunk = 100

// TenantUsage reads the usage of the given clients (a page of the clients
// list) at now, in the order given; schemas that are not live clients
// (unknown or archived) are left out. It reads each client's schema with
// one UNION ALL statement per usageChunk clients.
//
// This is the one place that reads several clinics' schemas, and the
// runtime role reaches none: it calls public.clinic_usage, which runs as the
// owner and returns only counts and timestamps of live clinics (one
// UNION ALL statement per usageChunk clients). It is meant for pages of
// clients: the cost grows with the number of schemas (every relation named
// must be opened), so the dashboard's totals never depend on it.
func (db *DB) TenantUsage(ctx context.Context, now time.Time, schemas []string) ([]ClientUsage, error) {
	if len(schemas) == 0 {
		return []ClientUsage{}, nil
	}
	// Only live clients whose schema exists (and as it is named now).
	rows, err := db.pool.Query(ctx, `select t.schema_name, t.timezone, t.last_activity_at
		from public.tenants t join pg_catalog.pg_namespace n on n.nspname = t.schema_name
		where t.schema_name = any($1) and t.status <> 'archived'`, schemas)
	if err != nil {
		return nil, fmt.Errorf("client usage: %w", err)
	}
	type live struct {
		tz   string
		last *time.Time
	}
	found := map[string]live{}
	var s, tz string
	var last *time.Time
	if _, err := pgx.ForEachRow(rows, []any{&s, &tz, &last}, func() error {
		found[s] = live{tz, last}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("client usage: %w", err)
	}
	var order []string
	seen := map[string]bool{}
	for _, s := range schemas {
		if _, ok := found[s]; ok && !seen[s] {
			seen[s] = true
			order = append(order, s)
		}
	}
	usage := make(map[string]ClientUsage, len(order))
	for start := 0; start < len(order); start += usageChunk {
		chunk := order[start:min(start+usageChunk, len(order))]
		froms := make([]time.Time, len(chunk))
		tos := make([]time.Time, len(chunk))
		for i, s := range chunk {
			loc, err := time.LoadLocation(found[s].tz)
			if err != nil {
				loc = time.UTC
			}
			local := now.In(loc)
			froms[i] = time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, loc)
			tos[i] = froms[i].AddDate(0, 1, 0)
		}
		rows, err := db.pool.Query(ctx, `select schema_name, patients, sessions, active_staff, last_seen
			from public.clinic_usage($1, $2, $3)`, chunk, froms, tos)
		if err != nil {
			return nil, fmt.Errorf("client usage: %w", err)
		}
		var u ClientUsage
		var seenAt *time.Time
		if _, err := pgx.ForEachRow(rows, []any{&u.Schema, &u.Patients, &u.SessionsThisMonth, &u.ActiveStaff, &seenAt}, func() error {
			u.LastActivity = latest(seenAt, found[u.Schema].last)
			usage[u.Schema] = u
			return nil
		}); err != nil {
			return nil, fmt.Errorf("client usage: %w", err)
		}
	}
	out := make([]ClientUsage, 0, len(order))
	for _, s := range order {
		out = append(out, usage[s])
	}
	return out, nil
}

func latest(a, b *time.Time) *time.Time {
	switch {
	case a == nil:
		return b
	case b == nil || a.After(*b):
		return a
	default:
		return b
	}
}
