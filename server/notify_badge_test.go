package server

import (
	"context"
	"testing"
	"time"

	"consultorio/store"
	"consultorio/store/storetest"
)

// An event notification reaches the header badge of the open sessions of
// the user it is for within 2 seconds, through the clinic's change channel
// (LISTEN/NOTIFY), with no scan involved: the scan runs once an hour here.
// Five failed logins lock the receptionist's account; the admin's open
// session counts the lock notice.
func TestLiveBadgeOnEventNotice(t *testing.T) {
	db := storetest.NewDB(t)
	srv := startServer(t, db, withConfig(func(c *Config) { c.NotifyScanEvery = time.Hour }))
	c := newLiveClinic(t, db, srv)

	admin := openTerm(t, mustDial(t, srv.addr, "clinic-a", keyAuth(c.adminKey)), 120, 50)
	admin.waitFor("[1 Agenda]", "0 sin leer")

	ctx := context.Background()
	for i := 0; i < store.MaxFailedLogins; i++ {
		if _, err := c.tn.LoginPassword(ctx, "desk@clinic-a.test", "not the password", "192.0.2.9:1"); err == nil {
			t.Fatal("logged in")
		}
	}
	admin.waitWithin(2*time.Second, "● 1 sin leer")
}
