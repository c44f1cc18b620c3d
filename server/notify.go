package server

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"consultorio/store"
)

// tenantStatusChannel is where the store notifies a tenant's status change
// (payload: the schema), in the changing transaction: every server learns it
// on commit, however many run.
const tenantStatusChannel = store.TenantStatusChannel

// watchTenantStatus listens for tenant status changes on a dedicated
// connection (LISTEN needs one session for itself, outside the pool) and ends
// the live sessions of a clinic that was suspended or removed. It reconnects
// with backoff until ctx ends. Each time it starts listening it checks every
// clinic with live sessions: notifications sent while nobody listened (before
// the first LISTEN, or while reconnecting) are lost.
func (s *Server) watchTenantStatus(ctx context.Context) {
	backoff := 500 * time.Millisecond
	for ctx.Err() == nil {
		connected, err := s.listenTenantStatus(ctx)
		if ctx.Err() != nil {
			return
		}
		if connected {
			backoff = 500 * time.Millisecond
		}
		s.log.Warn("tenant status listener: reconnecting", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 30*time.Second)
	}
}

func (s *Server) listenTenantStatus(ctx context.Context) (connected bool, err error) {
	conn, err := pgx.ConnectConfig(ctx, s.db.Pool().Config().ConnConfig)
	if err != nil {
		return false, fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx)) //nolint:errcheck
	if _, err := conn.Exec(ctx, "listen "+tenantStatusChannel); err != nil {
		return false, fmt.Errorf("listen: %w", err)
	}
	// Sessions resolving their clinic right now compare this counter and
	// look again; the ones already registered are checked here.
	s.reg.gen.Add(1)
	for _, schema := range s.reg.tenants() {
		s.tenantStatusChanged(ctx, schema)
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return true, err
		}
		s.reg.gen.Add(1)
		s.tenantStatusChanged(ctx, n.Payload)
	}
}

// tenantStatusChanged ends the sessions of schema if the clinic is no longer
// open. Nothing to do (and no query) when it has no live session here.
func (s *Server) tenantStatusChanged(ctx context.Context, schema string) {
	if len(s.reg.snapshot(func(ls *liveSession) bool { return ls.tenant == schema })) == 0 {
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
		return
	}
	n := s.reg.endTenant(schema, reason)
	s.log.Info("tenant sessions ended", "tenant", schema, "sessions", n, "reason", reason)
}
