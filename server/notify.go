package server

import (
	"context"
	"errors"
	"time"

	"consultorio/store"
)

// watchTenantStatus ends the live sessions of a clinic that is suspended or
// removed. The notifications come from the server's store.Listener (one
// listening connection per server, shared with the live updates), which
// announces store.TenantStatusChannel. An empty name means changes may have
// been missed (listening just started, or the connection was lost): then
// every clinic with live sessions is checked.
func (s *Server) watchTenantStatus(ctx context.Context) {
	ch, unsubscribe := s.listener.SubscribeTenantStatus()
	defer unsubscribe()
	for {
		select {
		case <-ctx.Done():
			return
		case schema, ok := <-ch:
			if !ok {
				return
			}
			// Sessions resolving their clinic right now compare this counter
			// and look again.
			s.reg.gen.Add(1)
			switch schema {
			case store.PanelStatusNotice: // an operator's session was ended
				s.panelLoginsChanged(ctx)
			case "":
				for _, schema := range s.reg.tenants() {
					s.tenantStatusChanged(ctx, schema)
				}
				s.panelLoginsChanged(ctx)
			default:
				s.tenantStatusChanged(ctx, schema)
			}
		}
	}
}

// tenantStatusChanged ends the sessions of schema if the clinic is no longer
// open, and else those of its users who are no longer active. Nothing to do
// (and no query) when it has no live session here.
func (s *Server) tenantStatusChanged(ctx context.Context, schema string) {
	live := s.reg.snapshot(func(ls *liveSession) bool { return ls.tenant == schema })
	if len(live) == 0 {
		return
	}
	qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	tn, err := s.db.Tenant(qctx, schema)
	reason := ""
	switch {
	case errors.Is(err, store.ErrNoSuchTenant):
		reason = reasonGone
	case err != nil:
		s.log.Error("tenant status", "tenant", schema, "err", err)
		return
	case tn.Info.Status == store.TenantSuspended:
		reason = store.ErrTenantSuspended.Error()
	default:
		s.endInactiveUsers(qctx, tn, live)
		s.endEndedLogins(qctx, tn.LoginBook(), live)
		return
	}
	n := s.reg.endTenant(schema, reason)
	s.log.Info("tenant sessions ended", "tenant", schema, "sessions", n, "reason", reason)
}

// endInactiveUsers ends the sessions, among live, of users who are no longer
// active (deactivated, or removed).
func (s *Server) endInactiveUsers(ctx context.Context, tn *store.Tenant, live []*liveSession) {
	active := map[string]bool{}
	for _, ls := range live {
		email := ls.userEmail()
		if email == "" {
			continue
		}
		ok, seen := active[email]
		if !seen {
			u, err := tn.UserByEmail(ctx, store.System, email)
			switch {
			case errors.Is(err, store.ErrNotFound):
			case err != nil:
				s.log.Error("user status", "tenant", tn.Info.Schema, "user", email, "err", err)
				return
			default:
				ok = u.Active
			}
			active[email] = ok
		}
		if !ok {
			ls.end(reasonDeactivated)
			s.log.Info("user session ended", "tenant", tn.Info.Schema, "user", email, "reason", reasonDeactivated)
		}
	}
}
