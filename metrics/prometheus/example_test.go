package simplejwtprom_test

import (
	"bufio"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/gosimplejwt/simplejwt"
	simplejwtprom "github.com/gosimplejwt/simplejwt/metrics/prometheus"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Exporting the middleware's metrics on /metrics.
func Example() {
	m := simplejwtprom.New()
	reg := prometheus.NewRegistry()
	reg.MustRegister(m)
	auth, err := simplejwt.New(
		simplejwt.WithHMACSecret([]byte("a-secret-of-at-least-32-bytes!!!")),
		simplejwt.WithHooks(m.Hooks()),
	)
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/api/", auth.Middleware(http.NotFoundHandler()))
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))

	// A request without a token, then a scrape.
	mux.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/api/hello", nil))
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "simplejwt_authentications_total{") {
			fmt.Println(sc.Text())
		}
	}
	// Output:
	// simplejwt_authentications_total{outcome="bad_signature"} 0
	// simplejwt_authentications_total{outcome="csrf"} 0
	// simplejwt_authentications_total{outcome="expired"} 0
	// simplejwt_authentications_total{outcome="invalid"} 0
	// simplejwt_authentications_total{outcome="malformed"} 0
	// simplejwt_authentications_total{outcome="missing"} 1
	// simplejwt_authentications_total{outcome="ok"} 0
	// simplejwt_authentications_total{outcome="revoked"} 0
	// simplejwt_authentications_total{outcome="store_unavailable"} 0
	// simplejwt_authentications_total{outcome="wrong_type"} 0
}

// Metric names under a namespace of the application's.
func ExampleWithNamespace() {
	m := simplejwtprom.New(simplejwtprom.WithNamespace("myapp"))
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(m)
	mfs, err := reg.Gather()
	if err != nil {
		log.Fatal(err)
	}
	for _, mf := range mfs {
		fmt.Println(mf.GetName(), mf.GetType())
	}
	// Output:
	// myapp_authentications_total COUNTER
	// myapp_fail_open_total COUNTER
	// myapp_renewals_total COUNTER
	// myapp_store_lookup_duration_seconds HISTOGRAM
	// myapp_store_lookup_errors_total COUNTER
}
