// Command gin is the Gin example app: the routes of examples/basic served
// by Gin through the ginjwt adapter, with the same environment
// (see examples/basic).
//
// Run it from adapters/gin with
//
//	go run ./examples/gin
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

	"github.com/gin-gonic/gin"
	"github.com/gosimplejwt/simplejwt"
	ginjwt "github.com/gosimplejwt/simplejwt/adapters/gin"
	"github.com/gosimplejwt/simplejwt/internal/demo"
)

// newRouter returns the app's routes: the token endpoints under
// /api/token/, /api/whoami/ for access tokens, /api/whoami-sliding/ for
// sliding tokens (renewed in the Refreshed-Token header), the user's
// sessions under /api/sessions/, the JWKS with an asymmetric algorithm and
// /healthz: those of examples/basic.
func newRouter(a *simplejwt.Auth) http.Handler {
	r := gin.New()
	r.Use(gin.Recovery())
	r.HandleMethodNotAllowed = true

	ginjwt.Mount(r, "/api/token/", a)
	whoami := func(c *gin.Context) {
		claims, _ := ginjwt.Claims(c)
		c.Data(http.StatusOK, "application/json", demo.WhoamiJSON(claims))
	}
	r.GET("/api/whoami/", ginjwt.Middleware(a.MustGuard(simplejwt.Accept(simplejwt.Access))), whoami)
	r.GET("/api/whoami-sliding/", ginjwt.Middleware(a.MustGuard(simplejwt.Accept(simplejwt.Sliding))), whoami)
	sessions := []gin.HandlerFunc{ginjwt.Middleware(a.MustGuard(simplejwt.Accept(simplejwt.Access, simplejwt.Sliding))),
		gin.WrapH(demo.Sessions(a))}
	r.GET("/api/sessions/", sessions...)
	r.DELETE("/api/sessions/:id/", sessions...)
	if len(a.PublicKeys()) > 0 {
		r.GET("/.well-known/jwks.json", gin.WrapH(a.JWKSHandler(simplejwt.DefaultJWKSMaxAge)))
	}
	r.GET("/healthz", gin.WrapF(demo.Healthz))
	return r
}

func main() {
	if os.Getenv(gin.EnvGinMode) == "" {
		gin.SetMode(gin.ReleaseMode)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	// SIGINT and SIGTERM end ctx: the server stops taking connections and
	// finishes the requests in flight.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := demo.Run(ctx, logger, os.Getenv, newRouter)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "gin: %v\n", err)
		os.Exit(1)
	}
}
