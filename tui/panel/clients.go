package panel

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"consultorio/store"
	"consultorio/tui/kit"
	"consultorio/tui/sanitize"
)

// The Clients screen of the operator panel: list (filter by status, search)
// → detail → create / edit / suspend / activate / domains / archive /
// restore. Every change goes through the store, which writes its operator
// audit row.

func NewClientsScreen(env *kit.Env) kit.Screen {
	s := kit.NewStack(env, env.M.Panel.Clients)
	s.SetRoot(newClientList(env, s))
	return s
}

// clientFilters is the order "f" cycles through ("" = every client that is
// not archived).
var clientFilters = []string{"", store.TenantActive, store.TenantMorose, store.TenantSuspended, store.TenantArchived, "all"}

type clientList struct {
	env   *kit.Env
	stack *kit.Stack
	table kit.Table

	filter    int
	search    string
	searching bool
	typed     string // the search box while searching

	rows      []store.TenantInfo
	usage     map[string]store.ClientUsage
	requested map[string]bool
	loaded    bool
	w, h      int
	gen       int // load generation: stale results are dropped

	// plans: the Plans screen's list (limits against usage; enter edits
	// the limits) instead of the Clients screen's.
	plans bool
}

type clientsLoaded struct {
	list *clientList
	gen  int
	rows []store.TenantInfo
	err  error
}

type clientsUsage struct {
	list  *clientList
	usage []store.ClientUsage
	err   error
}

func newClientList(env *kit.Env, st *kit.Stack) *clientList {
	c := env.M.Ops.Clients
	l := &clientList{env: env, stack: st, usage: map[string]store.ClientUsage{}, requested: map[string]bool{}}
	l.table.Empty, l.table.Vim = l.env.M.Ops.Common.Empty, true
	l.table.Cols = []kit.Column{
		{Title: c.ColName, Width: 0},
		{Title: c.ColSchema, Width: 12},
		{Title: c.ColStatus, Width: 10},
		{Title: c.ColFee + " " + env.L.CurrencySymbol(), Width: 9, Right: true},
		{Title: c.ColPlan, Width: 9, Priority: 2},
		{Title: c.ColUsage, Width: 10, Priority: 2},
		{Title: c.ColLast, Width: 10, Priority: 3},
		{Title: c.ColEmail, Width: 22, Priority: 4},
	}
	return l
}

func (l *clientList) Title() string {
	if l.plans {
		return l.env.M.Panel.Plans
	}
	return l.env.M.Panel.Clients
}

func (l *clientList) reload() tea.Cmd {
	l.gen++
	gen := l.gen
	f := store.TenantFilter{Status: clientFilters[l.filter], Search: l.search}
	return l.env.Do(func(ctx context.Context) tea.Msg {
		rows, err := l.env.DB.ListTenants(ctx, f)
		return clientsLoaded{list: l, gen: gen, rows: rows, err: err}
	})
}

func (l *clientList) Init() tea.Cmd { return l.reload() }

// loadUsage asks for the usage of the visible clients not read yet.
func (l *clientList) loadUsage() tea.Cmd {
	if !l.loaded || l.h == 0 {
		return nil
	}
	from, to := l.table.Visible(l.tableHeight())
	var schemas []string
	for _, ti := range l.rows[from:to] {
		if !l.requested[ti.Schema] && ti.Status != store.TenantArchived {
			l.requested[ti.Schema] = true
			schemas = append(schemas, ti.Schema)
		}
	}
	if len(schemas) == 0 {
		return nil
	}
	now := l.env.Now()
	return l.env.Do(func(ctx context.Context) tea.Msg {
		u, err := l.env.DB.TenantUsage(ctx, now, schemas)
		return clientsUsage{list: l, usage: u, err: err}
	})
}

func (l *clientList) tableHeight() int { return max(l.h-2, 3) }

func (l *clientList) selected() (store.TenantInfo, bool) {
	if len(l.rows) == 0 {
		return store.TenantInfo{}, false
	}
	return l.rows[l.table.Cursor], true
}

func (l *clientList) setRows(rows []store.TenantInfo) {
	l.rows = rows
	l.loaded = true
	// Usage is read again on every reload (it changes), for the visible page.
	l.usage = map[string]store.ClientUsage{}
	l.requested = map[string]bool{}
	l.refreshCells()
}

func (l *clientList) refreshCells() {
	m := l.env.M
	cells := make([][]string, len(l.rows))
	for i, ti := range l.rows {
		plan := fmt.Sprintf("%d/%s/%s", ti.SpecialistsLimit, kit.LimitText(m, ti.PatientsLimit), kit.LimitText(m, ti.UsersLimit))
		use, last := "", m.Ops.Common.None
		if u, ok := l.usage[ti.Schema]; ok {
			use = fmt.Sprintf("%d/%d/%d", u.Patients, u.SessionsThisMonth, u.ActiveStaff)
			if u.LastActivity != nil {
				last = l.env.L.Date(*u.LastActivity)
			}
		} else if ti.LastActivityAt != nil {
			last = l.env.L.Date(*ti.LastActivityAt)
		}
		if l.plans {
			cells[i] = l.planCells(ti)
			continue
		}
		cells[i] = []string{sanitize.Line(ti.Name), sanitize.Line(ti.Schema), kit.StatusText(m, ti.Status),
			l.env.L.Number(ti.MonthlyFee), plan, use, last, sanitize.Line(ti.AdminEmail)}
	}
	l.table.SetRows(cells)
}

func (l *clientList) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case clientsLoaded:
		if msg.list != l || msg.gen != l.gen {
			return nil
		}
		if msg.err != nil {
			l.env.Error(msg.err)
			return nil
		}
		l.setRows(msg.rows)
		return l.loadUsage()
	case clientsUsage:
		if msg.list != l {
			return nil
		}
		if msg.err != nil {
			l.env.Error(msg.err)
			return nil
		}
		for _, u := range msg.usage {
			l.usage[u.Schema] = u
		}
		l.refreshCells()
		return nil
	case clientChanged:
		// Show the change at once (a detail opened before the reload
		// arrives must not show the old record), then read the list again.
		for i := range l.rows {
			if l.rows[i].ID == msg.ti.ID {
				l.rows[i] = msg.ti
			}
		}
		l.refreshCells()
		return l.reload()
	case tea.WindowSizeMsg:
		l.w, l.h = msg.Width, msg.Height
		return l.loadUsage()
	case kit.ShownMsg:
		// Back from a detail or another screen (billing may have made a
		// client morose): read the list again, keeping the cursor.
		return l.reload()
	case tea.PasteMsg:
		if l.searching {
			l.typed += sanitize.Line(msg.Content)
		}
		return nil
	case tea.KeyPressMsg:
		if l.searching {
			return l.searchKey(msg)
		}
		k := msg.String()
		if l.table.Move(k) {
			return l.loadUsage()
		}
		switch k {
		case "enter", "e":
			if ti, ok := l.selected(); ok {
				if l.plans {
					if ti.Status == store.TenantArchived {
						return nil
					}
					return l.stack.Push(newLimitsForm(l, ti))
				}
				if k == "enter" {
					return l.stack.Push(newClientDetail(l, ti))
				}
			}
		case "n":
			if !l.plans {
				return l.stack.Push(newClientCreate(l))
			}
		case "/":
			l.searching, l.typed = true, l.search
		case "f":
			l.filter = (l.filter + 1) % len(clientFilters)
			l.table.Top()
			return l.reload()
		case "r":
			return l.reload()
		}
	}
	return nil
}

func (l *clientList) searchKey(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "enter":
		l.searching = false
		l.search = strings.TrimSpace(l.typed)
		l.table.Top()
		return l.reload()
	case "esc":
		l.searching = false
	case "backspace":
		if r := []rune(l.typed); len(r) > 0 {
			l.typed = string(r[:len(r)-1])
		}
	default:
		if msg.Text != "" {
			l.typed += sanitize.Line(msg.Text)
		}
	}
	return nil
}

func (l *clientList) View(w, h int) string {
	st := l.env.Styles()
	m := l.env.M
	c := m.Ops.Clients
	filter := m.Ops.Common.NotArchive
	switch f := clientFilters[l.filter]; f {
	case "":
	case "all":
		filter = m.Ops.Common.All
	default:
		filter = kit.StatusText(m, f)
	}
	head := " " + st.Title.Render(l.Title()) + " · " + c.Filter + ": " + filter
	if l.searching {
		head += " · " + c.SearchPrompt + ": " + sanitize.Line(l.typed) + "█"
	} else if l.search != "" {
		head += " · " + c.Search + ": «" + sanitize.Line(l.search) + "»"
	}
	if l.loaded {
		head += " · " + fmt.Sprintf(m.Ops.Common.Count, len(l.rows))
	}
	body := l.table.View(st, w, l.tableHeight())
	foot := ""
	if ti, ok := l.selected(); ok {
		domains := m.Ops.Common.None
		if len(ti.Domains) > 0 {
			domains = sanitize.Line(strings.Join(ti.Domains, ", "))
		}
		last := ti.LastActivityAt
		if u, ok := l.usage[ti.Schema]; ok {
			last = u.LastActivity
		}
		foot = " " + st.Muted.Render(fmt.Sprintf(c.SelectedLine, sanitize.Line(ti.AdminEmail), kit.OptTime(l.env.L, last), domains))
	}
	return head + "\n" + kit.Fit(body, w, l.tableHeight()) + "\n" + foot
}

func (l *clientList) Keys() []key.Binding {
	m := l.env.M
	c, k := m.Ops.Clients, m.Ops.Common
	if l.searching {
		return []key.Binding{kit.Key(c.Search, "enter"), kit.Key(m.Form.Cancel, "esc")}
	}
	if l.plans {
		return []key.Binding{
			kit.KeyShown("enter", m.Ops.Plans.KeyEdit, "enter", "e"), kit.Key(c.KeySearch, "/"),
			kit.Key(c.KeyFilter, "f"), kit.KeyShown("↑↓", k.KeyUpDown, "up", "down"), kit.Key(k.KeyReload, "r"),
		}
	}
	return []key.Binding{
		kit.Key(k.KeyOpen, "enter"), kit.Key(c.KeyNew, "n"), kit.Key(c.KeySearch, "/"),
		kit.Key(c.KeyFilter, "f"), kit.KeyShown("↑↓", k.KeyUpDown, "up", "down"), kit.Key(k.KeyReload, "r"),
	}
}

func (l *clientList) Capturing() bool { return l.searching }

// clientChanged tells every page of the stack that a client changed (the
// list reloads, the detail takes the new record).
type clientChanged struct{ ti store.TenantInfo }

// clientDetail shows one client and its actions.
type clientDetail struct {
	list  *clientList
	ti    store.TenantInfo
	usage *store.ClientUsage
}

type clientUsageLoaded struct {
	page  *clientDetail
	usage []store.ClientUsage
	err   error
}

func newClientDetail(l *clientList, ti store.TenantInfo) *clientDetail {
	return &clientDetail{list: l, ti: ti}
}

func (d *clientDetail) Title() string { return sanitize.Line(d.ti.Name) }

func (d *clientDetail) Init() tea.Cmd {
	if d.ti.Status == store.TenantArchived {
		return nil
	}
	env, schema, now := d.list.env, d.ti.Schema, d.list.env.Now()
	return env.Do(func(ctx context.Context) tea.Msg {
		u, err := env.DB.TenantUsage(ctx, now, []string{schema})
		return clientUsageLoaded{page: d, usage: u, err: err}
	})
}

func (d *clientDetail) Update(msg tea.Msg) tea.Cmd {
	env := d.list.env
	switch msg := msg.(type) {
	case clientUsageLoaded:
		if msg.page == d {
			if msg.err != nil {
				env.Error(msg.err)
			} else if len(msg.usage) == 1 {
				d.usage = &msg.usage[0]
			}
		}
	case clientChanged:
		if msg.ti.ID == d.ti.ID {
			d.ti = msg.ti
		}
	case tea.KeyPressMsg:
		return d.key(msg.String())
	}
	return nil
}

// changed is run after a successful change: every page learns the new record.
func changed(ti store.TenantInfo) tea.Cmd {
	return func() tea.Msg { return clientChanged{ti: ti} }
}

func (d *clientDetail) key(k string) tea.Cmd {
	l := d.list
	env, st := l.env, l.stack
	c := env.M.Ops.Clients
	schema := d.ti.Schema
	archived := d.ti.Status == store.TenantArchived
	var after store.TenantInfo
	run := func(op func(ctx context.Context) (store.TenantInfo, error)) func(ctx context.Context) error {
		return func(ctx context.Context) error {
			ti, err := op(ctx)
			after = ti
			return err
		}
	}
	done := func() tea.Cmd { return changed(after) }
	switch {
	case k == "e" && !archived:
		return st.Push(newClientEdit(d))
	case k == "s" && !archived && d.ti.Status != store.TenantSuspended:
		return st.Push(kit.NewConfirmPage(st, c.Suspend, fmt.Sprintf(c.SuspendQ, sanitize.Line(d.ti.Name)), "",
			run(func(ctx context.Context) (store.TenantInfo, error) {
				return env.DB.SuspendTenant(ctx, env.OperatorActor, schema)
			}), c.SuspendDone, done))
	case k == "a" && !archived && d.ti.Status != store.TenantActive:
		return st.Push(kit.NewConfirmPage(st, c.Activate, fmt.Sprintf(c.ActivateQ, sanitize.Line(d.ti.Name)), "",
			run(func(ctx context.Context) (store.TenantInfo, error) {
				return env.DB.ActivateTenant(ctx, env.OperatorActor, schema)
			}), c.ActivateDone, done))
	case k == "d" && !archived:
		return st.Push(newDomainsPage(d))
	case k == "o" && !archived:
		return st.Push(kit.NewClinicLoginsPage(env, st, schema))
	case k == "x" && !archived:
		return st.Push(kit.NewConfirmPage(st, c.Archive, fmt.Sprintf(c.ArchiveQ, sanitize.Line(d.ti.Name)), schema,
			run(func(ctx context.Context) (store.TenantInfo, error) {
				return env.DB.ArchiveTenant(ctx, env.OperatorActor, schema)
			}), c.ArchiveDone, func() tea.Cmd { return tea.Batch(st.Pop(), done()) }))
	case k == "r" && archived:
		return st.Push(kit.NewConfirmPage(st, c.Restore, fmt.Sprintf(c.RestoreQ, sanitize.Line(d.ti.Name)), "",
			run(func(ctx context.Context) (store.TenantInfo, error) {
				return env.DB.RestoreTenant(ctx, env.OperatorActor, schema)
			}), c.RestoreDone, done))
	}
	return nil
}

func (d *clientDetail) View(w, h int) string {
	env := d.list.env
	st, m, l := env.Styles(), env.M, env.L
	c := m.Ops.Clients
	ti := d.ti
	status := kit.StatusText(m, ti.Status)
	if ti.Status == store.TenantSuspended && ti.SuspendedByHand {
		status += " (" + c.ByHand + ")"
	}
	domains := m.Ops.Common.None
	if len(ti.Domains) > 0 {
		ds := make([]string, len(ti.Domains))
		for i, x := range ti.Domains {
			ds[i] = sanitize.Line(x)
		}
		ds[0] += " (" + c.Primary + ")"
		domains = strings.Join(ds, ", ")
	}
	usage := m.Ops.Common.None
	last := ti.LastActivityAt
	if d.usage != nil {
		usage = fmt.Sprintf(c.UsageLine, d.usage.Patients, d.usage.SessionsThisMonth, d.usage.ActiveStaff)
		last = d.usage.LastActivity
	}
	pairs := [][2]string{
		{c.Name, st.Subtitle.Render(sanitize.Line(ti.Name))},
		{c.Schema, sanitize.Line(ti.Schema)},
		{c.Status, status},
		{c.Admin, sanitize.Line(ti.AdminName) + " <" + sanitize.Line(ti.AdminEmail) + ">"},
		{c.Domains, domains},
		{c.Limits, fmt.Sprintf("%s %d · %s %s · %s %s", c.Specialists, ti.SpecialistsLimit,
			c.Patients, kit.LimitText(m, ti.PatientsLimit), c.Users, kit.LimitText(m, ti.UsersLimit))},
		{c.Fee, l.Money(ti.MonthlyFee)},
		{c.Zone, sanitize.Line(ti.Timezone + " · " + ti.Currency + " · " + ti.Lang)},
		{c.Created, l.DateTime(ti.CreatedAt)},
		{c.LastActivity, kit.OptTime(l, last)},
		{c.Usage, usage},
	}
	if ti.ArchivedAt != nil {
		pairs = append(pairs, [2]string{c.Archive, l.DateTime(*ti.ArchivedAt)})
	}
	return "\n" + kit.Kv(st, pairs)
}

func (d *clientDetail) Keys() []key.Binding {
	c := d.list.env.M.Ops.Clients
	if d.ti.Status == store.TenantArchived {
		return []key.Binding{kit.Key(c.KeyRestore, "r")}
	}
	keys := []key.Binding{kit.Key(c.KeyEdit, "e")}
	if d.ti.Status != store.TenantSuspended {
		keys = append(keys, kit.Key(c.KeySuspend, "s"))
	}
	if d.ti.Status != store.TenantActive {
		keys = append(keys, kit.Key(c.KeyActivate, "a"))
	}
	return append(keys, kit.Key(c.KeyDomains, "d"), kit.Key(c.KeyArchive, "x"), kit.Key(c.KeyLogins, "o"))
}

func (d *clientDetail) Capturing() bool { return false }

// clientFields are a client form's values as typed.
type clientFields struct {
	schema, name, email, adminName, fee, domain string
	specialists, patients, users                string
}

func (l *clientList) validators() (req, email, fee, count, optCount func(string) error) {
	m := l.env.M
	req = func(s string) error {
		if strings.TrimSpace(s) == "" {
			return errors.New(m.Errors.Required)
		}
		return nil
	}
	email = func(s string) error {
		s = strings.TrimSpace(s)
		if !strings.Contains(s, "@") || strings.ContainsAny(s, " \t") {
			return errors.New(m.Errors.EmailInvalid)
		}
		return nil
	}
	fee = kit.MoneyOK(l.env, true)
	count = func(s string) error {
		if n, err := kit.ParseOptInt(s); err != nil || n == nil {
			return errors.New(m.Ops.Common.BadNumber)
		}
		return nil
	}
	optCount = func(s string) error {
		if _, err := kit.ParseOptInt(s); err != nil {
			return errors.New(m.Ops.Common.BadNumber)
		}
		return nil
	}
	return
}

// schemaReason is the store's rule as a form validator: the reason a name
// is refused shows under the field.
func (l *clientList) schemaReason(s string) error {
	err := store.ValidateSchemaName(strings.TrimSpace(s))
	var ve *store.ValidationError
	if errors.As(err, &ve) {
		return errors.New(sanitize.Line(l.env.L.FieldText(ve.Fields["schema"])))
	}
	return err
}

func (l *clientList) limitFields(f *clientFields) []huh.Field {
	c := l.env.M.Ops.Clients
	_, _, _, count, optCount := l.validators()
	return []huh.Field{
		huh.NewInput().Title(c.Specialists).Value(&f.specialists).Validate(count),
		huh.NewInput().Title(c.Patients).Description(c.LimitHint).Value(&f.patients).Validate(optCount),
		huh.NewInput().Title(c.Users).Description(c.LimitHint).Value(&f.users).Validate(optCount),
	}
}

func newClientCreate(l *clientList) *kit.FormPage {
	env := l.env
	c := env.M.Ops.Clients
	f := &clientFields{specialists: "4", fee: "0"}
	req, email, fee, _, _ := l.validators()
	var prov *store.Provisioned
	return &kit.FormPage{
		Stack: l.stack, Name: c.New,
		Build: func() *huh.Form {
			return kit.NewForm(env.M,
				huh.NewGroup(
					huh.NewInput().Title(c.Schema).Description(c.SchemaHint).Value(&f.schema).Validate(l.schemaReason),
					huh.NewInput().Title(c.Name).Value(&f.name).Validate(req),
					huh.NewInput().Title(c.AdminEmail).Value(&f.email).Validate(email),
					huh.NewInput().Title(c.AdminName).Value(&f.adminName),
				),
				huh.NewGroup(
					huh.NewInput().Title(c.Fee).Description(c.FeeHint).Value(&f.fee).Validate(fee),
					huh.NewInput().Title(c.Domain).Value(&f.domain),
				),
				// The limits on a page of their own: it fits 80x24.
				huh.NewGroup(l.limitFields(f)...),
			)
		},
		Save: func(ctx context.Context) error {
			nt, err := f.newTenant(env)
			if err != nil {
				return err
			}
			p, err := env.DB.CreateTenant(ctx, env.OperatorActor, nt)
			prov = p
			return err
		},
		Done: c.Created1,
		AfterSave: func() tea.Cmd {
			return tea.Batch(l.reload(), l.stack.Push(newSetupCodePage(l, prov)))
		},
	}
}

func (f *clientFields) newTenant(env *kit.Env) (store.NewTenant, error) {
	nt := store.NewTenant{Schema: strings.TrimSpace(f.schema), Name: f.name, AdminEmail: f.email, AdminName: f.adminName}
	if d := strings.TrimSpace(f.domain); d != "" {
		nt.Domains = []string{d}
	}
	var err error
	if nt.MonthlyFee, err = kit.MoneyValue(env, f.fee); err != nil {
		return nt, err // already in the user's words (the field's check said the same)
	}
	if err := f.limits(&nt.SpecialistsLimit, &nt.PatientsLimit, &nt.UsersLimit); err != nil {
		return nt, err
	}
	if nt.SpecialistsLimit == 0 {
		// 0 would mean the default to CreateTenant; a plan without
		// specialists is set afterwards with the edit form.
		nt.SpecialistsLimit = store.DefaultSpecialistsLimit
	}
	return nt, nil
}

func (f *clientFields) limits(spec *int, patients, users **int) error {
	s, err := kit.ParseOptInt(f.specialists)
	if err != nil || s == nil {
		return &store.ValidationError{Fields: map[string]store.FieldError{"specialists_limit": {Reason: store.ReasonNumber}}}
	}
	*spec = *s
	if *patients, err = kit.ParseOptInt(f.patients); err != nil {
		return &store.ValidationError{Fields: map[string]store.FieldError{"patients_limit": {Reason: store.ReasonNumber}}}
	}
	if *users, err = kit.ParseOptInt(f.users); err != nil {
		return &store.ValidationError{Fields: map[string]store.FieldError{"users_limit": {Reason: store.ReasonNumber}}}
	}
	return nil
}

func optIntText(n *int) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(*n)
}

// update turns the form into a TenantUpdate: every field is sent (a blank
// optional limit removes it: -1).
func (f *clientFields) update(env *kit.Env, withContact bool) (store.TenantUpdate, error) {
	var up store.TenantUpdate
	var spec int
	var patients, users *int
	if err := f.limits(&spec, &patients, &users); err != nil {
		return up, err
	}
	none := -1
	if patients == nil {
		patients = &none
	}
	if users == nil {
		users = &none
	}
	up.SpecialistsLimit, up.PatientsLimit, up.UsersLimit = &spec, patients, users
	if withContact {
		fee, err := kit.MoneyValue(env, f.fee)
		if err != nil {
			return up, err // already in the user's words (the field's check said the same)
		}
		up.Name, up.AdminEmail, up.AdminName, up.MonthlyFee = &f.name, &f.email, &f.adminName, &fee
	}
	return up, nil
}

func fieldsOf(env *kit.Env, ti store.TenantInfo) *clientFields {
	return &clientFields{
		schema: ti.Schema, name: ti.Name, email: ti.AdminEmail, adminName: ti.AdminName,
		fee: kit.MoneyText(env, ti.MonthlyFee), specialists: strconv.Itoa(ti.SpecialistsLimit),
		patients: optIntText(ti.PatientsLimit), users: optIntText(ti.UsersLimit),
	}
}

// newClientEdit edits everything but the schema name.
func newClientEdit(d *clientDetail) *kit.FormPage {
	l := d.list
	env := l.env
	c := env.M.Ops.Clients
	f := fieldsOf(l.env, d.ti)
	req, email, fee, _, _ := l.validators()
	schema := d.ti.Schema
	var after store.TenantInfo
	return &kit.FormPage{
		Stack: l.stack, Name: c.Edit,
		Build: func() *huh.Form {
			return kit.NewForm(env.M,
				huh.NewGroup(
					huh.NewInput().Title(c.Name).Value(&f.name).Validate(req),
					huh.NewInput().Title(c.AdminEmail).Value(&f.email).Validate(email),
					huh.NewInput().Title(c.AdminName).Value(&f.adminName),
					huh.NewInput().Title(c.Fee).Description(c.FeeHint).Value(&f.fee).Validate(fee),
				),
				huh.NewGroup(l.limitFields(f)...),
			)
		},
		Save: func(ctx context.Context) error {
			up, err := f.update(env, true)
			if err != nil {
				return err
			}
			after, err = env.DB.UpdateTenant(ctx, env.OperatorActor, schema, up)
			return err
		},
		Done:      c.Saved,
		AfterSave: func() tea.Cmd { return changed(after) },
	}
}

// setupCodePage shows a new clinic's setup code, once: the page is the only
// holder of the code and it is gone when the page closes.
type setupCodePage struct {
	list *clientList
	prov *store.Provisioned
}

func newSetupCodePage(l *clientList, p *store.Provisioned) *setupCodePage {
	return &setupCodePage{list: l, prov: p}
}

func (p *setupCodePage) Title() string { return p.list.env.M.Ops.Clients.SetupTitle }
func (p *setupCodePage) Init() tea.Cmd { return nil }
func (p *setupCodePage) Update(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok && k.String() == "enter" {
		return p.list.stack.Pop()
	}
	return nil
}

func (p *setupCodePage) View(w, h int) string {
	env := p.list.env
	st, c := env.Styles(), env.M.Ops.Clients
	if p.prov == nil {
		return ""
	}
	ti := p.prov.Tenant
	lines := []string{
		"",
		" " + fmt.Sprintf(c.SetupFor, sanitize.Line(ti.AdminEmail), sanitize.Line(ti.Name)),
		"",
		"     " + st.Title.Render(sanitize.Line(p.prov.SetupCode)),
		"",
		" " + fmt.Sprintf(c.SetupExpires, env.L.DateTime(p.prov.ExpiresAt)),
		"",
		" " + c.SetupSSH,
		"",
		"     " + st.Key.Render(sanitize.Line(env.SshLine(ti.Schema))),
		"",
		" " + st.Warn.Render(c.SetupOnce),
	}
	return strings.Join(lines, "\n")
}

func (p *setupCodePage) Keys() []key.Binding {
	return []key.Binding{kit.Key(p.list.env.M.Ops.Clients.KeyClose, "enter")}
}
func (p *setupCodePage) Capturing() bool { return false }

// domainsPage lists a client's domains: add, remove, make primary.
type domainsPage struct {
	detail *clientDetail
	list   kit.Table
}

type domainDone struct {
	page *domainsPage
	ti   store.TenantInfo
	msg  string
	err  error
}

func newDomainsPage(d *clientDetail) *domainsPage {
	p := &domainsPage{detail: d, list: kit.Table{Marker: true, Vim: true}}
	p.show(d.ti.Domains)
	return p
}

// show puts the domains in the list, the first one marked primary.
func (p *domainsPage) show(domains []string) {
	c := p.detail.list.env.M.Ops.Clients
	rows := make([][]string, len(domains))
	for i, dom := range domains {
		rows[i] = []string{sanitize.Line(dom)}
		if i == 0 {
			rows[i][0] += "  (" + c.Primary + ")"
		}
	}
	p.list.SetRows(rows)
}

func (p *domainsPage) Title() string { return p.detail.list.env.M.Ops.Clients.DomainsTitle }
func (p *domainsPage) Init() tea.Cmd { return nil }

func (p *domainsPage) Update(msg tea.Msg) tea.Cmd {
	d := p.detail
	l := d.list
	env, st := l.env, l.stack
	c := env.M.Ops.Clients
	domains := d.ti.Domains
	switch msg := msg.(type) {
	case domainDone:
		if msg.page != p {
			return nil
		}
		if msg.err != nil {
			env.Error(msg.err)
			return nil
		}
		env.Info(msg.msg)
		return changed(msg.ti)
	case clientChanged:
		if msg.ti.ID == d.ti.ID {
			p.show(msg.ti.Domains)
		}
	case tea.KeyPressMsg:
		schema := d.ti.Schema
		if p.list.Move(msg.String()) {
			return nil
		}
		switch msg.String() {
		case "a":
			var name string
			var after store.TenantInfo
			req, _, _, _, _ := l.validators()
			return st.Push(&kit.FormPage{
				Stack: st, Name: c.DomainAdd,
				Build: func() *huh.Form {
					return kit.NewForm(env.M, huh.NewGroup(huh.NewInput().Title(c.Domain).Value(&name).Validate(req)))
				},
				Save: func(ctx context.Context) (err error) {
					after, err = env.DB.AddDomain(ctx, env.OperatorActor, schema, name)
					return err
				},
				Done:      c.DomainAdded,
				AfterSave: func() tea.Cmd { return changed(after) },
			})
		case "x":
			if p.list.Cursor >= len(domains) {
				return nil
			}
			dom := domains[p.list.Cursor]
			var after store.TenantInfo
			return st.Push(kit.NewConfirmPage(st, c.DomainAdd, fmt.Sprintf(c.DomainRemoveQ, sanitize.Line(dom)), "",
				func(ctx context.Context) (err error) {
					after, err = env.DB.RemoveDomain(ctx, env.OperatorActor, schema, dom)
					return err
				}, c.DomainRemoved, func() tea.Cmd { return changed(after) }))
		case "p":
			if p.list.Cursor >= len(domains) {
				return nil
			}
			dom := domains[p.list.Cursor]
			return env.Do(func(ctx context.Context) tea.Msg {
				ti, err := env.DB.SetPrimaryDomain(ctx, env.OperatorActor, schema, dom)
				return domainDone{page: p, ti: ti, msg: c.DomainPrimary, err: err}
			})
		}
	}
	return nil
}

func (p *domainsPage) View(w, h int) string {
	env := p.detail.list.env
	st, c := env.Styles(), env.M.Ops.Clients
	ti := p.detail.ti
	p.list.Cols, p.list.Empty = []kit.Column{{Title: c.Domain}}, c.NoDomains
	return "\n " + st.Subtitle.Render(sanitize.Line(ti.Name)) + " (" + sanitize.Line(ti.Schema) + ")\n\n" + p.list.View(st, w, h-3)
}

func (p *domainsPage) Keys() []key.Binding {
	c := p.detail.list.env.M.Ops.Clients
	keys := []key.Binding{kit.KeyShown("↑↓", p.detail.list.env.M.Ops.Common.KeyUpDown, "up", "down", "k", "j"), kit.Key(c.KeyAdd, "a")}
	if len(p.detail.ti.Domains) > 0 {
		keys = append(keys, kit.Key(c.KeyRemove, "x"), kit.Key(c.KeyPrimary, "p"))
	}
	return keys
}
func (p *domainsPage) Capturing() bool { return false }
