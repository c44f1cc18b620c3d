package server

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"consultorio/metrics"
	"consultorio/store"
	"consultorio/store/storetest"
)

// scrape reads the server's /metrics into series → value, the series
// written as in the text format (name{labels}).
func scrape(t *testing.T, srv *testServer) map[string]float64 {
	t.Helper()
	body, code := get(t, "http://"+srv.MetricsAddr().String()+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: status %d: %s", code, body)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("/metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

func get(t *testing.T, url string) (string, int) {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b), resp.StatusCode
}

// wantSeries waits until a scrape shows series at want (the gauges follow
// sessions that end or start on other goroutines).
func wantSeries(t *testing.T, srv *testServer, series string, want float64) map[string]float64 {
	t.Helper()
	var got map[string]float64
	deadline := time.Now().Add(10 * time.Second)
	for {
		got = scrape(t, srv)
		if v, ok := got[series]; ok && v == want {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s = %v (present: %v), want %v", series, got[series], hasKey(got, series), want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func hasKey(m map[string]float64, k string) bool { _, ok := m[k]; return ok }

const (
	loginsOK      = `consultorio_logins_total{result="ok"}`
	loginsFailed  = `consultorio_logins_total{result="failed"}`
	sessionsLogin = `consultorio_sessions{state="login"}`
	sessionsClin  = `consultorio_sessions{state="clinic"}`
	bookedOK      = `consultorio_booking_duration_seconds_count{result="ok"}`
	bookedRefused = `consultorio_booking_duration_seconds_count{result="refused"}`
	outboxDue     = `consultorio_outbox_due`
	clinicPools   = `consultorio_db_clinic_pools_open`
)

// The metrics follow what happens: a login form in progress is a session
// in state login, a wrong password a failed login, the right one a login
// and a clinic session; a booking made through a scripted command is timed
// (ok), a refused one too; a new staff user's invitation is one more
// e-mail due; /healthz says the database answers.
func TestMetricsFollowLoginsBookingsAndOutbox(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	db := storetest.NewDBWith(t, store.Options{Observer: m})
	srv := startServer(t, db, withConfig(func(c *Config) {
		c.MetricsAddr = "127.0.0.1:0"
		c.Metrics = m
	}))
	c := newLiveClinic(t, db, srv)
	c.withPassword(t)
	storetest.OpenAllHours(t, c.tn)

	if body, code := get(t, "http://"+srv.MetricsAddr().String()+"/healthz"); code != http.StatusOK || body != "ok\n" {
		t.Errorf("/healthz: %d %q, want 200 ok", code, body)
	}
	before := wantSeries(t, srv, sessionsLogin, 0)
	for _, s := range []string{loginsOK, loginsFailed, sessionsClin, bookedOK, bookedRefused, outboxDue, clinicPools,
		`consultorio_db_shared_conns_max`, `consultorio_sessions{state="panel"}`, `go_goroutines`} {
		if !hasKey(before, s) {
			t.Errorf("no series %s in /metrics", s)
		}
	}
	if before[clinicPools] < 1 {
		t.Errorf("%s = %v after the clinic's commands, want at least 1", clinicPools, before[clinicPools])
	}

	tm := openTerm(t, mustDial(t, srv.addr, "clinic-a", noKeyAuth()), 100, 30)
	tm.waitFor("Ingresar a Clínica clinic-a")
	wantSeries(t, srv, sessionsLogin, 1)
	tm.passwordLogin(c.admin.Email, "no es la clave")
	tm.waitFor("✗ Correo o contraseña incorrectos.")
	wantSeries(t, srv, loginsFailed, before[loginsFailed]+1)
	tm.focused("Contraseña")
	tm.typeText(goodPassword + keyEnter)
	tm.waitFor("[1 Agenda]")
	after := wantSeries(t, srv, sessionsLogin, 0)
	if after[loginsOK] != before[loginsOK]+1 {
		t.Errorf("%s went from %v to %v after one form login, want +1", loginsOK, before[loginsOK], after[loginsOK])
	}
	if after[sessionsClin] != before[sessionsClin]+1 {
		t.Errorf("%s went from %v to %v with the logged-in terminal, want +1", sessionsClin, before[sessionsClin], after[sessionsClin])
	}

	admin := mustDial(t, srv.addr, "clinic-a", keyAuth(c.adminKey))
	c.bookToday(t, admin)
	day := time.Now().In(c.tn.Info.Location())
	_, err := c.tn.BookSession(context.Background(), c.admin.Actor("test"), store.Booking{
		PatientID: c.patient.ID, SpecialistID: c.spec.ID, RoomID: c.room.ID,
		Start: time.Date(day.Year(), day.Month(), day.Day(), 10, 0, 0, 0, day.Location()),
	})
	if store.CodeOf(err) != store.CodeConflict {
		t.Fatalf("booking the same slot again: %v, want a conflict", err)
	}
	var staff struct{}
	runJSON(t, admin, &staff, "staff add --email nurse@clinic-a.test --name Nora --role reception")
	got := scrape(t, srv)
	if got[bookedOK] != before[bookedOK]+1 || got[bookedRefused] != before[bookedRefused]+1 {
		t.Errorf("bookings timed: ok %v → %v, refused %v → %v; want +1 each",
			before[bookedOK], got[bookedOK], before[bookedRefused], got[bookedRefused])
	}
	if got[outboxDue] != before[outboxDue]+1 {
		t.Errorf("%s went from %v to %v after one invitation, want +1", outboxDue, before[outboxDue], got[outboxDue])
	}
}

// Without Config.MetricsAddr nothing serves metrics and nothing is
// counted.
func TestMetricsOffByDefault(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	srv := startServer(t, db)
	if a := srv.MetricsAddr(); a != nil {
		t.Errorf("metrics served on %s without MetricsAddr", a)
	}
	if srv.metrics != nil || srv.metricsLn != nil {
		t.Errorf("metrics made without MetricsAddr")
	}
}
