package server

import (
	"strings"
	"time"
)

// Helpers of the end-to-end tests (e2e_*_test.go) on top of term.
// The end-to-end tests type into a real server and wait for each echo. They
// run in parallel: the wait only bounds a hang (30 s, as tuitest.Timeout),
// it asserts no speed, so a loaded machine makes them slower, not failing.

// until polls the screen until cond holds (30 s) and returns that screen.
func (tm *term) until(what string, cond func(string) bool) string {
	tm.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		scr := tm.screen()
		if cond(scr) {
			return scr
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("timed out waiting for %s; the screen shows:\n%s", what, scr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// idle waits until the screen shows every text and no spinner ("Cargando…"
// on the status line): what is asserted next is the settled screen, not one
// drawn while the database answers.
func (tm *term) idle(texts ...string) string {
	tm.t.Helper()
	return tm.until("idle with "+strings.Join(texts, ", "), func(s string) bool {
		if strings.Contains(s, "Cargando") {
			return false
		}
		for _, x := range texts {
			if !strings.Contains(s, x) {
				return false
			}
		}
		return true
	})
}
