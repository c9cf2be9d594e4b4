// Command echo is the Echo example app: the routes of examples/basic served
// by Echo through the echojwt adapter, with the same environment
// (see examples/basic).
//
// Run it from adapters/echo with
//
//	go run ./examples/echo
//
// and try it with scripts/walkthrough.sh http://127.0.0.1:8000.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/gosimplejwt/simplejwt"
	echojwt "github.com/gosimplejwt/simplejwt/adapters/echo"
	"github.com/gosimplejwt/simplejwt/internal/demo"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// newRouter returns the app's routes: the token endpoints under
// /api/token/, /api/whoami/ for access tokens, /api/whoami-sliding/ for
// sliding tokens (renewed in the Refreshed-Token header), the user's
// sessions under /api/sessions/, the JWKS with an asymmetric algorithm and
// /healthz: those of examples/basic.
func newRouter(a *simplejwt.Auth) http.Handler {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Use(middleware.Recover())

	echojwt.Mount(e, "/api/token/", a)
	whoami := func(c echo.Context) error {
		claims, _ := echojwt.Claims(c)
		return c.Blob(http.StatusOK, "application/json", demo.WhoamiJSON(claims))
	}
	e.GET("/api/whoami/", whoami, echojwt.Middleware(a.MustGuard(simplejwt.Accept(simplejwt.Access))))
	e.GET("/api/whoami-sliding/", whoami, echojwt.Middleware(a.MustGuard(simplejwt.Accept(simplejwt.Sliding))))
	sessionsGuard := echojwt.Middleware(a.MustGuard(simplejwt.Accept(simplejwt.Access, simplejwt.Sliding)))
	e.GET("/api/sessions/", echo.WrapHandler(demo.Sessions(a)), sessionsGuard)
	e.DELETE("/api/sessions/:id/", echo.WrapHandler(demo.Sessions(a)), sessionsGuard)
	if len(a.PublicKeys()) > 0 {
		e.GET("/.well-known/jwks.json", echo.WrapHandler(a.JWKSHandler(simplejwt.DefaultJWKSMaxAge)))
	}
	e.GET("/healthz", echo.WrapHandler(http.HandlerFunc(demo.Healthz)))
	return e
}

func main() {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	// SIGINT and SIGTERM end ctx: the server stops taking connections and
	// finishes the requests in flight.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := demo.Run(ctx, logger, os.Getenv, newRouter)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "echo: %v\n", err)
		os.Exit(1)
	}
}
