package server

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"consultorio/store"
	"consultorio/tui"
)

// changeCoalesce is the least time between two change messages sent to one
// program: a burst of changes (a weekly series booked, a scan resolving many
// notifications) reloads each screen once, not once per row.
const changeCoalesce = 100 * time.Millisecond

// forwardChanges subscribes the session's program to its clinic's changes
// (store.Listener: PostgreSQL LISTEN/NOTIFY, so changes made through any
// server instance or a scripted command arrive) and sends them to it as
// tui.ChangedMsg, at most one per changeCoalesce. It ends, unsubscribing,
// when the session's context ends.
func (s *Server) forwardChanges(ls *liveSession, p *tea.Program, tenantID int64) {
	ch, unsubscribe := s.listener.Subscribe(tenantID)
	go func() {
		defer unsubscribe()
		// Send returns when the program takes the message or ends (its
		// context derives from ls.ctx).
		coalesceChanges(ls.ctx, ch, changeCoalesce, func(m tui.ChangedMsg) { p.Send(m) })
	}()
}

// coalesceChanges passes the changes read from ch to send as ChangedMsg
// until ctx ends or ch is closed, at most one per `every`: the changes that
// arrive meanwhile are merged into the next message, which names their
// entity if they share one and else none ("" = let every screen decide).
// A resync (changes may have been missed) becomes ChangedMsg{""}.
func coalesceChanges(ctx context.Context, ch <-chan store.Change, every time.Duration, send func(tui.ChangedMsg)) {
	var (
		pending  bool
		entity   string
		lastSent time.Time
		timer    = time.NewTimer(time.Hour)
	)
	timer.Stop()
	defer timer.Stop()
	flush := func() {
		pending = false
		lastSent = time.Now()
		send(tui.ChangedMsg{Entity: entity})
	}
	for {
		select {
		case <-ctx.Done():
			return
		case c, ok := <-ch:
			if !ok {
				return
			}
			e := c.Entity
			if e == store.ChangeResync {
				e = ""
			}
			switch {
			case !pending:
				entity = e
			case entity != e:
				entity = ""
			}
			pending = true
			if wait := every - time.Since(lastSent); wait > 0 {
				// Re-arming moves nothing: the deadline is lastSent+every.
				timer.Reset(wait)
				continue
			}
			flush()
		case <-timer.C:
			if pending {
				flush()
			}
		}
	}
}
