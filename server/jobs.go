package server

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"

	"consultorio/mail"
	"consultorio/store"
)

// maxScanJobs is how many clinics the notification scan works on at once,
// at most: a quarter of the pool, so that the sessions keep connections
// while it runs (pgxpool's default pool is 4 on a small machine).
const maxScanJobs = 4

func (s *Server) scanJobs() int {
	return max(1, min(maxScanJobs, int(s.db.Pool().Config().MaxConns)/4))
}

// startJobs starts the background jobs of Config (each in its own
// goroutine, so none delays another or any session); they stop when ctx
// ends, and Serve waits for them (s.bg) before returning.
//
// The jobs over every clinic run on one server of the deployment at a time,
// the leader; the refresh of the open-session rows is each server's own.
func (s *Server) startJobs(ctx context.Context) {
	s.lead(ctx, s.cfg.LeaderEvery)
	s.every(ctx, "notification scan", s.cfg.NotifyScanEvery, s.ifLeader(s.scanNotifications))
	s.every(ctx, "morose status", s.cfg.MoroseEvery, s.ifLeader(s.updateMorose))
	s.every(ctx, "spare schemas", s.cfg.SparesEvery, s.ifLeader(s.topUpSpares))
	s.every(ctx, "open sessions", store.LoginRefresh, s.refreshLogins)
	// E-mail is claimed row by row (FOR UPDATE SKIP LOCKED), so two senders
	// would be safe; one is enough, and it keeps the per-minute scan of
	// every clinic to one server.
	s.every(ctx, "e-mail", s.cfg.MailEvery, s.ifLeader(s.sendMail))
}

// DefaultMailEvery is how often the e-mail job runs.
const DefaultMailEvery = time.Minute

// sendMail queues what the clock says is due (reminders, evening agendas)
// and sends every clinic's due e-mail. Several servers may run it at once:
// the store hands each message to one sender (FOR UPDATE SKIP LOCKED).
func (s *Server) sendMail(ctx context.Context) error {
	sender := mail.NewSender(s.cfg.Mail, s.db, s.sshLine, s.log)
	if err := sender.Schedule(ctx); err != nil {
		s.log.Error("e-mail scheduling failed for a clinic", "err", err)
	}
	res, err := sender.SendDue(ctx)
	if res.Sent > 0 || res.Failed > 0 {
		s.log.Info("e-mail", "sent", res.Sent, "failed", res.Failed)
	}
	return err
}

// lead keeps trying to take the leadership (store.TryLead) every d, at once
// the first time so a lone server runs its jobs from the start; the leader
// checks every d that it still holds it. The leadership is given up when
// ctx ends.
func (s *Server) lead(ctx context.Context, d time.Duration) {
	var held *store.Leadership
	try := func() {
		if held != nil && !held.Held(ctx) {
			held.Release(ctx)
			held = nil
			s.leading.Store(false)
			s.log.Warn("lost the leadership of the background jobs")
		}
		if held == nil && ctx.Err() == nil {
			l, err := s.db.TryLead(ctx)
			if err != nil {
				s.log.Error("background jobs: leadership", "err", err)
				return
			}
			if l != nil {
				held = l
				s.leading.Store(true)
				s.log.Info("this server runs the shared background jobs", "server", s.serverID)
			}
		}
	}
	try()
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				if held != nil {
					s.leading.Store(false)
					held.Release(ctx)
				}
				return
			case <-t.C:
				try()
			}
		}
	}()
}

// ifLeader runs job only on the leader.
func (s *Server) ifLeader(job func(context.Context) error) func(context.Context) error {
	return func(ctx context.Context) error {
		if !s.leading.Load() {
			return nil
		}
		return job(ctx)
	}
}

// every runs job now and then every d until ctx ends (d < 0: never). A
// failure or a panic is logged and the job runs again at its next time.
func (s *Server) every(ctx context.Context, name string, d time.Duration, job func(context.Context) error) {
	if d < 0 {
		return
	}
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			if err := s.runJob(ctx, d, job); err != nil && ctx.Err() == nil {
				s.log.Error("background job failed", "job", name, "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// jobTimeout bounds one run of a job (at least its interval), so a run
// stuck on a lock does not stop the job for good.
const jobTimeout = 5 * time.Minute

func (s *Server) runJob(ctx context.Context, every time.Duration, job func(context.Context) error) (err error) {
	ctx, cancel := context.WithTimeout(ctx, max(every, jobTimeout))
	defer cancel()
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %v\n%s", v, debug.Stack())
		}
	}()
	return job(ctx)
}

// scanNotifications generates and resolves the notifications of every live
// clinic ("tomorrow" and "overdue" in each clinic's time zone). A clinic
// whose scan fails is logged; the others are scanned. The jobs use the
// store's clock (the real one in production; tests may fake it).
func (s *Server) scanNotifications(ctx context.Context) error {
	sum, err := s.db.ScanAllNotifications(ctx, s.db.Now(), s.scanJobs())
	if err != nil {
		return err
	}
	for _, f := range sum.Failed {
		s.log.Error("notification scan failed for a clinic", "tenant", f.Schema, "err", f.Err)
	}
	if sum.Created+sum.Resolved > 0 {
		s.log.Info("notification scan", "clinics", sum.Clinics, "created", sum.Created, "resolved", sum.Resolved)
	}
	return nil
}

// updateMorose re-evaluates which clinics are morose (overdue invoices).
func (s *Server) updateMorose(ctx context.Context) error {
	changed, err := s.db.UpdateMoroseStatus(ctx, store.Scheduler, s.db.Now())
	if err != nil {
		return err
	}
	if len(changed) > 0 {
		s.log.Info("morose status changed", "tenants", changed)
	}
	return nil
}

// topUpSpares keeps the pool of pre-built tenant schemas full, so creating
// a clinic stays fast.
func (s *Server) topUpSpares(ctx context.Context) error {
	n, err := s.db.TopUpSpares(ctx, store.DefaultSpares)
	if n > 0 {
		s.log.Info("spare schemas built", "count", n)
	}
	return err
}
