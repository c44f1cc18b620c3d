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
func (s *Server) startJobs(ctx context.Context) {
	s.every(ctx, "notification scan", s.cfg.NotifyScanEvery, s.scanNotifications)
	s.every(ctx, "morose status", s.cfg.MoroseEvery, s.updateMorose)
	s.every(ctx, "spare schemas", s.cfg.SparesEvery, s.topUpSpares)
	s.every(ctx, "open sessions", store.LoginRefresh, s.refreshLogins)
	s.every(ctx, "e-mail", s.cfg.MailEvery, s.sendMail)
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
