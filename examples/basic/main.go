// Command basic is the net/http example app: the SimpleJWT token endpoints
// under /api/token/, /api/whoami/ for access tokens, /api/whoami-sliding/
// for sliding tokens (renewed in the Refreshed-Token response header) and
// /healthz.
//
// Run it with
//
//	go run ./examples/basic
//
// and try it with scripts/walkthrough.sh http://127.0.0.1:8000. It is
// configured through the environment: ADDR (default 127.0.0.1:8000),
// JWT_SIGNING_KEY (an HMAC secret of at least 32 bytes; random per start
// when unset), JWT_ALGORITHM (default HS256) with JWT_PRIVATE_KEY_FILE for
// RS*, PS*, ES* and EdDSA, REDIS_URL (in memory when unset), the lifetimes
// JWT_ACCESS_TOKEN_LIFETIME, JWT_REFRESH_TOKEN_LIFETIME,
// JWT_SLIDING_TOKEN_LIFETIME and JWT_SLIDING_TOKEN_REFRESH_LIFETIME (Go
// durations), JWT_ROTATE_REFRESH_TOKENS=1 and JWT_BLACKLIST_AFTER_ROTATION=1.
// With METRICS=1 it serves the middleware's Prometheus metrics on
// GET /metrics (package simplejwtprom). The users are alice/wonderland and
// bob/builder (inactive).
//
// It is in the examples module, so that the core module does not depend on
// Prometheus; the go.work file at the repository root makes the command
// above work from there.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/gosimplejwt/simplejwt/internal/demo"
	simplejwtprom "github.com/gosimplejwt/simplejwt/metrics/prometheus"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

func main() {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	// SIGINT and SIGTERM end ctx: the server stops taking connections and
	// finishes the requests in flight.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	app, err := newApp(os.Getenv)
	if err == nil {
		err = app.Run(ctx, logger, os.Getenv)
	}
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "basic: %v\n", err)
		os.Exit(1)
	}
}

// newApp returns the app: the routes of demo.NewMux and, with METRICS=1, the
// middleware's metrics (plus the Go runtime's and the process's) on
// GET /metrics, in a registry of the app's own.
func newApp(getenv func(string) string) (demo.App, error) {
	app := demo.App{Routes: demo.NewMux}
	on, err := demo.Flag(getenv, "METRICS")
	if err != nil || !on {
		return app, err
	}
	m := simplejwtprom.New()
	reg := prometheus.NewRegistry()
	reg.MustRegister(m, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	app.Hooks = m.Hooks()
	app.Extra = map[string]http.Handler{"GET /metrics": promhttp.HandlerFor(reg, promhttp.HandlerOpts{})}
	return app, nil
}
