package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
)

// Billing of clients (PRODUCT.md §6). Every client is billed once a month:
// one invoice per client and period, its amount the client's monthly fee when
// the invoice was generated. Calendar dates (period, due date, paid at) are
// time.Time values at UTC midnight, as elsewhere in the store; "today" and
// "overdue" are judged in each client's own time zone.

// InvoiceDueDay is the day of its period's month an invoice falls due: the
// invoice for March is due on March 10th. Early in the month, so a client
// that does not pay is morose (after MoroseAfterDays, 15 by default) before
// the month is over.
const InvoiceDueDay = 10

// Scheduler is the operator actor of the server's periodic jobs (the daily
// morose re-evaluation), as the operator audit log shows them.
var Scheduler = OperatorActor{Email: "scheduler"}

// Invoice is one client's bill for one month.
type Invoice struct {
	ID         int64           `json:"id"`
	TenantID   int64           `json:"tenant_id"`
	Schema     string          `json:"schema"`
	TenantName string          `json:"tenant_name"`
	Period     time.Time       `json:"period"` // first day of the month (UTC midnight)
	Amount     decimal.Decimal `json:"amount"`
	DueDate    time.Time       `json:"due_date"`
	PaidAt     *time.Time      `json:"paid_at"` // nil while unpaid
	Method     string          `json:"method"`  // "" while unpaid
	Reference  string          `json:"reference"`
	CreatedAt  time.Time       `json:"created_at"`
	// Overdue: unpaid and past its due date in the client's time zone
	// (computed when read); DaysOverdue is by how many days (0 if not).
	// The client becomes morose when DaysOverdue > MoroseAfterDays.
	Overdue     bool `json:"overdue"`
	DaysOverdue int  `json:"days_overdue"`
}

// Paid tells whether the invoice is paid.
func (i Invoice) Paid() bool { return i.PaidAt != nil }

// invoiceColumns reads an invoice i joined with its client t; $1 is "now".
const invoiceColumns = `i.id, i.tenant_id, t.schema_name, t.name, i.period, i.amount, i.due_date, i.paid_at,
	coalesce(i.method, ''), i.reference, i.created_at,
	case when i.paid_at is null then greatest(0, ($1::timestamptz at time zone t.timezone)::date - i.due_date) else 0 end`

func scanInvoice(row pgx.Row) (Invoice, error) {
	var inv Invoice
	err := row.Scan(&inv.ID, &inv.TenantID, &inv.Schema, &inv.TenantName, &inv.Period, &inv.Amount, &inv.DueDate,
		&inv.PaidAt, &inv.Method, &inv.Reference, &inv.CreatedAt, &inv.DaysOverdue)
	inv.Overdue = inv.DaysOverdue > 0
	return inv, err
}

func collectInvoices(rows pgx.Rows) ([]Invoice, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Invoice, error) { return scanInvoice(r) })
}

// dateOf is the calendar date of t in its own location, as UTC midnight.
func dateOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// monthOf is the first day of t's month (in t's location), as UTC midnight.
func monthOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// InvoiceDueDate is when the invoice of the month containing period falls due.
func InvoiceDueDate(period time.Time) time.Time {
	return monthOf(period).AddDate(0, 0, InvoiceDueDay-1)
}

func validPeriod(month time.Time) error {
	if month.IsZero() || month.Year() < 2000 || month.Year() > 9999 {
		return invalid("period", ReasonMonth)
	}
	return nil
}

// GenerateInvoices creates the invoices of a month (any day of month names
// it; its year and month are taken as they are, whatever the location) for
// every client that is active or morose — clients in use, paying or owing.
// Suspended clients (an operator stopped the service) and archived ones are
// not billed, nor clients whose monthly fee is 0 (nothing to bill; a zero
// invoice could only make them morose). The amount is the client's monthly
// fee now; the due date is the InvoiceDueDay of the month.
//
// It is idempotent: a client that already has an invoice for the period
// gets no other (ON CONFLICT on (tenant_id, period)), also when two runs
// race. It returns only the invoices this run created, and writes one
// operator audit row summarising the run. One INSERT … SELECT: fast for
// thousands of clients.
func (db *DB) GenerateInvoices(ctx context.Context, actor OperatorActor, month time.Time) ([]Invoice, error) {
	if err := validPeriod(month); err != nil {
		return nil, err
	}
	period := monthOf(month)
	due := InvoiceDueDate(period)
	var created []Invoice
	err := db.publicTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `with i as (
				insert into public.invoices (tenant_id, period, amount, due_date)
				select t.id, $2::date, t.monthly_fee, $3::date from public.tenants t
				where t.status in ('active', 'morose') and t.monthly_fee > 0
				order by t.id
				on conflict (tenant_id, period) do nothing
				returning *)
			select `+invoiceColumns+` from i join public.tenants t on t.id = i.tenant_id
			order by lower(t.name), t.schema_name`, db.now(), period, due)
		if err != nil {
			return err
		}
		if created, err = collectInvoices(rows); err != nil {
			return err
		}
		total := decimal.Zero
		for _, inv := range created {
			total = total.Add(inv.Amount)
		}
		return operatorAudit(ctx, tx, actor, "invoice.generate", "period:"+period.Format("2006-01"), nil,
			map[string]any{"period": period.Format(time.DateOnly), "due_date": due.Format(time.DateOnly),
				"created": len(created), "total": total})
	})
	if err != nil {
		return nil, wrapOp("generate invoices", err)
	}
	return created, nil
}

// InvoiceFilter narrows ListInvoices; zero values do not filter.
type InvoiceFilter struct {
	Schema  string    // one client (its schema name)
	Unpaid  bool      // only unpaid invoices
	Overdue bool      // only unpaid invoices past their due date
	Period  time.Time // only this month (any day of it)
	Limit   int       // at most this many (0: all)
}

// ListInvoices lists invoices, newest period first, then by client name.
// Overdue is judged at the store's clock. An unknown Schema is
// ErrNoSuchTenant.
func (db *DB) ListInvoices(ctx context.Context, f InvoiceFilter) ([]Invoice, error) {
	var period *time.Time
	if !f.Period.IsZero() {
		if err := validPeriod(f.Period); err != nil {
			return nil, err
		}
		p := monthOf(f.Period)
		period = &p
	}
	if f.Limit < 0 {
		return nil, invalid("limit", ReasonNegative)
	}
	var limit *int
	if f.Limit > 0 {
		limit = &f.Limit
	}
	f.Schema = strings.TrimSpace(f.Schema)
	if f.Schema != "" {
		if _, err := db.GetTenant(ctx, f.Schema); err != nil {
			return nil, err
		}
	}
	rows, err := db.pool.Query(ctx, `select `+invoiceColumns+` from public.invoices i
		join public.tenants t on t.id = i.tenant_id
		where ($2 = '' or t.schema_name = $2)
		  and (not $3 or i.paid_at is null)
		  and (not $4 or (i.paid_at is null and i.due_date < ($1::timestamptz at time zone t.timezone)::date))
		  and ($5::date is null or i.period = $5)
		order by i.period desc, lower(t.name), t.schema_name
		limit $6`, db.now(), f.Schema, f.Unpaid, f.Overdue, period, limit)
	if err != nil {
		return nil, fmt.Errorf("list invoices: %w", err)
	}
	out, err := collectInvoices(rows)
	if err != nil {
		return nil, fmt.Errorf("list invoices: %w", err)
	}
	return out, nil
}

// GetInvoice returns one invoice.
func (db *DB) GetInvoice(ctx context.Context, id int64) (Invoice, error) {
	inv, err := scanInvoice(db.pool.QueryRow(ctx, `select `+invoiceColumns+` from public.invoices i
		join public.tenants t on t.id = i.tenant_id where i.id = $2`, db.now(), id))
	if err != nil {
		return Invoice{}, wrapOp("get invoice", notFound(err, EntityInvoice, id))
	}
	return inv, nil
}

// InvoicePayment says how an invoice was paid.
type InvoicePayment struct {
	PaidAt    time.Time // calendar date (its year, month, day); zero: today in the client's time zone
	Method    string    // cash, card, transfer or other; "" means other (not stated)
	Reference string    // bank operation number, receipt… (optional)
}

// Invoice payment methods.
var invoiceMethods = map[string]bool{"cash": true, "card": true, "transfer": true, "other": true}

const maxReferenceLen = 200

// MarkInvoicePaid records an invoice's payment. The date must not be in the
// future (client's time zone). In the same transaction the client's status is
// re-evaluated, so paying its last overdue invoice makes a morose client
// active at once (a client suspended by hand stays suspended). A paid invoice
// cannot be paid again (ConflictError): mark it unpaid first to correct it.
func (db *DB) MarkInvoicePaid(ctx context.Context, actor OperatorActor, id int64, p InvoicePayment) (Invoice, error) {
	if err := checkTexts(oneLine("method", p.Method), oneLine("reference", p.Reference)); err != nil {
		return Invoice{}, err
	}
	p.Method = strings.ToLower(strings.TrimSpace(p.Method))
	if p.Method == "" {
		p.Method = "other"
	}
	p.Reference = strings.TrimSpace(p.Reference)
	v := validation{}
	if !invoiceMethods[p.Method] {
		v.add("method", ReasonOneOf, "cash, card, transfer, other")
	}
	if len([]rune(p.Reference)) > maxReferenceLen {
		v.add("reference", ReasonTooLong, maxReferenceLen)
	}
	if err := v.err(); err != nil {
		return Invoice{}, err
	}
	return db.changeInvoice(ctx, actor, id, "invoice.paid", func(tx pgx.Tx, before Invoice, ti TenantInfo, now time.Time) error {
		if before.Paid() {
			return conflict("paid_at", ReasonPaid, id)
		}
		today := dateOf(now.In(ti.Location()))
		paidAt := today
		if !p.PaidAt.IsZero() {
			paidAt = dateOf(p.PaidAt)
			if paidAt.After(today) {
				return invalid("paid_at", ReasonFuture)
			}
		}
		_, err := tx.Exec(ctx, `update public.invoices set paid_at = $2, method = $3, reference = $4 where id = $1`,
			id, paidAt, p.Method, p.Reference)
		return err
	})
}

// MarkInvoiceUnpaid undoes a payment (a mistake, a bounced transfer). The
// client's status is re-evaluated in the same transaction: if the invoice is
// overdue beyond the setting, an active client becomes morose at once.
func (db *DB) MarkInvoiceUnpaid(ctx context.Context, actor OperatorActor, id int64) (Invoice, error) {
	return db.changeInvoice(ctx, actor, id, "invoice.unpaid", func(tx pgx.Tx, before Invoice, _ TenantInfo, _ time.Time) error {
		if !before.Paid() {
			return conflict("paid_at", ReasonNotPaid, id)
		}
		_, err := tx.Exec(ctx, `update public.invoices set paid_at = null, method = null, reference = '' where id = $1`, id)
		return err
	})
}

// changeInvoice runs fn on a locked invoice of a locked client, writes the
// operator audit row (before → after) and re-evaluates the client's status,
// all in one transaction. The client's row is locked first, as
// UpdateMoroseStatus does, so a payment and the periodic re-evaluation never
// decide on each other's stale data.
func (db *DB) changeInvoice(ctx context.Context, actor OperatorActor, id int64, action string,
	fn func(tx pgx.Tx, before Invoice, ti TenantInfo, now time.Time) error) (Invoice, error) {
	now := db.now()
	var after Invoice
	err := db.publicTx(ctx, func(tx pgx.Tx) error {
		var tenantID int64
		if err := tx.QueryRow(ctx, `select tenant_id from public.invoices where id = $1`, id).Scan(&tenantID); err != nil {
			return notFound(err, EntityInvoice, id)
		}
		ti, err := scanTenant(tx.QueryRow(ctx, `select `+tenantColumns+` from public.tenants t
			where t.id = $1 for no key update of t`, tenantID))
		if err != nil {
			return fmt.Errorf("lock client: %w", err)
		}
		before, err := scanInvoice(tx.QueryRow(ctx, `select `+invoiceColumns+` from public.invoices i
			join public.tenants t on t.id = i.tenant_id where i.id = $2 for update of i`, now, id))
		if err != nil {
			return notFound(err, EntityInvoice, id)
		}
		if err := fn(tx, before, ti, now); err != nil {
			return err
		}
		if after, err = scanInvoice(tx.QueryRow(ctx, `select `+invoiceColumns+` from public.invoices i
			join public.tenants t on t.id = i.tenant_id where i.id = $2`, now, id)); err != nil {
			return err
		}
		if err := operatorAudit(ctx, tx, actor, action, ti.Schema, before, after); err != nil {
			return err
		}
		_, err = reevaluateStatus(ctx, tx, actor, []int64{tenantID}, now)
		return err
	})
	if err != nil {
		return Invoice{}, wrapOp(action, err)
	}
	return after, nil
}

// PanelSettings are the operator panel's settings (public.panel_settings).
type PanelSettings struct {
	// MoroseAfterDays: a client with an invoice unpaid more than this many
	// days after its due date becomes morose.
	MoroseAfterDays int `json:"morose_after_days"`
}

// DefaultMoroseAfterDays is used when the setting is missing.
const DefaultMoroseAfterDays = 15

type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func readPanelSettings(ctx context.Context, q querier) (PanelSettings, error) {
	s := PanelSettings{MoroseAfterDays: DefaultMoroseAfterDays}
	var raw string
	err := q.QueryRow(ctx, `select value from public.panel_settings where key = 'morose_after_days'`).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("read panel settings: %w", err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(raw))
	if err != nil || n < 0 {
		return s, fmt.Errorf("panel setting morose_after_days: bad value %q", raw)
	}
	s.MoroseAfterDays = n
	return s, nil
}

// PanelSettings returns the operator panel's settings.
func (db *DB) PanelSettings(ctx context.Context) (PanelSettings, error) {
	return readPanelSettings(ctx, db.pool)
}

// MaxMoroseAfterDays bounds the setting (a year).
const MaxMoroseAfterDays = 365

// SetMoroseAfterDays changes after how many days past due an unpaid invoice
// makes its client morose. It applies from the next re-evaluation
// (UpdateMoroseStatus, or a payment of that client).
func (db *DB) SetMoroseAfterDays(ctx context.Context, actor OperatorActor, days int) (PanelSettings, error) {
	if days < 0 || days > MaxMoroseAfterDays {
		return PanelSettings{}, invalid("morose_after_days", ReasonRange, 0, MaxMoroseAfterDays)
	}
	var after PanelSettings
	err := db.publicTx(ctx, func(tx pgx.Tx) error {
		// Lock the setting's row (or its absence, through the upsert below).
		if _, err := tx.Exec(ctx, `select 1 from public.panel_settings where key = 'morose_after_days' for update`); err != nil {
			return err
		}
		before, err := readPanelSettings(ctx, tx)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `insert into public.panel_settings (key, value) values ('morose_after_days', $1)
			on conflict (key) do update set value = excluded.value`, strconv.Itoa(days)); err != nil {
			return err
		}
		after = PanelSettings{MoroseAfterDays: days}
		return operatorAudit(ctx, tx, actor, "settings.update", "panel_settings", before, after)
	})
	if err != nil {
		return PanelSettings{}, wrapOp("set morose_after_days", err)
	}
	return after, nil
}

// UpdateMoroseStatus re-evaluates every client against its invoices at now:
// an active client with an invoice unpaid more than MoroseAfterDays after its
// due date (in the client's time zone) becomes morose; a morose client
// without such an invoice becomes active again. Suspended clients (an
// operator suspended them by hand) and archived ones are never touched. Each
// change gets its operator audit row (status before → after) and a
// notification on TenantStatusChannel. It returns the schemas that changed,
// sorted. The server runs it daily (actor Scheduler); it is safe to run at
// any time and concurrently with payments.
func (db *DB) UpdateMoroseStatus(ctx context.Context, actor OperatorActor, now time.Time) ([]string, error) {
	var changed []string
	err := db.publicTx(ctx, func(tx pgx.Tx) error {
		settings, err := readPanelSettings(ctx, tx)
		if err != nil {
			return err
		}
		// First find and lock the clients whose status looks due to
		// change. The decision is then taken again, on their locked rows,
		// by a new statement (a fresh snapshot under READ COMMITTED): a
		// payment that committed meanwhile (it locks its client's row
		// first) is seen, and one still running waits for us.
		rows, err := tx.Query(ctx, `select t.id from public.tenants t
			where t.status in ('active', 'morose')
			  and (t.status = 'active') = exists (select 1 from public.invoices i
			      where i.tenant_id = t.id and i.paid_at is null and i.amount > 0
			        and i.due_date + $2::int < ($1::timestamptz at time zone t.timezone)::date)
			order by t.id for no key update of t`, now, settings.MoroseAfterDays)
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil || len(ids) == 0 {
			return err
		}
		changed, err = reevaluateStatusWith(ctx, tx, actor, ids, now, settings)
		return err
	})
	if err != nil {
		return nil, wrapOp("update morose status", err)
	}
	return changed, nil
}

// reevaluateStatus re-evaluates the given (locked) clients inside tx with the
// current setting; see UpdateMoroseStatus.
func reevaluateStatus(ctx context.Context, tx pgx.Tx, actor OperatorActor, ids []int64, now time.Time) ([]string, error) {
	settings, err := readPanelSettings(ctx, tx)
	if err != nil {
		return nil, err
	}
	return reevaluateStatusWith(ctx, tx, actor, ids, now, settings)
}

func reevaluateStatusWith(ctx context.Context, tx pgx.Tx, actor OperatorActor, ids []int64, now time.Time,
	settings PanelSettings) ([]string, error) {
	rows, err := tx.Query(ctx, `update public.tenants t
		set status = case t.status when 'active' then 'morose' else 'active' end, updated_at = $1
		from (select t2.id, t2.status as old_status,
		             array(select i.id from public.invoices i
		                   where i.tenant_id = t2.id and i.paid_at is null and i.amount > 0
		                     and i.due_date + $2::int < ($1::timestamptz at time zone t2.timezone)::date
		                   order by i.due_date, i.id) as overdue
		      from public.tenants t2
		      where t2.id = any($3) and t2.status in ('active', 'morose')) x
		where t.id = x.id and t.status = x.old_status
		  and (x.old_status = 'active') = (cardinality(x.overdue) > 0)
		returning t.schema_name, x.old_status, t.status, x.overdue`, now, settings.MoroseAfterDays, ids)
	if err != nil {
		return nil, fmt.Errorf("re-evaluate client status: %w", err)
	}
	var schemas, actions, befores, afters []string
	var s, oldStatus, newStatus string
	var overdue []int64
	_, err = pgx.ForEachRow(rows, []any{&s, &oldStatus, &newStatus, &overdue}, func() error {
		action := "tenant.morose"
		after := map[string]any{"status": newStatus, "overdue_invoices": overdue,
			"morose_after_days": settings.MoroseAfterDays}
		if newStatus == TenantActive {
			action = "tenant.morose_cleared"
			after = map[string]any{"status": newStatus}
		}
		b, err := json.Marshal(map[string]any{"status": oldStatus})
		if err != nil {
			return err
		}
		a, err := json.Marshal(after)
		if err != nil {
			return err
		}
		schemas = append(schemas, s)
		actions = append(actions, action)
		befores = append(befores, string(b))
		afters = append(afters, string(a))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("re-evaluate client status: %w", err)
	}
	if len(schemas) == 0 {
		return nil, nil
	}
	// One statement for all the audit rows and one for all the
	// notifications, however many clients changed.
	var opID *int64
	if actor.OperatorID != 0 {
		opID = &actor.OperatorID
	}
	if _, err := tx.Exec(ctx, `insert into public.operator_audit (operator_id, actor, action, target, before, after, remote_addr)
		select $1, $2, u.action, u.target, u.before::jsonb, u.after::jsonb, $3
		from unnest($4::text[], $5::text[], $6::text[], $7::text[]) with ordinality as u(target, action, before, after, n)
		order by u.n`, opID, actor.Email, actor.RemoteAddr, schemas, actions, befores, afters); err != nil {
		return nil, fmt.Errorf("audit status changes: %w", err)
	}
	if _, err := tx.Exec(ctx, `select pg_notify($1, s) from unnest($2::text[]) s`, TenantStatusChannel, schemas); err != nil {
		return nil, fmt.Errorf("notify status changes: %w", err)
	}
	slices.Sort(schemas)
	return schemas, nil
}
