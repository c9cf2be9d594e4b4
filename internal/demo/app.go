package demo

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"

	"github.com/gosimplejwt/simplejwt"
)

// App is an example app as Run serves it: its routes, and what an app adds
// to them without this package depending on it, such as metrics.
type App struct {
	// Routes returns the app's handler on the Auth: NewMux for the
	// net/http app.
	Routes func(*simplejwt.Auth) http.Handler
	// Hooks are given to the Auth (simplejwt.WithHooks). Default none.
	Hooks simplejwt.Hooks
	// Extra maps http.ServeMux patterns, such as "GET /metrics", to
	// handlers served beside Routes, which answer every request the
	// patterns do not match. A pattern that conflicts with "/" panics.
	Extra map[string]http.Handler
}

// Handler builds the app on cfg: the Auth (NewAuth, with the app's hooks)
// and the handler serving Routes and Extra. The returned function releases
// what Handler opened; call it once the server has stopped.
func (app App) Handler(cfg Config, logger *slog.Logger) (http.Handler, func() error, error) {
	a, closeAuth, err := NewAuth(cfg, logger, simplejwt.WithHooks(app.Hooks))
	if err != nil {
		return nil, nil, err
	}
	h := app.Routes(a)
	if len(app.Extra) > 0 {
		mux := http.NewServeMux()
		for pattern, eh := range app.Extra {
			mux.Handle(pattern, eh)
		}
		mux.Handle("/", h)
		h = mux
	}
	return h, closeAuth, nil
}

// Run runs the app until ctx is done: it loads the configuration through
// getenv, builds the app (Handler), serves it on the configured address
// with request logging, and on ctx's end shuts the server down gracefully,
// waiting for requests in flight. It logs "listening" with the bound
// address once it accepts connections.
func (app App) Run(ctx context.Context, logger *slog.Logger, getenv func(string) string) error {
	cfg, err := Load(getenv)
	if err != nil {
		return err
	}
	h, closeApp, err := app.Handler(cfg, logger)
	if err != nil {
		return err
	}
	defer closeApp()

	return Serve(ctx, logger, cfg.Addr, h)
}

// Serve serves h with request logging on addr (NewServer's timeouts) until
// ctx is done, then shuts the server down gracefully, waiting for requests
// in flight. It logs "listening" with the bound address once it accepts
// connections.
func Serve(ctx context.Context, logger *slog.Logger, addr string, h http.Handler) error {
	srv := NewServer(addr, LogRequests(logger, h))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	logger.Info("listening", "addr", ln.Addr().String())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Flag reads the boolean variable name through getenv as Load reads its
// flags: unset or empty is false, and a bad value is a *VarError.
func Flag(getenv func(string) string, name string) (bool, error) {
	var on bool
	if err := parseFlag(getenv(name), &on); err != nil {
		return false, &VarError{Name: name, Err: err}
	}
	return on, nil
}
