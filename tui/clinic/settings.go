package clinic

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"consultorio/store"
	"consultorio/tui/i18n"
	"consultorio/tui/kit"
	"consultorio/tui/sanitize"
)

// settingsPage shows the clinic's settings (opened from the Staff screen
// with s); admins edit them with e. Everyone who sees Staff may read them.
type settingsPage struct {
	env    *kit.Env
	stack  *kit.Stack
	s      store.Settings
	loaded bool
}

type settingsLoaded struct {
	page *settingsPage
	s    store.Settings
	err  error
}

func newSettingsPage(env *kit.Env, st *kit.Stack) *settingsPage {
	return &settingsPage{env: env, stack: st}
}

func (p *settingsPage) reload() tea.Cmd {
	env := p.env
	return env.Do(func(ctx context.Context) tea.Msg {
		s, err := env.Tenant.Settings(ctx)
		return settingsLoaded{p, s, err}
	})
}

func (p *settingsPage) Title() string   { return p.env.M.ClinicSettings.Title }
func (p *settingsPage) Init() tea.Cmd   { return p.reload() }
func (p *settingsPage) Capturing() bool { return false }

func (p *settingsPage) keyEdit() key.Binding { return kit.Key(p.env.M.Admin.KeyEdit, "e") }

func (p *settingsPage) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case settingsLoaded:
		if msg.page != p {
			return nil
		}
		if msg.err != nil {
			p.env.Error(msg.err)
			return nil
		}
		p.s, p.loaded = msg.s, true
	case tea.KeyPressMsg:
		if key.Matches(msg, p.keyEdit()) && p.loaded && kit.AdmCanManage(p.env) {
			return p.stack.Push(p.form())
		}
	}
	return nil
}

// weekdayName names an ISO weekday (1 = Monday … 7 = Sunday).
func (p *settingsPage) weekdayName(iso int) string {
	return p.env.M.Dates.Weekdays[iso%7]
}

func (p *settingsPage) days(days []int) string {
	names := make([]string, len(days))
	for i, d := range days {
		names[i] = p.env.M.Dates.WeekdaysAbbr[d%7]
	}
	return strings.Join(names, ", ")
}

func (p *settingsPage) View(w, h int) string {
	if !p.loaded {
		return ""
	}
	m, s := p.env.M.ClinicSettings, p.s
	return "\n" + kit.AdmFields(p.env.Styles(), w, []kit.AdmField{
		{Label: m.Name, Value: sanitize.Line(s.DisplayName)},
		{Label: m.Timezone, Value: sanitize.Line(s.Timezone)},
		{Label: m.Currency, Value: sanitize.Line(s.Currency)},
		{Label: m.Lang, Value: p.env.M.LangName(s.Lang)},
		{Label: m.Duration, Value: fmt.Sprintf(m.Minutes, s.DefaultDuration)},
		{Label: m.Hours, Value: sanitize.Line(s.WorkStart + "–" + s.WorkEnd)},
		{Label: m.Days, Value: p.days(s.WorkDays)},
		{Label: m.OverdueDays, Value: fmt.Sprintf(m.DaysCount, s.PaymentOverdueDays)},
		{Label: p.env.M.SecondFactor.Policy, Value: p.env.M.PolicyName(s.SecondFactor)},
	})
}

func (p *settingsPage) Keys() []key.Binding {
	if kit.AdmCanManage(p.env) {
		return []key.Binding{p.keyEdit()}
	}
	return nil
}

func (p *settingsPage) form() *kit.FormPage {
	env, m := p.env, p.env.M.ClinicSettings
	s := p.s
	s.WorkDays = append([]int(nil), p.s.WorkDays...)
	duration := strconv.Itoa(s.DefaultDuration)
	overdue := strconv.Itoa(s.PaymentOverdueDays)
	clock := func(v string) error {
		if _, err := time.Parse("15:04", strings.TrimSpace(v)); err != nil {
			return errors.New(m.BadTime)
		}
		return nil
	}
	build := func() *huh.Form {
		// Fresh options each time: huh marks the selected ones in place.
		dayOpts := make([]huh.Option[int], 7)
		for i := range dayOpts {
			dayOpts[i] = huh.NewOption(p.weekdayName(i+1), i+1)
		}
		// Keys are the store's field names: a refused save reopens the
		// form on the field (kit.FocusField).
		return kit.NewForm(env.M,
			huh.NewGroup(
				huh.NewInput().Key("display_name").Title(m.Name).Value(&s.DisplayName).CharLimit(200),
				huh.NewInput().Key("timezone").Title(m.Timezone).Description(m.TimezoneHint).Value(&s.Timezone).Validate(func(v string) error {
					if _, err := time.LoadLocation(strings.TrimSpace(v)); err != nil || strings.TrimSpace(v) == "" {
						return errors.New(m.BadTimezone)
					}
					return nil
				}),
				huh.NewInput().Key("currency").Title(m.Currency).Description(m.CurrencyHint).Value(&s.Currency).CharLimit(3),
				huh.NewSelect[string]().Key("lang").Title(m.Lang).Options(huh.NewOption(m.LangES, "es"), huh.NewOption(m.LangEN, "en")).Value(&s.Lang),
			),
			huh.NewGroup(
				huh.NewInput().Key("default_duration").Title(m.Duration).Description(m.DurationHint).Value(&duration).Validate(func(v string) error {
					if _, err := strconv.Atoi(strings.TrimSpace(v)); err != nil {
						return errors.New(m.BadNumber)
					}
					return nil
				}),
				huh.NewInput().Key("work_start").Title(m.Start).Description(m.TimeHint).Value(&s.WorkStart).Validate(clock),
				huh.NewInput().Key("work_end").Title(m.End).Description(m.TimeHint).Value(&s.WorkEnd).Validate(clock),
				huh.NewInput().Key("overdue_days").Title(m.OverdueDays).
					Description(fmt.Sprintf(m.OverdueHint, store.MinPaymentOverdueDays, store.MaxPaymentOverdueDays)).
					Value(&overdue).Validate(func(v string) error {
					n, err := strconv.Atoi(strings.TrimSpace(v))
					if err != nil {
						return errors.New(m.BadNumber)
					}
					if err := store.CheckPaymentOverdueDays(n); err != nil { // the core's rule, its words
						return errors.New(env.ErrorText(err))
					}
					return nil
				}),
			),
			huh.NewGroup(
				huh.NewMultiSelect[int]().Key("work_days").Title(m.Days).Options(dayOpts...).Value(&s.WorkDays).Height(9),
			),
			huh.NewGroup(
				huh.NewSelect[store.SecondFactorPolicy]().Key("second_factor").Title(env.M.SecondFactor.Policy).Options(
					huh.NewOption(p.env.M.PolicyName(store.SecondFactorOff), store.SecondFactorOff),
					huh.NewOption(p.env.M.PolicyName(store.SecondFactorAdmins), store.SecondFactorAdmins),
					huh.NewOption(p.env.M.PolicyName(store.SecondFactorEveryone), store.SecondFactorEveryone),
				).Value(&s.SecondFactor),
			),
		)
	}
	// warned is the zone the user was told about (store.TimezoneChange):
	// saving again with it changes the zone. Written and read by Save only,
	// one save after the other.
	var warned string
	save := func(ctx context.Context) error {
		d, _ := strconv.Atoi(strings.TrimSpace(duration))
		s.DefaultDuration = d
		s.PaymentOverdueDays, _ = strconv.Atoi(strings.TrimSpace(overdue))
		if tz := strings.TrimSpace(s.Timezone); tz != p.s.Timezone && tz != warned {
			im, err := env.Tenant.TimezoneChange(ctx, env.Actor, tz)
			if err != nil {
				return err
			}
			if im.Changes() && im.Booked > 0 {
				warned = tz
				sm := staffMore(env)
				return i18n.InputError(sm.TimezoneWarning(im, env.L.DateLayout()+" 15:04") + " " + sm.TimezoneConfirmKey)
			}
		}
		_, err := env.Tenant.UpdateSettings(ctx, env.Actor, s)
		return err
	}
	return &kit.FormPage{Stack: p.stack, Name: m.Edit, Build: build, Save: save, Done: m.Saved, AfterSave: p.reload}
}
