package demo

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/gosimplejwt/simplejwt"
)

// shutdownTimeout bounds how long Run waits for requests in flight once it
// is told to stop.
const shutdownTimeout = 10 * time.Second

// WhoamiJSON returns the body of the whoami routes for c:
// {"user_id":"1","token_type":"access","jti":"..."}, the user id as a JSON
// string and the token type as the token names it. A nil c gives {}.
func WhoamiJSON(c *simplejwt.Claims) []byte {
	if c == nil {
		return []byte(`{}`)
	}
	// Marshalling strings cannot fail.
	b, _ := json.Marshal(struct {
		UserID string              `json:"user_id"`
		Type   simplejwt.TokenType `json:"token_type"`
		ID     string              `json:"jti"`
	}{c.UserID, c.Type, c.ID})
	return b
}

// Whoami answers 200 with WhoamiJSON of the request's claims (ClaimsFrom),
// behind a guard. Without claims it answers 401, which a guard never lets
// happen.
func Whoami(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	c, ok := simplejwt.ClaimsFrom(r.Context())
	if !ok {
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"detail":"Authentication credentials were not provided."}`))
		return
	}
	w.Write(WhoamiJSON(c))
}

// Healthz answers 200 {"status":"ok"}.
func Healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(`{"status":"ok"}`))
}

// NewMux returns the routes of the net/http example app:
//
//	POST /api/token/                  obtain an access/refresh pair
//	POST /api/token/refresh/          refresh
//	POST /api/token/sliding/          obtain a sliding token
//	POST /api/token/sliding/refresh/  refresh a sliding token
//	POST /api/token/verify/           verify any token
//	POST /api/token/blacklist/        revoke a refresh or sliding token
//	GET  /api/whoami/                 access tokens only
//	GET  /api/whoami-sliding/         sliding tokens only, renewed in Refreshed-Token
//	POST /api/token/logout-all/       revoke every token of the user
//	GET  /api/sessions/               the user's live sessions (see Sessions)
//	DELETE /api/sessions/{id}/        revoke one of them
//	GET  /healthz                     {"status":"ok"}
//	GET  /.well-known/jwks.json       the public keys, with an asymmetric algorithm
func NewMux(a *simplejwt.Auth) http.Handler {
	mux := http.NewServeMux()
	a.Mount(mux, "/api/token/")
	if len(a.PublicKeys()) > 0 {
		mux.Handle("/.well-known/jwks.json", a.JWKSHandler(simplejwt.DefaultJWKSMaxAge))
	}
	whoami := http.HandlerFunc(Whoami)
	mux.Handle("GET /api/whoami/{$}", a.MustGuard(simplejwt.Accept(simplejwt.Access)).Middleware(whoami))
	mux.Handle("GET /api/whoami-sliding/{$}", a.MustGuard(simplejwt.Accept(simplejwt.Sliding)).Middleware(whoami))
	sessions := a.MustGuard(simplejwt.Accept(simplejwt.Access, simplejwt.Sliding)).Middleware(Sessions(a))
	mux.Handle("GET /api/sessions/{$}", sessions)
	mux.Handle("DELETE /api/sessions/{id}/{$}", sessions)
	mux.HandleFunc("GET /healthz", Healthz)
	return mux
}

// NewServer returns an http.Server for h on addr with the timeouts and
// header limit every example app uses.
func NewServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
}

// LogRequests logs one line per request through logger, once h has
// answered: method, path, status and duration.
func LogRequests(logger *slog.Logger, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		status := sw.status
		if status == 0 {
			status = http.StatusOK
		}
		logger.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", status),
			slog.Duration("duration", time.Since(start)))
	})
}

// statusWriter records the status a handler sends.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Flush lets frameworks that assert http.Flusher flush through the wrapper.
func (w *statusWriter) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Run runs the example app app(auth) until ctx is done, as App.Run does
// with app as its Routes.
func Run(ctx context.Context, logger *slog.Logger, getenv func(string) string, app func(*simplejwt.Auth) http.Handler) error {
	return App{Routes: app}.Run(ctx, logger, getenv)
}
