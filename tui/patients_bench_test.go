package tui

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/jackc/pgx/v5"

	"consultorio/store"
	"consultorio/store/storetest"
	"consultorio/tui/tuitest"
)

// countingWriter is a terminal that only counts what it is sent.
type countingWriter struct {
	mu     sync.Mutex
	n      int64
	last   time.Time
	writes chan struct{}
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.n += int64(len(p))
	c.last = time.Now()
	c.mu.Unlock()
	select {
	case c.writes <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (c *countingWriter) count() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// quiet waits until nothing has been written for d (the frame is out).
func (c *countingWriter) quiet(d time.Duration) {
	for {
		c.mu.Lock()
		idle := time.Since(c.last)
		c.mu.Unlock()
		if idle >= d {
			return
		}
		time.Sleep(d - idle)
	}
}

// step sends msg and returns the bytes the terminal received for it.
func (c *countingWriter) step(b *testing.B, p *tea.Program, msg tea.Msg) int64 {
	before := c.count()
	select { // drop a stale notification
	case <-c.writes:
	default:
	}
	p.Send(msg)
	select {
	case <-c.writes:
	case <-time.After(2 * time.Second):
		b.Fatal("no frame after the message")
	}
	c.quiet(20 * time.Millisecond) // a frame is one write burst (60 fps)
	return c.count() - before
}

// benchPatientList runs the clinic app in a real tea.Program at 80x24 (256
// colours, as xterm-256color over SSH) writing to a counting terminal, with
// the patient list open and full.
func benchPatientList(b *testing.B) (*tea.Program, *countingWriter) {
	b.Helper()
	pc := newPatientsClinic(b)
	ctx := context.Background()
	for i := range 30 {
		if _, err := pc.tn.CreatePatient(ctx, store.System, store.PatientInput{FirstName: fmt.Sprintf("Paciente %02d", i),
			Surname: fmt.Sprintf("Apellido%02d Prueba", i), Phone: fmt.Sprintf("9%08d", i),
			BirthDate: time.Date(1980+i, 1, 2, 0, 0, 0, 0, time.UTC), TherapistID: &pc.spec1.ID}); err != nil {
			b.Fatal(err)
		}
	}
	m := NewClinicApp(ctx, ClinicSession{Tenant: pc.tn, User: pc.admin, RemoteAddr: "192.0.2.7:5555",
		Width: 80, Height: 24, DarkBackground: true})
	w := &countingWriter{writes: make(chan struct{}, 1)}
	p := tea.NewProgram(m, tea.WithOutput(w), tea.WithInput(nil), tea.WithWindowSize(80, 24),
		tea.WithColorProfile(colorprofile.ANSI256), tea.WithoutSignalHandler())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if _, err := p.Run(); err != nil {
			b.Error(err)
		}
	}()
	b.Cleanup(func() { p.Quit(); <-done })
	w.step(b, p, tuitest.KeyMsg("3"))
	// The spinner draws while the list loads: quiet means it is shown.
	w.quiet(300 * time.Millisecond)
	return p, w
}

// BenchmarkPatientListCursorMove: bytes sent to the terminal per cursor
// move in the patient list at 80x24 (target under 1 KiB). The time per op
// is dominated by waiting for the frame and means nothing.
func BenchmarkPatientListCursorMove(b *testing.B) {
	p, w := benchPatientList(b)
	var total int64
	b.ResetTimer()
	for i := range b.N {
		k := "down"
		if i%2 == 1 {
			k = "up"
		}
		total += w.step(b, p, tuitest.KeyMsg(k))
	}
	b.ReportMetric(float64(total)/float64(b.N), "bytes/move")
}

// BenchmarkPatientListFullRedraw: bytes of a full redraw of the same screen
// (what a cursor move would cost without cell diffs).
func BenchmarkPatientListFullRedraw(b *testing.B) {
	p, w := benchPatientList(b)
	var total int64
	b.ResetTimer()
	for range b.N {
		total += w.step(b, p, tea.ClearScreen())
	}
	b.ReportMetric(float64(total)/float64(b.N), "bytes/redraw")
}

// benchPatients is how many patients the timing benchmarks load:
// CONSULTORIO_BENCH_PATIENTS (PRODUCT.md asks for 1,000,000), default 20000.
func benchPatients(b *testing.B) int {
	n := 20000
	if v := os.Getenv("CONSULTORIO_BENCH_PATIENTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 100 {
			b.Fatalf("CONSULTORIO_BENCH_PATIENTS=%q: want a number of at least 100", v)
		}
	}
	return n
}

// loadPatients bulk-loads n patients with the surnames people search for
// (the same shape as the store's BenchmarkPatientSearch).
func loadPatients(b *testing.B, db *store.DB, tn *store.Tenant, n int) {
	ctx := context.Background()
	schema := pgx.Identifier{tn.Info.Schema}.Sanitize()
	gin := pgx.Identifier{tn.Info.Schema, "patients_search_trgm"}.Sanitize()
	start := time.Now()
	for _, q := range []string{
		`alter index ` + gin + ` set (fastupdate = on)`,
		`with names as (
			select array['María','José','Ana','Luis','Carmen','Jorge','Rosa','Juan','Lucía','Carlos','Sofía','Miguel'] f,
			       array['García','Pérez','Quispe','Rodríguez','Flores','Sánchez','Ramírez','Torres','Mamani','Vargas',
			             'Castillo','Rojas','Gutiérrez','Chávez','Mendoza','Núñez','Huamán','Díaz','Álvarez','Ñique'] s)
		insert into ` + schema + `.patients (first_name, surname, birth_date, document, phone, email, cost_session, created_at)
		select f[1 + abs(hashint4(i)) % array_length(f, 1)],
		       case when i % 4 = 0 then initcap(translate(left(md5(i::text), 7), '0123456789', 'ghijklmnop'))
		            else s[1 + abs(hashint4(i + 1000000000)) % array_length(s, 1)] end || ' ' ||
		       s[1 + abs(hashint4(i + 2000000000)) % array_length(s, 1)],
		       date '1940-01-01' + (i * 37) % 30000,
		       case when i % 10 = 0 then null else lpad(i::text, 8, '0') end,
		       '9' || lpad(((i::bigint * 7919) % 100000000)::text, 8, '0'),
		       case when i % 3 = 0 then null else 'p' || i || '@example.com' end,
		       80, timestamptz '2020-01-01' + make_interval(mins => i)
		from generate_series(1, ` + strconv.Itoa(n) + `) i, names`,
		`alter index ` + gin + ` set (fastupdate = off)`,
		`vacuum analyze ` + schema + `.patients`,
	} {
		if _, err := storetest.Owner(b, db).Exec(ctx, q); err != nil {
			b.Fatalf("load patients: %v", err)
		}
	}
	b.Logf("loaded %d patients in %s", n, time.Since(start).Round(time.Millisecond))
}

// waitScreen polls the virtual terminal every millisecond until cond holds.
func waitScreen(b *testing.B, term *tuitest.Term, what string, cond func(string) bool) {
	deadline := time.Now().Add(10 * time.Second)
	for !cond(term.Screen()) {
		if time.Now().After(deadline) {
			b.Fatalf("timed out waiting for %s:\n%s", what, term.Screen())
		}
		time.Sleep(time.Millisecond)
	}
}

func reportPercentiles(b *testing.B, d []time.Duration) {
	slices.Sort(d)
	ms := func(q float64) float64 { return float64(d[int(q*float64(len(d)-1))].Microseconds()) / 1000 }
	b.ReportMetric(ms(0.50), "p50-ms")
	b.ReportMetric(ms(0.99), "p99-ms")
}

// BenchmarkPatientSearchToScreen: time from the last key of a search typed
// in the list to its results on the (virtual) screen at 80x24, the search
// debounce (searchDebounce) included.
//
//	go test ./tui/ -run '^$' -bench BenchmarkPatientSearchToScreen -benchtime 40x
//	CONSULTORIO_BENCH_PATIENTS=1000000 go test ./tui/ -run '^$' -bench 'BenchmarkPatient(SearchToScreen|ListOpen)' -benchtime 40x -timeout 60m
func BenchmarkPatientSearchToScreen(b *testing.B) {
	db := storetest.NewDB(b)
	tn, prov := storetest.NewTenant(b, db, "bench")
	loadPatients(b, db, tn, benchPatients(b))
	admin, err := tn.UserByEmail(context.Background(), store.System, prov.Tenant.AdminEmail)
	if err != nil {
		b.Fatal(err)
	}
	term := tuitest.Start(b, NewClinicApp(context.Background(), ClinicSession{Tenant: tn, User: admin,
		RemoteAddr: "192.0.2.7:5555", Width: 80, Height: 24, DarkBackground: true}), 80, 24)
	term.WaitFor(b, "Clínica bench")
	term.Key("3")
	term.WaitFor(b, "Página 1")
	term.Key("/")
	words := []struct{ typed, shown string }{{"garcia", "García"}, {"quispe", "Quispe"}}
	var took []time.Duration
	b.ResetTimer()
	for i := range b.N {
		w := words[i%2]
		term.Key("ctrl+u")
		term.Type(w.typed)
		t0 := time.Now()
		// The first row of the new results (every row matches the word).
		waitScreen(b, term, w.typed, func(s string) bool {
			lines := strings.Split(s, "\n")
			return len(lines) > 4 && strings.Contains(lines[4], w.shown) && !strings.Contains(s, "Cargando")
		})
		took = append(took, time.Since(t0))
	}
	reportPercentiles(b, took)
}

// BenchmarkPatientListOpen: time from the key that opens the patients
// screen to its first page on the (virtual) screen at 80x24.
func BenchmarkPatientListOpen(b *testing.B) {
	db := storetest.NewDB(b)
	tn, prov := storetest.NewTenant(b, db, "bench")
	loadPatients(b, db, tn, benchPatients(b))
	admin, err := tn.UserByEmail(context.Background(), store.System, prov.Tenant.AdminEmail)
	if err != nil {
		b.Fatal(err)
	}
	var took []time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		term := tuitest.Start(b, NewClinicApp(context.Background(), ClinicSession{Tenant: tn, User: admin,
			RemoteAddr: "192.0.2.7:5555", Width: 80, Height: 24, DarkBackground: true}), 80, 24)
		term.WaitFor(b, "Clínica bench")
		b.StartTimer()
		t0 := time.Now()
		term.Key("3")
		waitScreen(b, term, "the first page", func(s string) bool { return strings.Contains(s, "Página 1 · 17 pacientes") })
		took = append(took, time.Since(t0))
		b.StopTimer()
		term.Quit(b)
		b.StartTimer()
	}
	reportPercentiles(b, took)
}
