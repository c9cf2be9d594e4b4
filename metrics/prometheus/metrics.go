// Package simplejwtprom reports what the simplejwt middleware does as
// Prometheus metrics: authentications by outcome, sliding renewals, the
// latency and errors of revocation store lookups, and fail-open decisions.
//
// It lives in a module of its own, so that the core module does not depend
// on Prometheus. Wire it in through the core's hooks and register it:
//
//	m := simplejwtprom.New()
//	prometheus.MustRegister(m)
//	auth, err := simplejwt.New(simplejwt.WithHMACSecret(secret), simplejwt.WithHooks(m.Hooks()))
package simplejwtprom

import (
	"net/http"
	"time"

	"github.com/gosimplejwt/simplejwt"
	"github.com/prometheus/client_golang/prometheus"
)

// outcomes are the values of the outcome label, every simplejwt.Outcome
// (TestEveryOutcomeExported checks them against the core's source). Each
// starts at 0 so that all of them show on the first scrape.
var outcomes = []simplejwt.Outcome{
	simplejwt.OutcomeOK,
	simplejwt.OutcomeMissing,
	simplejwt.OutcomeMalformed,
	simplejwt.OutcomeBadSignature,
	simplejwt.OutcomeExpired,
	simplejwt.OutcomeInvalid,
	simplejwt.OutcomeWrongType,
	simplejwt.OutcomeRevoked,
	simplejwt.OutcomeStoreUnavailable,
	simplejwt.OutcomeCSRF,
}

// lookupBuckets are the upper bounds, in seconds, of the store lookup
// histogram: from 100µs (an in-process or nearby Redis) to 1s, well past
// the Redis store's default timeout of 100ms.
var lookupBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1}

// Metrics holds the collectors fed by the hooks of Hooks. It is a
// prometheus.Collector: register it once, with prometheus.MustRegister or a
// Registry of your own. It is safe for concurrent use, and one Metrics may
// serve the hooks of several Auths, which then add up.
type Metrics struct {
	authentications *prometheus.CounterVec
	byOutcome       map[simplejwt.Outcome]prometheus.Counter
	renewals        prometheus.Counter
	lookupDuration  prometheus.Histogram
	lookupErrors    prometheus.Counter
	failOpen        prometheus.Counter
}

// Option configures Metrics.
type Option func(*options)

type options struct {
	namespace string
}

// WithNamespace sets the prefix of every metric name, joined with an
// underscore: "myapp" gives myapp_authentications_total. Default
// "simplejwt"; "" leaves the names unprefixed.
func WithNamespace(ns string) Option {
	return func(o *options) { o.namespace = ns }
}

// New returns Metrics with every counter at 0. A bad namespace (one that
// is not a valid metric name prefix) is reported when the Metrics are
// registered, as Prometheus reports any bad metric name.
func New(opts ...Option) *Metrics {
	o := options{namespace: "simplejwt"}
	for _, opt := range opts {
		opt(&o)
	}
	m := &Metrics{
		authentications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: o.namespace,
			Name:      "authentications_total",
			Help:      "Requests checked by a simplejwt guard, by outcome.",
		}, []string{"outcome"}),
		byOutcome: make(map[simplejwt.Outcome]prometheus.Counter, len(outcomes)),
		renewals: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: o.namespace,
			Name:      "renewals_total",
			Help:      "Sliding tokens re-issued by the middleware.",
		}),
		lookupDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: o.namespace,
			Name:      "store_lookup_duration_seconds",
			Help:      "Duration of the revocation store lookups made by the middleware, failed ones included.",
			Buckets:   lookupBuckets,
		}),
		lookupErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: o.namespace,
			Name:      "store_lookup_errors_total",
			Help:      "Revocation store lookups made by the middleware that failed.",
		}),
		failOpen: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: o.namespace,
			Name:      "fail_open_total",
			Help:      "Requests accepted although the revocation store failed (fail-open).",
		}),
	}
	for _, oc := range outcomes {
		m.byOutcome[oc] = m.authentications.WithLabelValues(string(oc))
	}
	return m
}

// Hooks returns the hooks that feed m, for simplejwt.WithHooks.
func (m *Metrics) Hooks() simplejwt.Hooks {
	return simplejwt.Hooks{
		Authenticated: func(_ *http.Request, o simplejwt.Outcome, _ error) {
			c, ok := m.byOutcome[o]
			if !ok {
				// An outcome newer than this package: counted all the same.
				c = m.authentications.WithLabelValues(string(o))
			}
			c.Inc()
		},
		Renewed: func(*http.Request, *simplejwt.Claims) { m.renewals.Inc() },
		StoreLookup: func(d time.Duration, err error) {
			m.lookupDuration.Observe(d.Seconds())
			if err != nil {
				m.lookupErrors.Inc()
			}
		},
		FailedOpen: func(*http.Request, error) { m.failOpen.Inc() },
	}
}

// collectors are m's collectors, in the order they are described.
func (m *Metrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.authentications, m.renewals, m.lookupDuration, m.lookupErrors, m.failOpen}
}

// Describe sends the descriptors of m's metrics to ch (prometheus.Collector).
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range m.collectors() {
		c.Describe(ch)
	}
}

// Collect sends m's current values to ch (prometheus.Collector).
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	for _, c := range m.collectors() {
		c.Collect(ch)
	}
}
