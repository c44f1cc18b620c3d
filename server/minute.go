package server

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"
)

// untilNextMinute is how long from now until the clock's next whole minute
// at least a second away: a timer that fires a little early (at 10:00:59.9
// for 10:01) is not followed by a second tick for the same minute.
func untilNextMinute(now time.Time) time.Duration {
	return now.Add(time.Second).Truncate(time.Minute).Add(time.Minute).Sub(now)
}

// minuteTicks sends a minute message (appSet.minute) to every live TUI
// program at each whole minute of the store's clock, until ctx ends. It is
// the one timer behind every session's periodic work (the header's unread
// count): an idle session has no timer and no goroutine of its own waiting
// on one, and wakes once a minute, aligned to the minute.
func (s *Server) minuteTicks(ctx context.Context) {
	if s.apps.minute == nil {
		return // an app set without periodic work (tests)
	}
	t := time.NewTimer(untilNextMinute(s.db.Now()))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s.tickMinute()
		t.Reset(untilNextMinute(s.db.Now()))
	}
}

// tickMinute sends the minute message to every live TUI program.
func (s *Server) tickMinute() {
	for _, ls := range s.reg.snapshot(nil) {
		ls.send(s.apps.minute())
	}
}

// send gives msg to the session's TUI program, if it has one, without
// waiting for the program to take it (Send returns when the program ends).
func (ls *liveSession) send(msg tea.Msg) {
	ls.mu.Lock()
	p, ended := ls.program, ls.reason != ""
	ls.mu.Unlock()
	if p != nil && !ended {
		go p.Send(msg)
	}
}
