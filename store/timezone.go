package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// ChangeSettings is the Change.Entity announcing that the clinic's settings
// changed: open sessions reload their language, currency and time zone.
const ChangeSettings = "settings"

// TimezoneImpact is what changing the clinic's time zone does to the
// sessions already booked, for a door to show before it saves (and to ask
// for a confirmation when Booked > 0).
//
// A session is an instant (starts_at is a timestamptz): changing the zone
// keeps every booked session at the same absolute time — nobody's
// appointment moves — and so its clock time as the clinic reads it shifts
// by Shift (a 10:00 session in America/Lima reads 16:00 in Europe/Madrid in
// winter). Working hours, "today" and month boundaries follow the new zone.
type TimezoneImpact struct {
	From string `json:"from"`
	To   string `json:"to"`
	// Booked counts the sessions from now on that are neither completed nor
	// cancelled.
	Booked int `json:"booked"`
	// First is the earliest of them (nil when Booked is 0).
	First *time.Time `json:"first"`
	// ShiftMinutes is how far clock times move (the new zone's offset minus
	// the old one's), at First or else now; daylight saving can make it
	// differ on other dates.
	ShiftMinutes int `json:"shift_minutes"`
}

// Changes tells whether the zone changes at all.
func (ti TimezoneImpact) Changes() bool { return ti.From != ti.To }

// TimezoneChange reports, without saving anything, what changing the
// clinic's time zone to tz would do to the booked sessions (admin only, as
// is changing the settings). An unknown zone is the ValidationError
// UpdateSettings gives for it.
func (t *Tenant) TimezoneChange(ctx context.Context, actor Actor, tz string) (TimezoneImpact, error) {
	if !actor.MayManageClinic() {
		return TimezoneImpact{}, forbidden("changing the clinic settings")
	}
	if err := checkTexts(oneLine("timezone", tz)); err != nil {
		return TimezoneImpact{}, err
	}
	tz = strings.TrimSpace(tz)
	to, err := time.LoadLocation(tz)
	switch {
	case tz == "":
		return TimezoneImpact{}, invalid("timezone", ReasonRequired)
	case err != nil || strings.EqualFold(tz, "local"):
		return TimezoneImpact{}, invalid("timezone", ReasonTimezone)
	}
	now := t.db.now()
	out := TimezoneImpact{To: tz}
	err = t.tx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `select timezone from settings`).Scan(&out.From); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `select count(*), min(starts_at) from sessions
			where starts_at >= $1 and status not in ('completed', 'cancelled')`, now).Scan(&out.Booked, &out.First)
	})
	if err != nil {
		return TimezoneImpact{}, fmt.Errorf("time zone change: %w", err)
	}
	from, err := time.LoadLocation(out.From)
	if err != nil {
		from = time.UTC
	}
	at := now
	if out.First != nil {
		at = *out.First
	}
	_, offFrom := at.In(from).Zone()
	_, offTo := at.In(to).Zone()
	out.ShiftMinutes = (offTo - offFrom) / 60
	return out, nil
}
