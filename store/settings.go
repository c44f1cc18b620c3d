package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// Settings are a clinic's own preferences (PRODUCT.md §4, clinic settings).
// WorkStart and WorkEnd are times of day "HH:MM" in the clinic's time zone;
// WorkDays are ISO weekdays (1 = Monday … 7 = Sunday), ascending.
type Settings struct {
	DisplayName     string `json:"display_name"`
	Timezone        string `json:"timezone"`
	Currency        string `json:"currency"`
	Lang            string `json:"lang"`
	DefaultDuration int    `json:"default_duration"` // minutes
	WorkStart       string `json:"work_start"`
	WorkEnd         string `json:"work_end"`
	WorkDays        []int  `json:"work_days"`
	// SecondFactor: who must pass a second factor to log in ("" keeps the
	// stored policy on update).
	SecondFactor SecondFactorPolicy `json:"second_factor"`
	// PaymentOverdueDays: days after its completion when an unpaid session
	// is notified as overdue (0 keeps the stored value on update).
	PaymentOverdueDays int `json:"payment_overdue_days"`
}

// Location is the settings' time zone (UTC if unknown).
func (s Settings) Location() *time.Location {
	if loc, err := LoadZone(s.Timezone); err == nil {
		return loc
	}
	return time.UTC
}

// WorkHours returns the working hours as offsets from midnight.
func (s Settings) WorkHours() (start, end time.Duration) {
	return clockOffset(s.WorkStart), clockOffset(s.WorkEnd)
}

// WorksOn tells whether the clinic works on that weekday.
func (s Settings) WorksOn(d time.Weekday) bool {
	iso := int(d)
	if iso == 0 {
		iso = 7
	}
	return slices.Contains(s.WorkDays, iso)
}

func clockOffset(hhmm string) time.Duration {
	t, err := time.Parse("15:04", hhmm)
	if err != nil {
		return 0
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute
}

// Settings reads the clinic's settings. Anyone logged in may read them (the
// agenda needs the hours and the default duration).
func (t *Tenant) Settings(ctx context.Context) (Settings, error) {
	var s Settings
	err := t.tx(ctx, func(tx pgx.Tx) error {
		var err error
		s, err = readSettings(ctx, tx)
		return err
	})
	if err != nil {
		return Settings{}, fmt.Errorf("clinic settings: %w", err)
	}
	return s, nil
}

func readSettings(ctx context.Context, tx pgx.Tx) (Settings, error) {
	var s Settings
	var days []int16
	err := tx.QueryRow(ctx, `select display_name, timezone, currency, lang, default_duration,
			to_char(work_start, 'HH24:MI'), to_char(work_end, 'HH24:MI'), work_days, second_factor, payment_overdue_days
		from settings`).Scan(&s.DisplayName, &s.Timezone, &s.Currency, &s.Lang, &s.DefaultDuration,
		&s.WorkStart, &s.WorkEnd, &days, &s.SecondFactor, &s.PaymentOverdueDays)
	if err != nil {
		return Settings{}, err
	}
	s.WorkDays = make([]int, len(days))
	for i, d := range days {
		s.WorkDays[i] = int(d)
	}
	return s, nil
}

func (s *Settings) normalize() error {
	if err := checkTexts(oneLine("display_name", s.DisplayName), oneLine("timezone", s.Timezone),
		oneLine("currency", s.Currency), oneLine("lang", s.Lang), oneLine("work_start", s.WorkStart),
		oneLine("work_end", s.WorkEnd)); err != nil {
		return err
	}
	v := validation{}
	cleanField(v, "display_name", &s.DisplayName, 200, true)
	s.Timezone = strings.TrimSpace(s.Timezone)
	if s.Timezone == "" {
		v.add("timezone", ReasonRequired)
	} else if _, err := time.LoadLocation(s.Timezone); err != nil || strings.EqualFold(s.Timezone, "local") {
		// "Local" would mean the server's zone, which is nobody's clinic.
		v.add("timezone", ReasonTimezone)
	}
	s.Currency = strings.ToUpper(strings.TrimSpace(s.Currency))
	if len(s.Currency) != 3 || strings.IndexFunc(s.Currency, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0 {
		v.add("currency", ReasonCurrency)
	}
	s.Lang = strings.ToLower(strings.TrimSpace(s.Lang))
	if s.Lang != "es" && s.Lang != "en" {
		v.add("lang", ReasonLang)
	}
	if s.DefaultDuration < 5 || s.DefaultDuration > 480 {
		v.add("default_duration", ReasonMinutesRange, 5, 480)
	}
	var start, end time.Time
	var startErr, endErr error
	s.WorkStart = strings.TrimSpace(s.WorkStart)
	if start, startErr = time.Parse("15:04", s.WorkStart); startErr != nil {
		v.add("work_start", ReasonTimeOfDay)
	}
	s.WorkEnd = strings.TrimSpace(s.WorkEnd)
	if end, endErr = time.Parse("15:04", s.WorkEnd); endErr != nil {
		v.add("work_end", ReasonTimeOfDay)
	}
	if startErr == nil && endErr == nil && !start.Before(end) {
		v.add("work_end", ReasonWorkEnd)
	}
	if startErr == nil {
		s.WorkStart = start.Format("15:04")
	}
	if endErr == nil {
		s.WorkEnd = end.Format("15:04")
	}
	if len(s.WorkDays) == 0 {
		v.add("work_days", ReasonWorkDays)
	}
	days := slices.Clone(s.WorkDays)
	slices.Sort(days)
	days = slices.Compact(days)
	for _, d := range days {
		if d < 1 || d > 7 {
			v.add("work_days", ReasonWeekday)
		}
	}
	s.WorkDays = days
	if s.SecondFactor != "" && !s.SecondFactor.Valid() {
		v.add("second_factor", ReasonOneOf, "off, admins, everyone")
	}
	if s.PaymentOverdueDays != 0 {
		if err := CheckPaymentOverdueDays(s.PaymentOverdueDays); err != nil {
			v.add("overdue_days", ReasonRange, MinPaymentOverdueDays, MaxPaymentOverdueDays)
		}
	}
	return v.err()
}

// CheckPaymentOverdueDays is the rule for the overdue threshold
// (MinPaymentOverdueDays..MaxPaymentOverdueDays), exported so a form can
// refuse a bad value under its field as it is typed, with the same error
// UpdateSettings returns. (UpdateSettings itself reads 0 as "keep".)
func CheckPaymentOverdueDays(days int) error {
	if days < MinPaymentOverdueDays || days > MaxPaymentOverdueDays {
		return invalid("overdue_days", ReasonRange, MinPaymentOverdueDays, MaxPaymentOverdueDays)
	}
	return nil
}

// UpdateSettings saves the clinic's settings (admin only) and returns them as
// stored. The time zone, currency and language are also the tenant's in the
// public schema (what TenantInfo reports), changed in the same transaction;
// handles loaded before see them after Reload.
func (t *Tenant) UpdateSettings(ctx context.Context, actor Actor, s Settings) (Settings, error) {
	if !actor.MayManageClinic() {
		return Settings{}, forbidden("changing the clinic settings")
	}
	if err := s.normalize(); err != nil {
		return Settings{}, err
	}
	var out Settings
	err := t.tx(ctx, func(tx pgx.Tx) error {
		before, err := readSettings(ctx, tx)
		if err != nil {
			return err
		}
		days := make([]int16, len(s.WorkDays))
		for i, d := range s.WorkDays {
			days[i] = int16(d)
		}
		if _, err := tx.Exec(ctx, `update settings set display_name = $1, timezone = $2, currency = $3, lang = $4,
				default_duration = $5, work_start = $6::time, work_end = $7::time, work_days = $8,
				second_factor = coalesce(nullif($9, ''), second_factor),
				payment_overdue_days = coalesce(nullif($10::int, 0), payment_overdue_days)`,
			s.DisplayName, s.Timezone, s.Currency, s.Lang, s.DefaultDuration, s.WorkStart, s.WorkEnd, days,
			string(s.SecondFactor), s.PaymentOverdueDays); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `select public.sync_tenant_settings($1, $2, $3)`, s.Timezone, s.Currency, s.Lang); err != nil {
			return fmt.Errorf("sync tenant: %w", err)
		}
		if out, err = readSettings(ctx, tx); err != nil {
			return err
		}
		if err := audit(ctx, tx, actor, "update", "settings", 0, map[string]any{"before": before, "after": out}); err != nil {
			return err
		}
		// Open sessions of the clinic apply the new language, currency and
		// time zone at once (the servers pass the change on to them).
		return t.notifyChange(ctx, tx, ChangeSettings, 0, "update")
	})
	if err != nil {
		return Settings{}, clinicErr("update clinic settings", err)
	}
	return out, nil
}

// cleanField trims *s and records in v why it is unacceptable: required and
// empty, longer than max characters, or holding a NUL byte (PostgreSQL text
// cannot store it, and it is never typed on purpose). Other control
// characters are stored as typed: the UI sanitizes at render time.
func cleanField(v validation, field string, s *string, max int, required bool) {
	*s = strings.TrimSpace(*s) // characters were checked by checkTexts, first
	switch {
	case required && *s == "":
		v.add(field, ReasonRequired)
	case utf8.RuneCountInString(*s) > max:
		v.add(field, ReasonTooLong, max)
	}
}

// lockClinic serialises the transactions that check a plan limit: they all
// take the one settings row first, so two of them cannot both count below
// the limit and both insert.
func lockClinic(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `select 1 from settings for update`); err != nil {
		return fmt.Errorf("lock clinic: %w", err)
	}
	return nil
}

// uniqueConflict turns a unique violation on constraint into a ConflictError
// for field; other errors pass through.
func uniqueConflict(err error, constraint, field string) error {
	if pgCode(err) == pgUniqueViolation && pgConstraint(err) == constraint {
		return &ConflictError{Field: field, Reason: ReasonTaken, cause: err}
	}
	return err
}

// clinicErr wraps a failure of the operation what with context, but returns
// the errors meant for the user (validation, conflict, forbidden, limit) as
// they are, so their message reads well on a screen.
func clinicErr(what string, err error) error {
	var ce *ConflictError
	var ve *ValidationError
	var fe *ForbiddenError
	var le *LimitError
	if err == nil || errors.As(err, &ce) || errors.As(err, &ve) || errors.As(err, &fe) || errors.As(err, &le) {
		return err
	}
	return fmt.Errorf("%s: %w", what, err)
}
