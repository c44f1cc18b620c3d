package server

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"consultorio/server/cmd"
	"consultorio/store"
	"consultorio/store/storetest"
)

// liveClinic is a clinic set up over SSH for the live-update tests: a
// specialist (Torres), a room, a patient (Mendoza) and a reception user,
// with keys for the admin and reception.
type liveClinic struct {
	clinic
	adminKey, deskKey gossh.Signer
	spec              cmd.SpecialistView
	room              cmd.RoomView
	patient           cmd.PatientView
}

func newLiveClinic(t *testing.T, db *store.DB, srv *testServer) liveClinic {
	t.Helper()
	c := liveClinic{clinic: newClinic(t, db, "clinic-a")}
	var adminLine, deskLine string
	c.adminKey, adminLine = newKey(t)
	c.addKey(t, c.admin.ID, adminLine)
	admin := mustDial(t, srv.addr, "clinic-a", keyAuth(c.adminKey))
	runJSON(t, admin, &c.spec, "specialists add --first-name Ana --surname Torres --specialty Psicología --document 111")
	runJSON(t, admin, &c.room, "rooms add --name 'Consultorio 1'")
	var staff cmd.UserView
	runJSON(t, admin, &staff, "staff add --email desk@clinic-a.test --name Rosa --role reception")
	c.deskKey, deskLine = newKey(t)
	if _, errOut, code := runStdin(t, admin, deskLine+"\n", "staff keys add --email desk@clinic-a.test"); code != 0 {
		t.Fatalf("keys add: %q", errOut)
	}
	runJSON(t, admin, &c.patient, "patients add --first-name Lucía --surname Mendoza --birth-date 1990-05-17 --price 80")
	return c
}

// bookToday books the patient today at 10:00 in the clinic's time zone
// with a scripted command.
func (c liveClinic) bookToday(t *testing.T, conn *gossh.Client) {
	t.Helper()
	day := time.Now().In(c.tn.Info.Location()).Format("2006-01-02")
	var s cmd.SessionView
	runJSON(t, conn, &s, fmt.Sprintf("sessions book --patient %d --specialist %d --room %d --start '%s 10:00'",
		c.patient.ID, c.spec.ID, c.room.ID, day))
}

// waitWithin polls the screen until it shows every text, for at most d.
func (tm *term) waitWithin(d time.Duration, texts ...string) {
	tm.t.Helper()
	deadline := time.Now().Add(d)
	for {
		scr := tm.screen()
		ok := true
		for _, s := range texts {
			ok = ok && strings.Contains(scr, s)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("screen did not show %q within %v; it shows:\n%s", texts, d, scr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Two receptionists (here reception and the admin) have the agenda open; a
// booking made by a script from a third connection appears on both within
// 2 seconds: it travels through PostgreSQL (NOTIFY), not server memory.
// The live tests assert a deadline, so they run alone, not in parallel.
func TestLiveAgendaTwoSessions(t *testing.T) {
	db := storetest.NewDB(t)
	srv := startServer(t, db)
	c := newLiveClinic(t, db, srv)

	desk := openTerm(t, mustDial(t, srv.addr, "clinic-a", keyAuth(c.deskKey)), 120, 50)
	admin := openTerm(t, mustDial(t, srv.addr, "clinic-a", keyAuth(c.adminKey)), 120, 50)
	for _, tm := range []*term{desk, admin} {
		tm.waitFor("[1 Agenda]", "Torres", "0 ses.")
	}
	if strings.Contains(admin.screen(), "Mendoza") {
		t.Fatalf("the agenda shows the patient before the booking:\n%s", admin.screen())
	}

	c.bookToday(t, mustDial(t, srv.addr, "clinic-a", keyAuth(c.deskKey)))
	admin.waitWithin(2*time.Second, "Mendoza", "1 ses.")
	desk.waitWithin(2*time.Second, "Mendoza", "1 ses.")
}

// Two server instances on one database: a booking made through instance 1
// appears on a TUI connected to instance 2 within 2 seconds.
func TestLiveAgendaAcrossInstances(t *testing.T) {
	db := storetest.NewDB(t)
	srv1 := startServer(t, db)
	srv2 := startServer(t, db)
	if srv1.addr == srv2.addr {
		t.Fatal("both instances on one address")
	}
	c := newLiveClinic(t, db, srv1)

	admin := openTerm(t, mustDial(t, srv2.addr, "clinic-a", keyAuth(c.adminKey)), 120, 50)
	admin.waitFor("[1 Agenda]", "Torres", "0 ses.")

	c.bookToday(t, mustDial(t, srv1.addr, "clinic-a", keyAuth(c.deskKey)))
	admin.waitWithin(2*time.Second, "Mendoza", "1 ses.")
}

// The header's badge: a session booked for tomorrow, the server's
// notification scan (every 200 ms here) creates its "session tomorrow"
// notification, and the open session's header counts it.
func TestLiveUnreadBadgeAfterScan(t *testing.T) {
	db := storetest.NewDB(t)
	srv := startServer(t, db, withConfig(func(c *Config) { c.NotifyScanEvery = 200 * time.Millisecond }))
	c := newLiveClinic(t, db, srv)

	admin := openTerm(t, mustDial(t, srv.addr, "clinic-a", keyAuth(c.adminKey)), 120, 50)
	admin.waitFor("[1 Agenda]", "0 sin leer")

	ctx := context.Background()
	// Tomorrow may be a Sunday, when the clinic's default hours are closed.
	storetest.OpenAllHours(t, c.tn)
	loc := c.tn.Info.Location()
	tomorrow := time.Now().In(loc).AddDate(0, 0, 1)
	start := time.Date(tomorrow.Year(), tomorrow.Month(), tomorrow.Day(), 10, 0, 0, 0, loc)
	if _, err := c.tn.BookSession(ctx, c.admin.Actor("test"), store.Booking{
		PatientID: c.patient.ID, SpecialistID: c.spec.ID, RoomID: c.room.ID, Start: start,
	}); err != nil {
		t.Fatalf("book: %v", err)
	}
	admin.waitWithin(5*time.Second, "● 1 sin leer")
	n, err := c.tn.UnreadCount(ctx, c.admin.Actor("test"))
	if err != nil || n != 1 {
		t.Fatalf("unread count %d, %v", n, err)
	}
}

// The spare-schema pool is topped up by the server at start.
func TestServerTopsUpSpares(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	startServer(t, db, withConfig(func(c *Config) { c.SparesEvery = time.Hour }))
	waitUntil(t, "spare pool full", func() bool {
		n, err := db.SpareCount(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return n >= store.DefaultSpares
	})
}

// dialFrom connects from a given local loopback address (Linux routes all
// of 127.0.0.0/8 to lo), so a test can play two source addresses.
func dialFrom(t *testing.T, local, addr, user string, auth []gossh.AuthMethod) *gossh.Client {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 10 * time.Second}
	nc, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial from %s: %v", local, err)
	}
	conn, chans, reqs, err := gossh.NewClientConn(nc, addr, &gossh.ClientConfig{
		User: user, Auth: auth, HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second,
	})
	if err != nil {
		nc.Close()
		t.Fatalf("ssh from %s: %v", local, err)
	}
	c := gossh.NewClient(conn, chans, reqs)
	t.Cleanup(func() { c.Close() })
	return c
}

// Failed login-form attempts count per source address: after the limit
// (3 here), spread over different e-mails so no account locks, the next
// attempt from that address is refused even with the right password;
// another address logs in, and the connection's log line names the user.
func TestLoginFormRateLimitPerAddress(t *testing.T) {
	db := storetest.NewDB(t)
	a := newClinic(t, db, "clinic-a").withPassword(t)
	srv := startServer(t, db, withConfig(func(c *Config) { c.AuthFailures = 3 }))

	// Open every terminal first: once blocked, the address cannot connect.
	terms := make([]*term, 4)
	for i := range terms {
		terms[i] = openTerm(t, dialFrom(t, "127.0.0.1", srv.addr, "clinic-a", noKeyAuth()), 100, 30)
		terms[i].waitFor("Ingresar a Clínica clinic-a")
	}
	for i, email := range []string{"nobody@clinic-a.test", "someone@clinic-a.test", a.admin.Email} {
		terms[i].passwordLogin(email, "no es la clave")
		terms[i].waitFor("✗ Correo o contraseña incorrectos.")
	}
	terms[3].passwordLogin(a.admin.Email, goodPassword)
	terms[3].waitFor("✗ Demasiados intentos fallidos desde su dirección")
	if strings.Contains(terms[3].screen(), "[1 Agenda]") {
		t.Fatalf("logged in from a blocked address:\n%s", terms[3].screen())
	}
	// The account itself is not locked: one failure only.
	if _, err := a.tn.LoginPassword(context.Background(), a.admin.Email, goodPassword, "test"); err != nil {
		t.Fatalf("the account was locked: %v", err)
	}

	// Another address is not affected.
	other := dialFrom(t, "127.0.0.2", srv.addr, "clinic-a", noKeyAuth())
	tm := openTerm(t, other, 100, 30)
	tm.passwordLogin(a.admin.Email, goodPassword)
	tm.waitFor("Admin clinic-a · Administrador", "[1 Agenda]")

	// The connection's log line names who logged in through the form.
	tm.typeText("q")
	tm.wait()
	other.Close()
	waitUntil(t, "log line", func() bool {
		for _, l := range strings.Split(srv.logs.String(), "\n") {
			if strings.Contains(l, "msg=\"ssh connection\"") && strings.Contains(l, "remote=127.0.0.2:") {
				return strings.Contains(l, "user="+a.admin.Email)
			}
		}
		return false
	})
}
