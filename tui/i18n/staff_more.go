package i18n

import (
	"fmt"
	"time"

	"consultorio/store"
)

// StaffMore holds the words of issue 13's small operations of the staff,
// rooms, expenses and settings screens and of their scripted commands:
// locked accounts and unlocking, a user's own password, equipment edit and
// delete, expense delete and unpay, and the time-zone change warning.
type StaffMore struct {
	// Staff list and detail.
	Locked        string // marker of a locked account; %s: until when (a time)
	ColLocked     string // column header
	KeyUnlock     string
	ConfirmUnlock string // %s: the user's name
	Unlocked      string // %s: the user's name

	// A user's own password (every role).
	KeyPassword      string
	PasswordTitle    string
	PasswordCurrent  string
	PasswordNoneYet  string // hint under the current password of a key-only account
	PasswordNew      string
	PasswordRepeat   string
	PasswordMismatch string
	PasswordChanged  string

	// Equipment catalog.
	KeyEditEquipment       string
	KeyDeleteEquipment     string
	ConfirmDeleteEquipment string // %s: the item's name
	EquipmentDeleted       string // %s: the item's name

	// Expenses.
	KeyDeleteExpense     string
	KeyUnpayExpense      string
	ConfirmDeleteExpense string // %s: the expense's name, %s: its amount
	ConfirmUnpayExpense  string // %s: the expense's name
	ExpenseDeleted       string // %d: its id
	ExpenseUnpaid        string // %s: the expense's name

	// Time-zone change: booked sessions keep their instant, so their clock
	// time in the clinic's new zone moves.
	// %d booked sessions, %s the new zone, %s the shift ("+6 h"), %s the
	// first one's clock time before, %s after.
	TimezoneWarn string
	// TimezoneConfirmFlag tells a script how to go ahead (after
	// TimezoneWarn).
	TimezoneConfirmFlag string
	// TimezoneConfirmKey tells a TUI user how to go ahead.
	TimezoneConfirmKey string
}

var staffMoreES = StaffMore{
	Locked:        "bloqueada hasta %s",
	ColLocked:     "Bloqueo",
	KeyUnlock:     "desbloquear",
	ConfirmUnlock: "¿Desbloquear la cuenta de %s? Podrá volver a iniciar sesión de inmediato.",
	Unlocked:      "Cuenta de %s desbloqueada.",

	KeyPassword:      "mi contraseña",
	PasswordTitle:    "Cambiar mi contraseña",
	PasswordCurrent:  "Contraseña actual",
	PasswordNoneYet:  "Su cuenta aún no tiene contraseña: deje este campo vacío.",
	PasswordNew:      "Contraseña nueva (al menos 10 caracteres, no solo dígitos)",
	PasswordRepeat:   "Repita la contraseña nueva",
	PasswordMismatch: "Las dos contraseñas nuevas no coinciden.",
	PasswordChanged:  "Contraseña cambiada.",

	KeyEditEquipment:       "editar equipo",
	KeyDeleteEquipment:     "eliminar equipo",
	ConfirmDeleteEquipment: "¿Eliminar «%s» del catálogo de equipos?",
	EquipmentDeleted:       "«%s» eliminado del catálogo.",

	KeyDeleteExpense:     "eliminar",
	KeyUnpayExpense:      "marcar no pagado",
	ConfirmDeleteExpense: "¿Eliminar el gasto «%s» (%s)? No se puede deshacer.",
	ConfirmUnpayExpense:  "¿Marcar «%s» como no pagado?",
	ExpenseDeleted:       "Gasto n.º %d eliminado.",
	ExpenseUnpaid:        "«%s» marcado como no pagado.",

	TimezoneWarn: "Sesiones reservadas desde ahora: %d. Conservan su momento real: con la zona %s su hora " +
		"de reloj se corre %s (la primera, %s, pasa a leerse %s).",
	TimezoneConfirmFlag: "Repita el comando con --confirm-timezone para cambiar la zona.",
	TimezoneConfirmKey:  "Guarde otra vez para cambiar la zona.",
}

var staffMoreEN = StaffMore{
	Locked:        "locked until %s",
	ColLocked:     "Lock",
	KeyUnlock:     "unlock",
	ConfirmUnlock: "Unlock %s's account? They can log in again at once.",
	Unlocked:      "%s's account unlocked.",

	KeyPassword:      "my password",
	PasswordTitle:    "Change my password",
	PasswordCurrent:  "Current password",
	PasswordNoneYet:  "Your account has no password yet: leave this field empty.",
	PasswordNew:      "New password (at least 10 characters, not only digits)",
	PasswordRepeat:   "Repeat the new password",
	PasswordMismatch: "The two new passwords differ.",
	PasswordChanged:  "Password changed.",

	KeyEditEquipment:       "edit equipment",
	KeyDeleteEquipment:     "delete equipment",
	ConfirmDeleteEquipment: "Delete “%s” from the equipment catalog?",
	EquipmentDeleted:       "“%s” deleted from the catalog.",

	KeyDeleteExpense:     "delete",
	KeyUnpayExpense:      "mark unpaid",
	ConfirmDeleteExpense: "Delete the expense “%s” (%s)? This cannot be undone.",
	ConfirmUnpayExpense:  "Mark “%s” as not paid?",
	ExpenseDeleted:       "Expense #%d deleted.",
	ExpenseUnpaid:        "“%s” marked as not paid.",

	TimezoneWarn: "Sessions booked from now on: %d. They keep their real moment: in the zone %s their " +
		"clock time moves %s (the first one, %s, will read %s).",
	TimezoneConfirmFlag: "Run the command again with --confirm-timezone to change the zone.",
	TimezoneConfirmKey:  "Save again to change the zone.",
}

// StaffMoreFor is the StaffMore catalogue of a language.
func StaffMoreFor(l Lang) *StaffMore {
	if l == EN {
		return &staffMoreEN
	}
	return &staffMoreES
}

// TimezoneWarning words what a time-zone change does to the sessions booked
// ahead (store.TimezoneImpact): how many, the shift of their clock time, and
// the first one's clock time before and after, written with layout (a
// screen's date and time, or a script's 2006-01-02 15:04). Every door shows
// this.
func (m *StaffMore) TimezoneWarning(im store.TimezoneImpact, layout string) string {
	from, err := time.LoadLocation(im.From)
	if err != nil {
		from = time.UTC
	}
	to, err := time.LoadLocation(im.To)
	if err != nil {
		to = time.UTC
	}
	before, after := "-", "-"
	if im.First != nil {
		before, after = im.First.In(from).Format(layout), im.First.In(to).Format(layout)
	}
	shift := fmt.Sprintf("%+d h", im.ShiftMinutes/60)
	if im.ShiftMinutes%60 != 0 {
		shift = fmt.Sprintf("%+d min", im.ShiftMinutes)
	}
	return fmt.Sprintf(m.TimezoneWarn, im.Booked, im.To, shift, before, after)
}
