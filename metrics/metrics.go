// Package metrics holds one Consultorio process's Prometheus metrics: a
// registry of its own (no global default registry), the counters and
// histograms the server and the store feed, and the HTTP handler that
// serves them with a health check. The server serves it only on the
// separate address given (serve --metrics-addr); without it nothing
// listens.
package metrics

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"consultorio/store"
)

// Namespace prefixes every metric of Consultorio.
const Namespace = "consultorio"

// Metrics is one process's metrics. Its methods are safe for concurrent use.
type Metrics struct {
	reg     *prometheus.Registry
	logins  *prometheus.CounterVec
	booking *prometheus.HistogramVec
}

// New makes the metrics with a registry of their own, which also carries
// the Go runtime's and the process's collectors.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "logins_total",
			Help: "Logins: result=ok a session whose user became known (by key or the login form), " +
				"result=failed an attempt counted against its source address (failed authentication or credential check).",
		}, []string{"result"}),
		booking: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "booking_duration_seconds",
			Help: "Time to book a session (or series), by result (ok, refused: a conflict or a rule; error: anything else).",
			// 5 ms to ~10 s: a booking is one transaction; seconds mean
			// lock waits or an overloaded database.
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 12),
		}, []string{"result"}),
	}
	m.reg.MustRegister(m.logins, m.booking,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Every result exists from the start, so a rate over it is defined.
	m.logins.WithLabelValues("ok")
	m.logins.WithLabelValues("failed")
	for _, r := range []string{"ok", "refused", "error"} {
		m.booking.WithLabelValues(r)
	}
	return m
}

// Register adds collectors (the server's gauges read at scrape time).
func (m *Metrics) Register(cs ...prometheus.Collector) error {
	for _, c := range cs {
		if err := m.reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// Login counts one login, successful or failed. A nil Metrics counts
// nothing.
func (m *Metrics) Login(ok bool) {
	if m == nil {
		return
	}
	if ok {
		m.logins.WithLabelValues("ok").Inc()
	} else {
		m.logins.WithLabelValues("failed").Inc()
	}
}

// BookingStarted times one booking (store.Observer): the function
// returned records its duration under the result its error gives.
func (m *Metrics) BookingStarted() func(error) {
	start := time.Now()
	return func(err error) {
		m.booking.WithLabelValues(bookingResult(err)).Observe(time.Since(start).Seconds())
	}
}

// bookingResult: a typed store error is a refusal the user is told about
// (slot taken, forbidden, invalid); anything else a failure.
func bookingResult(err error) string {
	switch {
	case err == nil:
		return "ok"
	case store.CodeOf(err) != store.CodeInternal:
		return "refused"
	default:
		return "error"
	}
}

var _ store.Observer = (*Metrics)(nil)

// HealthTimeout bounds the health check's database ping.
const HealthTimeout = 2 * time.Second

// Handler serves /metrics (Prometheus text format) and /healthz, which
// answers 200 "ok" when check (the database) succeeds within HealthTimeout
// and 503 otherwise.
func (m *Metrics) Handler(check func(context.Context) error) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), HealthTimeout)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := check(ctx); err != nil {
			// The reason goes to the server's log, not to whoever asks.
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("database unavailable\n"))
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	})
	return mux
}
