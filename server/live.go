package server

import (
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
		var (
			pending  bool
			entity   string
			lastSent time.Time
			timer    = time.NewTimer(time.Hour)
		)
		timer.Stop()
		defer timer.Stop()
		send := func() {
			pending = false
			lastSent = time.Now()
			// Send returns when the program takes the message or ends
			// (its context derives from ls.ctx).
			p.Send(tui.ChangedMsg{Entity: entity})
		}
		for {
			select {
			case <-ls.ctx.Done():
				return
			case c, ok := <-ch:
				if !ok {
					return
				}
				e := c.Entity
				if e == store.ChangeResync {
					e = "" // unknown: every screen reloads
				}
				switch {
				case !pending:
					entity = e
				case entity != e:
					entity = "" // several kinds: let every screen decide
				}
				pending = true
				if wait := changeCoalesce - time.Since(lastSent); wait > 0 {
					timer.Reset(wait) // harmless if already armed: it only moves
					continue
				}
				send()
			case <-timer.C:
				if pending {
					send()
				}
			}
		}
	}()
}
