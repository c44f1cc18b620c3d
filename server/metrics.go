package server

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"consultorio/metrics"
)

// The server's metrics (Config.MetricsAddr): what it counts as things
// happen (logins) goes through s.metrics, nil when metrics are off; what
// it has (sessions, connections, the outbox) is read at scrape time by the
// collectors below.

// outboxTimeout bounds the outbox count of one scrape.
const outboxTimeout = 5 * time.Second

// serverCollectors are the gauges read at scrape time.
func (s *Server) serverCollectors() []prometheus.Collector {
	gauge := func(name, help string, labels prometheus.Labels, f func() float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: metrics.Namespace, Name: name, Help: help, ConstLabels: labels}, f)
	}
	sessions := func(state string) prometheus.Collector {
		return gauge("sessions", "Open SSH sessions by state: login (nobody known yet: login form, key-less command), clinic (a clinic's staff), panel (an operator).",
			prometheus.Labels{"state": state}, func() float64 { return float64(s.sessionsIn(state)) })
	}
	pool := s.db.Pool()
	return []prometheus.Collector{
		sessions(stateLogin), sessions(stateClinic), sessions(statePanel),
		gauge("db_shared_conns_acquired", "Connections of the shared pool (runtime role) in use.", nil,
			func() float64 { return float64(pool.Stat().AcquiredConns()) }),
		gauge("db_shared_conns_total", "Connections of the shared pool open (in use, idle or being made).", nil,
			func() float64 { return float64(pool.Stat().TotalConns()) }),
		gauge("db_shared_conns_max", "Largest size of the shared pool.", nil,
			func() float64 { return float64(pool.Stat().MaxConns()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: metrics.Namespace, Name: "db_shared_acquire_wait_seconds_total",
			Help: "Time spent waiting for a connection of the shared pool."},
			func() float64 { return pool.Stat().EmptyAcquireWaitTime().Seconds() }),
		gauge("db_clinic_pools_open", "Clinics with a connection pool open (each up to the connections per clinic, as the clinic's role).", nil,
			func() float64 { return float64(s.db.OpenClinicPools()) }),
		outboxCollector{s: s, desc: prometheus.NewDesc(metrics.Namespace+"_outbox_due",
			"E-mails waiting to be sent (pending or retrying) in every clinic's outbox.", nil, nil)},
	}
}

// Session states of the sessions gauge.
const (
	stateLogin  = "login"
	stateClinic = "clinic"
	statePanel  = "panel"
)

// sessionsIn counts the live sessions in a state.
func (s *Server) sessionsIn(state string) int {
	n := 0
	for _, ls := range s.reg.snapshot(nil) {
		if s.reg.isAnon(ls) {
			if state == stateLogin {
				n++
			}
			continue
		}
		switch {
		case ls.tgt.panel && state == statePanel, !ls.tgt.panel && state == stateClinic:
			n++
		}
	}
	return n
}

// outboxCollector counts the outbox at scrape time (one query as the
// owner); a failure makes the scrape report the error for this metric.
type outboxCollector struct {
	s    *Server
	desc *prometheus.Desc
}

func (c outboxCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), outboxTimeout)
	defer cancel()
	n, err := c.s.db.OutboxDepth(ctx)
	if err != nil {
		c.s.log.Error("metrics: outbox depth", "err", err)
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n))
}

// listenMetrics binds Config.MetricsAddr (nothing when empty).
func (s *Server) listenMetrics() error {
	if s.cfg.MetricsAddr == "" || s.metricsLn != nil {
		return nil
	}
	ln, err := net.Listen("tcp", s.cfg.MetricsAddr)
	if err != nil {
		return err
	}
	s.metricsLn = ln
	return nil
}

// serveMetrics serves /metrics and /healthz on the metrics listener until
// the returned stop is called.
func (s *Server) serveMetrics() (stop func()) {
	if s.metricsLn == nil {
		return func() {}
	}
	hs := &http.Server{Handler: s.metrics.Handler(s.healthy), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := hs.Serve(s.metricsLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("metrics", "err", err)
		}
	}()
	return func() { _ = hs.Close() }
}

// healthy is /healthz's check: the database answers.
func (s *Server) healthy(ctx context.Context) error {
	if err := s.db.Ping(ctx); err != nil {
		s.log.Warn("health check", "err", err)
		return err
	}
	return nil
}

// MetricsAddr is the address metrics are served on (nil when they are off
// or before Listen).
func (s *Server) MetricsAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.metricsLn == nil {
		return nil
	}
	return s.metricsLn.Addr()
}
