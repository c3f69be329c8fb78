package httpapi

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"drorch/cloud"
	"drorch/journal"
	"drorch/runner"
)

// Metrics are drorch serve's Prometheus metrics:
//
//	drorch_runs_total{outcome}                  runs ended by this server: succeeded, failed, cancelled, already-done, interrupted
//	drorch_runs_active                          runs this server drives now
//	drorch_step_duration_seconds{type,step,outcome}  steps of those runs, from start to end
//	drorch_aws_calls_total{service,action,outcome}   AWS API calls (reads and writes): ok, or the error's kind
//	drorch_aws_call_duration_seconds{service,action} their durations, retries included
//	drorch_approvals_total{decision}            decisions recorded through the API
//
// plus the Go runtime's and the process's.
type Metrics struct {
	handler   http.Handler
	runs      *prometheus.CounterVec
	active    prometheus.Gauge
	steps     *prometheus.HistogramVec
	calls     *prometheus.CounterVec
	callTime  *prometheus.HistogramVec
	approvals *prometheus.CounterVec

	mu     sync.Mutex
	follow runner.Follower
}

// NewMetrics registers the metrics in a registry of their own; store gives
// the earlier events of a run first seen resumed.
func NewMetrics(store journal.Store) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "drorch_runs_total",
			Help: "Runs driven by this server that ended, by outcome (interrupted runs may be resumed)."}, []string{"outcome"}),
		active: prometheus.NewGauge(prometheus.GaugeOpts{Name: "drorch_runs_active", Help: "Runs this server drives now."}),
		steps: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "drorch_step_duration_seconds",
			Help:    "Duration of the steps of the runs this server drives, by resource type, step and outcome.",
			Buckets: []float64{1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200}}, []string{"type", "step", "outcome"}),
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "drorch_aws_calls_total",
			Help: "AWS API calls, reads and writes, by service, action and outcome (ok or the error's kind)."}, []string{"service", "action", "outcome"}),
		callTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "drorch_aws_call_duration_seconds",
			Help: "Duration of AWS API calls, the SDK's retries included.", Buckets: prometheus.DefBuckets}, []string{"service", "action"}),
		approvals: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "drorch_approvals_total",
			Help: "Approval decisions recorded through the API, by decision."}, []string{"decision"}),
		follow: runner.Follower{Store: store},
	}
	reg.MustRegister(m.runs, m.active, m.steps, m.calls, m.callTime, m.approvals,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.handler = promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	return m
}

// AWSCall counts one AWS API call (awsapi.Config.OnCall).
func (m *Metrics) AWSCall(service, action string, d time.Duration, err error) {
	outcome := "ok"
	var ae *cloud.APIError
	switch {
	case errors.As(err, &ae):
		outcome = ae.Kind.String()
	case err != nil:
		outcome = "other"
	}
	m.calls.WithLabelValues(service, action, outcome).Inc()
	m.callTime.WithLabelValues(service, action).Observe(d.Seconds())
}

// observe counts what an event of a run driven here ends.
func (m *Metrics) observe(ev journal.Event) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, fresh, err := m.follow.Apply(context.Background(), ev)
	if err != nil || !fresh {
		return
	}
	switch ev.Kind {
	case journal.RunStarted, journal.RunResumed:
		m.active.Inc()
	case journal.RunFinished:
		m.active.Dec()
		m.runs.WithLabelValues(string(st.Status)).Inc()
	case journal.RunInterrupted:
		m.active.Dec()
		m.runs.WithLabelValues(string(journal.StatusInterrupted)).Inc()
	case journal.StepFinished:
		r, ok := st.Resource(ev.Layer, ev.Resource)
		if !ok {
			return
		}
		if s, ok := r.Step(ev.Step); ok && !s.Started.IsZero() {
			m.steps.WithLabelValues(r.Type, s.Name, string(s.Status)).Observe(s.Elapsed().Seconds())
		}
	}
}
