package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/shopspring/decimal"

	"consultorio/store"
	"consultorio/store/storetest"
	"consultorio/tui/tuitest"
)

// asciiFixture is a clinic whose stored names are all ASCII, so that any
// non-ASCII byte on an ASCII-mode screen is the app's own chrome. Only the
// clinic's name (storetest's "Clínica clinic-a") is stored text with an
// accent: asciiChrome removes it before looking.
type asciiFixture struct {
	tn    *store.Tenant
	admin *store.User
}

func newASCIIFixture(t *testing.T) *asciiFixture {
	t.Helper()
	lima, err := time.LoadLocation("America/Lima")
	if err != nil {
		t.Fatal(err)
	}
	clock := storetest.NewClock(time.Date(2026, 12, 1, 9, 30, 0, 0, lima))
	db := storetest.NewDBWith(t, store.Options{Clock: clock})
	tn, _ := storetest.NewTenant(t, db, "clinic-a")
	ctx := context.Background()
	admin, err := tn.UserByEmail(ctx, store.System, "admin@clinic-a.test")
	if err != nil {
		t.Fatal(err)
	}
	actor := admin.Actor("192.0.2.1:1")
	spec, err := tn.CreateSpecialist(ctx, actor, store.SpecialistInput{FirstName: "Luis", LastName: "Soto",
		Document: "40000001", CompType: store.CompPercent, CompValue: decimal.NewFromInt(40)})
	if err != nil {
		t.Fatal(err)
	}
	room, err := tn.CreateRoom(ctx, actor, store.RoomInput{Name: "Sala 1", Capacity: 1})
	if err != nil {
		t.Fatal(err)
	}
	pat, err := tn.CreatePatient(ctx, actor, store.PatientInput{FirstName: "Ana", Surname: "Garcia",
		BirthDate: time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), CostSession: decimal.NewFromInt(80), Status: store.PatientActive})
	if err != nil {
		t.Fatal(err)
	}
	booked, err := tn.BookSession(ctx, actor, store.Booking{PatientID: pat.ID, SpecialistID: spec.ID, RoomID: room.ID,
		Start: time.Date(2026, 12, 1, 10, 0, 0, 0, lima), DurationMin: 60})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tn.CompleteSession(ctx, actor, booked[0].ID, "ok"); err != nil {
		t.Fatal(err)
	}
	seventy := decimal.NewFromInt(70)
	if _, err := tn.MarkPaid(ctx, actor, booked[0].ID, store.PaymentInput{Amount: &seventy}); err != nil {
		t.Fatal(err)
	}
	return &asciiFixture{tn: tn, admin: admin}
}

func (f *asciiFixture) start(t *testing.T, ascii bool) *tuitest.Term {
	t.Helper()
	return tuitest.Start(t, NewClinicApp(context.Background(), ClinicSession{Tenant: f.tn, User: f.admin,
		RemoteAddr: "192.0.2.1:1", Width: 80, Height: 24, DarkBackground: true, ASCII: ascii}), 80, 24)
}

// asciiChrome returns the non-ASCII runes of a screen, the clinic's stored
// name aside.
func asciiChrome(screen string) string {
	screen = strings.ReplaceAll(screen, "Clínica clinic-a", "")
	var bad []rune
	for _, r := range screen {
		if r > 0x7f {
			bad = append(bad, r)
		}
	}
	return string(bad)
}

// asciiSettled waits until screen number label is active and nothing loads.
func asciiSettled(t *testing.T, term *tuitest.Term, active string) string {
	t.Helper()
	return term.WaitUntil(t, active+" shown, loaded", func(s string) bool {
		return strings.Contains(s, active) && !strings.Contains(s, "Cargando")
	})
}

// TestASCIIModeEveryClinicScreen walks every clinic screen of an admin in
// ASCII mode and fails on any non-ASCII character or any colour on the
// screen: the chrome (borders, markers, arrows, the catalogue's accents)
// must all have ASCII stand-ins. Without ASCII mode the same walk finds
// Unicode (checked first, so the test cannot pass vacuously).
func TestASCIIModeEveryClinicScreen(t *testing.T) {
	t.Parallel()
	f := newASCIIFixture(t)

	plain := f.start(t, false)
	s := asciiSettled(t, plain, "[1 Agenda]")
	if asciiChrome(s) == "" {
		t.Fatalf("without ASCII mode the agenda should use Unicode chrome:\n%s", s)
	}

	term := f.start(t, true)
	tabs := []struct{ key, active string }{
		{"1", "[1 Agenda]"}, {"2", "[2 Sesiones]"}, {"3", "[3 Pacientes]"}, {"4", "[4 Especialistas]"},
		{"5", "[5 Salas]"}, {"6", "[6 Pagos]"}, {"7", "[7 Gastos]"}, {"8", "[8 Finanzas]"},
		{"9", "[9 Notificaciones]"}, {"0", "[0 Personal]"}, {"tab", "[Accesos]"}, {"tab", "[Auditoria]"},
	}
	for _, tab := range tabs {
		term.Key(tab.key)
		s := asciiSettled(t, term, tab.active)
		if bad := asciiChrome(s); bad != "" {
			t.Errorf("%s: non-ASCII characters %q on the screen:\n%s", tab.active, bad, s)
		}
		for y := range 24 {
			for x := range 80 {
				if term.HasColor(x, y) {
					t.Fatalf("%s: colour at %d,%d in ASCII mode:\n%s", tab.active, x, y, s)
				}
			}
		}
		// The full help too (it lists the ASCII-mode key).
		if tab.key == "1" {
			term.Key("?")
			h := term.WaitFor(t, "ctrl+t modo ASCII")
			if bad := asciiChrome(h); bad != "" {
				t.Errorf("help: non-ASCII characters %q:\n%s", bad, h)
			}
			term.Key("esc")
		}
	}
}

// TestASCIIGoldens80x24 pins the main clinic screens in ASCII mode on the
// smallest supported terminal (the lists' selected row marked with ">",
// the expenses list empty).
func TestASCIIGoldens80x24(t *testing.T) {
	t.Parallel()
	f := newASCIIFixture(t)
	term := f.start(t, true)
	for _, c := range []struct{ name, key, active string }{
		{"agenda", "1", "[1 Agenda]"}, {"sessions", "2", "[2 Sesiones]"}, {"patients", "3", "[3 Pacientes]"},
		{"payments", "6", "[6 Pagos]"}, {"expenses", "7", "[7 Gastos]"}, {"finance", "8", "[8 Finanzas]"},
		{"staff", "0", "[0 Personal]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			term.Key(c.key)
			golden.RequireEqual(t, asciiSettled(t, term, c.active))
		})
	}
}

// TestASCIIModeToggleKey: ctrl+t turns ASCII mode on, keeps it as the
// user's preference (a new session starts in it), and off again.
func TestASCIIModeToggleKey(t *testing.T) {
	t.Parallel()
	f := newASCIIFixture(t)
	term := f.start(t, false)
	asciiSettled(t, term, "[1 Agenda]")
	term.Key("ctrl+t")
	term.WaitFor(t, "Modo ASCII activado")
	s := asciiSettled(t, term, "[1 Agenda]")
	if bad := asciiChrome(s); bad != "" {
		t.Errorf("after ctrl+t: non-ASCII %q:\n%s", bad, s)
	}
	u, err := f.tn.UserByEmail(context.Background(), store.System, "admin@clinic-a.test")
	if err != nil {
		t.Fatal(err)
	}
	if !u.ASCII {
		t.Fatal("ctrl+t did not keep ASCII mode as the user's preference")
	}
	again := tuitest.Start(t, NewClinicApp(context.Background(), ClinicSession{Tenant: f.tn, User: u,
		RemoteAddr: "192.0.2.1:1", Width: 80, Height: 24, DarkBackground: true}), 80, 24)
	if s := asciiSettled(t, again, "[1 Agenda]"); asciiChrome(s) != "" {
		t.Errorf("a new session of a user who chose ASCII mode is not in it:\n%s", s)
	}
	term.Key("ctrl+t")
	term.WaitFor(t, "Modo ASCII desactivado")
	if u, err = f.tn.UserByEmail(context.Background(), store.System, "admin@clinic-a.test"); err != nil || u.ASCII {
		t.Fatalf("ctrl+t again: ascii=%v err=%v", u.ASCII, err)
	}
}
