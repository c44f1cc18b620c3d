package store_test

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"consultorio/store"
)

func TestCheckTextTable(t *testing.T) {
	cases := []struct {
		in        string
		multiline bool
		pos       int // 0: accepted
		char      rune
		problem   store.TextProblem
		name      string
	}{
		{in: "María Ñúñez-O'Neill", pos: 0},
		{in: "Zoë 王 ☕ 👩🏽 ½ ﬁ", pos: 0}, // visible characters of every kind stay
		{in: "línea 1\nlínea 2\tcon tab", multiline: true, pos: 0},
		{in: "evil\u202Etxt.exe", pos: 5, char: 0x202E, problem: store.TextBidi, name: "RIGHT-TO-LEFT OVERRIDE"},
		{in: "a\u2066b\u2069", pos: 2, char: 0x2066, problem: store.TextBidi, name: "LEFT-TO-RIGHT ISOLATE"},
		{in: "\u200Fx", pos: 1, char: 0x200F, problem: store.TextBidi, name: "RIGHT-TO-LEFT MARK"},
		{in: "ab\u061C", pos: 3, char: 0x061C, problem: store.TextBidi, name: "ARABIC LETTER MARK"},
		{in: "Ana\u200BMaría", pos: 4, char: 0x200B, problem: store.TextInvisible, name: "ZERO WIDTH SPACE"},
		{in: "👨\u200D👩", pos: 2, char: 0x200D, problem: store.TextInvisible, name: "ZERO WIDTH JOINER"},
		{in: "x\u2060", pos: 2, char: 0x2060, problem: store.TextInvisible, name: "WORD JOINER"},
		{in: "\uFEFFbom", pos: 1, char: 0xFEFF, problem: store.TextInvisible, name: "ZERO WIDTH NO-BREAK SPACE"},
		{in: "tag\U000E0041", pos: 4, char: 0xE0041, problem: store.TextInvisible, name: "TAG LATIN CAPITAL LETTER A"},
		{in: "Eve\x1b[2J", pos: 4, char: 0x1B, problem: store.TextControl, name: "ESCAPE"},
		{in: "Eve\x1b[2J", multiline: true, pos: 4, char: 0x1B, problem: store.TextControl, name: "ESCAPE"},
		{in: "nul\x00", multiline: true, pos: 4, char: 0, problem: store.TextControl, name: "NULL"},
		{in: "del\x7f", pos: 4, char: 0x7F, problem: store.TextControl, name: "DELETE"},
		{in: "a\u009b2J", pos: 2, char: 0x9B, problem: store.TextControl, name: "CONTROL SEQUENCE INTRODUCER"},
		{in: "one\ntwo", pos: 4, char: '\n', problem: store.TextControl, name: "LINE FEED"},
		{in: "one\ttwo", pos: 4, char: '\t', problem: store.TextControl, name: "CHARACTER TABULATION"},
		{in: "one\r\ntwo", multiline: true, pos: 4, char: '\r', problem: store.TextControl, name: "CARRIAGE RETURN"},
		{in: "line\u2028sep", multiline: true, pos: 5, char: 0x2028, problem: store.TextControl, name: "LINE SEPARATOR"},
		{in: "ñ\x9bx", pos: 2, char: 0x9B, problem: store.TextEncoding, name: "NOT UTF-8"},
	}
	for _, c := range cases {
		err := store.CheckText("notes", c.in, c.multiline)
		if c.pos == 0 {
			if err != nil {
				t.Errorf("CheckText(%q, multiline=%v) = %v, want accepted", c.in, c.multiline, err)
			}
			continue
		}
		var te *store.TextError
		if !errors.As(err, &te) {
			t.Errorf("CheckText(%q) = %v, want a *TextError", c.in, err)
			continue
		}
		if te.Field != "notes" || te.Pos != c.pos || te.Char != c.char || te.Problem != c.problem || te.CharName() != c.name {
			t.Errorf("CheckText(%q) = %+v (%s), want position %d, %U %s (%s)", c.in, te, te.CharName(), c.pos, c.char, c.name, c.problem)
		}
	}
	var te *store.TextError
	_ = errors.As(store.CheckText("first_name", "Eve\u202Eliam", false), &te)
	if got := te.Error(); got != "first_name: character U+202E (RIGHT-TO-LEFT OVERRIDE) at position 4 is not allowed (bidi)" {
		t.Errorf("Error() = %q", got)
	}
	_ = errors.As(store.CheckText("x", "\xff", false), &te)
	if te.CodePoint() != "byte 0xFF" {
		t.Errorf("CodePoint of an invalid byte = %q", te.CodePoint())
	}
}

// isTextError tells whether err is the input check's refusal for field.
func isTextError(err error, field string) bool {
	var te *store.TextError
	return errors.As(err, &te) && te.Field == field
}

// poison is refused at position 3 (U+202E) in every text field.
const poison = "ab\u202Ecd"

func wantPoisonRefused(t *testing.T, what string, err error, field string) {
	t.Helper()
	var te *store.TextError
	if !errors.As(err, &te) {
		t.Errorf("%s: %s with U+202E: got %v, want a *TextError", what, field, err)
		return
	}
	if te.Field != field || te.Pos != 3 || te.Char != 0x202E || te.Problem != store.TextBidi {
		t.Errorf("%s: %s with U+202E: got %+v", what, field, te)
	}
}

// snake is the data model's name of a Go field: AdminEmail → admin_email.
func snake(f reflect.StructField) string {
	if tag, _, _ := strings.Cut(f.Tag.Get("json"), ","); tag != "" && tag != "-" {
		return tag
	}
	var b strings.Builder
	for i, r := range f.Name {
		if unicode.IsUpper(r) && i > 0 {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// poisonEach calls try once per text field of base (string or *string, not
// named string types such as Role, which are checked as enums), with that
// field set to poison, and wants each refused naming the field. A text field
// added to an input later is covered without touching this test.
func poisonEach[T any](t *testing.T, what string, base T, try func(T) error, parsed ...string) {
	t.Helper()
	typ := reflect.TypeOf(base)
	n := 0
	for i := range typ.NumField() {
		f := typ.Field(i)
		if slices.Contains(parsed, snake(f)) {
			continue // not free text: parsed whole by its own strict parser
		}
		c := base
		fv := reflect.ValueOf(&c).Elem().Field(i)
		switch f.Type {
		case reflect.TypeOf(""):
			fv.SetString(poison)
		case reflect.TypeOf((*string)(nil)):
			p := poison
			fv.Set(reflect.ValueOf(&p))
		default:
			continue
		}
		n++
		wantPoisonRefused(t, what, try(c), snake(f))
	}
	if n == 0 {
		t.Fatalf("%s has no text fields", what)
	}
}

// Every store operation that saves text refuses a bidi override in each of
// its text fields, with the field and the position (issue 12, F6).
func TestEveryTextFieldIsChecked(t *testing.T) {
	t.Parallel()
	f := newAgendaFixture(t, 0)
	ctx, tn, db, admin := f.ctx, f.tn, f.db, f.admin
	pat := f.patient("Ana", "Quispe", "100")
	spec, room := f.specialist("Esp", "Uno", "percent", "40", true), f.room("Sala 1")
	session := f.book(store.Booking{PatientID: pat, SpecialistID: spec, RoomID: room, Start: agAt(2026, 11, 20, 10, 0)})
	birth := time.Date(1990, 5, 1, 0, 0, 0, 0, time.UTC)

	poisonEach(t, "CreatePatient", store.PatientInput{FirstName: "Ana", Surname: "Q", BirthDate: birth}, func(in store.PatientInput) error {
		_, err := tn.CreatePatient(ctx, admin, in)
		return err
	})
	poisonEach(t, "UpdatePatient", store.PatientInput{FirstName: "Ana", Surname: "Q", BirthDate: birth}, func(in store.PatientInput) error {
		_, err := tn.UpdatePatient(ctx, admin, pat, in)
		return err
	})
	poisonEach(t, "CreateSpecialist", store.SpecialistInput{FirstName: "Eva", LastName: "L", Document: "X1"}, func(in store.SpecialistInput) error {
		_, err := tn.CreateSpecialist(ctx, admin, in)
		return err
	})
	poisonEach(t, "UpdateSpecialist", store.SpecialistInput{FirstName: "Eva", LastName: "L", Document: "X1"}, func(in store.SpecialistInput) error {
		_, err := tn.UpdateSpecialist(ctx, admin, spec, in)
		return err
	})
	poisonEach(t, "CreateRoom", store.RoomInput{Name: "Sala 9"}, func(in store.RoomInput) error {
		_, err := tn.CreateRoom(ctx, admin, in)
		return err
	})
	poisonEach(t, "UpdateRoom", store.RoomInput{Name: "Sala 9"}, func(in store.RoomInput) error {
		_, err := tn.UpdateRoom(ctx, admin, room, in)
		return err
	})
	poisonEach(t, "CreateExpense", store.ExpenseInput{Name: "Luz", Amount: agDec("10")}, func(in store.ExpenseInput) error {
		_, err := tn.CreateExpense(ctx, admin, in)
		return err
	})
	settings, err := tn.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	poisonEach(t, "UpdateSettings", settings, func(in store.Settings) error {
		_, err := tn.UpdateSettings(ctx, admin, in)
		return err
	})
	poisonEach(t, "BookSession", store.Booking{PatientID: pat, SpecialistID: spec, RoomID: room, Start: agAt(2026, 11, 21, 10, 0)},
		func(in store.Booking) error {
			_, err := tn.BookSession(ctx, admin, in)
			return err
		})
	poisonEach(t, "UpdateSessionPlan", store.Plan{}, func(in store.Plan) error {
		_, err := tn.UpdateSessionPlan(ctx, admin, session.ID, in)
		return err
	})
	poisonEach(t, "MarkPaid", store.PaymentInput{}, func(in store.PaymentInput) error {
		_, err := tn.MarkPaid(ctx, admin, session.ID, in)
		return err
	})
	poisonEach(t, "CreateUser", store.NewUser{Email: "new@clinic-a.test", Name: "New", Role: store.RoleReception}, func(in store.NewUser) error {
		_, _, err := tn.CreateUser(ctx, admin, in)
		return err
	})
	poisonEach(t, "UpdateUser", store.UserUpdate{}, func(in store.UserUpdate) error {
		_, err := tn.UpdateUser(ctx, admin, admin.UserID, in)
		return err
	})
	poisonEach(t, "CreateTenant", store.NewTenant{Schema: "clinic-z", Name: "Z", AdminEmail: "z@z.test"}, func(in store.NewTenant) error {
		_, err := db.CreateTenant(ctx, store.CLI, in)
		return err
	}, "admin_key") // an OpenSSH key line (ParsePublicKey); only the canonical key is stored
	_, err = db.CreateTenant(ctx, store.CLI, store.NewTenant{Schema: "clinic-z", Name: "Z", AdminEmail: "z@z.test", Domains: []string{poison}})
	wantPoisonRefused(t, "CreateTenant", err, "domain")
	poisonEach(t, "UpdateTenant", store.TenantUpdate{}, func(in store.TenantUpdate) error {
		_, err := db.UpdateTenant(ctx, store.CLI, tn.Info.Schema, in)
		return err
	})
	poisonEach(t, "MarkInvoicePaid", store.InvoicePayment{}, func(in store.InvoicePayment) error {
		_, err := db.MarkInvoicePaid(ctx, store.CLI, 1, in)
		return err
	})

	// Operations that take their texts as arguments.
	line, _ := newKey(t, "")
	op, _, err := db.CreateOperator(ctx, store.CLI, "ops@service.test", "Ops", "")
	if err != nil {
		t.Fatal(err)
	}
	args := []struct {
		what, field string
		call        func() error
	}{
		{"CompleteSession", "observation", func() error { _, err := tn.CompleteSession(ctx, admin, session.ID, poison); return err }},
		{"CancelSession", "cancel_detail", func() error {
			_, err := tn.CancelSession(ctx, admin, session.ID, "patient", poison)
			return err
		}},
		{"CreateEquipment", "name", func() error { _, err := tn.CreateEquipment(ctx, admin, poison, ""); return err }},
		{"CreateEquipment", "code", func() error { _, err := tn.CreateEquipment(ctx, admin, "Camilla", poison); return err }},
		{"AddRoomEquipmentNew", "name", func() error { _, err := tn.AddRoomEquipmentNew(ctx, admin, room, poison, "", 1); return err }},
		{"AddKey", "label", func() error { _, err := tn.AddKey(ctx, admin, admin.UserID, line, poison); return err }},
		{"AddKey (key comment)", "label", func() error { _, err := tn.AddKey(ctx, admin, admin.UserID, line+" "+poison, ""); return err }},
		{"CreateOperator", "email", func() error { _, _, err := db.CreateOperator(ctx, store.CLI, poison, "X", ""); return err }},
		{"CreateOperator", "name", func() error { _, _, err := db.CreateOperator(ctx, store.CLI, "x@service.test", poison, ""); return err }},
		{"AddOperatorKey", "label", func() error { _, err := db.AddOperatorKey(ctx, store.CLI, op.ID, line, poison); return err }},
	}
	for _, a := range args {
		wantPoisonRefused(t, a.what, a.call(), a.field)
	}

	// Notes and clinical text keep their lines; names do not take them.
	if _, err := tn.CreatePatient(ctx, admin, store.PatientInput{FirstName: "Ana", Surname: "Q", BirthDate: birth,
		Notes: "primera línea\n\tsegunda"}); err != nil {
		t.Fatalf("notes with lines: %v", err)
	}
	var te *store.TextError
	if _, err := tn.CreatePatient(ctx, admin, store.PatientInput{FirstName: "Ana\nB", Surname: "Q", BirthDate: birth}); !errors.As(err, &te) || te.Field != "first_name" {
		t.Fatalf("a name with a line break: %v", err)
	}
}

// allowedRune is the rule of CheckText written the other way round, from
// Unicode categories alone: visible text (and, in multi-line fields, "\n"
// and "\t"); never a control (Cc), format (Cf: bidi controls, zero-width
// and other invisible characters) or line/paragraph separator (Zl, Zp).
func allowedRune(r rune, multiline bool) bool {
	if multiline && (r == '\n' || r == '\t') {
		return true
	}
	return !unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp)
}

// FuzzCheckText: CheckText accepts exactly the valid UTF-8 texts made of
// allowed characters; when it refuses, it points at the first character
// that is not allowed; its message is itself acceptable text (it goes to
// logs and screens).
func FuzzCheckText(f *testing.F) {
	for _, s := range []string{"", "María", "a\u202Eb", "x\x1b[2J", "\u200B", "a\nb", "\xff\xfe", "👨\u200D👩", "\U000E0041"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, multiline bool) {
		err := store.CheckText("notes", s, multiline)
		first := 0 // 1-based position of the first refused character, 0 if none
		pos := 0
		for i := 0; i < len(s); {
			r, size := utf8.DecodeRuneInString(s[i:])
			pos++
			if (r == utf8.RuneError && size == 1) || !allowedRune(r, multiline) {
				first = pos
				break
			}
			i += size
		}
		if first == 0 {
			if err != nil {
				t.Fatalf("CheckText(%q, %v) = %v, want accepted", s, multiline, err)
			}
			if !multiline && store.CheckText("notes", s, true) != nil {
				t.Fatalf("%q: accepted on one line but not on several", s)
			}
			return
		}
		var te *store.TextError
		if !errors.As(err, &te) {
			t.Fatalf("CheckText(%q, %v) = %v, want a *TextError at %d", s, multiline, err, first)
		}
		if te.Pos != first || te.Field != "notes" {
			t.Fatalf("CheckText(%q, %v): %+v, want position %d", s, multiline, te, first)
		}
		if msg := te.Error(); store.CheckText("log", msg, false) != nil {
			t.Fatalf("the message %q holds a refused character", msg)
		}
	})
}
