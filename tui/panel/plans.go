package panel

import (
	"context"
	"fmt"
	"strconv"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"consultorio/store"
	"consultorio/tui/kit"
	"consultorio/tui/sanitize"
)

// The Plans screen: every client's limits (specialists, patients, staff
// users) next to what it uses, and a form to change them. The limits are
// enforced by the store where records are created; this screen only sets
// them (as the client edit form does too).

func NewPlansScreen(env *kit.Env) kit.Screen {
	s := kit.NewStack(env, env.M.Panel.Plans)
	l := newClientList(env, s)
	l.plans = true
	p, c := env.M.Ops.Plans, env.M.Ops.Clients
	l.table.Cols = []kit.Column{
		{Title: c.ColName, Width: 0},
		{Title: c.ColSchema, Width: 12},
		{Title: c.ColStatus, Width: 10, Priority: 2},
		{Title: p.ColSpecialists, Width: 5, Right: true},
		{Title: p.ColPatients, Width: 11, Right: true},
		{Title: p.ColUsers, Width: 9, Right: true},
	}
	s.SetRoot(l)
	return s
}

// planCells: "used/limit" where the usage is known ("?" until it is read).
func (l *clientList) planCells(ti store.TenantInfo) []string {
	m := l.env.M
	patients, users := "?", "?"
	if u, ok := l.usage[ti.Schema]; ok {
		patients, users = strconv.Itoa(u.Patients), strconv.Itoa(u.ActiveStaff)
	}
	return []string{sanitize.Line(ti.Name), sanitize.Line(ti.Schema), kit.StatusText(m, ti.Status),
		strconv.Itoa(ti.SpecialistsLimit),
		fmt.Sprintf("%s/%s", patients, kit.LimitText(m, ti.PatientsLimit)),
		fmt.Sprintf("%s/%s", users, kit.LimitText(m, ti.UsersLimit))}
}

// newLimitsForm changes a client's limits only.
func newLimitsForm(l *clientList, ti store.TenantInfo) *kit.FormPage {
	env := l.env
	p := env.M.Ops.Plans
	f := fieldsOf(env, ti)
	schema := ti.Schema
	var after store.TenantInfo
	return &kit.FormPage{
		Stack: l.stack, Name: p.EditTitle + " · " + sanitize.Line(ti.Name),
		Build: func() *huh.Form {
			return kit.NewForm(env.M, huh.NewGroup(l.limitFields(f)...))
		},
		Save: func(ctx context.Context) error {
			up, err := f.update(env, false)
			if err != nil {
				return err
			}
			after, err = env.DB.UpdateTenant(ctx, env.OperatorActor, schema, up)
			return err
		},
		Done:      p.Saved,
		AfterSave: func() tea.Cmd { return changed(after) },
	}
}
