package clinic

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

// newRoomsScreen is the Rooms & equipment screen: rooms with their
// specialists and equipment, a room's detail (assign specialists, add
// equipment inline or from the catalog, remove it) and the equipment
// catalog (key c). Admins change; reception reads.
func NewRoomsScreen(env *kit.Env) kit.Screen {
	s := kit.NewStack(env, env.M.Nav.Rooms)
	s.SetRoot(&roomList{env: env, stack: s, list: kit.Table{Empty: env.M.Rooms.Empty, Marker: true}})
	return s
}

type roomList struct {
	env     *kit.Env
	stack   *kit.Stack
	list    kit.Table
	rooms   []store.Room
	specs   []store.Specialist
	catalog []store.Equipment
}

type roomsLoaded struct {
	rooms   []store.Room
	specs   []store.Specialist
	catalog []store.Equipment
	err     error
}

func (l *roomList) reload() tea.Cmd {
	env := l.env
	return env.Do(func(ctx context.Context) tea.Msg {
		var r roomsLoaded
		if r.rooms, r.err = env.Tenant.ListRooms(ctx, env.Actor, true); r.err != nil {
			return r
		}
		if r.specs, r.err = env.Tenant.ListSpecialists(ctx, env.Actor, true); r.err != nil {
			return r
		}
		r.catalog, r.err = env.Tenant.ListEquipment(ctx, env.Actor)
		return r
	})
}

func (l *roomList) Title() string   { return l.env.M.Nav.Rooms }
func (l *roomList) Init() tea.Cmd   { return l.reload() }
func (l *roomList) Capturing() bool { return false }

func (l *roomList) byID(id int64) (store.Room, bool) {
	for _, r := range l.rooms {
		if r.ID == id {
			return r, true
		}
	}
	return store.Room{}, false
}

func (l *roomList) specName(id int64) string {
	for _, s := range l.specs {
		if s.ID == id {
			return sanitize.Line(s.FullName())
		}
	}
	return fmt.Sprintf("#%d", id)
}

func (l *roomList) specNames(r store.Room) string {
	names := make([]string, len(r.SpecialistIDs))
	for i, id := range r.SpecialistIDs {
		names[i] = l.specName(id)
	}
	return strings.Join(names, ", ")
}

func equipmentText(r store.Room) string {
	parts := make([]string, len(r.Equipment))
	for i, e := range r.Equipment {
		parts[i] = fmt.Sprintf("%s ×%d", sanitize.Line(e.Name), e.Quantity)
	}
	return strings.Join(parts, ", ")
}

func (l *roomList) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case roomsLoaded:
		if msg.err != nil {
			l.env.Error(msg.err)
			return nil
		}
		l.rooms, l.specs, l.catalog = msg.rooms, msg.specs, msg.catalog
		rows := make([][]string, len(l.rooms))
		for i, r := range l.rooms {
			rows[i] = []string{sanitize.Line(r.Name), strconv.Itoa(r.Capacity), l.specNames(r), equipmentText(r), kit.AdmActive(l.env, r.Active)}
		}
		l.list.SetRows(rows)
	case kit.ShownMsg:
		return l.reload()
	case tea.KeyPressMsg:
		if l.list.Move(msg.String()) {
			return nil
		}
		cur, ok := l.current()
		admin := kit.AdmCanManage(l.env)
		switch {
		case key.Matches(msg, l.keyOpen()) && ok:
			return l.stack.Push(l.detail(cur.ID))
		case key.Matches(msg, l.keyNew()) && admin:
			return l.stack.Push(l.form(nil))
		case key.Matches(msg, l.keyEdit()) && admin && ok:
			return l.stack.Push(l.form(&cur))
		case key.Matches(msg, l.keyActive()) && admin && ok:
			return l.stack.Push(l.confirmActive(cur))
		case key.Matches(msg, l.keyCatalog()):
			return l.stack.Push(&catalogPage{l: l, list: kit.Table{Empty: l.env.M.Rooms.CatalogEmpty, Marker: true}})
		case key.Matches(msg, l.keyReload()):
			return l.reload()
		}
	}
	return nil
}

func (l *roomList) detail(id int64) *roomDetail {
	return &roomDetail{l: l, id: id, equip: kit.Table{Empty: l.env.M.Rooms.NoEquipment, Marker: true}}
}

func (l *roomList) current() (store.Room, bool) {
	if l.list.Cursor < len(l.rooms) {
		return l.rooms[l.list.Cursor], true
	}
	return store.Room{}, false
}

func (l *roomList) View(w, h int) string {
	m := l.env.M.Rooms
	l.list.Cols = []kit.Column{{Title: m.ColName, Width: 16}, {Title: m.ColCapacity, Width: 4}, {Title: m.ColSpecialists, Width: 0}, {Title: m.ColEquipment, Width: 0}, {Title: m.ColActive, Width: 8}}
	st := l.env.Styles()
	return " " + st.Title.Render(l.env.M.Nav.Rooms) + "\n\n" + l.list.View(st, w, h-2)
}

func (l *roomList) keyOpen() key.Binding    { return kit.Key(l.env.M.Admin.KeyOpen, "enter") }
func (l *roomList) keyNew() key.Binding     { return kit.Key(l.env.M.Admin.KeyNew, "n") }
func (l *roomList) keyEdit() key.Binding    { return kit.Key(l.env.M.Admin.KeyEdit, "e") }
func (l *roomList) keyActive() key.Binding  { return kit.Key(l.env.M.Admin.KeyActive, "a") }
func (l *roomList) keyCatalog() key.Binding { return kit.Key(l.env.M.Rooms.KeyCatalog, "c") }
func (l *roomList) keyReload() key.Binding  { return kit.Key(l.env.M.Admin.KeyReload, "r") }

func (l *roomList) Keys() []key.Binding {
	keys := []key.Binding{kit.KeyShown("↑/↓", l.env.M.Admin.KeyMove, "up", "down"), l.keyOpen()}
	if kit.AdmCanManage(l.env) {
		keys = append(keys, l.keyNew(), l.keyEdit())
	}
	keys = append(keys, l.keyCatalog())
	if kit.AdmCanManage(l.env) {
		keys = append(keys, l.keyActive())
	}
	return append(keys, l.keyReload())
}

func positive(msg string) func(string) error {
	return func(s string) error {
		if n, err := strconv.Atoi(strings.TrimSpace(s)); err != nil || n < 1 {
			return errors.New(msg)
		}
		return nil
	}
}

func requiredText(msg string) func(string) error {
	return func(s string) error {
		if strings.TrimSpace(s) == "" {
			return errors.New(msg)
		}
		return nil
	}
}

// form creates (cur == nil) or edits a room; a new room opens its detail,
// where specialists and equipment are added.
func (l *roomList) form(cur *store.Room) *kit.FormPage {
	env, m := l.env, l.env.M.Rooms
	in := store.RoomInput{Capacity: 1}
	name := m.New
	if cur != nil {
		in = store.RoomInput{Name: cur.Name, Capacity: cur.Capacity, Location: cur.Location}
		name = sanitize.Line(cur.Name)
	}
	capacity := strconv.Itoa(in.Capacity)
	var created int64 // written by Save, read by AfterSave
	build := func() *huh.Form {
		return kit.NewForm(env.M, huh.NewGroup(
			huh.NewInput().Title(m.Name).Value(&in.Name).CharLimit(100).Validate(requiredText(env.M.Errors.Required)),
			huh.NewInput().Title(m.Capacity).Value(&capacity).Validate(positive(m.BadNumber)),
			huh.NewInput().Title(m.Location).Value(&in.Location).CharLimit(200),
		))
	}
	save := func(ctx context.Context) error {
		in.Capacity, _ = strconv.Atoi(strings.TrimSpace(capacity))
		if cur != nil {
			_, err := env.Tenant.UpdateRoom(ctx, env.Actor, cur.ID, in)
			return err
		}
		r, err := env.Tenant.CreateRoom(ctx, env.Actor, in)
		created = r.ID
		return err
	}
	after := func() tea.Cmd {
		if cur != nil {
			return l.reload()
		}
		return tea.Batch(l.reload(), l.stack.Push(l.detail(created)))
	}
	return &kit.FormPage{Stack: l.stack, Name: name, Build: build, Save: save, Done: m.Saved, AfterSave: after}
}

func (l *roomList) confirmActive(r store.Room) *kit.FormPage {
	env, m := l.env, l.env.M.Rooms
	name := sanitize.Line(r.Name)
	q, done, title := fmt.Sprintf(m.ConfirmDeactivate, name), m.Deactivated, env.M.Admin.Deactivate
	if !r.Active {
		q, done, title = fmt.Sprintf(m.ConfirmActivate, name), m.Activated, env.M.Admin.Activate
	}
	run := func(ctx context.Context) error {
		_, err := env.Tenant.SetRoomActive(ctx, env.Actor, r.ID, !r.Active)
		return err
	}
	return kit.NewConfirmPage(l.stack, title, q, "", run, done, l.reload)
}

// roomDetail is one room (read from the list, refreshed with it).
type roomDetail struct {
	l     *roomList
	id    int64
	equip kit.Table
}

func (d *roomDetail) Init() tea.Cmd   { return nil }
func (d *roomDetail) Capturing() bool { return false }
func (d *roomDetail) Title() string {
	r, _ := d.l.byID(d.id)
	return sanitize.Line(r.Name)
}

func (d *roomDetail) keyAssign() key.Binding { return kit.Key(d.l.env.M.Rooms.KeyAssign, "s") }
func (d *roomDetail) keyInline() key.Binding { return kit.Key(d.l.env.M.Rooms.KeyInline, "i") }
func (d *roomDetail) keyFromCatalog() key.Binding {
	return kit.Key(d.l.env.M.Rooms.KeyFromCatalog, "k")
}
func (d *roomDetail) keyRemove() key.Binding { return kit.Key(d.l.env.M.Rooms.KeyRemove, "x") }

func (d *roomDetail) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	r, found := d.l.byID(d.id)
	if !ok || !found {
		return nil
	}
	d.syncEquip(r)
	if d.equip.Move(k.String()) || !kit.AdmCanManage(d.l.env) {
		return nil
	}
	l := d.l
	switch {
	case key.Matches(k, l.keyEdit()):
		return l.stack.Push(l.form(&r))
	case key.Matches(k, l.keyActive()):
		return l.stack.Push(l.confirmActive(r))
	case key.Matches(k, d.keyAssign()):
		return l.stack.Push(d.assignForm(r))
	case key.Matches(k, d.keyInline()):
		return l.stack.Push(d.inlineForm(r))
	case key.Matches(k, d.keyFromCatalog()) && len(l.catalog) > 0:
		return l.stack.Push(d.catalogForm(r))
	case key.Matches(k, d.keyRemove()) && d.equip.Cursor < len(r.Equipment):
		e := r.Equipment[d.equip.Cursor]
		env := l.env
		run := func(ctx context.Context) error {
			_, err := env.Tenant.RemoveRoomEquipment(ctx, env.Actor, r.ID, e.EquipmentID)
			return err
		}
		q := fmt.Sprintf(env.M.Rooms.ConfirmRemove, sanitize.Line(e.Name), sanitize.Line(r.Name))
		return l.stack.Push(kit.NewConfirmPage(l.stack, env.M.Rooms.Remove, q, "", run, env.M.Rooms.Removed, l.reload))
	}
	return nil
}

func (d *roomDetail) assignForm(r store.Room) *kit.FormPage {
	env, m, l := d.l.env, d.l.env.M.Rooms, d.l
	ids := append([]int64(nil), r.SpecialistIDs...)
	assigned := map[int64]bool{}
	for _, id := range ids {
		assigned[id] = true
	}
	build := func() *huh.Form {
		var opts []huh.Option[int64]
		for _, s := range l.specs {
			if s.Active || assigned[s.ID] {
				opts = append(opts, huh.NewOption(sanitize.Line(s.LastName+", "+s.FirstName), s.ID))
			}
		}
		if len(opts) == 0 {
			return kit.NewForm(env.M, huh.NewGroup(huh.NewNote().Title(m.AssignTitle).Description(m.NoSpecialists)))
		}
		return kit.NewForm(env.M, huh.NewGroup(huh.NewMultiSelect[int64]().Title(m.AssignTitle).
			Description(m.AssignHint).Options(opts...).Value(&ids).Height(min(len(opts)+2, 12))))
	}
	save := func(ctx context.Context) error {
		_, err := env.Tenant.SetRoomSpecialists(ctx, env.Actor, r.ID, ids)
		return err
	}
	return &kit.FormPage{Stack: l.stack, Name: m.AssignTitle, Build: build, Save: save, Done: m.Saved, AfterSave: l.reload}
}

// inlineForm creates a catalog item and puts it in the room in one step.
func (d *roomDetail) inlineForm(r store.Room) *kit.FormPage {
	env, m, l := d.l.env, d.l.env.M.Rooms, d.l
	var name, code string
	qty := "1"
	build := func() *huh.Form {
		return kit.NewForm(env.M, huh.NewGroup(
			huh.NewInput().Title(m.EquipName).Value(&name).CharLimit(100).Validate(requiredText(env.M.Errors.Required)),
			huh.NewInput().Title(m.EquipCode).Description(m.EquipCodeHint).Value(&code).CharLimit(50),
			huh.NewInput().Title(m.Quantity).Value(&qty).Validate(positive(m.BadNumber)),
		))
	}
	save := func(ctx context.Context) error {
		n, _ := strconv.Atoi(strings.TrimSpace(qty))
		_, err := env.Tenant.AddRoomEquipmentNew(ctx, env.Actor, r.ID, name, code, n)
		return err
	}
	return &kit.FormPage{Stack: l.stack, Name: m.InlineTitle, Build: build, Save: save, Done: m.EquipAdded, AfterSave: l.reload}
}

func (d *roomDetail) catalogForm(r store.Room) *kit.FormPage {
	env, m, l := d.l.env, d.l.env.M.Rooms, d.l
	var id int64
	qty := "1"
	build := func() *huh.Form {
		opts := make([]huh.Option[int64], len(l.catalog))
		for i, e := range l.catalog {
			label := sanitize.Line(e.Name)
			if e.Code != "" {
				label += " (" + sanitize.Line(e.Code) + ")"
			}
			opts[i] = huh.NewOption(label, e.ID)
		}
		return kit.NewForm(env.M, huh.NewGroup(
			huh.NewSelect[int64]().Title(m.EquipName).Options(opts...).Value(&id).Height(min(len(opts)+2, 10)),
			huh.NewInput().Title(m.Quantity).Value(&qty).Validate(positive(m.BadNumber)),
		))
	}
	save := func(ctx context.Context) error {
		n, _ := strconv.Atoi(strings.TrimSpace(qty))
		_, err := env.Tenant.AddRoomEquipment(ctx, env.Actor, r.ID, id, n)
		return err
	}
	return &kit.FormPage{Stack: l.stack, Name: m.FromCatalogTitle, Build: build, Save: save, Done: m.EquipAdded, AfterSave: l.reload}
}

// syncEquip fills the equipment table from the room as last loaded.
func (d *roomDetail) syncEquip(r store.Room) {
	rows := make([][]string, len(r.Equipment))
	for i, e := range r.Equipment {
		rows[i] = []string{sanitize.Line(e.Name), sanitize.Line(e.Code), strconv.Itoa(e.Quantity)}
	}
	d.equip.SetRows(rows)
}

func (d *roomDetail) View(w, h int) string {
	env, m, st := d.l.env, d.l.env.M.Rooms, d.l.env.Styles()
	r, ok := d.l.byID(d.id)
	if !ok {
		return " " + env.M.Errors.NotFound
	}
	specs := d.l.specNames(r)
	if specs == "" {
		specs = env.M.Admin.None
	}
	fields := kit.AdmFields(st, w, []kit.AdmField{
		{Label: m.Name, Value: sanitize.Line(r.Name)},
		{Label: m.Capacity, Value: strconv.Itoa(r.Capacity)},
		{Label: m.Location, Value: sanitize.Line(r.Location)},
		{Label: env.M.Admin.State, Value: kit.AdmActive(env, r.Active)},
		{Label: m.ColSpecialists, Value: specs},
	})
	d.syncEquip(r)
	d.equip.Cols = []kit.Column{{Title: m.EquipName, Width: 0}, {Title: m.EquipCode, Width: 20}, {Title: m.Quantity, Width: 8}}
	used := strings.Count(fields, "\n") + 4
	return "\n" + fields + "\n\n " + st.Subtitle.Render(m.ColEquipment) + "\n" + d.equip.View(st, w, max(h-used, 2))
}

func (d *roomDetail) Keys() []key.Binding {
	if !kit.AdmCanManage(d.l.env) {
		return nil
	}
	keys := []key.Binding{d.keyAssign(), d.keyInline()}
	if len(d.l.catalog) > 0 {
		keys = append(keys, d.keyFromCatalog())
	}
	if len(d.equip.Rows) > 0 {
		keys = append(keys, d.keyRemove())
	}
	return append(keys, d.l.keyEdit(), d.l.keyActive())
}

// catalogPage is the equipment catalog (all items, whichever room has them).
type catalogPage struct {
	l    *roomList
	list kit.Table
}

func (p *catalogPage) Title() string   { return p.l.env.M.Rooms.Catalog }
func (p *catalogPage) Init() tea.Cmd   { return nil }
func (p *catalogPage) Capturing() bool { return false }

func (p *catalogPage) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok || p.list.Move(k.String()) {
		return nil
	}
	if cur, ok := p.current(); ok && kit.AdmCanManage(p.l.env) {
		switch {
		case key.Matches(k, p.keyEdit()):
			return p.l.stack.Push(p.editForm(cur))
		case key.Matches(k, p.keyDelete()):
			return p.l.stack.Push(p.confirmDelete(cur))
		}
	}
	if key.Matches(k, p.l.keyNew()) && kit.AdmCanManage(p.l.env) {
		env, m := p.l.env, p.l.env.M.Rooms
		var name, code string
		build := func() *huh.Form {
			return kit.NewForm(env.M, huh.NewGroup(
				huh.NewInput().Title(m.EquipName).Value(&name).CharLimit(100).Validate(requiredText(env.M.Errors.Required)),
				huh.NewInput().Title(m.EquipCode).Description(m.EquipCodeHint).Value(&code).CharLimit(50),
			))
		}
		save := func(ctx context.Context) error {
			_, err := env.Tenant.CreateEquipment(ctx, env.Actor, name, code)
			return err
		}
		return p.l.stack.Push(&kit.FormPage{Stack: p.l.stack, Name: m.NewEquipment, Build: build, Save: save,
			Done: m.Saved, AfterSave: p.l.reload})
	}
	return nil
}

func (p *catalogPage) View(w, h int) string {
	env, m := p.l.env, p.l.env.M.Rooms
	// Which rooms hold each item.
	where := map[int64][]string{}
	for _, r := range p.l.rooms {
		for _, e := range r.Equipment {
			where[e.EquipmentID] = append(where[e.EquipmentID], fmt.Sprintf("%s ×%d", sanitize.Line(r.Name), e.Quantity))
		}
	}
	rows := make([][]string, len(p.l.catalog))
	for i, e := range p.l.catalog {
		rows[i] = []string{sanitize.Line(e.Name), sanitize.Line(e.Code), strings.Join(where[e.ID], ", "), env.L.Date(e.CreatedAt)}
	}
	p.list.SetRows(rows)
	p.list.Cols = []kit.Column{{Title: m.EquipName, Width: 0}, {Title: m.EquipCode, Width: 16}, {Title: m.InRooms, Width: 0}, {Title: env.M.Admin.Created, Width: 10}}
	return p.list.View(env.Styles(), w, h)
}

func (p *catalogPage) Keys() []key.Binding {
	keys := []key.Binding{kit.KeyShown("↑/↓", p.l.env.M.Admin.KeyMove, "up", "down")}
	if kit.AdmCanManage(p.l.env) {
		keys = append(keys, p.l.keyNew())
		if _, ok := p.current(); ok {
			keys = append(keys, p.keyEdit(), p.keyDelete())
		}
	}
	return keys
}

func (p *catalogPage) keyEdit() key.Binding {
	return kit.Key(staffMore(p.l.env).KeyEditEquipment, "e")
}

func (p *catalogPage) keyDelete() key.Binding {
	return kit.Key(staffMore(p.l.env).KeyDeleteEquipment, "x")
}

// current is the catalog item under the cursor.
func (p *catalogPage) current() (store.Equipment, bool) {
	if p.list.Cursor < len(p.l.catalog) {
		return p.l.catalog[p.list.Cursor], true
	}
	return store.Equipment{}, false
}

// editForm renames an item or changes its code (store.UpdateEquipment).
func (p *catalogPage) editForm(e store.Equipment) *kit.FormPage {
	env, m := p.l.env, p.l.env.M.Rooms
	name, code := e.Name, e.Code
	build := func() *huh.Form {
		return kit.NewForm(env.M, huh.NewGroup(
			huh.NewInput().Title(m.EquipName).Value(&name).CharLimit(100).Validate(requiredText(env.M.Errors.Required)),
			huh.NewInput().Title(m.EquipCode).Description(m.EquipCodeHint).Value(&code).CharLimit(50),
		))
	}
	save := func(ctx context.Context) error {
		_, err := env.Tenant.UpdateEquipment(ctx, env.Actor, e.ID, name, code)
		return err
	}
	return &kit.FormPage{Stack: p.l.stack, Name: sanitize.Line(e.Name), Build: build, Save: save, Done: m.Saved,
		AfterSave: p.l.reload}
}

// confirmDelete deletes an item after a yes; the store refuses one a room
// still holds, and the refusal is shown under the question.
func (p *catalogPage) confirmDelete(e store.Equipment) *kit.FormPage {
	env, m := p.l.env, staffMore(p.l.env)
	name := sanitize.Line(e.Name)
	run := func(ctx context.Context) error { return env.Tenant.DeleteEquipment(ctx, env.Actor, e.ID) }
	return kit.NewConfirmPage(p.l.stack, m.KeyDeleteEquipment, fmt.Sprintf(m.ConfirmDeleteEquipment, name), "", run,
		fmt.Sprintf(m.EquipmentDeleted, name), p.l.reload)
}
